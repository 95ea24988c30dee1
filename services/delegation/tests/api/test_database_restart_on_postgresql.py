"""PostgreSQL dropping every connection (a restart, a failover, an administrator): the next call is served or is a
503 to retry, never a 500, and the call after is served; the pool is not pinged at every checkout for this."""

from __future__ import annotations

from collections.abc import Awaitable

from httpx import Response

from delegation.roles import Role
from portal_runtime.testing.infra import PostgresServer

from .factories import BN, Portal, problem

EMPLOYEE = f"/v1/businesses/{BN}/employees/employee-1"


def served_or_retryable(response: Response) -> bool:
    if response.status_code == 503:
        body = problem(response)
        return body["code"] == "database_unavailable" and response.headers["retry-after"] == "1"
    return response.status_code == 200


async def test_a_read_after_the_connections_dropped_is_retryable_then_served(
    pg_portal: Portal, postgres: PostgresServer, pg_url: str
) -> None:
    await pg_portal.register()
    await pg_portal.employ("employee-1", Role.VIEWER)
    headers = pg_portal.acting("bam-1", Role.BAM)
    assert (await pg_portal.client.get(EMPLOYEE, headers=headers)).status_code == 200
    assert await postgres.terminate_sessions(pg_url) >= 1

    assert served_or_retryable(await pg_portal.client.get(EMPLOYEE, headers=headers))
    after = await pg_portal.client.get(EMPLOYEE, headers=headers)

    assert (after.status_code, after.json()["role"]) == (200, "viewer")


async def test_a_change_after_the_connections_dropped_is_retryable_then_made(
    pg_portal: Portal, postgres: PostgresServer, pg_url: str
) -> None:
    await pg_portal.register()
    await pg_portal.employ("employee-1", Role.VIEWER)
    headers = pg_portal.acting("bam-1", Role.BAM)
    assert await postgres.terminate_sessions(pg_url) >= 1

    def change(role: str) -> Awaitable[Response]:
        return pg_portal.client.put(EMPLOYEE, json={"role": role, "programs": "all"}, headers=headers)

    assert served_or_retryable(await change("editor"))
    after = await change("editor")  # the retry, or the same change again: nothing to do

    assert (after.status_code, after.json()["role"]) == (200, "editor")
    assert (await pg_portal.client.get(EMPLOYEE, headers=headers)).json()["role"] == "editor"
