"""TOTP (RFC 6238: SHA-1, 30 s steps, 6 digits, one step of clock drift either way) and recovery codes."""

from __future__ import annotations

import secrets
from datetime import datetime

import pyotp

from identity.sessions.codes import code_digest, code_matches

TOTP_STEP_S = 30
TOTP_DIGITS = 6
TOTP_DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
ISSUER_NAME = "CARM Client Portal"


def new_totp_secret() -> str:
    return pyotp.random_base32(length=32)  # 160 bits, the RFC 4226 recommendation


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP_S).provisioning_uri(
        name=username, issuer_name=ISSUER_NAME
    )


def time_step(now: datetime) -> int:
    return int(now.timestamp()) // TOTP_STEP_S


def matching_step(secret: str, code: str, now: datetime, last_used_step: int | None) -> int | None:
    """The time step ``code`` belongs to, if it is valid now and newer than the last step used; else None.

    Remembering the last step used makes a code single use within its window (RFC 6238 §5.2), and also refuses
    an older step's code once a newer one was used.
    """
    if len(code) != TOTP_DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP_S)
    current = time_step(now)
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_code() -> str:
    raw = secrets.token_hex(5)  # 40 bits, used once, behind the password and the attempt throttle
    return f"{raw[:5]}-{raw[5:]}"


def normalise_recovery_code(code: str) -> str:
    return code.strip().lower().replace("-", "").replace(" ", "")


def recovery_code_digest(code: str, salt: str) -> str:
    return code_digest(normalise_recovery_code(code), salt)


def recovery_code_matches(code: str, salt: str, digest: str) -> bool:
    normalised = normalise_recovery_code(code)
    if not normalised.isascii():
        return False
    return code_matches(normalised, salt, digest)
