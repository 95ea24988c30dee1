"""The route table, compiled from the committed OpenAPI documents (``contracts/openapi/<service>.json``).

The documents are the single place a route declares who may call it (``x-acting``, ``x-scope``), so the gateway
and the published contract cannot disagree. Templates are compiled into a segment tree: a lookup walks one node
per path segment, literal children before the parameter child, so ``/v1/businesses/lookup`` beats
``/v1/businesses/{bn}`` whatever order the documents list them in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal_gateway.errors import MethodNotAllowed, RouteTableError
from portal_runtime.access import MAX_BODY_BYTES, Acting
from portal_runtime.problems import NotFound

NEVER_ROUTED_TAG = "operations"  # /healthz, /readyz, /metrics of each service
INTERNAL_PREFIX = "/internal/"  # service-to-service APIs, never public
PROGRAM_ACCOUNT_PARAM = "bn15"
HTTP_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"})
_PARAM = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")


def _is_business_param(name: str) -> bool:
    # `/v1/businesses/{bn}/...` and, for the provider side, `/v1/businesses/{sp_bn}/...`
    return name == "bn" or name.endswith("_bn")


@dataclass(frozen=True, slots=True)
class Operation:
    """One public operation of one service, with what the gateway must check before forwarding it."""

    service: str
    method: str
    template: str
    acting: Acting
    scope: str | None
    segments: tuple[str | None, ...]  # literal segments, None where a parameter stands
    params: tuple[tuple[int, str], ...]  # (segment index, parameter name)
    max_body_bytes: int | None = None  # declared by the operation (x-portal-max-body-bytes); else the gateway's

    @classmethod
    def compile(
        cls,
        service: str,
        method: str,
        template: str,
        acting: Acting,
        scope: str | None,
        max_body_bytes: int | None = None,
    ) -> Operation:
        segments, params = _compile_template(template, f"{service}: {method} {template}")
        return cls(service, method, template, acting, scope, segments, params, max_body_bytes)

    @property
    def business_param(self) -> str | None:
        return next((name for _, name in self.params if _is_business_param(name)), None)

    def path_params(self, segments: list[str]) -> dict[str, str]:
        return {name: segments[index] for index, name in self.params}


@dataclass(frozen=True, slots=True)
class RouteMatch:
    operation: Operation
    path_params: dict[str, str]

    @property
    def business(self) -> str | None:
        name = self.operation.business_param
        return self.path_params[name] if name else None

    @property
    def program_account(self) -> str | None:
        return self.path_params.get(PROGRAM_ACCOUNT_PARAM)


@dataclass(slots=True)
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    param: _Node | None = None
    methods: dict[str, Operation] = field(default_factory=dict)


def allow_header(methods: Iterable[str]) -> str:
    """The methods a path takes, HEAD with GET: the gateway answers HEAD for any GET (``RouteTable.head_as_get``)."""
    taken = set(methods)
    return ", ".join(sorted(taken | {"HEAD"} if "GET" in taken else taken))


def _compile_template(template: str, where: str) -> tuple[tuple[str | None, ...], tuple[tuple[int, str], ...]]:
    """Segments (None for a parameter) and the parameters' positions."""
    if not template.startswith("/"):
        raise RouteTableError(f"{where}: the path must start with '/'")
    segments: list[str | None] = []
    params: list[tuple[int, str]] = []
    for index, segment in enumerate(template[1:].split("/")):
        found = _PARAM.match(segment)
        if found:
            segments.append(None)
            params.append((index, found.group(1)))
        elif "{" in segment or "}" in segment:
            raise RouteTableError(f"{where}: a path parameter must be a whole segment ({segment!r})")
        else:
            segments.append(segment)
    return tuple(segments), tuple(params)


def _access(service: str, method: str, template: str, spec: Mapping[str, Any]) -> tuple[Acting, str | None]:
    where = f"{service}: {method} {template}"
    raw = spec.get("x-acting")
    if raw is None:
        raise RouteTableError(f"{where} declares no x-acting; every public operation must say who may call it")
    try:
        acting = Acting(raw)
    except ValueError:
        raise RouteTableError(f"{where} has an unknown x-acting {raw!r}") from None
    scope = spec.get("x-scope")
    if acting is Acting.INTERNAL:
        raise RouteTableError(f"{where} is internal but not under {INTERNAL_PREFIX}; it would become public")
    if acting in (Acting.BUSINESS, Acting.PROGRAM_ACCOUNT) and not scope:
        raise RouteTableError(f"{where} acts on a business but declares no x-scope")
    return acting, scope


def _max_body_bytes(where: str, spec: Mapping[str, Any]) -> int | None:
    declared = spec.get(MAX_BODY_BYTES)
    if declared is None:
        return None
    if isinstance(declared, bool) or not isinstance(declared, int) or declared < 1:
        raise RouteTableError(f"{where} has {MAX_BODY_BYTES} {declared!r}; it must be a positive number of bytes")
    return declared


def is_routed(template: str, operation: Mapping[str, Any], method: str = "GET") -> bool:
    """Public operations only: never /internal/..., never a service's own health and metrics."""
    internal = template.startswith(INTERNAL_PREFIX) or template == INTERNAL_PREFIX.rstrip("/")
    return not internal and method.upper() in HTTP_METHODS and NEVER_ROUTED_TAG not in operation.get("tags", ())


