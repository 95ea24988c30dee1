"""Token exchange (RFC 8693): a user's token narrowed to one business, its program accounts and fewer scopes."""

from __future__ import annotations

import httpx

from ..harness import Identity, problem
from .oauth_support import BN, OTHER_BN, TOKEN, claims_of

EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"
USER_SCOPES = ["financial:read", "payments:read", "payments:write"]


def user_token(identity: Identity, scopes: list[str] | None = None, **extra: object) -> str:
    return identity.app.state.keys.issue_access_token(  # type: ignore[no-any-return]
        "user-7", scopes=scopes or USER_SCOPES, extra={"mfa": True, "sid": "s-1", **extra}
    )


async def exchange(identity: Identity, subject_token: str, **form: str) -> httpx.Response:
    data = {"grant_type": EXCHANGE, "subject_token": subject_token, "subject_token_type": ACCESS, **form}
    return await identity.client.post(TOKEN, data=data)


async def test_a_token_is_narrowed_to_one_business_its_accounts_and_scopes(identity: Identity) -> None:
    response = await exchange(
        identity,
        user_token(identity),
        audience=BN,
        scope="financial:read",
        program_accounts=f"{BN}RM0002 {BN}RM0001",
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["issued_token_type"] == ACCESS and "refresh_token" not in body
    claims = await claims_of(identity, body["access_token"])
    assert (claims["sub"], claims["business"], claims["scope"], claims["mfa"]) == ("user-7", BN, "financial:read", True)
    assert claims["program_accounts"] == [f"{BN}RM0001", f"{BN}RM0002"]


async def test_the_business_can_be_named_as_a_resource_and_scopes_default_to_the_subjects(identity: Identity) -> None:
    response = await exchange(identity, user_token(identity), resource=f"urn:portal:business:{BN}")

    claims = await claims_of(identity, response.json()["access_token"])
    assert claims["business"] == BN and claims["scope"] == " ".join(USER_SCOPES)
    assert "program_accounts" not in claims


async def test_an_exchange_cannot_widen_the_scopes(identity: Identity) -> None:
    response = await exchange(identity, user_token(identity, ["financial:read"]), audience=BN, scope="payments:write")

    problem(response, 400, "invalid_scope")


async def test_an_exchanged_token_cannot_switch_business_or_widen_its_accounts(identity: Identity) -> None:
    narrowed = (await exchange(identity, user_token(identity), audience=BN, program_accounts=f"{BN}RM0001")).json()

    other_business = await exchange(identity, narrowed["access_token"], audience=OTHER_BN)
    more_accounts = await exchange(identity, narrowed["access_token"], audience=BN, program_accounts=f"{BN}RM0002")
    all_accounts = await exchange(identity, narrowed["access_token"], audience=BN)
    same = await exchange(identity, narrowed["access_token"], audience=BN, program_accounts=f"{BN}RM0001")

    problem(other_business, 400, "invalid_target")
    problem(more_accounts, 400, "invalid_target")
    problem(all_accounts, 400, "invalid_target")
    assert same.status_code == 200, same.text


async def test_accounts_of_another_business_and_bad_targets_are_refused(identity: Identity) -> None:
    token = user_token(identity)

    problem(await exchange(identity, token, audience=BN, program_accounts=f"{OTHER_BN}RM0001"), 400, "invalid_target")
    problem(await exchange(identity, token, audience="12345"), 400, "invalid_target")
    problem(await exchange(identity, token), 400, "invalid_target")
    problem(
        await exchange(identity, token, audience=BN, resource=f"urn:portal:business:{OTHER_BN}"), 400, "invalid_target"
    )


async def test_invalid_or_api_client_subject_tokens_are_refused(identity: Identity) -> None:
    tampered = user_token(identity)[:-4] + "AAAA"
    client_token = identity.app.state.keys.issue_access_token(
        "bc_1", scopes=["financial:read"], extra={"client_id": "bc_1", "business": BN}
    )

    problem(await exchange(identity, tampered, audience=BN), 400, "invalid_grant")
    problem(await exchange(identity, client_token, audience=BN), 400, "invalid_grant")
    problem(await exchange(identity, "not-a-token", audience=BN), 400, "invalid_grant")
    wrong_type = await exchange(identity, user_token(identity), audience=BN, subject_token_type="urn:x")
    problem(wrong_type, 400, "invalid_request")


async def test_the_exchanged_token_never_outlives_the_subject_token(identity: Identity) -> None:
    subject = await claims_of(identity, user_token(identity))
    short = identity.app.state.keys.issue_access_token("user-7", scopes=USER_SCOPES, extra={"exp": subject["iat"] + 30})

    claims = await claims_of(identity, (await exchange(identity, short, audience=BN)).json()["access_token"])

    assert claims["exp"] <= subject["iat"] + 30
