"""Lists: ``?limit=`` (default 10, max 100) and an opaque ``?cursor=``; responses ``{items, next_cursor}``.

Lists are keyset-paged on a unique key (a BN or BN15); the cursor is that key of the last item, base64url JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query

from business_registry.errors import InvalidCursor

T = TypeVar("T")

DEFAULT_LIMIT = 10
MAX_LIMIT = 100


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": key}).encode()).decode().rstrip("=")


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None

    def after(self) -> str | None:
        """The key the page starts after; :class:`InvalidCursor` when the cursor is not one we issued."""
        if self.cursor is None:
            return None
        try:
            key = json.loads(base64.urlsafe_b64decode(self.cursor + "=" * (-len(self.cursor) % 4)))["after"]
        except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
            raise InvalidCursor() from None
        if not isinstance(key, str):
            raise InvalidCursor()
        return key

    def cut(self, rows: Sequence[T], key: Callable[[T], str]) -> tuple[list[T], str | None]:
        """The page (rows were fetched with ``limit + 1``) and the cursor of the next one, if any."""
        items = list(rows[: self.limit])
        return items, encode_cursor(key(items[-1])) if len(rows) > self.limit and items else None


def _page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=512, description="`next_cursor` of the previous page; omit for the first.")
    ] = None,
) -> PageRequest:
    return PageRequest(limit, cursor)


Paging = Annotated[PageRequest, Depends(_page_request)]
