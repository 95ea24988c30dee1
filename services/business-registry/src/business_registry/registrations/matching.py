"""Does what the registrant typed match the revenue agency's record? Compared after normalisation, so that
case, accents, repeated spaces, punctuation and postal-code spacing do not make a difference."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from business_registry.businesses.schemas import Address
from portal_contracts.sandbox import RegisterRecord

# Letters dropped inside words ("Co." = "Co", "O'Brien" = "OBrien"); other punctuation separates words.
_JOINING = re.compile("['\u2019`.]")  # apostrophes (straight and typographic), backtick, period
_SEPARATING = re.compile(r"[^0-9a-z]+")

_PROVINCES = {
    "AB": ("alberta",),
    "BC": ("british columbia", "colombie britannique"),
    "MB": ("manitoba",),
    "NB": ("new brunswick", "nouveau brunswick"),
    "NL": ("newfoundland and labrador", "terre neuve et labrador", "newfoundland"),
    "NS": ("nova scotia", "nouvelle ecosse"),
    "NT": ("northwest territories", "territoires du nord ouest"),
    "NU": ("nunavut",),
    "ON": ("ontario",),
    "PE": ("prince edward island", "ile du prince edouard"),
    "QC": ("quebec",),
    "SK": ("saskatchewan",),
    "YT": ("yukon", "yukon territory"),
}
_PROVINCE_CODES = {name: code.lower() for code, names in _PROVINCES.items() for name in names}
_COUNTRY_NAMES = {"canada": "ca", "united states": "us", "united states of america": "us", "etats unis": "us"}


def normalise_text(value: str | None) -> str:
    """Case, accents, punctuation and spacing removed: ``"Boutique L'Érable"`` -> ``"boutique lerable"``."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value)
    text = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(_SEPARATING.sub(" ", _JOINING.sub("", text)).split())


def normalise_postal_code(value: str | None) -> str:
    """``"m5v 3g5"`` = ``"M5V3G5"`` = ``"M5V-3G5"``."""
    return "".join(ch for ch in normalise_text(value) if ch.isalnum())


def normalise_province(value: str | None) -> str:
    text = normalise_text(value)
    return _PROVINCE_CODES.get(text, text)


def normalise_country(value: str | None) -> str:
    text = normalise_text(value)
    return _COUNTRY_NAMES.get(text, text)


_ADDRESS_FIELDS: dict[str, Callable[[str | None], str]] = {
    "po_box": normalise_text,
    "line1": normalise_text,
    "line2": normalise_text,
    "country": normalise_country,
    "province": normalise_province,
    "city": normalise_text,
    "postal_code": normalise_postal_code,
}


def register_differences(legal_name: str, address: Address, record: RegisterRecord) -> list[str]:
    """The fields that differ from the record (``legal_name``, ``address.city`` ...); empty when all match.
    The name may be the legal name or the operating name."""
    differences = []
    names = {normalise_text(record.legal_name), normalise_text(record.operating_name)} - {""}
    if normalise_text(legal_name) not in names:
        differences.append("legal_name")
    for field, normalise in _ADDRESS_FIELDS.items():
        if normalise(getattr(address, field)) != normalise(getattr(record.address, field)):
            differences.append(f"address.{field}")
    return differences
