"""TOTP secrets encrypted at rest (AES-256-GCM) under a key ring that can rotate.

A TOTP secret must be read back to check a code, so it cannot be hashed; it is sealed instead. The stored value is
``enc1:<key id>:<base64url(nonce | ciphertext | tag)>``, bound to its user (the user id is the associated data, so a
sealed secret copied onto another account does not open). The ring holds several keys: the newest seals, any opens,
and identity re-seals with the newest at start (:func:`reseal_totp_secrets`), so an old key can be withdrawn after
a restart. A value that does not open (unknown key id, wrong key, altered) fails closed: no code is accepted.

Setting ``IDENTITY_TOTP_KEYS``: entries ``<key id>:<base64url of 32 random bytes>`` separated by commas or new
lines, the last one the newest; or the path of a file holding them. Production requires it. In development a ring
is generated once under ``var/keys/identity-totp.keys`` (``tools/devkeys.py`` writes it too); in tests one is
generated per process. Rows written before encryption existed (plain base32) are sealed at start or on first use.
"""

from __future__ import annotations

import base64
import binascii
import functools
import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select

from identity.config import Settings
from identity.errors import IdentityError
from identity.factors.models import TotpFactor
from portal_runtime.service import ServiceRuntime

log = logging.getLogger(__name__)

PREFIX = "enc1"
NONCE_BYTES = 12
KEY_BYTES = 32
DEV_KEYS_FILE = Path("var") / "keys" / "identity-totp.keys"
_ENTRY = re.compile(r"^([A-Za-z0-9_.-]{1,32}):([A-Za-z0-9_-]+={0,2})$")


class KeyRingError(ValueError):
    """The key ring setting is malformed."""


class SecretUnreadable(IdentityError):
    """A sealed secret does not open with the ring (unknown key id, wrong key, altered value): fail closed, no code
    is accepted, and the caller gets a 500 (the deployment's key ring is wrong, not the code)."""

    status, code, title = 500, "totp_unavailable", "Authenticator app codes cannot be checked"
    title_fr = "Les codes d'application d'authentification ne peuvent pas être vérifiés"


def new_key_entry(kid: str | None = None) -> str:
    key = base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")
    return f"{kid or 'k' + secrets.token_hex(4)}:{key}"


@dataclass(frozen=True)
class KeyRing:
    keys: dict[str, bytes]  # in order: the last one seals
    current: str

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        keys: dict[str, bytes] = {}
        entries = [e.strip() for line in text.splitlines() for e in line.split("#", 1)[0].split(",")]
        for entry in entries:
            if not entry:
                continue
            match = _ENTRY.fullmatch(entry)
            if match is None:
                raise KeyRingError("each TOTP key is `<key id>:<base64url of 32 bytes>`")
            try:
                key = base64.urlsafe_b64decode(match.group(2) + "=" * (-len(match.group(2)) % 4))
            except (binascii.Error, ValueError) as exc:
                raise KeyRingError(f"TOTP key {match.group(1)} is not base64url") from exc
            if len(key) != KEY_BYTES:
                raise KeyRingError(f"TOTP key {match.group(1)} must be {KEY_BYTES} bytes (AES-256)")
            keys.pop(match.group(1), None)
            keys[match.group(1)] = key
        if not keys:
            raise KeyRingError("the TOTP key ring is empty")
        return cls(keys, next(reversed(keys)))

    def seal(self, secret: str, user_id: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, secret.encode("ascii"), _aad(user_id))
        return f"{PREFIX}:{self.current}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"

    def open(self, stored: str, user_id: str) -> str:
        """The secret; a legacy plain value is returned as it is (the caller re-seals it)."""
        if not is_sealed(stored):
            return stored
        _, kid, payload = stored.split(":", 2)
        key = self.keys.get(kid)
        if key is None:
            raise SecretUnreadable(
                f"TOTP secret sealed with key {kid!r}, which the ring does not hold",
                fr=f"Secret TOTP scellé avec la clé {kid!r}, que le trousseau ne contient pas",
            )
        try:
            raw = base64.urlsafe_b64decode(payload)
            return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(user_id)).decode("ascii")
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise SecretUnreadable(
                f"TOTP secret does not open with key {kid!r}", fr=f"Le secret TOTP ne s'ouvre pas avec la clé {kid!r}"
            ) from exc

    def needs_resealing(self, stored: str) -> bool:
        return not stored.startswith(f"{PREFIX}:{self.current}:")


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX + ":")


def _aad(user_id: str) -> bytes:
    return f"identity/totp/{user_id}".encode()


@functools.cache
def _test_ring() -> KeyRing:
    return KeyRing.parse(new_key_entry("test"))


@functools.cache
def _ring_from(spec: str) -> KeyRing:
    if _ENTRY.fullmatch(re.split(r"[,\n]", spec)[0].strip()):
        return KeyRing.parse(spec)
    path = Path(spec)
    try:
        return KeyRing.parse(path.read_text())
    except OSError as exc:
        raise KeyRingError(f"cannot read the TOTP key ring file {path}: {exc}") from exc


def _dev_ring() -> KeyRing:
    if not DEV_KEYS_FILE.exists():
        DEV_KEYS_FILE.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(DEV_KEYS_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key_entry("dev1") + "\n")
        log.warning("IDENTITY_TOTP_KEYS is not set: generated a development TOTP key ring in %s", DEV_KEYS_FILE)
    return _ring_from(str(DEV_KEYS_FILE.resolve()))


def totp_key_ring(settings: Settings) -> KeyRing:
    """The configured ring (parsed once per process); development and tests get one without setup."""
    spec = settings.totp_keys.get_secret_value().strip()
    if spec:
        return _ring_from(spec)
    if settings.environment == "test":
        return _test_ring()
    return _dev_ring()


async def reseal_totp_secrets(runtime: ServiceRuntime) -> None:
    """Seals the plain secrets of rows written before encryption, and re-seals those of an older key."""
    settings = runtime.settings
    assert isinstance(settings, Settings)
    ring = totp_key_ring(settings)
    resealed = unreadable = 0
    async with runtime.sessions() as session, session.begin():
        for factor in (await session.execute(select(TotpFactor).with_for_update())).scalars():
            if not ring.needs_resealing(factor.secret):
                continue
            try:
                factor.secret = ring.seal(ring.open(factor.secret, factor.user_id), factor.user_id)
                resealed += 1
            except SecretUnreadable as exc:
                unreadable += 1
                log.error("TOTP factor of user %s left as it is: %s", factor.user_id, exc)
    if resealed or unreadable:
        log.info("TOTP secrets re-sealed with key %s: %d (%d unreadable)", ring.current, resealed, unreadable)
