"""Finding a service's route in constant time instead of trying each one in turn.

FastAPI 0.165 matches a request by trying every route of every included router in order, and each try costs
~3.5 µs of Python here (the included router's bookkeeping around Starlette's regular expression): delegation's
employee read, its ~26th route, spent ~110 µs of its ~1 ms of CPU on finding its route (measured with py-spy and
timed alone); identity, with twice the routes, more. :class:`RouteIndex` holds the same routes, in the same order,
behind a tree of their paths' segments: a request is tried only against the routes whose literal segments it
has, so usually one; the first full match (path and method) wins, else the first partial one (405), exactly as
the routers would decide.

It sits in the app's routes ahead of the included routers, which stay where they were: FastAPI still builds the
OpenAPI document from them, and a path the index does not know falls through to them (the 404, the redirect of
a trailing slash), as before. The index is built once, with the app: routes are declared at import time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

# A whole segment that is one path parameter; its convertor (str, int, float, uuid) never matches a "/".
_PARAMETER = re.compile(r"\{[^{}:]+(?::(?!path\})[^{}]+)?\}")


class _Node:
    __slots__ = ("ends", "literal", "parameter")

    def __init__(self) -> None:
        self.literal: dict[str, _Node] = {}
        self.parameter: _Node | None = None
        self.ends: list[int] = []  # routes (by position) whose path ends here


class RouteIndex(BaseRoute):
    """The given routes, matched through a tree of their paths' segments (see the module docstring)."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.routes: list[APIRoute] = []
        self._root = _Node()
        self._everywhere: list[int] = []  # routes whose path cannot be split into segments ({x:path})
        for position, route in enumerate(routes):
            if not isinstance(route, APIRoute):
                raise TypeError(f"only FastAPI routes can be indexed, not {route!r}")
            self.routes.append(route)
            if ":path}" in route.path:
                self._everywhere.append(position)
                continue
            node = self._root
            for segment in route.path.split("/"):
                if "{" not in segment:
                    node = node.literal.setdefault(segment, _Node())
                elif _PARAMETER.fullmatch(segment):
                    if node.parameter is None:
                        node.parameter = _Node()
                    node = node.parameter
                else:  # a parameter inside a segment ("{id}.pdf"): such a route is tried for every path
                    self._everywhere.append(position)
                    break
            else:
                node.ends.append(position)

    def candidates(self, path: str) -> list[APIRoute]:
        """The routes ``path`` may match, in their order: those whose literal segments it has."""
        nodes = [self._root]
        for segment in path.split("/"):
            found: list[_Node] = []
            for node in nodes:
                literal = node.literal.get(segment)
                if literal is not None:
                    found.append(literal)
                if node.parameter is not None and segment:
                    found.append(node.parameter)
            nodes = found
            if not nodes:
                break
        positions = [position for node in nodes for position in node.ends]
        if self._everywhere:
            positions = sorted({*positions, *self._everywhere})
        elif len(nodes) > 1:
            positions.sort()
        return [self.routes[position] for position in positions]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        partial: Scope | None = None
        for route in self.candidates(get_route_path(scope)):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return match, child_scope
            if match is Match.PARTIAL and partial is None:
                partial = child_scope
        if partial is not None:
            return Match.PARTIAL, partial
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The route chosen by matches() (FastAPI routes put themselves in the scope they match).
        await scope["route"].handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: object) -> URLPath:
        raise NoMatchFound(name, path_params)  # the included routers, behind the index, answer these


def include_indexed(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Includes ``routers`` in ``app`` (in this order) behind one :class:`RouteIndex` of all their routes."""
    app.router.routes.append(RouteIndex([route for router in routers for route in router.routes]))
    for router in routers:
        app.include_router(router)
