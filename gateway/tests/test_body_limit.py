"""The largest request body the gateway accepts: a declared length over it is refused before anything else; a
streamed one is cut off at the limit, the service never gets it whole, and the caller gets 413, not 502."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from portal_gateway.config import Settings

from .conftest import DOCUMENTS_MAX_BODY_BYTES

if TYPE_CHECKING:
    from portal_gateway.tests.conftest import Stack, StackFactory

BN = "123456789"
PAYMENTS = f"/v1/businesses/{BN}/payments"
LIMIT = 1000


async def body(chunks: int, size: int = 400) -> AsyncIterator[bytes]:
    for _ in range(chunks):
        yield b"x" * size


def assert_too_large(stack: Stack, response: object) -> None:
    problem = stack.problem(response)  # type: ignore[arg-type]
    assert (problem["status"], problem["code"], problem["limit_bytes"]) == (413, "payload_too_large", LIMIT)


async def test_a_declared_length_over_the_limit_is_refused_before_the_token_or_any_service(
    make_stack: StackFactory,
) -> None:
    async with make_stack(max_request_body_bytes=LIMIT) as stack:
        before = len(stack.transport.requests)
        response = await stack.client.post(PAYMENTS, content=b"x" * (LIMIT + 1))  # no token either
        sent = len(stack.transport.requests) - before
    assert_too_large(stack, response)
    assert sent == 0


async def test_a_streamed_body_over_the_limit_is_413_from_an_in_process_service(make_stack: StackFactory) -> None:
    async with make_stack(max_request_body_bytes=LIMIT) as stack:
        stack.grants.grant(stack.user, BN, ["payments:write"])
        headers = stack.bearer(scopes=["payments:write"])
        refused = await stack.client.post(PAYMENTS, content=body(3), headers=headers)
        accepted = await stack.client.post(PAYMENTS, content=body(2), headers=headers)  # 800 bytes: within
    assert_too_large(stack, refused)
    assert accepted.status_code == 201
    assert len(accepted.json()["body"]) == 800


async def test_a_streamed_body_over_the_limit_never_reaches_a_real_service_whole(make_stack: StackFactory) -> None:
    received = bytearray()
    finished = asyncio.Event()

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:  # reads until the gateway hangs up; answers nothing unless the chunked body ends
            while chunk := await reader.read(65536):
                received.extend(chunk)
                if received.endswith(b"\r\n0\r\n\r\n"):
                    writer.write(b"HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n")
        finally:
            finished.set()
            writer.close()

    server = await asyncio.start_server(record, "127.0.0.1", 0)
    ledger = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    services = {"identity": "http://identity.test", "ledger": ledger, "delegation": "http://delegation.test"}
    try:
        async with make_stack(services=services, max_request_body_bytes=LIMIT) as stack:
            stack.grants.grant(stack.user, BN, ["payments:write"])
            response = await stack.client.post(
                PAYMENTS, content=body(5), headers=stack.bearer(scopes=["payments:write"])
            )
            await asyncio.wait_for(finished.wait(), 5)
    finally:
        server.close()
    assert_too_large(stack, response)
    assert received.startswith(b"POST " + PAYMENTS.encode())
    assert not received.endswith(b"\r\n0\r\n\r\n")  # the chunked body never ended: no request to handle
    assert received.count(b"x") <= LIMIT + 400  # cut off at the chunk that passed the limit


def test_the_limit_is_a_setting_of_ten_mebibytes_by_default() -> None:
    assert Settings(environment="test").max_request_body_bytes == 10 * 1024 * 1024


DOCUMENTS = f"/v1/businesses/{BN}/documents"


async def test_an_operation_declaring_a_larger_limit_takes_bodies_past_the_default(make_stack: StackFactory) -> None:
    async with make_stack(max_request_body_bytes=LIMIT) as stack:
        stack.grants.grant(stack.user, BN, ["rulings:write", "payments:write"])
        headers = stack.bearer(scopes=["rulings:write", "payments:write"])
        upload = b"d" * (DOCUMENTS_MAX_BODY_BYTES - 500)  # over the default, within the operation's own limit
        accepted = await stack.client.post(DOCUMENTS, content=upload, headers=headers)
        streamed = await stack.client.post(DOCUMENTS, content=body(6), headers=headers)  # 2,400 bytes, chunked
        too_large = await stack.client.post(DOCUMENTS, content=b"d" * (DOCUMENTS_MAX_BODY_BYTES + 1), headers=headers)
        cut_off = await stack.client.post(DOCUMENTS, content=body(8), headers=headers)  # 3,200 bytes, chunked
        payment = await stack.client.post(PAYMENTS, content=upload, headers=headers)  # the default still holds
    assert (accepted.status_code, len(accepted.json()["body"])) == (201, len(upload))
    assert (streamed.status_code, len(streamed.json()["body"])) == (201, 2400)
    for refused in (too_large, cut_off):
        problem = stack.problem(refused)
        assert (problem["code"], problem["limit_bytes"]) == ("payload_too_large", DOCUMENTS_MAX_BODY_BYTES)
    assert_too_large(stack, payment)


async def test_the_refusal_names_the_limit_in_both_languages(make_stack: StackFactory) -> None:
    async with make_stack(max_request_body_bytes=LIMIT) as stack:
        english = await stack.client.post(PAYMENTS, content=b"x" * (LIMIT + 1))
        french = await stack.client.post(PAYMENTS, content=b"x" * (LIMIT + 1), headers={"Accept-Language": "fr-CA"})
    assert f"{LIMIT} bytes" in english.json()["detail"]
    assert "limit_bytes" in english.json()["remediation"]
    assert f"{LIMIT} octets" in french.json()["detail"]
    assert french.headers["content-language"] == "fr"
