"""TOTP time steps, recovery code spelling and the back-off curve, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from identity.factors import codes
from identity.throttle.service import ThrottlePolicy, blocked_until

NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)  # the start of a 30 s step
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code_at(moment: datetime) -> str:
    return pyotp.TOTP(SECRET).at(moment)


def test_a_current_code_matches_its_time_step() -> None:
    assert codes.matching_step(SECRET, code_at(NOW), NOW, None) == codes.time_step(NOW)


def test_one_step_of_drift_is_tolerated_either_way() -> None:
    assert codes.matching_step(SECRET, code_at(NOW - timedelta(seconds=30)), NOW, None) == codes.time_step(NOW) - 1
    assert codes.matching_step(SECRET, code_at(NOW + timedelta(seconds=30)), NOW, None) == codes.time_step(NOW) + 1


def test_a_code_two_steps_old_has_expired() -> None:
    assert codes.matching_step(SECRET, code_at(NOW - timedelta(seconds=60)), NOW, None) is None


def test_a_used_step_and_older_steps_are_refused() -> None:
    step = codes.time_step(NOW)
    assert codes.matching_step(SECRET, code_at(NOW), NOW, last_used_step=step) is None
    assert codes.matching_step(SECRET, code_at(NOW - timedelta(seconds=30)), NOW, last_used_step=step) is None
    assert codes.matching_step(SECRET, code_at(NOW + timedelta(seconds=30)), NOW, last_used_step=step) == step + 1


def test_malformed_codes_never_match() -> None:
    assert codes.matching_step(SECRET, "12345", NOW, None) is None
    assert codes.matching_step(SECRET, "abcdef", NOW, None) is None


def test_the_provisioning_uri_names_the_portal_and_the_user() -> None:
    uri = codes.provisioning_uri(SECRET, "Liviu1234")
    assert uri.startswith("otpauth://totp/CARM%20Client%20Portal:Liviu1234?")
    assert f"secret={SECRET}" in uri


def test_recovery_codes_are_ten_hex_digits_in_two_groups_and_read_loosely() -> None:
    code = codes.new_recovery_code()
    assert len(code) == 11 and code[5] == "-"
    salt = "00" * 16
    digest = codes.recovery_code_digest(code, salt)
    assert codes.recovery_code_matches(code.upper().replace("-", " "), salt, digest)
    assert not codes.recovery_code_matches("00000-00000", salt, digest)
    assert not codes.recovery_code_matches("é", salt, digest)


def test_back_off_starts_at_the_threshold_doubles_and_is_capped() -> None:
    policy = ThrottlePolicy()
    assert blocked_until(4, 5, NOW, policy) is None
    assert blocked_until(5, 5, NOW, policy) == NOW + timedelta(seconds=1)
    assert blocked_until(6, 5, NOW, policy) == NOW + timedelta(seconds=2)
    assert blocked_until(8, 5, NOW, policy) == NOW + timedelta(seconds=8)
    assert blocked_until(500, 5, NOW, policy) == NOW + timedelta(minutes=15)
