"""Seed 000 §1.8: the personal profile's rules, and the ETag check of optimistic concurrency."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from identity.profile.models import Profile
from identity.profile.rules import normalise_phone, phone_errors, profile_errors
from identity.profile.schemas import ProfileUpdate
from identity.profile.service import etag, if_match_allows, profile_values

from ..harness import profile


def errors_of(**overrides: Any) -> set[tuple[str, str]]:
    body = profile(**overrides)
    return {
        (e.field, e.code)
        for e in profile_errors(
            first_name=body["first_name"],
            last_name=body["last_name"],
            phone=body["phone"],
            phone_extension=body["phone_extension"],
            email=body["email"],
            email_confirmation=body["email_confirmation"],
            terms_consent=body["terms_consent"],
        )
    }


@pytest.mark.parametrize(
    "phone",
    [
        "613-555-0100",
        "(613) 555-0100",
        "+1 613 555 0100",
        "6135550100",
        "1-613-555-0100",
        "+1 (613) 555-0100",
        "613.555.0100",
        " 613 555 0100 ",
    ],
)
def test_north_american_numbers_with_area_code_are_stored_in_e164(phone: str) -> None:
    assert normalise_phone(phone) == "+16135550100"
    assert phone_errors(phone, None) == []


@pytest.mark.parametrize(
    "phone",
    [
        "555-0100",  # no area code
        "013-555-0100",  # area codes do not start with 0 or 1
        "613-155-0100",  # nor do exchanges
        "+44 20 7946 0958",  # not North American
        "613-555-01000",
        "(613 555-0100",
        "613/555/0100",
        "phone me",
        "",
    ],
)
def test_other_numbers_are_refused(phone: str) -> None:
    assert normalise_phone(phone) is None
    assert {e.code for e in phone_errors(phone, None)} == {"phone_format"}


@pytest.mark.parametrize("extension", ["1", "123456", None, ""])
def test_extensions_allowed(extension: str | None) -> None:
    assert phone_errors("613-555-0100", extension) == []


@pytest.mark.parametrize("extension", ["1234567", "12a", "x123", " 12"])
def test_extensions_refused(extension: str) -> None:
    assert [(e.field, e.code) for e in phone_errors("613-555-0100", extension)] == [
        ("phone_extension", "phone_extension_format")
    ]


def test_a_valid_profile_breaks_no_rule() -> None:
    assert errors_of() == set()


def test_names_are_required_and_at_most_100_characters() -> None:
    assert errors_of(first_name="  ") == {("first_name", "first_name_required")}
    assert errors_of(last_name="x" * 101) == {("last_name", "last_name_length")}
    assert errors_of(last_name="x" * 100) == set()
    assert errors_of(first_name="Li\x00viu") == {("first_name", "first_name_characters")}
    assert errors_of(first_name="Marie-Ève", last_name="O'Neil St-Pierre") == set()


def test_the_email_must_be_valid_and_confirmed() -> None:
    assert errors_of(email="not-an-address", email_confirmation="not-an-address") == {("email", "email_format")}
    assert errors_of(email_confirmation="liviu@example.com") == {("email_confirmation", "email_mismatch")}
    assert errors_of(email_confirmation="LIVIU@Example.CA") == set()


def test_consent_to_the_terms_is_required() -> None:
    assert errors_of(terms_consent=False) == {("terms_consent", "terms_consent_required")}


def test_all_violations_are_reported_together() -> None:
    assert errors_of(first_name="", phone="12", email="x", terms_consent=False) == {
        ("first_name", "first_name_required"),
        ("phone", "phone_format"),
        ("email", "email_format"),
        ("email_confirmation", "email_mismatch"),
        ("terms_consent", "terms_consent_required"),
    }


@pytest.mark.parametrize("value", ["yes", 1, 0, "true", None])
def test_notice_subscription_is_a_strict_boolean(value: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        ProfileUpdate.model_validate(profile(notices_by_email=value))
    assert raised.value.errors()[0]["loc"] == ("notices_by_email",)


@pytest.mark.parametrize("language", ["EN", "de", "english", ""])
def test_language_is_en_or_fr(language: str) -> None:
    with pytest.raises(ValidationError):
        ProfileUpdate.model_validate(profile(language=language))


def test_stored_values_are_trimmed_and_normalised() -> None:
    values = profile_values(
        ProfileUpdate.model_validate(profile(first_name=" Liviu ", phone="(613) 555-0100", phone_extension=""))
    )
    assert values["first_name"] == "Liviu"
    assert values["phone"] == "+16135550100"
    assert values["phone_extension"] is None


def stored(version: int) -> Profile:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    return Profile(user_id="u", version=version, created_at=now, updated_at=now)


def test_if_match_is_optional_but_must_name_the_current_version_when_sent() -> None:
    current = stored(3)
    assert etag(current) == '"3"'
    assert if_match_allows(None, None)
    assert if_match_allows(None, current)
    assert if_match_allows('"3"', current)
    assert if_match_allows('"2", "3"', current)
    assert if_match_allows("*", current)
    assert not if_match_allows('"2"', current)
    assert not if_match_allows('W/"3"', current)  # If-Match compares strongly
    assert not if_match_allows("*", None)  # nothing to match yet
