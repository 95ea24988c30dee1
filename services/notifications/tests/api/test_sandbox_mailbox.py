"""The local SMTP sink of the embedded default and the sandbox mailbox that reads it."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import aiosmtplib

from notifications.config import Settings
from portal_runtime.testing.infra import free_port, port_open, wait_for

from ..factories import mfa_session_locked, profile_updated


def message(to: str, subject: str, body: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "CARM Identity <no-reply@carm-portal.dev>"
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content(body)
    return mail


def sink_settings(make_settings: Callable[..., Settings], **overrides: Any) -> Settings:
    port = free_port()
    values: dict[str, Any] = {"sandbox": True, "smtp_sink_enabled": True, "smtp_sink_port": port, "smtp_port": port}
    return make_settings(**{**values, **overrides})


async def test_what_the_sink_receives_is_read_at_the_mailbox_newest_first(
    make_settings: Callable[..., Settings], start_service: Any
) -> None:
    settings = sink_settings(make_settings)
    async with start_service(settings) as svc:
        send = {"hostname": "127.0.0.1", "port": settings.smtp_sink_port}
        await aiosmtplib.send(message("Jane@Example.com", "Your code", "Votre code à usage unique : 482913"), **send)
        await aiosmtplib.send(message("jane@example.com", "Your new code", "Your one-time code: 105522"), **send)
        await aiosmtplib.send(message("other@example.com", "Not for Jane", "..."), **send)

        response = await svc.client.get("/v1/sandbox/mailbox", params={"to": "JANE@example.com"})

        assert response.status_code == 200
        newest, oldest = response.json()["items"]
        assert newest["to"] == "jane@example.com"
        assert newest["from"] == "CARM Identity <no-reply@carm-portal.dev>"
        assert newest["subject"] == "Your new code"
        assert newest["body"] == "Your one-time code: 105522\n"
        assert oldest["body"] == "Votre code à usage unique : 482913\n"  # decoded, accents intact
        assert newest["received_at"] >= oldest["received_at"]
        limited = await svc.client.get("/v1/sandbox/mailbox", params={"to": "jane@example.com", "limit": 1})
        assert [m["subject"] for m in limited.json()["items"]] == ["Your new code"]
        nobody = await svc.client.get("/v1/sandbox/mailbox", params={"to": "nobody@example.com"})
        assert nobody.json() == {"items": []}


async def test_notice_emails_land_in_the_sink_in_the_embedded_default(
    make_settings: Callable[..., Settings], start_service: Any
) -> None:
    async with start_service(sink_settings(make_settings)) as svc:
        await svc.deliver(profile_updated("user-1", email="jean@example.com", language="fr"))
        await svc.deliver(mfa_session_locked("user-1"))

        async def mailbox() -> list[dict[str, Any]]:
            response = await svc.client.get("/v1/sandbox/mailbox", params={"to": "jean@example.com"})
            return response.json()["items"]  # type: ignore[no-any-return]

        [mail] = await wait_for(mailbox)

        assert mail["subject"] == "Urgent : Votre connexion a été verrouillée"
        assert "changez votre mot de passe" in mail["body"]


async def test_the_mailbox_needs_an_address(make_settings: Callable[..., Settings], start_service: Any) -> None:
    async with start_service(sink_settings(make_settings)) as svc:
        response = await svc.client.get("/v1/sandbox/mailbox")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "to"


async def test_without_sandbox_there_is_no_mailbox(make_settings: Callable[..., Settings], start_service: Any) -> None:
    async with start_service(sink_settings(make_settings, sandbox=False)) as svc:
        response = await svc.client.get("/v1/sandbox/mailbox", params={"to": "jane@example.com"})

    assert response.status_code == 404
    assert "/v1/sandbox/mailbox" not in svc.app.openapi()["paths"]


async def test_the_sink_listens_while_the_service_runs_and_only_when_enabled(
    make_settings: Callable[..., Settings], start_service: Any
) -> None:
    settings = sink_settings(make_settings)
    async with start_service(settings):
        assert port_open("127.0.0.1", settings.smtp_sink_port)
    assert not port_open("127.0.0.1", settings.smtp_sink_port)

    disabled = sink_settings(make_settings, smtp_sink_enabled=False)
    async with start_service(disabled):
        assert not port_open("127.0.0.1", disabled.smtp_sink_port)
