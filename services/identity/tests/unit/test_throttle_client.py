"""Where an attempt comes from: the gateway's x-forwarded-for, else the socket peer."""

from __future__ import annotations

from starlette.requests import Request

from identity.throttle.dependencies import client_of


def request(headers: dict[str, str], peer: tuple[str, int] | None = ("10.1.2.3", 5000)) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "headers": raw, "client": peer})


def test_the_gateway_header_names_the_client() -> None:
    client = client_of(request({"x-forwarded-for": "198.51.100.20", "user-agent": "Firefox"}))
    assert (client.ip, client.user_agent) == ("198.51.100.20", "Firefox")


def test_the_last_hop_counts_when_several_are_listed() -> None:
    assert client_of(request({"x-forwarded-for": "1.1.1.1, 198.51.100.20"})).ip == "198.51.100.20"


def test_without_the_header_the_socket_peer_counts() -> None:
    assert client_of(request({})).ip == "10.1.2.3"
    assert client_of(request({}, peer=None)).ip == "unknown"


def test_the_user_agent_is_kept_only_as_a_digest_of_bounded_input() -> None:
    client = client_of(request({"user-agent": "x" * 5000}))
    assert len(client.user_agent) == 512
    assert len(client.user_agent_hash) == 64
