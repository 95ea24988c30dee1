"""One-time codes: six random digits, stored as HMAC-SHA256 under a per-code salt, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

CODE_DIGITS = 6
CODE_PATTERN = re.compile(r"^[0-9]{6}$")


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def new_salt() -> str:
    return secrets.token_hex(16)


def code_digest(code: str, salt: str) -> str:
    return hmac.new(bytes.fromhex(salt), code.encode("ascii"), hashlib.sha256).hexdigest()


def code_matches(code: str, salt: str, digest: str) -> bool:
    return hmac.compare_digest(code_digest(code, salt), digest)
