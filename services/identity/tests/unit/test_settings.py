from __future__ import annotations

from pathlib import Path

import pytest

from identity.config import Settings


def test_onboarding_defaults() -> None:
    settings = Settings(environment="test")
    assert (settings.smtp_host, settings.smtp_port) == ("127.0.0.1", 1025)
    assert settings.mail_from == "no-reply@carm-portal.dev"
    assert settings.mfa_code_ttl_s == 600
    assert settings.mfa_max_attempts == 5
    assert settings.password_policy == "seed"
    assert settings.delegation_url == "http://127.0.0.1:8003"


def test_settings_come_from_identity_variables_then_portal_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_SMTP_HOST", "mail.internal")
    monkeypatch.setenv("IDENTITY_PASSWORD_POLICY", "passphrase")
    settings = Settings(environment="test")
    assert settings.smtp_host == "mail.internal"
    assert settings.password_policy == "passphrase"


def test_delegation_is_found_through_the_stack_wide_internal_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_INTERNAL_URLS", '{"delegation": "http://delegation:8003/"}')
    assert Settings(environment="test").delegation_url == "http://delegation:8003"
    monkeypatch.setenv("IDENTITY_DELEGATION_URL", "http://elsewhere:9000")
    assert Settings(environment="test").delegation_url == "http://elsewhere:9000"


def test_an_unknown_password_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="password_policy"):
        Settings(environment="test", password_policy="none")  # type: ignore[arg-type]


def production(**values: str) -> Settings:
    return Settings(
        environment="production",
        database_url="postgresql+asyncpg://db/identity",
        context_public_key="/etc/portal/keys/context-public.jwk",
        internal_api_key="k" * 43,
        **values,
    )


def test_production_needs_the_totp_key_ring() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="IDENTITY_TOTP_KEYS"):
        production()
    assert production(totp_keys="/etc/portal/identity/totp.keys").totp_keys.get_secret_value()


def test_the_totp_key_ring_is_inline_or_a_file_and_its_last_key_seals(tmp_path: Path) -> None:
    from identity.factors.sealing import KeyRing, KeyRingError, new_key_entry, totp_key_ring

    first, second = new_key_entry("one"), new_key_entry("two")
    inline = totp_key_ring(Settings(environment="test", totp_keys=f"{first}, {second}"))
    assert (list(inline.keys), inline.current) == (["one", "two"], "two")
    keys_file = tmp_path / "totp.keys"
    keys_file.write_text(f"# rotated 2026-11\n{second}\n{first}\n")
    from_file = totp_key_ring(Settings(environment="test", totp_keys=str(keys_file)))
    assert from_file.current == "one"
    assert from_file.open(inline.seal("JBSWY3DPEHPK3PXP", "u1"), "u1") == "JBSWY3DPEHPK3PXP"
    for bad in ("one:c2hvcnQ", "no colon here", ""):
        with pytest.raises(KeyRingError):
            KeyRing.parse(bad)
