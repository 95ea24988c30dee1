from __future__ import annotations

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
