"""Counting failed attempts and deciding the back-off; see the package docstring for the design."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, delete, func, select, type_coerce

from identity.db import UtcDateTime
from identity.throttle.errors import TooManyAttempts
from identity.throttle.models import FailedAttempt, KnownDevice
from portal_runtime.messaging import UnitOfWork

AttemptKind = Literal["password", "mfa"]


@dataclass(frozen=True)
class Client:
    """Where an attempt comes from."""

    ip: str
    user_agent: str

    @property
    def user_agent_hash(self) -> str:
        return hashlib.sha256(self.user_agent.encode("utf-8", errors="replace")).hexdigest()


@dataclass(frozen=True)
class ThrottlePolicy:
    window_s: int = 900
    per_pair: int = 5
    per_account: int = 20
    per_ip: int = 50
    base_delay_s: float = 1.0
    max_delay_s: float = 900.0


def blocked_until(failures: int, threshold: int, last: datetime | None, policy: ThrottlePolicy) -> datetime | None:
    """Past ``threshold`` failures, the next attempt waits 1 s, 2 s, 4 s, ... after the last one, capped."""
    if last is None or failures < threshold:
        return None
    exponent = min(failures - threshold, 32)
    return last + timedelta(seconds=min(policy.base_delay_s * 2**exponent, policy.max_delay_s))


@dataclass(frozen=True)
class Throttle:
    policy: ThrottlePolicy

    async def check(
        self, uow: UnitOfWork, kind: AttemptKind, account: str, user_id: str | None, client: Client, now: datetime
    ) -> None:
        """Raise :class:`TooManyAttempts` when this attempt must wait."""
        since = now - timedelta(seconds=self.policy.window_s)
        recent = (FailedAttempt.kind == kind, FailedAttempt.at > since)
        counters = [
            ((FailedAttempt.account == account, FailedAttempt.ip == client.ip), self.policy.per_pair),
            ((FailedAttempt.ip == client.ip,), self.policy.per_ip),
        ]
        if user_id is None or not await self._known(uow, user_id, client):
            counters.append(((FailedAttempt.account == account,), self.policy.per_account))
        until = max(
            (u for u in [await self._blocked_until(uow, (*recent, *where), limit) for where, limit in counters] if u),
            default=None,
        )
        if until is not None and until > now:
            raise TooManyAttempts(until - now)

    async def failed(self, uow: UnitOfWork, kind: AttemptKind, account: str, client: Client, now: datetime) -> None:
        await uow.session.execute(
            delete(FailedAttempt)
            .where(FailedAttempt.at <= now - timedelta(seconds=self.policy.window_s))
            .execution_options(synchronize_session=False)
        )
        uow.session.add(FailedAttempt(kind=kind, account=account, ip=client.ip[:64], at=now))

    async def succeeded(self, uow: UnitOfWork, account: str, user_id: str, client: Client, now: datetime) -> None:
        """A completed sign-in: this device becomes known and its address's failures for the account are forgotten."""
        await uow.session.execute(
            delete(FailedAttempt)
            .where(FailedAttempt.account == account, FailedAttempt.ip == client.ip)
            .execution_options(synchronize_session=False)
        )
        device = await uow.session.get(KnownDevice, (user_id, client.ip[:64], client.user_agent_hash))
        if device is None:
            uow.session.add(
                KnownDevice(
                    user_id=user_id,
                    ip=client.ip[:64],
                    user_agent_hash=client.user_agent_hash,
                    first_seen_at=now,
                    last_seen_at=now,
                )
            )
        else:
            device.last_seen_at = now

    async def _known(self, uow: UnitOfWork, user_id: str, client: Client) -> bool:
        return await uow.session.get(KnownDevice, (user_id, client.ip[:64], client.user_agent_hash)) is not None

    async def _blocked_until(
        self, uow: UnitOfWork, where: tuple[ColumnElement[bool], ...], threshold: int
    ) -> datetime | None:
        # The aggregate keeps the column's type, so SQLite's text comes back as an aware datetime.
        last_at = type_coerce(func.max(FailedAttempt.at), UtcDateTime())
        failures, last = (await uow.session.execute(select(func.count(), last_at).where(*where))).one()
        return blocked_until(failures, threshold, last, self.policy)
