"""The developer portal (/docs) as an integrator sees it, in Chromium, against the whole portal: every operation
of every service renders, the authentication guide is there, "Try it out" reaches the services through the
gateway (anonymously and with a token given to "Authorize"), and the page never talks to another host."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from portal_runtime.testing.browser import Watch
from portal_runtime.testing.infra import wait_for
from portal_runtime.testing.stack import Portal

pytestmark = pytest.mark.integration

PASSWORD = "Harbour7Lights"


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def operation_block(page: Page, operation: dict[str, Any]) -> Locator:
    """Swagger UI's block of an operation: its id is ``operations-<first tag>-<operationId>``."""
    return page.locator(f"#operations-{operation['tags'][0]}-{operation['operationId']}")


async def execute(page: Page, operation: dict[str, Any]) -> Locator:
    """Expand the operation, "Try it out", "Execute"; returns the live response row once it has a status."""
    block = operation_block(page, operation)
    await block.locator(".opblock-summary").first.click()
    await block.locator("button.try-out__btn").click()
    await block.locator("button.execute").click()
    response = block.locator(".live-responses-table .response")
    await expect(response.locator(".response-col_status")).to_have_text(re.compile(r"^\s*\d{3}\s*$"), timeout=15_000)
    return response


async def open_docs(page: Page, portal: Portal, document: dict[str, Any]) -> None:
    await page.goto(f"{portal.gateway}/docs")
    await expect(page.locator(".opblock")).to_have_count(len(operations(document)), timeout=30_000)


async def signed_in_token(portal: Portal, username: str, email: str) -> str:
    """A portal user's access token, through the real sign-in: credential, e-mail MFA, terms."""
    client = portal.client
    created = await client.post(
        "/v1/users",
        json={
            "username": username,
            "password": PASSWORD,
            "password_confirmation": PASSWORD,
            "recovery": {
                "question": "first_pet",
                "answer": "Biscuit",
                "memorable_person": "Aunt Rose",
                "memorable_date": "1990-04-12",
            },
        },
    )
    assert created.status_code == 201, created.text
    started = await client.post("/v1/sessions", json={"username": username, "password": PASSWORD})
    session = started.json()["session_id"]
    enrolled = await client.post(
        f"/v1/sessions/{session}/mfa/email", json={"email": email, "email_confirmation": email, "consent": True}
    )
    assert enrolled.status_code == 200, enrolled.text
    verified = await client.post(f"/v1/sessions/{session}/mfa/verify", json={"code": await portal.latest_code(email)})
    assert verified.status_code == 200, verified.text
    tokens = await client.post(f"/v1/sessions/{session}/terms", json={"accepted": True})
    assert tokens.status_code == 200, tokens.text
    return tokens.json()["access_token"]  # type: ignore[no-any-return]


