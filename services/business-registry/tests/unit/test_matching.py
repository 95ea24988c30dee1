import pytest

from business_registry.businesses.schemas import Address
from business_registry.registrations.matching import (
    normalise_country,
    normalise_postal_code,
    normalise_province,
    normalise_text,
    register_differences,
)
from portal_contracts.sandbox import RegisterAddress, register_records

HARP = next(r for r in register_records() if r.bn == "123456154")
BOUTIQUE = next(r for r in register_records() if r.bn == "812456937")


def address_like(record_address: RegisterAddress, **changes: object) -> Address:
    return Address.model_validate(record_address.model_dump() | changes)


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("Harp & Co.", "harp co"),
        ("  HARP   &  CO ", "harp co"),
        ("Boutique L'Érable", "boutique lerable"),
        ("Boutique L\u2019\u00e9rable", "boutique lerable"),
        ("1200, boulevard René-Lévesque Ouest", "1200 boulevard rene levesque ouest"),
        ("A.B.C. Imports", "abc imports"),
        ("Straße", "strasse"),
        ("", ""),
        (None, ""),
    ],
)
def test_text_ignores_case_accents_punctuation_and_spacing(typed: str | None, normalised: str) -> None:
    assert normalise_text(typed) == normalised


def test_postal_codes_ignore_spacing_case_and_hyphens() -> None:
    assert normalise_postal_code("m5v 3g5") == normalise_postal_code("M5V3G5") == normalise_postal_code("M5V-3G5")
    assert normalise_postal_code("M5V 3G5") != normalise_postal_code("M5V 3G6")


def test_provinces_and_countries_by_code_or_name() -> None:
    assert normalise_province("Québec") == normalise_province("QC") == normalise_province("qc")
    assert normalise_province("Colombie-Britannique") == normalise_province("BC")
    assert normalise_country("Canada") == normalise_country("CA")


def test_the_legal_or_the_operating_name_matches() -> None:
    assert register_differences("Harp and Company Ltd", address_like(HARP.address), HARP) == []
    assert register_differences("harp & co", address_like(HARP.address), HARP) == []
    assert register_differences("Harp", address_like(HARP.address), HARP) == ["legal_name"]


def test_each_differing_address_field_is_named() -> None:
    typed = address_like(HARP.address, city="Ottawa", postal_code="K1A 0B1", line2=None, po_box="PO Box 5")
    assert register_differences("Harp & Co.", typed, HARP) == [
        "address.po_box",
        "address.line2",
        "address.city",
        "address.postal_code",
    ]


def test_accented_addresses_match_without_accents() -> None:
    typed = address_like(BOUTIQUE.address, line1="45 Rue Saint Jean", city="QUEBEC", po_box="CP 215", province="Québec")
    assert register_differences("Mme Marie-Eve Tremblay", typed, BOUTIQUE) == []
