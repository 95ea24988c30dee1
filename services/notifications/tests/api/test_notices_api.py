"""The notices inbox over HTTP, fed by events through the real inbox path (SQLite, no broker)."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from notifications.notices import service as notices
from notifications.notices.service import NoticeDraft
from notifications.notices.templates import NoticeType
from notifications.recipients.service import Language

from ..conftest import Service
from ..factories import (
    BN,
    OTHER_BN,
    REQUESTER,
    access_request_approved,
    access_request_rejected,
    access_request_submitted,
    mfa_code_issued,
    mfa_session_locked,
    profile_updated,
)

T0 = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)


async def post_notice(
    svc: Service,
    user_id: str,
    at: datetime,
    *,
    subject: str = "A notice",
    body: str = "Body.",
    notice_type: NoticeType = NoticeType.DELEGATION_ACCESS_APPROVED,
    bn: str | None = BN,
    program_account: str | None = None,
    language: Language = "en",
) -> str:
    """A notice posted at a chosen time (events are posted 'now'; date searches need other days)."""
    draft = NoticeDraft(user_id, notice_type, language, subject, body, business_bn=bn, program_account=program_account)
    async with svc.runtime.uow() as uow:
        [notice] = await notices.post_notices(uow.session, [draft], {}, source_event_id=str(uuid.uuid4()), now=at)
    return notice.id


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


async def test_a_submitted_access_request_posts_a_notice_to_each_approver_in_their_language(service: Service) -> None:
    await service.deliver(profile_updated("bam-fr", language="fr", first_name="Marie", last_name="Roy"))
    await service.deliver(profile_updated(REQUESTER, first_name="Jean", last_name="Tremblay"))

    await service.deliver(access_request_submitted(["bam-fr", "pam-without-profile"]))

    [french] = (await service.notices("bam-fr"))["items"]
    [english] = (await service.notices("pam-without-profile"))["items"]
    assert (await service.notices(REQUESTER))["items"] == []
    assert french["subject"] == "Demande d'accès en attente pour votre entreprise"
    assert french["type"] == "delegation.pending_access"
    assert french["type_label"] == "Modifications apportées à la délégation \N{EN DASH} En attente de l'accès"
    assert french["account"] == BN
    assert french["account_name"] == "ImporterCompany1755"
    assert french["urgent"] is False and french["read"] is False
    assert french["date"] == datetime.now(UTC).date().isoformat()
    assert english["subject"] == "Pending access request for your business"
    assert english["type_label"] == "Delegation changes \N{EN DASH} pending access"

    details = await service.notice("bam-fr", french["id"])
    assert details["recipient"] == {"user_id": "bam-fr", "name": "Marie Roy", "email": "bam-fr@example.com"}
    assert details["body"].startswith(
        "Vous avez une nouvelle demande d'accès en attente de Jean Tremblay pour ImporterCompany1755 (100001254)."
    )
    assert "« I handle our customs declarations at the Montréal office. »" in details["body"]
    assert details["language"] == "fr"
    unknown = await service.notice("pam-without-profile", english["id"])
    assert unknown["recipient"] == {"user_id": "pam-without-profile", "name": None, "email": None}


async def test_the_requester_is_told_of_the_approval_and_of_a_rejection_with_its_justification(
    service: Service,
) -> None:
    await service.deliver(access_request_approved(role="pam", programs=[f"{BN}RM0001"]))
    await service.deliver(access_request_rejected(comment="We do not know you."))

    rejected, approved = (await service.notices(REQUESTER))["items"]
    assert approved["type"] == "delegation.access_approved"
    assert (
        "Role: Program account manager (PAM)\nProgram accounts: 100001254RM0001"
        in (await service.notice(REQUESTER, approved["id"]))["body"]
    )
    assert rejected["type"] == "delegation.access_rejected"
    assert "Reason given: “We do not know you.”" in (await service.notice(REQUESTER, rejected["id"]))["body"]


async def test_a_locked_sign_in_posts_an_urgent_security_notice(service: Service) -> None:
    await service.deliver(mfa_session_locked("user-1"))

    [notice] = (await service.notices("user-1"))["items"]
    assert notice["urgent"] is True
    assert notice["type"] == "security.sign_in_locked"
    assert notice["account"] is None
    assert notice["subject"] == "Your sign-in was locked"


async def test_asvs_6_3_5_every_one_time_code_sent_is_listed_so_an_unexpected_one_is_noticed(
    service: Service,
) -> None:
    """A code the user did not ask for (someone else passed the password step) shows up as a security notice."""
    await service.deliver(mfa_code_issued("user-1", datetime(2026, 11, 24, 14, 5, tzinfo=UTC)))
    await service.deliver(mfa_code_issued("user-1", datetime(2026, 11, 24, 16, 40, tzinfo=UTC)))

    unexpected, expected = (await service.notices("user-1"))["items"]
    assert unexpected["type"] == expected["type"] == "security.code_sent"
    assert unexpected["urgent"] is False
    assert unexpected["subject"] == "A one-time code was sent to you"
    body = (await service.notice("user-1", unexpected["id"]))["body"]
    assert "2026-11-24 at 16:40 UTC" in body
    assert "If you did not ask for it" in body and "change your password" in body


async def test_a_redelivered_event_posts_nothing_twice(service: Service) -> None:
    event = await service.deliver(access_request_submitted(["bam-1"]))

    await service.deliver(access_request_submitted(["bam-1"]), event=event)

    assert len((await service.notices("bam-1"))["items"]) == 1


async def test_notices_follow_the_profile_language_known_when_they_are_posted(service: Service) -> None:
    await service.deliver(mfa_session_locked("user-1"))
    await service.deliver(profile_updated("user-1", language="fr"))
    await service.deliver(mfa_session_locked("user-1"))

    later, earlier = (await service.notices("user-1"))["items"]
    assert earlier["subject"] == "Your sign-in was locked"  # stored as rendered
    assert later["subject"] == "Votre connexion a été verrouillée"


async def test_a_late_older_profile_event_does_not_undo_a_newer_one(service: Service) -> None:
    now = datetime.now(UTC)
    await service.deliver(profile_updated("user-1", language="fr"), time=now)
    await service.deliver(profile_updated("user-1", language="en"), time=now - timedelta(minutes=1))

    await service.deliver(mfa_session_locked("user-1"))

    [notice] = (await service.notices("user-1"))["items"]
    assert notice["subject"] == "Votre connexion a été verrouillée"


async def test_another_users_notice_is_not_found_rather_than_forbidden(service: Service) -> None:
    await service.deliver(mfa_session_locked("owner"))
    [notice] = (await service.notices("owner"))["items"]

    read = await service.client.get(f"/v1/me/notices/{notice['id']}", headers=service.headers("intruder"))
    mark = await service.client.post(f"/v1/me/notices/{notice['id']}/read", headers=service.headers("intruder"))
    missing = await service.client.get(f"/v1/me/notices/{uuid.uuid4()}", headers=service.headers("owner"))

    for response in (read, mark, missing):
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "notice_not_found"
    assert (await service.notices("intruder"))["items"] == []
    assert (await service.notice("owner", notice["id"]))["read"] is False


async def test_marking_a_notice_read_is_idempotent(service: Service) -> None:
    first = await post_notice(service, "user-1", T0)
    second = await post_notice(service, "user-1", T0 + timedelta(hours=1))
    url = f"/v1/me/notices/{first}/read"

    once = await service.client.post(url, headers=service.headers("user-1"))
    read_at = (await service.notice("user-1", first))["read_at"]
    twice = await service.client.post(url, headers=service.headers("user-1"))

    assert once.status_code == twice.status_code == 204
    assert once.content == b""
    details = await service.notice("user-1", first)
    assert details["read"] is True
    assert details["read_at"] == read_at is not None
    assert ids(await service.notices("user-1", unread="true")) == [second]
    assert ids(await service.notices("user-1", unread="false")) == [first]


async def test_25_notices_are_three_pages_of_10_10_and_5_without_duplicates_or_gaps(service: Service) -> None:
    # Five notices share each timestamp, so pages also split between notices posted at the same instant.
    posted = [await post_notice(service, "user-1", T0 + timedelta(minutes=i // 5)) for i in range(25)]
    await post_notice(service, "someone-else", T0)

    pages, cursor = [], None
    while True:
        page = await service.notices("user-1", **({"cursor": cursor} if cursor else {}))
        pages.append(ids(page))
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert [len(p) for p in pages] == [10, 10, 5]
    seen = [notice_id for page in pages for notice_id in page]
    assert len(set(seen)) == 25
    assert set(seen) == set(posted)
    # newest first: the five of the last minute, then the minute before ...
    assert [set(seen[i : i + 5]) for i in range(0, 25, 5)] == [set(posted[i : i + 5]) for i in range(20, -1, -5)]


async def test_page_size_is_chosen_with_limit_up_to_100(service: Service) -> None:
    for i in range(12):
        await post_notice(service, "user-1", T0 + timedelta(seconds=i))

    assert len(ids(await service.notices("user-1", limit=100))) == 12
    small = await service.notices("user-1", limit=5)
    assert len(small["items"]) == 5 and small["next_cursor"]
    too_big = await service.client.get("/v1/me/notices?limit=101", headers=service.headers("user-1"))
    assert too_big.status_code == 422
    assert too_big.json()["errors"][0]["field"] == "limit"


async def test_date_range_includes_both_days(service: Service) -> None:
    before = await post_notice(service, "user-1", datetime(2020, 10, 4, 23, 59, tzinfo=UTC))
    first_day = await post_notice(service, "user-1", datetime(2020, 10, 5, 0, 0, tzinfo=UTC))
    last_day = await post_notice(service, "user-1", datetime(2021, 5, 8, 23, 59, 59, tzinfo=UTC))
    after = await post_notice(service, "user-1", datetime(2021, 5, 9, 0, 0, tzinfo=UTC))

    assert ids(await service.notices("user-1", **{"from": "2020-10-05", "to": "2021-05-08"})) == [last_day, first_day]
    assert ids(await service.notices("user-1", **{"from": "2021-05-09"})) == [after]
    assert ids(await service.notices("user-1", to="2020-10-04")) == [before]


async def test_a_range_whose_start_is_after_its_end_is_refused_naming_both(service: Service) -> None:
    response = await service.client.get(
        "/v1/me/notices", params={"from": "2021-05-08", "to": "2020-10-05"}, headers=service.headers("user-1")
    )

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "invalid_date_range"
    assert {e["field"] for e in problem["errors"]} == {"from", "to"}
    assert "2021-05-08" in problem["detail"] and "2020-10-05" in problem["detail"]


async def test_a_malformed_date_is_a_validation_problem(service: Service) -> None:
    response = await service.client.get("/v1/me/notices?from=05/08/2021", headers=service.headers("user-1"))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "from"


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        base64.urlsafe_b64encode(b'["2026-01-01T00:00:00+00:00", 42]').decode(),
        base64.urlsafe_b64encode(b"[]").decode(),
    ],
)
async def test_an_altered_cursor_is_refused(service: Service, cursor: str) -> None:
    response = await service.client.get("/v1/me/notices", params={"cursor": cursor}, headers=service.headers("u"))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_cursor"
    assert response.json()["errors"][0]["field"] == "cursor"


async def test_a_cursor_altered_in_place_is_refused(service: Service) -> None:
    for i in range(3):
        await post_notice(service, "user-1", T0 + timedelta(seconds=i))
    cursor = (await service.notices("user-1", limit=1))["next_cursor"]
    altered = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")

    response = await service.client.get("/v1/me/notices", params={"cursor": altered}, headers=service.headers("user-1"))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_cursor"


async def test_words_are_searched_in_subject_and_body_ignoring_case_and_accents(service: Service) -> None:
    french = await post_notice(service, "user-1", T0, subject="Demande d'accès en attente", language="fr")
    body_match = await post_notice(service, "user-1", T0 + timedelta(seconds=1), body="Comment: 100% CUSTOMS")
    await post_notice(service, "user-1", T0 + timedelta(seconds=2), subject="Unrelated", body="Nothing here.")

    assert ids(await service.notices("user-1", q="ACCES")) == [french]
    assert ids(await service.notices("user-1", q="100% customs")) == [body_match]
    assert ids(await service.notices("user-1", q="%")) == [body_match]  # a literal percent sign, not a wildcard
    assert ids(await service.notices("user-1", q="_")) == []


async def test_type_and_account_filters(service: Service) -> None:
    pending = await post_notice(service, "user-1", T0, notice_type=NoticeType.DELEGATION_PENDING_ACCESS)
    program = await post_notice(service, "user-1", T0 + timedelta(seconds=1), program_account=f"{BN}RM0001")
    other = await post_notice(service, "user-1", T0 + timedelta(seconds=2), bn=OTHER_BN)

    assert ids(await service.notices("user-1", type="delegation.pending_access")) == [pending]
    assert ids(await service.notices("user-1", account=BN)) == [program, pending]
    assert ids(await service.notices("user-1", account=f"{BN}RM0001")) == [program]
    assert ids(await service.notices("user-1", account=OTHER_BN)) == [other]
    listed = await service.notices("user-1", account=f"{BN}RM0001")
    assert listed["items"][0]["account"] == f"{BN}RM0001"
    for bad in ({"type": "delegation.unknown"}, {"account": "12345"}):
        response = await service.client.get("/v1/me/notices", params=bad, headers=service.headers("user-1"))
        assert response.status_code == 422, bad


async def test_the_inbox_is_reached_through_the_gateway_only(service: Service) -> None:
    response = await service.client.get("/v1/me/notices")

    assert response.status_code == 401
    assert response.json()["code"] == "missing_context"
