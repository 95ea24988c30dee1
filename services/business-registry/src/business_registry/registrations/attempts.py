"""How many failed proofs of knowledge a business and a user may have: ``limit`` within a sliding ``window``.

An attempt counts from the moment it starts (``pending``) so that concurrent requests cannot exceed the limit;
it stops counting when it succeeds or ends for a reason other than a wrong answer (``abandoned``: register
mismatch, ledger unavailable, lost race).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum


class Outcome(StrEnum):
    PENDING = "pending"
    FAILED = "failed"
    SUCCEEDED = "succeeded"
    ABANDONED = "abandoned"


COUNTED = (Outcome.PENDING, Outcome.FAILED)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back without a zone; they were written in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class AttemptPolicy:
    limit: int
    window: timedelta

    def since(self, now: datetime) -> datetime:
        return now - self.window

    def _recent(self, counted: Sequence[datetime], now: datetime) -> list[datetime]:
        return sorted(t for t in map(as_utc, counted) if t > self.since(now))

    def attempts_left(self, counted: Sequence[datetime], now: datetime) -> int:
        return max(0, self.limit - len(self._recent(counted, now)))

    def retry_after(self, counted: Sequence[datetime], now: datetime) -> timedelta | None:
        """``None`` while another attempt may start; else how long until the oldest counted one expires."""
        recent = self._recent(counted, now)
        if len(recent) < self.limit:
            return None
        return recent[len(recent) - self.limit] + self.window - now


def retry_after_seconds(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds()))
