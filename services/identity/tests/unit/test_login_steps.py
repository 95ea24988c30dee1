"""Which step a login session accepts, decided without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from identity.sessions.errors import SessionEnded, SessionExpired, SessionLocked, SessionNotFound, WrongStep
from identity.sessions.models import LoginSession
from identity.sessions.service import Step, check_open, expect, may_enrol_email

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def session(step: Step, *, enrolling: bool = False, expires_in: int = 600) -> LoginSession:
    return LoginSession(
        id="s",
        user_id="u",
        step=step,
        enrolling=enrolling,
        created_at=NOW,
        expires_at=NOW + timedelta(seconds=expires_in),
    )


def test_an_open_session_at_its_step_is_accepted() -> None:
    login = session(Step.MFA)
    assert check_open(login, NOW) is login
    expect(login, Step.MFA)


def test_another_step_names_the_one_expected() -> None:
    with pytest.raises(WrongStep) as raised:
        expect(session(Step.MFA_ENROLMENT), Step.TERMS)
    assert raised.value.status == 409
    assert raised.value.extra == {"next": "mfa_enrolment"}


@pytest.mark.parametrize(
    ("login", "error"),
    [
        (None, SessionNotFound),
        (session(Step.LOCKED), SessionLocked),
        (session(Step.DONE), SessionEnded),
        (session(Step.CANCELLED), SessionEnded),
        (session(Step.MFA, expires_in=0), SessionExpired),
        (session(Step.LOCKED, expires_in=-60), SessionLocked),
    ],
)
def test_closed_sessions_refuse_every_step(login: LoginSession | None, error: type[Exception]) -> None:
    with pytest.raises(error):
        check_open(login, NOW)


def test_the_mfa_address_can_be_enrolled_before_any_is_verified_or_after_this_session_verified_one() -> None:
    assert may_enrol_email(session(Step.MFA_ENROLMENT))
    assert may_enrol_email(session(Step.MFA, enrolling=True))  # fixing a typo before the first code is verified
    assert may_enrol_email(session(Step.TERMS))  # "Modifier le courriel d'AFM" after a successful code


def test_the_password_alone_cannot_redirect_the_codes() -> None:
    assert not may_enrol_email(session(Step.MFA, enrolling=False))
