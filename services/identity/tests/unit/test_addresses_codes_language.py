"""Small pure pieces: e-mail syntax and masking, one-time codes, Accept-Language."""

from __future__ import annotations

import pytest

from identity.language import preferred_language
from identity.mail.addresses import email_errors, is_valid_email, mask_email
from identity.sessions.codes import code_digest, code_matches, new_code, new_salt
from identity.sessions.service import code_format_errors


@pytest.mark.parametrize(
    "address", ["tcp@tcp.ca", "first.last+customs@broker.example.com", "a@b.co", "o'neil@xn--gaspe-fsa.ca"]
)
def test_valid_addresses(address: str) -> None:
    assert is_valid_email(address)


@pytest.mark.parametrize(
    "address",
    [
        "tcp",
        "tcp@",
        "@tcp.ca",
        "tcp@tcp",
        "tcp@@tcp.ca",
        "t cp@tcp.ca",
        ".tcp@tcp.ca",
        "tcp.@tcp.ca",
        "t..cp@tcp.ca",
        "tcp@-tcp.ca",
        "tcp@tcp.c",
        "tcp@tcp.123",
        "x" * 65 + "@tcp.ca",
        "tcp@" + "a" * 250 + ".ca",
    ],
)
def test_invalid_addresses(address: str) -> None:
    assert not is_valid_email(address)


def test_the_confirmation_must_be_the_same_address() -> None:
    assert email_errors("tcp@tcp.ca", " TCP@tcp.ca ") == []
    assert [(e.field, e.code) for e in email_errors("tcp@tcp.ca", "tcp@tcp.com")] == [
        ("email_confirmation", "email_mismatch")
    ]


def test_addresses_are_masked_as_the_seed_shows_them() -> None:
    assert mask_email("tcp@tcp.ca") == "t***@tcp.ca"
    assert mask_email("liviu.popescu@broker.example.com") == "l***@broker.example.com"


def test_codes_are_six_random_digits() -> None:
    codes = {new_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 150  # random, not a counter


def test_codes_are_kept_as_salted_digests() -> None:
    salt, other_salt = new_salt(), new_salt()
    digest = code_digest("372011", salt)
    assert "372011" not in digest
    assert code_matches("372011", salt, digest)
    assert not code_matches("372012", salt, digest)
    assert code_digest("372011", other_salt) != digest


@pytest.mark.parametrize("code", ["12345", "1234567", "12345a", " 123456", "\uff11\uff12\uff13\uff14\uff15\uff16", ""])
def test_a_code_is_exactly_six_digits(code: str) -> None:
    assert [e.code for e in code_format_errors(code)] == ["mfa_code_format"]


def test_a_six_digit_code_is_well_formed() -> None:
    assert code_format_errors("012345") == []


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("fr", "fr"),
        ("fr-CA,fr;q=0.9,en;q=0.8", "fr"),
        ("en-CA,fr;q=0.9", "en"),
        ("de-DE,fr;q=0.5,en;q=0.4", "fr"),
        ("de, es", "en"),
        ("en;q=0.2, fr;q=0.8", "fr"),
        ("fr;q=0", "en"),
        ("fr;q=bad, en", "en"),
    ],
)
def test_the_language_follows_accept_language(header: str | None, language: str) -> None:
    assert preferred_language(header) == language
