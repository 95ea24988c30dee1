"""Onboarding end to end, over HTTP through the gateway, on PostgreSQL and the broker (seed 000 §1.2-1.9,
seed 002 §3.1-3.2): credential, e-mail MFA, terms, profile, business registration with proof of knowledge,
an employee's access request rejected then approved, the notices both sides receive, and what the gateway lets
each of them do."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from portal_runtime.testing.infra import wait_for
from portal_runtime.testing.stack import Portal

pytestmark = pytest.mark.integration


class Person:
    def __init__(self, portal: Portal, username: str, email: str, language: str) -> None:
        self.portal = portal
        self.username = username
        self.password = "Harbour7Lights"
        self.email = email
        self.language = language
        self.token = ""

    @property
    def auth(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.portal.client.request(method, path, headers=self.auth, **kwargs)

    async def create_credential(self) -> None:
        response = await self.portal.client.post(
            "/v1/users",
            json={
                "username": self.username,
                "password": self.password,
                "password_confirmation": self.password,
                "recovery": {
                    "question": "first_pet",
                    "answer": "Biscuit",
                    "memorable_person": "Aunt Rose",
                    "memorable_date": "1990-04-12",
                },
            },
        )
        assert response.status_code == 201, response.text

    async def sign_in(self) -> dict[str, Any]:
        """Password, then MFA (enrolment on the first login), then the terms: returns the token answer."""
        client = self.portal.client
        mails_before = len(await self.portal.mailbox(self.email))
        started = await client.post("/v1/sessions", json={"username": self.username, "password": self.password})
        assert started.status_code == 201, started.text
        session = started.json()["session_id"]
        if started.json()["next"] == "mfa_enrolment":
            refused = await client.post(
                f"/v1/sessions/{session}/mfa/email",
                json={"email": self.email, "email_confirmation": self.email, "consent": False},
            )
            assert (refused.status_code, refused.json()["code"]) == (403, "mfa_consent_refused")
            enrolled = await client.post(
                f"/v1/sessions/{session}/mfa/email",
                json={"email": self.email, "email_confirmation": self.email, "consent": True},
            )
            assert enrolled.status_code == 200, enrolled.text
        else:
            assert started.json()["next"] == "mfa"
        code = await self.portal.latest_code(self.email, seen=mails_before)
        wrong = await client.post(
            f"/v1/sessions/{session}/mfa/verify", json={"code": "000000" if code != "000000" else "111111"}
        )
        assert (wrong.status_code, wrong.json()["attempts_remaining"]) == (401, 4)
        verified = await client.post(f"/v1/sessions/{session}/mfa/verify", json={"code": code})
        assert (verified.status_code, verified.json()["next"]) == (200, "terms"), verified.text
        reused = await client.post(f"/v1/sessions/{session}/mfa/verify", json={"code": code})
        assert reused.status_code == 409  # the step is done; the code cannot serve again
        tokens = await client.post(f"/v1/sessions/{session}/terms", json={"accepted": True})
        assert tokens.status_code == 200, tokens.text
        self.token = tokens.json()["access_token"]
        return tokens.json()  # type: ignore[no-any-return]

    async def create_profile(self, first_name: str) -> None:
        response = await self.call(
            "PUT",
            "/v1/me/profile",
            json={
                "first_name": first_name,
                "last_name": "Tremblay",
                "phone": "613-555-0100",
                "email": self.email,
                "email_confirmation": self.email,
                "notices_by_email": True,
                "language": self.language,
                "terms_consent": True,
            },
        )
        assert response.status_code == 201, response.text

    async def notices(self) -> list[dict[str, Any]]:
        response = await self.call("GET", "/v1/me/notices")
        assert response.status_code == 200, response.text
        return response.json()["items"]  # type: ignore[no-any-return]

    async def notice_of_type(self, notice_type: str, count: int = 1) -> list[dict[str, Any]]:
        async def arrived() -> list[dict[str, Any]] | None:
            found = [n for n in await self.notices() if n["type"] == notice_type]
            return found if len(found) >= count else None

        return await wait_for(arrived, within=20)  # type: ignore[no-any-return]


async def onboard(portal: Portal, username: str, email: str, language: str, first_name: str) -> Person:
    person = Person(portal, username, email, language)
    await person.create_credential()
    first = await person.sign_in()
    assert first["next"] == "profile"
    await person.create_profile(first_name)
    return person


async def test_register_a_business_then_reject_and_approve_an_employee(portal: Portal) -> None:
    reference = (await portal.client.get("/v1/sandbox/reference-businesses")).json()["items"][0]
    bn = reference["bn"]
    owner = await onboard(portal, "MarieOwner01", "marie@harp.example", "en", "Marie")
    employee = await onboard(portal, "JeanEmploye2", "jean@harp.example", "fr", "Jean")

    # Before registration nobody is associated: the business's resources are refused at the gateway.
    before = await owner.call("GET", f"/v1/businesses/{bn}")
    assert before.status_code == 403, before.text

    # Register my business (proof of knowledge against the ledger); the registrant becomes BAM.
    wrong_amount = {
        **reference["registration_request"],
        "proofs": [
            {**p, "amount": "1,000.00"} if i == 0 else p
            for i, p in enumerate(reference["registration_request"]["proofs"])
        ],
    }
    refused = await owner.call("POST", "/v1/business-registrations", json=wrong_amount)
    assert refused.status_code == 422
    assert "no $ sign, no commas" in refused.text
    registered = await owner.call("POST", "/v1/business-registrations", json=reference["registration_request"])
    assert registered.status_code == 201, registered.text
    assert registered.json()["program_accounts"]
    again = await owner.call("POST", "/v1/business-registrations", json=reference["registration_request"])
    assert (again.status_code, again.json()["code"]) == (409, "business_already_registered")

    async def owner_is_bam() -> bool:
        contexts = (await owner.call("GET", "/v1/me/contexts")).json()["items"]
        return any(c["bn"] == bn and c["role"] == "bam" for c in contexts)

    await wait_for(owner_is_bam, within=20)
    profile = await owner.call("GET", f"/v1/businesses/{bn}")
    assert profile.status_code == 200, profile.text
    me = (await owner.call("GET", "/v1/me")).json()
    assert [b["bn"] for b in me["businesses"]] == [bn]

    # The employee finds the employer and asks for access; still unassociated, the business stays closed.
    lookup = await employee.call("GET", "/v1/businesses/lookup", params={"bn": bn})
    assert lookup.json()["registered"] is True
    assert (
        await employee.call("POST", f"/v1/businesses/{bn}/access-requests", json={"comment": ""})
    ).status_code == 422
    first = await employee.call(
        "POST",
        f"/v1/businesses/{bn}/access-requests",
        json={"comment": "Je prépare les déclarations du bureau de Montréal."},
    )
    assert first.status_code == 201, first.text
    denied = await employee.call("GET", f"/v1/businesses/{bn}")
    assert (denied.status_code, denied.json()["code"]) == (403, "not_associated")

    # The BAM is told, in English, and rejects with a justification the employee reads (in French).
    pending = await owner.notice_of_type("delegation.pending_access")
    assert pending[0]["subject"] == "Pending access request for your business"
    listed = (await owner.call("GET", f"/v1/businesses/{bn}/access-requests", params={"status": "pending"})).json()
    assert [r["id"] for r in listed["items"]] == [first.json()["id"]]
    no_comment = await owner.call("POST", f"/v1/businesses/{bn}/access-requests/{first.json()['id']}/reject", json={})
    assert no_comment.status_code == 422
    rejected = await owner.call(
        "POST",
        f"/v1/businesses/{bn}/access-requests/{first.json()['id']}/reject",
        json={"comment": "Please use your company e-mail address."},
    )
    assert rejected.status_code == 200, rejected.text
    mine = (await employee.call("GET", "/v1/me/access-requests")).json()["items"]
    assert mine[0]["status"] == "rejected"
    assert mine[0]["decision"]["comment"] == "Please use your company e-mail address."
    rejection_notice = (await employee.notice_of_type("delegation.access_rejected"))[0]
    detail = (await employee.call("GET", f"/v1/me/notices/{rejection_notice['id']}")).json()
    assert "Please use your company e-mail address." in detail["body"]
    assert detail["language"] == "fr"

    # A second request is approved as viewer on every program.
    second = await employee.call(
        "POST",
        f"/v1/businesses/{bn}/access-requests",
        json={"comment": "Nouvelle demande avec mon adresse de l'entreprise."},
    )
    assert second.status_code == 201, second.text
    await owner.notice_of_type("delegation.pending_access", count=2)
    approved = await owner.call(
        "POST",
        f"/v1/businesses/{bn}/access-requests/{second.json()['id']}/approve",
        json={"role": "viewer", "programs": "all"},
    )
    assert approved.status_code == 200, approved.text
    await employee.notice_of_type("delegation.access_approved")

    # The employee is now a viewer of every program (read-only of financial, payments, declarations, rulings):
    # no business profile, no employee management. The gateway asks delegation each time.
    contexts = (await employee.call("GET", "/v1/me/contexts")).json()["items"]
    assert [(c["bn"], c["role"], c["programs"]) for c in contexts] == [(bn, "viewer", "all")]
    assert "financial:read" in contexts[0]["scopes"]
    assert "employees:write" not in contexts[0]["scopes"]
    profile_refused = await employee.call("GET", f"/v1/businesses/{bn}")
    assert (profile_refused.status_code, profile_refused.json()["code"]) == (403, "missing_scope")
    forbidden = await employee.call(
        "POST",
        f"/v1/businesses/{bn}/access-requests/{first.json()['id']}/approve",
        json={"role": "bam", "programs": "all"},
    )
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "missing_scope")
    assert "employees:write" in forbidden.json()["detail"]

    # Signing in again asks for the code (no enrolment) and the terms again; e-mails reached the sandbox mailbox.
    again_tokens = await employee.sign_in()
    assert again_tokens["next"] == "done"
    assert len(await portal.mailbox("jean@harp.example")) >= 2


async def test_five_wrong_codes_lock_the_sign_in_and_the_user_is_told(portal: Portal) -> None:
    person = await onboard(portal, "LucieLocked3", "lucie@harp.example", "en", "Lucie")
    started = await portal.client.post("/v1/sessions", json={"username": person.username, "password": person.password})
    session = started.json()["session_id"]
    code = await portal.latest_code(person.email, seen=1)
    wrong = "000000" if code != "000000" else "111111"

    answers = [await portal.client.post(f"/v1/sessions/{session}/mfa/verify", json={"code": wrong}) for _ in range(5)]
    after = await portal.client.post(f"/v1/sessions/{session}/mfa/verify", json={"code": code})

    assert [a.status_code for a in answers] == [401, 401, 401, 401, 423]
    assert (after.status_code, after.json()["code"]) == (423, "session_locked")  # even the right code
    security = await person.notice_of_type("security.sign_in_locked")
    assert security[0]["urgent"] is True
