"""Optimistic concurrency on the resources that carry an ETag (relationships, client groups): an update must name
the version it was computed from in ``If-Match`` (RFC 9110 §13.1.1), so a concurrent change is never lost."""

from __future__ import annotations

from delegation.errors import DelegationError, PreconditionRequired


def if_match_allows(if_match: str, etag: str) -> bool:
    """``*`` or a comma-separated list of entity tags, compared strongly (a weak ``W/`` tag never matches)."""
    tags = {tag.strip() for tag in if_match.split(",")}
    return "*" in tags or etag in tags


def check_if_match(if_match: str | None, etag: str, *, resource: str, url: str, failed: DelegationError) -> None:
    """428 without If-Match (naming where to read the ETag), ``failed`` (a 412) when it names another version."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(resource, url)
    if not if_match_allows(if_match, etag):
        raise failed
