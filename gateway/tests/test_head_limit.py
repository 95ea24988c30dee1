"""The longest request target and the largest header section: 414 and 431 problems before anything else is done."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal_gateway.config import Settings

if TYPE_CHECKING:
    from portal_gateway.tests.conftest import StackFactory

LOOKUP = "/v1/businesses/lookup"  # public: no token needed to reach the service
URL_LIMIT = 1024
HEADER_LIMIT = 2048


def query_of_target_length(length: int) -> str:
    """A query string making ``LOOKUP?<query>`` exactly ``length`` bytes long."""
    return "q=" + "a" * (length - len(LOOKUP) - len("?q="))


async def test_a_target_over_the_limit_is_a_414_problem_and_no_service_is_called(make_stack: StackFactory) -> None:
    async with make_stack(max_url_bytes=URL_LIMIT, max_header_bytes=HEADER_LIMIT) as stack:
        before = len(stack.transport.requests)
        at_limit = await stack.client.get(f"{LOOKUP}?{query_of_target_length(URL_LIMIT)}")
        calls_at_limit = len(stack.transport.requests) - before
        over = await stack.client.get(
            f"{LOOKUP}?{query_of_target_length(URL_LIMIT + 1)}", headers={"x-request-id": "req-too-long"}
        )
        calls_over = len(stack.transport.requests) - before - calls_at_limit

    assert (at_limit.status_code, at_limit.json()["route"], calls_at_limit) == (200, "lookup", 1)
    problem = stack.problem(over)
    assert (problem["status"], problem["code"], problem["limit_bytes"]) == (414, "uri_too_long", URL_LIMIT)
    assert f"{URL_LIMIT + 1} bytes long" in problem["detail"]
    assert "a" * 100 not in over.text  # the target is not echoed back
    assert (problem["request_id"], over.headers["x-request-id"]) == ("req-too-long", "req-too-long")
    assert calls_over == 0


async def test_a_header_section_over_the_limit_is_a_431_problem_in_the_callers_language(
    make_stack: StackFactory,
) -> None:
    async with make_stack(max_url_bytes=URL_LIMIT, max_header_bytes=HEADER_LIMIT) as stack:
        before = len(stack.transport.requests)
        english = await stack.client.get(LOOKUP, headers={"x-padding": "p" * HEADER_LIMIT})
        french = await stack.client.get(LOOKUP, headers={"x-padding": "p" * HEADER_LIMIT, "accept-language": "fr"})
        own_route = await stack.client.get("/livez", headers={"cookie": "c" * HEADER_LIMIT})
        within = await stack.client.get(LOOKUP, headers={"x-padding": "p" * (HEADER_LIMIT // 2)})
        calls = len(stack.transport.requests) - before

    for refused in (english, french, own_route):
        problem = stack.problem(refused)
        assert (problem["code"], problem["limit_bytes"]) == ("request_header_fields_too_large", HEADER_LIMIT)
        assert refused.status_code == 431
    assert english.json()["title"] == "Request header fields too large"
    assert french.json()["title"] == "Champs d'en-tête de la requête trop volumineux"
    assert french.headers["content-language"] == "fr"
    assert within.status_code == 200
    assert calls == 1  # only the request within the limit reached the service


async def test_refusals_are_counted_in_the_gateways_metrics(make_stack: StackFactory) -> None:
    async with make_stack(max_url_bytes=URL_LIMIT, max_header_bytes=HEADER_LIMIT) as stack:
        await stack.client.get(f"{LOOKUP}?{query_of_target_length(URL_LIMIT + 10)}")
        metrics = (await stack.client.get("/metrics")).text

    assert 'method="GET",route="unmatched",status="414"' in metrics


def test_the_limits_are_settings_of_8_and_32_kibibytes_by_default() -> None:
    settings = Settings(environment="test")
    assert (settings.max_url_bytes, settings.max_header_bytes) == (8 * 1024, 32 * 1024)
