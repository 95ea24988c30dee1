"""The one-time code e-mail (seed 000 §1.6): the code, how long it is valid, and the compromise warning.

English or French when the user's language is known (their profile), otherwise both, English first.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from identity.clock import Clock
from identity.language import Language

SUBJECTS: dict[Language, str] = {"en": "Your one-time code", "fr": "Votre code à usage unique"}


def _english(code: str, to: str, minutes: int) -> str:
    return (
        "Your one-time code to sign in to the CARM Client Portal is:\n"
        "\n"
        f"    {code}\n"
        "\n"
        f"It is valid for {minutes} minutes and can be used once. Only the most recent code you received works.\n"
        "\n"
        "If you receive a code when you did not try to sign in, your password may have been compromised: "
        "check it and change it if necessary.\n"
        "\n"
        f"This e-mail was sent to {to} because this address is used for multi-factor authentication "
        "on the CARM Client Portal.\n"
    )


def _french(code: str, to: str, minutes: int) -> str:
    return (
        "Votre code à usage unique pour vous connecter au portail client de la GCRA est :\n"
        "\n"
        f"    {code}\n"
        "\n"
        f"Il est valide pendant {minutes} minutes et ne peut servir qu'une fois. "
        "Seul le code le plus récent que vous avez reçu fonctionne.\n"
        "\n"
        "Si vous recevez un code alors que vous n'avez pas essayé de vous connecter, votre mot de passe a "
        "peut-être été compromis : vérifiez-le et changez-le au besoin.\n"
        "\n"
        f"Ce courriel a été envoyé à {to} parce que cette adresse sert à l'authentification à facteurs "
        "multiples du portail client de la GCRA.\n"
    )


def one_time_code_message(
    *, code: str, to: str, sender: str, validity_s: int, language: Language | None, clock: Clock
) -> EmailMessage:
    minutes = max(1, validity_s // 60)
    if language == "en":
        subject, body = SUBJECTS["en"], _english(code, to, minutes)
    elif language == "fr":
        subject, body = SUBJECTS["fr"], _french(code, to, minutes)
    else:
        subject = f"{SUBJECTS['en']} / {SUBJECTS['fr']}"
        body = (
            "(Le français suit l'anglais.)\n\n"
            + _english(code, to, minutes)
            + "\n----------------------------------------\n\n"
            + _french(code, to, minutes)
        )
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(clock())
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to a code e-mail
    if language is not None:
        message["Content-Language"] = language
    message.set_content(body, charset="utf-8")
    return message
