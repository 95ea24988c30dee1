"""No text the services take may hold the NUL character (U+0000).

No field of the portal means anything with it, and PostgreSQL cannot store it in text: a NUL reaching a query is
an internal error there (``invalid byte sequence for encoding "UTF8": 0x00``) after the request has been partly
handled. :class:`NulGuard` refuses it first, with the 422 ``validation_failed`` problem of any invalid field, naming
where it is: the path, a query parameter, a field of a JSON body (``recovery.answer``, ``proofs.0.amount``) or of a
form. Nothing else is read twice: only a body that holds an escaped NUL (JSON ``\\u0000``, form ``%00``) is parsed
here; the others pass as they are, replayed to the application from the buffer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal_runtime.problems import FieldError, validation_problem

NUL = "\x00"
MESSAGE = "Must not contain the NUL character (U+0000)"
MESSAGE_FR = "Ne doit pas contenir le caractère NUL (U+0000)"
CODE = "nul_character"
_JSON_ESCAPE = b"\\u0000"
_FORM_ESCAPE = b"%00"


class NulGuard:
    """ASGI middleware: 422 for a NUL in the path, the query string, or a JSON or form body (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fields: list[str] = []
        if NUL in scope["path"]:
            fields.append("path")
        query: bytes = scope.get("query_string", b"")
        if _FORM_ESCAPE in query or b"\x00" in query:
            fields += _in_form(query)
        kind = _body_kind(scope)
        if kind is not None and not fields:
            body, more = await _read_body(receive)
            if kind == "json" and _JSON_ESCAPE in body:
                fields += _in_json(body)
            elif kind == "form" and (_FORM_ESCAPE in body or b"\x00" in body):
                fields += _in_form(body)
            receive = _replay(body, more, receive)
        if fields:
            await _refuse(fields)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _body_kind(scope: Scope) -> str | None:
    """What the body is, by its Content-Type, whatever the method (some DELETEs take a JSON body)."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            if media == b"application/json" or media.endswith(b"+json"):
                return "json"
            if media == b"application/x-www-form-urlencoded":
                return "form"
            return None
    return None


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    """The whole body, and any message that came instead of more body (a disconnect) to hand on."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), [message]
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), []


def _replay(body: bytes, more: list[Message], receive: Receive) -> Receive:
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}, *more]

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


def _in_form(encoded: bytes) -> list[str]:
    pairs = parse_qsl(encoded.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace")
    return [name.replace(NUL, "\\0") for name, value in pairs if NUL in name or NUL in value]


def _in_json(body: bytes) -> list[str]:
    try:
        document = json.loads(body)
    except ValueError:
        return []  # not JSON: the application answers it
    return list(_nul_paths(document, ()))


def _nul_paths(value: Any, path: tuple[str, ...]) -> Iterator[str]:
    if isinstance(value, str):
        if NUL in value:
            yield ".".join(path) or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            name = key.replace(NUL, "\\0")
            if NUL in key:
                yield ".".join((*path, name))
            yield from _nul_paths(item, (*path, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, (*path, str(index)))


def _refuse(fields: list[str]) -> ASGIApp:
    errors = [FieldError(field=field, message=MESSAGE, code=CODE, fr=MESSAGE_FR) for field in dict.fromkeys(fields)]
    return validation_problem(errors)
