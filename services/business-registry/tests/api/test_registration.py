"""POST /v1/business-registrations against the real ledger (in process)."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx

from portal_contracts.events import BusinessRegistered
from portal_contracts.sandbox import ledger_facts
from portal_runtime.testing.infra import free_port

REGISTRANT = "user-1"
Registration = Callable[..., dict[str, Any]]

AsContext = Callable[..., dict[str, str]]  # the as_context fixture
StartRegistry = Callable[..., AbstractAsyncContextManager[Any]]  # conftest's start_registry (yields a Registry)


async def register(
    registry: Any, body: dict[str, Any], as_context: AsContext, subject: str = REGISTRANT
) -> httpx.Response:
    return await registry.client.post("/v1/business-registrations", json=body, headers=as_context(subject=subject))


def wrong_answers(registration: Registration) -> dict[str, Any]:
    return registration(
        proofs=[
            {"kind": "statement_balance", "period": "07/2022", "amount": "54000.00"},
            {"kind": "payment", "period": "09/2022", "amount": "3300.01"},
        ]
    )


async def test_registration_creates_the_business_with_all_its_program_accounts_and_makes_the_registrant_bam(
    registry: Any, registration: Registration, as_context: AsContext
) -> None:

    response = await register(registry, registration(), as_context)

    assert response.status_code == 201, response.text
    business = response.json()
    assert business["bn"] == "123456154"
    assert business["legal_name"] == "Harp and Company Ltd."  # the register's spelling
    assert business["operating_name"] == "Harp & Co."
    assert business["address"]["postal_code"] == "M5V 3G5"
    assert [a["bn15"] for a in business["program_accounts"]] == ["123456154RM0001", "123456154RM0002"]
    assert response.headers["location"] == "/v1/businesses/123456154"

    published = await registry.published()
    assert [e.type for e in published] == ["registry.business.registered.v1"]
    event = BusinessRegistered.model_validate(published[0].data)
    assert event == BusinessRegistered(
        bn="123456154",
        legal_name="Harp and Company Ltd.",
        operating_name="Harp & Co.",
        program_accounts=["123456154RM0001", "123456154RM0002"],
        registrant_user_id=REGISTRANT,
    )
    assert published[0].partition_key == "123456154"


async def test_the_register_match_ignores_case_accents_spacing_punctuation_and_postal_code_spacing(
    registry: Any, registration: Registration, as_context: AsContext
) -> None:
    body = registration(
        legal_name="  HARP AND COMPANY LTD ",
        address={
            "line1": "250  front street  WEST",
            "line2": "suite 1200",
            "province": "Ontario",
            "city": "TORONTO",
            "postal_code": "m5v3g5",
        },
    )
    response = await register(registry, body, as_context)
    assert response.status_code == 201, response.text


async def test_a_second_registration_is_refused_and_points_to_requesting_access(
    registry: Any, registration: Registration, as_context: AsContext
) -> None:
    assert (await register(registry, registration(), as_context)).status_code == 201

    response = await register(registry, registration(), as_context, subject="user-2")

    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "business_already_registered"
    assert "access-requests" in problem["remediation"]
    assert response.headers["content-type"] == "application/problem+json"
    assert len(await registry.published()) == 1


async def test_a_register_mismatch_names_each_differing_field(
    registry: Any, registration: Registration, as_context: AsContext
) -> None:
    body = registration(legal_name="Harp Music Inc.", address={"city": "Mississauga", "postal_code": "L5B 1M2"})

    response = await register(registry, body, as_context)

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "register_mismatch"
    assert [e["field"] for e in problem["errors"]] == ["legal_name", "address.city", "address.postal_code"]
    assert "Toronto" not in response.text  # the record itself is not disclosed


async def test_unknown_business_and_program_account_are_named(
    registry: Any, registration: Registration, as_context: AsContext
) -> None:
    unknown = await register(registry, registration(bn="111111118"), as_context)
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "business_not_found"
    assert unknown.json()["errors"][0]["field"] == "bn"

    no_account = await register(registry, registration(program_reference="RM0009"), as_context)
    assert no_account.status_code == 422
    assert no_account.json()["code"] == "program_account_not_found"
    assert no_account.json()["errors"][0]["field"] == "program_reference"


async def test_a_business_number_failing_the_check_digit_is_refused(
    registry: Any, registration: Registration, as_context: AsContext
) -> None:
    response = await register(registry, registration(bn="123456789"), as_context)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_business_number"


async def test_the_shape_is_checked_first_and_every_field_error_is_listed(
    registry: Any, registration: Registration, as_context: AsContext
) -> None:
    body = registration(
        bn="123456789",  # also fails the check digit, which is only looked at once the shape is right
        program_reference="RM01",
        legal_name="x" * 176,
        address={"line1": "", "country": None, "city": "Toronto"},
        attestation=False,
        proofs=[
            {"kind": "statement_balance", "period": "7/2022", "amount": "$54,000.00"},
            {"kind": "payment", "period": "09/2022", "amount": 3300.0},
        ],
    )

    response = await register(registry, body, as_context)

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation_failed"
    messages = {e["field"]: e["message"] for e in problem["errors"]}
    assert set(messages) == {
        "program_reference",
        "legal_name",
        "address.line1",
        "address.country",
        "attestation",
        "proofs.0.statement_balance.period",
        "proofs.0.statement_balance.amount",
        "proofs.1.payment.amount",
    }
    assert messages["proofs.0.statement_balance.amount"] == "Use digits and a decimal point only: no $ sign, no commas"
    assert "JSON string" in messages["proofs.1.payment.amount"]
    assert "exact" in messages["proofs.1.payment.amount"]


async def test_at_least_two_answers_each_question_once(
    registry: Any, registration: Registration, as_context: AsContext
) -> None:
    one = registration(proofs=[{"kind": "statement_balance", "period": "07/2022", "amount": "54000.00"}])
    twice = registration(
        proofs=[
            {"kind": "statement_balance", "period": "07/2022", "amount": "54000.00"},
            {"kind": "statement_balance", "period": "08/2022", "amount": "1.00"},
        ]
    )
    for body in (one, twice):
        response = await register(registry, body, as_context)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "proofs"


async def test_an_answer_outside_the_six_calendar_years_is_named(
    registry: Any, registration: Registration, as_context: AsContext
) -> None:
    body = registration(
        proofs=[
            {"kind": "statement_balance", "period": "12/2019", "amount": "1.00"},
            {"kind": "payment", "period": "09/2022", "amount": "3300.00"},
        ]
    )
    response = await register(registry, body, as_context)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "proof_outside_window"
    assert problem["errors"] == [
        {
            "field": "proofs.0.statement_balance.period",
            "message": "Choose a month from 01/2020 to 11/2026: the six calendar years before today",
            "code": "outside_window",
        }
    ]


async def test_the_oldest_month_of_the_window_is_accepted(
    registry: Any, registration: Registration, as_context: AsContext
) -> None:
    harp = next(f for f in ledger_facts(registry.clock().date()) if f.program_account == "123456154RM0001")
    january = next(s for s in harp.statements if s.period == "2020-01")
    body = registration(
        proofs=[
            {"kind": "statement_balance", "period": "01/2020", "amount": str(january.closing_balance.amount)},
            {"kind": "payment", "period": "09/2022", "amount": "3300.00"},
        ]
    )
    response = await register(registry, body, as_context)
    assert response.status_code == 201, response.text


async def test_a_wrong_answer_fails_without_saying_which_and_counts_down(
    registry: Any, registration: Registration, as_context: AsContext
) -> None:
    response = await register(registry, wrong_answers(registration), as_context)

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "proof_of_knowledge_failed"
    assert problem["attempts_left"] == 4
    assert "errors" not in problem
    assert "payment" not in json.dumps(problem)
    assert "3300" not in json.dumps(problem)
    assert await registry.published() == []

    again = await register(registry, wrong_answers(registration), as_context)
    assert again.json()["attempts_left"] == 3


async def test_failed_attempts_are_limited_per_business_and_the_limit_survives_a_restart(
    start_registry: StartRegistry, registration: Registration, as_context: AsContext
) -> None:
    async with start_registry(registration_max_failed_attempts=2) as registry:
        for user in ("user-a", "user-b"):
            assert (await register(registry, wrong_answers(registration), as_context, user)).status_code == 422
        limited = await register(registry, registration(), as_context, "user-c")  # even the right answers

    assert limited.status_code == 429
    assert limited.json()["code"] == "too_many_attempts"
    assert limited.json()["attempts_left"] == 0
    assert limited.headers["retry-after"] == str(24 * 3600)

    async with start_registry(registration_max_failed_attempts=2) as registry:
        registry.clock.advance(hours=1)
        after_restart = await register(registry, registration(), as_context, "user-c")
        assert after_restart.status_code == 429
        assert after_restart.headers["retry-after"] == str(23 * 3600)

        registry.clock.advance(hours=23)
        assert (await register(registry, registration(), as_context, "user-c")).status_code == 201


async def test_failed_attempts_are_limited_per_user_across_businesses(
    start_registry: StartRegistry, registration: Registration, as_context: AsContext
) -> None:
    async with start_registry(registration_max_failed_attempts=2) as registry:
        assert (await register(registry, wrong_answers(registration), as_context)).status_code == 422
        assert (await register(registry, wrong_answers(registration), as_context)).status_code == 422
        other = registration(
            bn="100001254",
            legal_name="ImporterCompany1755",
            address={
                "line1": "1200, boulevard René-Lévesque Ouest",
                "line2": "Bureau 400",
                "province": "QC",
                "city": "Montréal",
                "postal_code": "H3B 4W8",
            },
        )
        response = await register(registry, other, as_context)
        assert response.status_code == 429
        assert "by you" in response.json()["detail"]


async def test_mismatches_and_outages_do_not_count_as_failed_attempts(
    start_registry: StartRegistry, registration: Registration, as_context: AsContext
) -> None:
    async with start_registry(registration_max_failed_attempts=1) as registry:
        for _ in range(3):
            response = await register(registry, registration(address={"city": "Ottawa"}), as_context)
            assert response.json()["code"] == "register_mismatch"
        assert (await register(registry, registration(), as_context)).status_code == 201


async def test_ledger_down_is_a_503_naming_the_ledger(
    start_registry: StartRegistry, registration: Registration, as_context: AsContext
) -> None:
    unreachable = {"ledger": httpx.AsyncHTTPTransport(), "ledger_url": f"http://127.0.0.1:{free_port()}"}
    async with start_registry(registration_max_failed_attempts=1, **unreachable) as registry:
        for _ in range(2):
            response = await register(registry, registration(), as_context)
            assert response.status_code == 503
            assert response.json()["code"] == "ledger_unavailable"
            assert response.json()["component"] == "ledger"
        assert await registry.published() == []

    async with start_registry(registration_max_failed_attempts=1) as registry:
        assert (await register(registry, registration(), as_context)).status_code == 201  # outages did not count


async def test_registration_needs_the_gateway_context(registry: Any, registration: Registration) -> None:
    response = await registry.client.post("/v1/business-registrations", json=registration())
    assert response.status_code == 401
    assert response.json()["code"] == "missing_context"