async def test_every_operation_and_the_guide_render_and_try_it_out_works_without_leaving_the_machine(
    portal: Portal, watched_page: tuple[Page, Watch]
) -> None:
    page, watch = watched_page
    document = (await portal.client.get("/openapi.json")).json()
    services = {op["x-service"] for _, _, op in operations(document)}
    assert {"identity", "business-registry", "delegation", "notifications"} <= services

    await open_docs(page, portal, document)

    # Every tag has its section, and every operation of every service its block under its first tag.
    for tag in document["tags"]:
        await expect(page.locator(f'h3.opblock-tag[data-tag="{tag["name"]}"]')).to_be_visible()
    for _, _, operation in operations(document):
        await expect(operation_block(page, operation)).to_have_count(1)

    # The guide: the four ways to a token, and the conventions, with paths of the identity contract.
    info = page.locator(".information-container")
    for heading in [
        "Authentication guide for integrators",
        "1. Portal users: sign-in with MFA",
        "2. Third-party frontends: OAuth 2 authorization code with PKCE",
        "3. Broker and importer software: client credentials",
        "4. Least privilege: token exchange (RFC 8693)",
        "Conventions",
    ]:
        await expect(info.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    for text in ["POST /v1/sessions/{session_id}/mfa/verify", "Idempotency-Key", "If-Match", "next_cursor"]:
        await expect(info).to_contain_text(text)
    assert "problem+json" in await info.inner_text()

    # "Authorize" offers the bearer and identity's OAuth 2 flows.
    await page.locator(".auth-wrapper button.authorize").click()
    dialog = page.locator(".modal-ux")
    await expect(dialog).to_contain_text("bearer")
    await expect(dialog).to_contain_text("oauth2 (OAuth2, clientCredentials)")
    await expect(dialog).to_contain_text("/v1/oauth/token")
    await dialog.locator("button.close-modal").click()

    # Try it out on a public read: the sandbox's reference businesses, answered by business-registry.
    listed = (await portal.client.get("/v1/sandbox/reference-businesses")).json()["items"]
    reference = operation_block(page, document["paths"]["/v1/sandbox/reference-businesses"]["get"])
    response = await execute(page, document["paths"]["/v1/sandbox/reference-businesses"]["get"])
    await expect(response.locator(".response-col_status")).to_have_text("200")
    await expect(response.locator(".response-col_description")).to_contain_text(listed[0]["bn"])
    await expect(reference.locator(".request-url")).to_contain_text(f"{portal.gateway}/v1/sandbox/reference-businesses")

    watch.assert_clean()
    assert all(url.startswith(portal.gateway) for url in watch.requested), watch.requested


async def registered_business(portal: Portal, token: str, email: str) -> str:
    """The signed-in user registers a sandbox business and becomes its account manager (BAM); returns the BN."""
    auth = {"authorization": f"Bearer {token}"}
    profile = {
        "first_name": "Paul",
        "last_name": "Tremblay",
        "phone": "613-555-0100",
        "email": email,
        "email_confirmation": email,
        "notices_by_email": False,
        "language": "en",
        "terms_consent": True,
    }
    assert (await portal.client.put("/v1/me/profile", json=profile, headers=auth)).status_code == 201
    reference = (await portal.client.get("/v1/sandbox/reference-businesses")).json()["items"][0]
    registered = await portal.client.post(
        "/v1/business-registrations", json=reference["registration_request"], headers=auth
    )
    assert registered.status_code == 201, registered.text
    bn: str = reference["bn"]

    async def is_bam() -> bool:
        contexts = (await portal.client.get("/v1/me/contexts", headers=auth)).json()["items"]
        return any(c["bn"] == bn and c["role"] == "bam" for c in contexts)

    await wait_for(is_bam, within=20)
    return bn


async def authorize_dialog(page: Page) -> Locator:
    await page.locator(".auth-wrapper button.authorize").click()
    return page.locator(".modal-ux")


async def test_authorize_with_a_bearer_token_and_with_client_credentials_then_try_it_out(
    portal: Portal, watched_page: tuple[Page, Watch]
) -> None:
    page, watch = watched_page
    email = "tester@harp.example"
    token = await signed_in_token(portal, "PortalTester1", email)
    bn = await registered_business(portal, token, email)
    created = await portal.client.post(
        f"/v1/businesses/{bn}/api-clients",
        json={"name": "Broker desk 4.2", "scopes": ["business_profile:read"]},
        headers={"authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.text
    api_client = created.json()
    document = (await portal.client.get("/openapi.json")).json()
    get_me = document["paths"]["/v1/me"]["get"]
    get_business = document["paths"]["/v1/businesses/{bn}"]["get"]
    await open_docs(page, portal, document)

    # Without a token the gateway refuses, and the page shows its problem.
    anonymous = await execute(page, get_me)
    await expect(anonymous.locator(".response-col_status")).to_have_text("401")
    await expect(anonymous).to_contain_text("application/problem+json")

    # A portal user's token pasted into "Authorize" (bearer) is sent by "Execute".
    dialog = await authorize_dialog(page)
    bearer = dialog.locator(".auth-container").filter(has=page.locator("h4", has_text="bearer"))
    await bearer.locator("#auth-bearer-value").fill(token)
    await bearer.get_by_role("button", name="Apply credentials").click()
    await expect(bearer.get_by_role("button", name="Remove authorization")).to_be_visible()
    await bearer.get_by_role(
        "button", name="Remove authorization"
    ).click()  # the next call must use the API client's token alone
    await dialog.locator("button.close-modal").click()
    await operation_block(page, get_me).locator("button.execute").click()
    me = operation_block(page, get_me).locator(".live-responses-table .response")
    await expect(me.locator(".response-col_status")).to_have_text("401", timeout=15_000)  # logged out again

    dialog = await authorize_dialog(page)
    await bearer.locator("#auth-bearer-value").fill(token)
    await bearer.get_by_role("button", name="Apply credentials").click()
    await dialog.locator("button.close-modal").click()
    await operation_block(page, get_me).locator("button.execute").click()
    await expect(me.locator(".response-col_status")).to_have_text("200", timeout=15_000)
    await expect(me).to_contain_text("PortalTester1")

    # The business's API client through identity's token endpoint (client credentials), from the dialog.
    dialog = await authorize_dialog(page)
    await bearer.get_by_role("button", name="Remove authorization").click()
    oauth2 = dialog.locator(".auth-container").filter(has=page.locator("h4", has_text="clientCredentials"))
    await oauth2.locator("#client_id_clientCredentials").fill(api_client["client_id"])
    await oauth2.locator("#client_secret_clientCredentials").fill(api_client["client_secret"])
    scope = "business_profile:read-clientCredentials-checkbox-oauth2"
    await oauth2.locator(f'label[for="{scope}"]').click()  # the checkbox itself is hidden behind its label
    await expect(oauth2.locator(f'[id="{scope}"]')).to_be_checked()
    async with page.expect_request(f"{portal.gateway}/v1/oauth/token") as token_request:
        await oauth2.get_by_role("button", name="Apply given OAuth2 credentials").click()
    sent = await token_request.value
    # Swagger UI authenticates the client with HTTP Basic, which the gateway passes on public routes only.
    assert (await sent.all_headers())["authorization"].startswith("Basic ")
    assert "grant_type=client_credentials" in (sent.post_data or "")
    await expect(oauth2.get_by_role("button", name="Remove authorization")).to_be_visible(timeout=15_000)
    await dialog.locator("button.close-modal").click()

    business = operation_block(page, get_business)
    await business.locator(".opblock-summary").first.click()
    await business.locator("button.try-out__btn").click()
    await business.locator('tr[data-param-name="bn"] input').fill(bn)
    await business.locator("button.execute").click()
    answer = business.locator(".live-responses-table .response")
    await expect(answer.locator(".response-col_status")).to_have_text("200", timeout=15_000)
    await expect(answer).to_contain_text(bn)

    # The 401s above are answers the test asked for; nothing else failed, logged an error or left the machine.
    watch.console_errors = [e for e in watch.console_errors if "401 (Unauthorized)" not in e]
    watch.assert_clean()
