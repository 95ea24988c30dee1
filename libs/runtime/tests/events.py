"""Event payloads used by the runtime's own tests (not part of the product's contracts)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel


class OrderPlaced(BaseModel):
    event_type: ClassVar[str] = "test.order.placed.v1"

    bn: str
    seq: int

    def partition_key(self) -> str | None:
        return self.bn

    def subject(self) -> str | None:
        return self.bn
