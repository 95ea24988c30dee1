from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from portal_contracts.types import BusinessNumber, ProgramAccountNumber


def _blank_is_none(value: str | None) -> str | None:
    return value or None


def _required(max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


def _optional(max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, max_length=max_length)


# Optional text: blank is the same as absent (forms send "").
Name = Annotated[str, _required(175)]
OptionalName = Annotated[Annotated[str, _optional(175)] | None, AfterValidator(_blank_is_none)]
AddressLine = Annotated[str, _required(120)]
OptionalAddressLine = Annotated[Annotated[str, _optional(120)] | None, AfterValidator(_blank_is_none)]
OptionalShortText = Annotated[Annotated[str, _optional(60)] | None, AfterValidator(_blank_is_none)]
City = Annotated[str, _required(80)]
OptionalPostalCode = Annotated[Annotated[str, _optional(20)] | None, AfterValidator(_blank_is_none)]
CountryCode = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")]


class Address(BaseModel):
    """A postal address, as the business-register screens ask for it."""

    po_box: OptionalShortText = Field(default=None, description="PO box or rural route (RR).")
    line1: AddressLine
    line2: OptionalAddressLine = None
    country: CountryCode = Field(description="ISO 3166-1 alpha-2 code, e.g. `CA`.", examples=["CA"])
    province: OptionalShortText = Field(default=None, description="Province or state: code (`ON`) or name (`Ontario`).")
    city: City
    postal_code: OptionalPostalCode = Field(default=None, description="Postal or ZIP code.", examples=["M5V 3G5"])


class MailingPreferences(BaseModel):
    language: Literal["en", "fr"] = Field(default="en", description="Language of the CBSA's correspondence.")
    mailing_address: Address | None = Field(
        default=None, description="Where correspondence goes, when not the registered address."
    )


class BusinessRead(BaseModel):
    bn: BusinessNumber
    legal_name: str
    operating_name: str | None
    address: Address = Field(description="The registered address (matched against the business register).")
    mailing_preferences: MailingPreferences
    registered_at: datetime
    updated_at: datetime


class BusinessUpdate(BaseModel):
    """What the business's own account managers may change. The legal name and address match the revenue
    agency's record and change only there."""

    model_config = ConfigDict(extra="forbid")

    operating_name: OptionalName = Field(default=None, description="`null` clears it.")
    mailing_preferences: MailingPreferences | None = Field(default=None, description="Replaces the preferences.")


class ProgramAccountRead(BaseModel):
    bn15: ProgramAccountNumber
    bn: BusinessNumber
    program: Literal["RM"] = Field(default="RM", description="Import-export program.")
    reference: str = Field(description="RM + four digits.", examples=["RM0001"])
    registered_at: datetime


class ProgramAccountPage(BaseModel):
    items: list[ProgramAccountRead]
    next_cursor: str | None


class BusinessLookup(BaseModel):
    """What an employee sees of a business before asking for access to it."""

    bn: BusinessNumber
    operating_name: str | None
    registered: bool = Field(description="Registered on the portal: access can be requested. If not, register it.")
