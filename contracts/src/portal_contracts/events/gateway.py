"""Events the gateway publishes about the availability of the portal's components (seed 003).

The ledger can waive penalties for a window plus two hours; notifications can bulletin clients.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from portal_contracts.events.base import EventPayload

OutageKind = Literal["planned", "unplanned"]


class OutageStarted(EventPayload):
    """A component became unavailable (unplanned outage, or planned maintenance that began)."""

    event_type: ClassVar[str] = "gateway.outage.started.v1"

    window_id: str
    component: str = Field(description="Service name (e.g. `ledger`) or `broker`.")
    kind: OutageKind
    started_at: datetime
    expected_end: datetime | None = Field(default=None, description="End of the planned maintenance, if planned.")
    maintenance_id: str | None = None
    reopened: bool = Field(
        default=False,
        description="The component went down again shortly after this window ended: the window continues (same "
        "id, same start); its next ended event carries the later end.",
    )


class OutageEnded(EventPayload):
    """A component is available again; no penalty applies for the window and the two hours after it."""

    event_type: ClassVar[str] = "gateway.outage.ended.v1"

    window_id: str
    component: str
    kind: OutageKind
    started_at: datetime
    ended_at: datetime
    penalty_waiver_until: datetime = Field(description="`ended_at` plus 2 hours (seed 003, §2.1 item 14).")
    maintenance_id: str | None = None
