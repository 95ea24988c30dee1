"""Who gets which notice, which notices are e-mailed, and how the inbox search is checked (no database)."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime

import pytest

from notifications.errors import InvalidCursor, InvalidDateRange
from notifications.notices import service
from notifications.notices.service import CursorPosition, decode_cursor, encode_cursor, notice_query, search_key
from notifications.notices.templates import NoticeType

from ..factories import (
    BN,
    REQUESTER,
    access_request_approved,
    access_request_rejected,
    access_request_submitted,
    mfa_session_locked,
    profile,
)


def test_each_approver_gets_a_pending_access_notice_in_their_own_language() -> None:
    profiles = {
        "bam-fr": profile("bam-fr", language="fr"),
        REQUESTER: profile(REQUESTER, first_name="Jean", last_name="Tremblay"),
    }
    drafts = service.pending_access_notices(access_request_submitted(["bam-fr", "pam-unknown", "bam-fr"]), profiles)

    assert [(d.recipient_user_id, d.language) for d in drafts] == [("bam-fr", "fr"), ("pam-unknown", "en")]
    french, english = drafts
    assert french.subject == "Demande d'accès en attente pour votre entreprise"
    assert "de Jean Tremblay pour ImporterCompany1755 (100001254)" in french.body
    assert english.subject == "Pending access request for your business"
    assert all(d.type is NoticeType.DELEGATION_PENDING_ACCESS and d.business_bn == BN for d in drafts)
    assert not any(d.urgent for d in drafts)


def test_decisions_are_posted_to_the_requester() -> None:
    profiles = {REQUESTER: profile(REQUESTER, language="fr")}
    approved = service.access_approved_notice(access_request_approved(role="viewer"), profiles)
    rejected = service.access_rejected_notice(access_request_rejected(comment="Inconnu au bureau."), profiles)

    assert approved.recipient_user_id == rejected.recipient_user_id == REQUESTER
    assert approved.type is NoticeType.DELEGATION_ACCESS_APPROVED
    assert "Rôle : Lecteur" in approved.body
    assert rejected.type is NoticeType.DELEGATION_ACCESS_REJECTED
    assert "« Inconnu au bureau. »" in rejected.body


def test_locked_sign_in_is_urgent_and_carries_the_mfa_address() -> None:
    draft = service.sign_in_locked_notice(mfa_session_locked("u-1", mfa_email="jane@example.com"), {})

    assert draft.urgent
    assert draft.language == "en"
    assert draft.fallback_email == "jane@example.com"
    assert draft.business_bn is None


@pytest.mark.parametrize(
    ("subscribed", "urgent", "e_mailed"),
    [(True, False, True), (False, False, False), (False, True, True), (True, True, True)],
)
def test_subscribed_recipients_get_every_notice_and_everyone_gets_urgent_ones(
    subscribed: bool, urgent: bool, e_mailed: bool
) -> None:
    recipient = profile("u-1", notices_by_email=subscribed, email="jane@example.com")
    draft = service.sign_in_locked_notice(mfa_session_locked("u-1"), {"u-1": recipient})
    if not urgent:
        draft = service.access_approved_notice(access_request_approved(requester="u-1"), {"u-1": recipient})

    email = service.email_for(draft, recipient)

    assert (email is not None) is e_mailed
    if email is not None:
        assert email.to == "jane@example.com"
        assert email.body.startswith(draft.body)


def test_without_a_profile_only_the_urgent_notice_goes_to_the_mfa_address() -> None:
    locked = service.sign_in_locked_notice(mfa_session_locked("u-1", mfa_email="mfa@example.com"), {})
    locked_without_address = service.sign_in_locked_notice(mfa_session_locked("u-1"), {})
    approved = service.access_approved_notice(access_request_approved(requester="u-1"), {})

    email = service.email_for(locked, None)
    assert email is not None and email.to == "mfa@example.com"
    assert email.subject == "Urgent: Your sign-in was locked"
    assert service.email_for(locked_without_address, None) is None
    assert service.email_for(approved, None) is None


def test_a_known_recipient_is_mailed_at_their_profile_address_not_the_mfa_one() -> None:
    recipient = profile("u-1", notices_by_email=False, email="profile@example.com")
    draft = service.sign_in_locked_notice(mfa_session_locked("u-1", mfa_email="mfa@example.com"), {"u-1": recipient})

    email = service.email_for(draft, recipient)

    assert email is not None and email.to == "profile@example.com"


def test_a_range_ending_before_it_starts_is_refused_naming_both_ends() -> None:
    with pytest.raises(InvalidDateRange) as refused:
        notice_query("u-1", start=date(2021, 5, 8), end=date(2020, 10, 5))

    assert refused.value.status == 422
    assert refused.value.code == "invalid_date_range"
    assert [e.field for e in refused.value.errors or []] == ["from", "to"]
    assert "2021-05-08" in str(refused.value.detail) and "2020-10-05" in str(refused.value.detail)


def test_a_range_covers_whole_days_both_ends_included() -> None:
    query = notice_query("u-1", start=date(2021, 3, 29), end=date(2021, 3, 29))

    assert query.posted_from == datetime(2021, 3, 29, tzinfo=UTC)
    assert query.posted_before == datetime(2021, 3, 30, tzinfo=UTC)


def test_page_size_defaults_to_ten_and_is_capped() -> None:
    assert notice_query("u-1").limit == 10
    assert notice_query("u-1", limit=1000).limit == 100


def test_cursor_round_trips() -> None:
    position = CursorPosition(
        datetime(2026, 11, 24, 10, 0, 0, 123456, tzinfo=UTC), "9b2c1f7e-8d7a-4f8e-9c0a-1d2e3f4a5b6c"
    )

    assert decode_cursor(encode_cursor(position)) == position


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),
        base64.urlsafe_b64encode(b'["2026-11-24T10:00:00+00:00"]').decode(),
        base64.urlsafe_b64encode(b'["yesterday", "9b2c1f7e-8d7a-4f8e-9c0a-1d2e3f4a5b6c"]').decode(),
        base64.urlsafe_b64encode(b'["2026-11-24T10:00:00", "9b2c1f7e-8d7a-4f8e-9c0a-1d2e3f4a5b6c"]').decode(),
        base64.urlsafe_b64encode(b'["2026-11-24T10:00:00+00:00", "\' OR 1=1 --"]').decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_altered_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor) as refused:
        decode_cursor(cursor)

    assert refused.value.code == "invalid_cursor"


def test_search_ignores_case_and_accents() -> None:
    assert search_key("Demande d'ACCÈS") == "demande d'acces"
    assert notice_query("u-1", q="  Accès ").text == "acces"
    assert notice_query("u-1", q="   ").text is None
