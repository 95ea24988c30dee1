"""Sign-in partners: PKCE, the password-less users they create, their settings."""

from __future__ import annotations

import pytest

from identity.config import Settings
from identity.federation.partners import code_challenge
from identity.federation.service import NO_PASSWORD, federated_username
from identity.users.hashing import SecretHasher
from identity.users.rules import username_errors


def test_the_code_challenge_is_s256_of_the_verifier() -> None:
    # RFC 7636 Appendix B.
    assert (
        code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_a_federated_users_username_is_one_nobody_can_register() -> None:
    username = federated_username()
    assert len(username) == 16
    assert username != federated_username()
    assert username_errors(username), "a registrable username could collide with a real credential"


async def test_no_password_matches_a_federated_users_password_hash() -> None:
    hasher = SecretHasher(memory_cost=8, time_cost=1, parallelism=1)
    assert not await hasher.verify(NO_PASSWORD, NO_PASSWORD)
    assert not await hasher.verify(NO_PASSWORD, "")


def test_sign_in_partners_come_from_a_json_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "IDENTITY_SIGN_IN_PARTNERS",
        '{"bank": {"issuer": "https://id.bank.example", "client_id": "carm", "client_secret": "s3cret"}}',
    )
    monkeypatch.setenv("IDENTITY_FEDERATION_REDIRECT_URIS", '["https://portal.example/callback"]')
    settings = Settings(environment="test")
    bank = settings.sign_in_partners["bank"]
    assert (bank.issuer, bank.client_id, bank.scopes) == ("https://id.bank.example", "carm", ["openid"])
    assert bank.client_secret.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)
    assert settings.federation_redirect_uris == ["https://portal.example/callback"]
