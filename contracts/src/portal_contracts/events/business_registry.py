from __future__ import annotations

from typing import ClassVar

from portal_contracts.events.base import EventPayload
from portal_contracts.types import BusinessNumber, ProgramAccountNumber


class BusinessRegistered(EventPayload):
    """A user registered a business with proof of knowledge; the registrant becomes its BAM."""

    event_type: ClassVar[str] = "registry.business.registered.v1"
    business_field: ClassVar[str | None] = "bn"

    bn: BusinessNumber
    legal_name: str
    operating_name: str | None = None
    program_accounts: list[ProgramAccountNumber]
    registrant_user_id: str
