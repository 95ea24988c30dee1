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
    return bilingual_message(
        to=to,
        sender=sender,
        subjects=SUBJECTS,
        english=_english(code, to, minutes),
        french=_french(code, to, minutes),
        language=language,
        clock=clock,
    )


def bilingual_message(
    *,
    to: str,
    sender: str,
    subjects: dict[Language, str],
    english: str,
    french: str,
    language: Language | None,
    clock: Clock,
) -> EmailMessage:
    """An automatic e-mail in the user's language, or in both (English first) when it is not known."""
    if language == "en":
        subject, body = subjects["en"], english
    elif language == "fr":
        subject, body = subjects["fr"], french
    else:
        subject = f"{subjects['en']} / {subjects['fr']}"
        body = "(Le français suit l'anglais.)\n\n" + english + "\n----------------------------------------\n\n" + french
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


def mfa_email_changed_message(
    *, to: str, new_address: str, sender: str, language: Language | None, clock: Clock
) -> EmailMessage:
    """The notice to the old MFA address once a new one replaced it."""
    return bilingual_message(
        to=to,
        sender=sender,
        subjects={"en": "Your MFA e-mail address changed", "fr": "Votre adresse courriel d'AFM a changé"},
        english=(
            f"One-time codes for the CARM Client Portal now go to {new_address} instead of this address.\n\n"
            "If you did not make this change, your account may be compromised: sign in, change your password and "
            "your MFA e-mail, or contact the CARM help desk.\n"
        ),
        french=(
            f"Les codes à usage unique du portail client de la GCRA sont maintenant envoyés à {new_address} "
            "plutôt qu'à cette adresse.\n\n"
            "Si vous n'avez pas fait ce changement, votre compte est peut-être compromis : connectez-vous, changez "
            "votre mot de passe et votre courriel d'AFM, ou communiquez avec le service d'assistance de la GCRA.\n"
        ),
        language=language,
        clock=clock,
    )


def inactivity_warning_message(
    *, to: str, days_left: int, sender: str, language: Language | None, clock: Clock
) -> EmailMessage:
    """Sent once, 15 days before an inactive account is deactivated (seed 000: 180 days without a sign-in)."""
    return bilingual_message(
        to=to,
        sender=sender,
        subjects={
            "en": "Your CARM Client Portal account will be deactivated",
            "fr": "Votre compte du portail client de la GCRA sera désactivé",
        },
        english=(
            f"You have not signed in to the CARM Client Portal for a long time. Your account will be deactivated in "
            f"{days_left} days unless you sign in before then.\n\n"
            "A deactivated account can be reactivated with your username, password and recovery answers.\n"
        ),
        french=(
            "Vous ne vous êtes pas connecté au portail client de la GCRA depuis longtemps. Votre compte sera "
            f"désactivé dans {days_left} jours si vous ne vous connectez pas d'ici là.\n\n"
            "Un compte désactivé peut être réactivé avec votre nom d'utilisateur, votre mot de passe et vos "
            "réponses de récupération.\n"
        ),
        language=language,
        clock=clock,
    )


def credential_changed_message(
    *, to: str, change_en: str, change_fr: str, sender: str, language: Language | None, clock: Clock
) -> EmailMessage:
    """The notice after a change to how the user signs in (password, recovery answers)."""
    return bilingual_message(
        to=to,
        sender=sender,
        subjects={"en": "Your sign-in details changed", "fr": "Vos renseignements de connexion ont changé"},
        english=(
            f"{change_en} for the CARM Client Portal was changed on {format_datetime(clock())}.\n\n"
            "If you did not make this change, your account may be compromised: contact the CARM help desk.\n"
        ),
        french=(
            f"{change_fr} du portail client de la GCRA a été modifié le {format_datetime(clock())}.\n\n"
            "Si vous n'avez pas fait ce changement, votre compte est peut-être compromis : communiquez avec le "
            "service d'assistance de la GCRA.\n"
        ),
        language=language,
        clock=clock,
    )