def operations_of(service: str, document: Mapping[str, Any]) -> Iterator[Operation]:
    """The routable operations of one OpenAPI document."""
    for template, item in document.get("paths", {}).items():
        for key, spec in item.items():
            method = key.upper()
            if not is_routed(template, spec, method):
                continue
            acting, scope = _access(service, method, template, spec)
            limit = _max_body_bytes(f"{service}: {method} {template}", spec)
            yield Operation.compile(service, method, template, acting, scope, limit)


def _check_acting_params(op: Operation) -> None:
    names = {name for _, name in op.params}
    where = f"{op.service}: {op.method} {op.template}"
    if op.acting in (Acting.BUSINESS, Acting.PROGRAM_ACCOUNT) and op.business_param is None:
        raise RouteTableError(f"{where} acts on a business but its path names none ({{bn}})")
    if op.acting is Acting.PROGRAM_ACCOUNT and PROGRAM_ACCOUNT_PARAM not in names:
        raise RouteTableError(f"{where} acts on a program account but its path names none ({{bn15}})")


class RouteTable:
    """Method + path -> the operation to forward, or a 404 / 405 problem."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        self._root = _Node()
        self._operations: list[Operation] = []
        for op in operations:
            self._add(op)

    @classmethod
    def from_documents(cls, documents: Mapping[str, Mapping[str, Any]]) -> RouteTable:
        return cls(op for service, document in sorted(documents.items()) for op in operations_of(service, document))

    @classmethod
    def from_directory(cls, directory: Path, services: Iterable[str]) -> RouteTable:
        """Every ``<service>.json`` in ``directory``; each must name a service the gateway can reach."""
        known = set(services)
        documents: dict[str, Any] = {}
        for path in sorted(directory.glob("*.json")):
            if path.stem not in known:
                raise RouteTableError(f"{path} describes service {path.stem!r}, which has no base URL in services")
            documents[path.stem] = json.loads(path.read_text())
        return cls.from_documents(documents)

    @property
    def operations(self) -> list[Operation]:
        return list(self._operations)

    def __len__(self) -> int:
        return len(self._operations)

    def _add(self, op: Operation) -> None:
        _check_acting_params(op)
        node = self._root
        for segment in op.segments:
            if segment is None:
                node.param = node.param or _Node()
                node = node.param
            else:
                node = node.literals.setdefault(segment, _Node())
        existing = node.methods.get(op.method)
        if existing is not None:
            raise RouteTableError(
                f"{op.method} {op.template} is declared by {existing.service} ({existing.template}) "
                f"and by {op.service}; a request could not be routed unambiguously"
            )
        node.methods[op.method] = op
        self._operations.append(op)

    def head_as_get(self, path: str) -> bool:
        """Whether a HEAD of ``path`` is to be answered as its GET without the body: the services (FastAPI) answer
        only the methods they declare, and none declares HEAD; the gateway sends them the GET."""
        nodes = list(self._nodes(path)[1])
        return any("GET" in node.methods for node in nodes) and not any("HEAD" in node.methods for node in nodes)

    def match(self, method: str, path: str) -> RouteMatch:
        """The operation for a request; raises a 404 or 405 problem.

        A path can fit several templates (``/v1/me/mfa/totp`` is ``POST /v1/me/mfa/totp`` and
        ``DELETE /v1/me/mfa/{method}``): the first, literal segments before parameters, that takes the method wins,
        as in the services' own routing; 405 only when none does, with every method the path takes in ``Allow``."""
        segments, candidates = self._nodes(path)
        nodes: list[_Node] = []
        for node in candidates:  # lazily: the first template usually takes the method, the others are not sought
            op = node.methods.get(method)
            if op is not None:
                return RouteMatch(op, op.path_params(segments))
            nodes.append(node)
        if not nodes:
            raise NotFound(
                f"There is no operation at {path}.", fr=f"Il n'y a aucune opération à {path}.", code="route_not_found"
            )
        allow = allow_header(m for node in nodes for m in node.methods)
        raise MethodNotAllowed(
            f"{path} does not accept {method}; it accepts {allow}.",
            fr=f"{path} n'accepte pas {method}; méthodes acceptées : {allow}.",
            headers={"Allow": allow},
        )

    def _nodes(self, path: str) -> tuple[list[str], Iterator[_Node]]:
        """The path's segments and the nodes of every template it fits, in order of precedence (found as asked)."""
        segments = path[1:].split("/") if path.startswith("/") else []
        # Dot segments are refused: an HTTP client library would resolve them and reach another path.
        if not segments or "." in segments or ".." in segments:
            return segments, iter(())
        return segments, _find(self._root, segments, 0)


def _find(node: _Node, segments: list[str], index: int) -> Iterator[_Node]:
    """Depth-first, literal before parameter: every node whose template the segments from ``index`` on fit."""
    if index == len(segments):
        if node.methods:
            yield node
        return
    segment = segments[index]
    literal = node.literals.get(segment)
    if literal is not None:
        yield from _find(literal, segments, index + 1)
    if node.param is not None and segment:
        yield from _find(node.param, segments, index + 1)
