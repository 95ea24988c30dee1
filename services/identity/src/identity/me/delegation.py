"""Delegation's internal API, for the businesses a user belongs to. Its absence degrades ``/v1/me``, never fails it."""

from __future__ import annotations

import logging
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter, ValidationError

from portal_contracts.internal import Membership
from portal_runtime.requestid import HEADER as REQUEST_ID_HEADER
from portal_runtime.requestid import current_request_id

log = logging.getLogger(__name__)

_MEMBERSHIPS = TypeAdapter(list[Membership])


class DelegationDirectory:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def memberships(self, user_id: str) -> list[Membership] | None:
        """The user's businesses and roles; None when delegation cannot answer right now."""
        headers = {REQUEST_ID_HEADER: current_request_id.get()} if current_request_id.get() else {}
        try:
            response = await self._client.get(f"/internal/users/{quote(user_id, safe='')}/memberships", headers=headers)
            response.raise_for_status()
            return _MEMBERSHIPS.validate_json(response.content)
        except (httpx.HTTPError, ValidationError) as exc:
            log.warning("delegation memberships of %s unavailable: %s", user_id, str(exc)[:300])
            return None

    async def aclose(self) -> None:
        await self._client.aclose()
