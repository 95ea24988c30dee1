"""E-mail addresses: a syntax check (RFC 5321 dot-atom, ASCII) and the masked form shown back to users."""

from __future__ import annotations

import re

from portal_runtime.problems import FieldError

MAX_ADDRESS = 254
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_TOP_LEVEL = re.compile(r"^[A-Za-z]{2,63}$|^xn--[A-Za-z0-9-]{1,59}$")


def is_valid_email(address: str) -> bool:
    if len(address) > MAX_ADDRESS or address.count("@") != 1:
        return False
    local, domain = address.split("@")
    if not 1 <= len(local) <= 64 or not _LOCAL.match(local):
        return False
    labels = domain.split(".")
    return len(labels) >= 2 and all(_LABEL.match(label) for label in labels) and bool(_TOP_LEVEL.match(labels[-1]))


def same_address(a: str, b: str) -> bool:
    """Two typings of one address (the confirmation field): compared ignoring case and surrounding spaces."""
    return a.strip().casefold() == b.strip().casefold()


def email_errors(email: str, confirmation: str, field: str = "email") -> list[FieldError]:
    errors = []
    if not is_valid_email(email.strip()):
        errors.append(
            FieldError(
                field=field,
                code="email_format",
                message="Give a valid e-mail address.",
                fr="Donnez une adresse courriel valide.",
            )
        )
    if not same_address(email, confirmation):
        errors.append(
            FieldError(
                field=f"{field}_confirmation",
                code="email_mismatch",
                message="The two addresses differ.",
                fr="Les deux adresses diffèrent.",
            )
        )
    return errors


def mask_email(address: str) -> str:
    """``tcp@tcp.ca`` -> ``t***@tcp.ca``: enough for the owner to recognise, not enough to harvest."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"
