"""ledger's internal API for business-registry: proof checks per kind and reason, and example answers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient

HARP = "123456154RM0001"


async def check(client: AsyncClient, *proofs: dict[str, Any], account: str = HARP) -> list[tuple[bool, str]]:
    response = await client.post("/internal/proof-checks", json={"program_account": account, "proofs": list(proofs)})
    assert response.status_code == 200, response.text
    return [(r["valid"], r["reason"]) for r in response.json()["results"]]


def statement(period: str, amount: str) -> dict[str, Any]:
    return {"kind": "statement_balance", "period": period, "amount": amount}


def payment(period: str, amount: str) -> dict[str, Any]:
    return {"kind": "payment", "period": period, "amount": amount}


def transaction(number: str, amount: str) -> dict[str, Any]:
    return {"kind": "transaction_total", "transaction_number": number, "amount": amount}


async def test_the_onboarding_guide_answers_match(ledger: tuple[FastAPI, AsyncClient]) -> None:
    _, client = ledger
    results = await check(
        client,
        statement("07/2022", "54000.00"),
        payment("09/2022", "3300.00"),
        transaction("12155538442098", "54000.00"),
    )
    assert results == [(True, "matched")] * 3


async def test_each_kind_says_why_an_answer_fails(ledger: tuple[FastAPI, AsyncClient]) -> None:
    _, client = ledger
    results = await check(
        client,
        statement("07/2022", "54000.01"),
        payment("09/2022", "3300.01"),
        transaction("12155538442098", "5400.00"),
    )
    assert results == [(False, "amount_mismatch")] * 3

    results = await check(
        client,
        statement("11/2026", "1.00"),  # this month's statement is not issued yet
        transaction("99999999999999", "54000.00"),
    )
    assert results == [(False, "no_such_record")] * 2


async def test_a_transaction_of_another_program_account_is_no_record_of_this_one(
    ledger: tuple[FastAPI, AsyncClient],
) -> None:
    _, client = ledger
    assert await check(client, transaction("12155538442098", "54000.00"), account="123456154RM0002") == [
        (False, "no_such_record")
    ]


async def test_the_window_starts_on_january_first_six_years_back(ledger: tuple[FastAPI, AsyncClient]) -> None:
    _, client = ledger
    feed = [
        {
            "program_account": "704132877RM0003",
            "statements": [
                {"period": "2020-01", "closing_balance": {"amount": "100.00", "currency": "CAD"}},
                {"period": "2019-12", "closing_balance": {"amount": "200.00", "currency": "CAD"}},
            ],
            "payments": [
                {"reference": "edge-in", "applied_on": "2020-01-01", "amount": {"amount": "10.00", "currency": "CAD"}},
                {"reference": "edge-out", "applied_on": "2019-12-31", "amount": {"amount": "20.00", "currency": "CAD"}},
            ],
            "transactions": [
                {
                    "transaction_number": "55555520010001",
                    "accepted_on": "2020-01-01",
                    "total_duties_and_taxes": {"amount": "30.00", "currency": "CAD"},
                },
                {
                    "transaction_number": "55555519120001",
                    "accepted_on": "2019-12-31",
                    "total_duties_and_taxes": {"amount": "40.00", "currency": "CAD"},
                },
            ],
        }
    ]
    assert (await client.post("/internal/ledger-facts", json=feed)).status_code == 200

    results = await check(
        client,
        statement("01/2020", "100.00"),
        statement("12/2019", "200.00"),
        payment("01/2020", "10.00"),
        payment("12/2019", "20.00"),
        transaction("55555520010001", "30.00"),
        transaction("55555519120001", "40.00"),
        account="704132877RM0003",
    )
    assert results == [
        (True, "matched"),
        (False, "outside_window"),
        (True, "matched"),
        (False, "outside_window"),
        (True, "matched"),
        (False, "outside_window"),
    ]


async def test_examples_are_the_newest_true_answers_within_the_window(ledger: tuple[FastAPI, AsyncClient]) -> None:
    _, client = ledger
    response = await client.get(f"/internal/proof-examples/{HARP}")
    assert response.status_code == 200
    examples = response.json()
    assert examples["program_account"] == HARP
    assert examples["statement_balance"]["period"] == "10/2026"  # the last statement issued
    answers = [examples["statement_balance"], examples["payment"], examples["transaction_total"]]
    assert await check(client, *answers) == [(True, "matched")] * 3


async def test_an_account_without_facts_has_no_examples(ledger: tuple[FastAPI, AsyncClient]) -> None:
    _, client = ledger
    examples = (await client.get("/internal/proof-examples/111111118RM0001")).json()
    assert examples == {
        "program_account": "111111118RM0001",
        "statement_balance": None,
        "payment": None,
        "transaction_total": None,
    }


async def test_malformed_checks_are_refused(ledger: tuple[FastAPI, AsyncClient]) -> None:
    _, client = ledger
    response = await client.post(
        "/internal/proof-checks", json={"program_account": "123456154", "proofs": [statement("7/2022", "1")]}
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {
        "program_account",
        "proofs.0.statement_balance.period",
    }


async def test_months_beyond_the_calendar_are_outside_the_window(ledger: tuple[FastAPI, AsyncClient]) -> None:
    _, client = ledger
    assert (
        await check(client, statement("01/0000", "1.00"), payment("12/9999", "1.00")) == [(False, "outside_window")] * 2
    )
