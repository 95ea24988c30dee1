"""Lists: ``?limit=`` (default 10, max 100) and an opaque ``?cursor=``; responses ``{items, next_cursor}``.

Every list is keyset-paged on a unique, indexed key, so a page costs the same wherever it starts. The cursor is
the key of the last item, base64url-encoded JSON: opaque to integrators, checked when read back.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query

from portal_runtime.problems import FieldError, Unprocessable

T = TypeVar("T")
K = TypeVar("K", int, str)

DEFAULT_LIMIT = 10
MAX_LIMIT = 100


class InvalidCursor(Unprocessable):
    code, title, title_fr = "invalid_cursor", "Invalid cursor", "Curseur non valide"

    def __init__(self) -> None:
        message = "The cursor is not one this list returned; start again without it."
        french = "Ce curseur ne vient pas de cette liste; recommencez sans curseur."
        cursor = FieldError(field="cursor", message=message, fr=french, code="invalid_cursor")
        super().__init__(message, fr=french, errors=[cursor])


def encode_cursor(key: int | str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": key}).encode()).decode().rstrip("=")


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None

    def after(self, key_type: type[K]) -> K | None:
        """The key the page starts after; :class:`InvalidCursor` when the cursor is not one we issued."""
        if self.cursor is None:
            return None
        try:
            raw = base64.urlsafe_b64decode(self.cursor + "=" * (-len(self.cursor) % 4))
            key = json.loads(raw)["after"]
        except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
            raise InvalidCursor() from None
        if type(key) is not key_type:
            raise InvalidCursor()
        return key  # type: ignore[no-any-return]

    def cut(self, rows: Sequence[T], key: Callable[[T], int | str]) -> tuple[list[T], str | None]:
        """The page (rows were fetched with ``limit + 1``) and the cursor of the next one, if any."""
        items = list(rows[: self.limit])
        more = len(rows) > self.limit
        return items, encode_cursor(key(items[-1])) if more and items else None


async def _page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=512, description="`next_cursor` of the previous page; omit for the first.")
    ] = None,
) -> PageRequest:
    return PageRequest(limit, cursor)


Paging = Annotated[PageRequest, Depends(_page_request)]
