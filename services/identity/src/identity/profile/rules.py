"""Profile rules: names, a North American phone number with area code, the contact e-mail."""

from __future__ import annotations

import re
import unicodedata

from identity.mail.addresses import email_errors
from portal_runtime.problems import FieldError

NAME_MAX = 100
EXTENSION_MAX = 6

# NANP: area code and exchange start with 2-9. Accepts 613-555-0100, (613) 555-0100, +1 613 555 0100, 6135550100.
_PHONE = re.compile(r"^(?:\+?1[ .-]?)?(?:\(([2-9][0-9]{2})\)|([2-9][0-9]{2}))[ .-]?([2-9][0-9]{2})[ .-]?([0-9]{4})$")
_EXTENSION = re.compile(r"^[0-9]{1,6}$")


def normalise_phone(phone: str) -> str | None:
    """The number in E.164 (``+16135550100``), or None when it is not a 10-digit North American number."""
    match = _PHONE.match(phone.strip())
    if match is None:
        return None
    area = match.group(1) or match.group(2)
    return f"+1{area}{match.group(3)}{match.group(4)}"


def name_errors(value: str, field: str) -> list[FieldError]:
    stripped = value.strip()
    errors = []
    if not stripped:
        errors.append(
            FieldError(
                field=field, code=f"{field}_required", message="This name is required.", fr="Ce nom est obligatoire."
            )
        )
    elif len(stripped) > NAME_MAX:
        errors.append(
            FieldError(
                field=field,
                code=f"{field}_length",
                message=f"At most {NAME_MAX} characters.",
                fr=f"Au plus {NAME_MAX} caractères.",
            )
        )
    if any(unicodedata.category(c).startswith("C") for c in value):
        errors.append(
            FieldError(
                field=field,
                code=f"{field}_characters",
                message="Control characters are not allowed.",
                fr="Les caractères de contrôle ne sont pas permis.",
            )
        )
    return errors


def phone_errors(phone: str, extension: str | None) -> list[FieldError]:
    errors = []
    if normalise_phone(phone) is None:
        errors.append(
            FieldError(
                field="phone",
                code="phone_format",
                message="Give a 10-digit North American number with its area code, e.g. 613-555-0100.",
                fr="Donnez un numéro nord-américain à 10 chiffres avec son indicatif régional, p. ex. 613-555-0100.",
            )
        )
    if extension and not _EXTENSION.match(extension):
        errors.append(
            FieldError(
                field="phone_extension",
                code="phone_extension_format",
                message=f"The extension is 1 to {EXTENSION_MAX} digits.",
                fr=f"Le poste compte de 1 à {EXTENSION_MAX} chiffres.",
            )
        )
    return errors


def profile_errors(
    *,
    first_name: str,
    last_name: str,
    phone: str,
    phone_extension: str | None,
    email: str,
    email_confirmation: str,
    terms_consent: bool,
) -> list[FieldError]:
    errors = name_errors(first_name, "first_name") + name_errors(last_name, "last_name")
    errors += phone_errors(phone, phone_extension)
    errors += email_errors(email, email_confirmation)
    if not terms_consent:
        errors.append(
            FieldError(
                field="terms_consent",
                code="terms_consent_required",
                message="Consent to the terms of use is required.",
                fr="Le consentement aux conditions d'utilisation est obligatoire.",
            )
        )
    return errors
