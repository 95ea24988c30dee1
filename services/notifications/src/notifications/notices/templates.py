"""Every text a notice or a notice e-mail is made of, in English and French, in one place.

Notices are rendered once, when they are created, in the recipient's language, and stored as rendered: a notice
reads the same for as long as it is kept, whatever these templates become.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from notifications.db import as_utc
from notifications.recipients.service import Language


class NoticeType(StrEnum):
    """Stable codes integrators filter on (`?type=`); the labels below are what people read."""

    DELEGATION_PENDING_ACCESS = "delegation.pending_access"
    DELEGATION_ACCESS_APPROVED = "delegation.access_approved"
    DELEGATION_ACCESS_REJECTED = "delegation.access_rejected"
    SECURITY_SIGN_IN_LOCKED = "security.sign_in_locked"
    SECURITY_CODE_SENT = "security.code_sent"
    DELEGATION_RELATIONSHIP = "delegation.relationship"


TYPE_LABELS: dict[NoticeType, dict[Language, str]] = {
    NoticeType.DELEGATION_PENDING_ACCESS: {
        "en": "Delegation changes \N{EN DASH} pending access",
        "fr": "Modifications apportées à la délégation \N{EN DASH} En attente de l'accès",
    },
    NoticeType.DELEGATION_ACCESS_APPROVED: {
        "en": "Delegation changes \N{EN DASH} access approved",
        "fr": "Modifications apportées à la délégation \N{EN DASH} Accès approuvé",
    },
    NoticeType.DELEGATION_ACCESS_REJECTED: {
        "en": "Delegation changes \N{EN DASH} access rejected",
        "fr": "Modifications apportées à la délégation \N{EN DASH} Accès refusé",
    },
    NoticeType.DELEGATION_RELATIONSHIP: {
        "en": "Delegation changes \N{EN DASH} business relationship",
        "fr": "Modifications apportées à la délégation \N{EN DASH} Relation d'affaires",
    },
    NoticeType.SECURITY_SIGN_IN_LOCKED: {
        "en": "Security \N{EN DASH} sign-in locked",
        "fr": "Sécurité \N{EN DASH} Connexion verrouillée",
    },
    NoticeType.SECURITY_CODE_SENT: {
        "en": "Security \N{EN DASH} one-time code sent",
        "fr": "Sécurité \N{EN DASH} Code à usage unique envoyé",
    },
}

ROLE_LABELS: dict[str, dict[Language, str]] = {
    "bam": {"en": "Business account manager (BAM)", "fr": "Gestionnaire de compte d'entreprise (GCE)"},
    "pam": {"en": "Program account manager (PAM)", "fr": "Gestionnaire de compte de programme (GCP)"},
    "editor": {"en": "Editor", "fr": "Éditeur"},
    "viewer": {"en": "Viewer", "fr": "Lecteur"},
}

ALL_PROGRAM_ACCOUNTS: dict[Language, str] = {"en": "All program accounts", "fr": "Tous les comptes de programme"}


def type_label(notice_type: str, language: Language) -> str:
    return TYPE_LABELS[NoticeType(notice_type)][language]


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


@dataclass(frozen=True)
class _Template:
    subject: str
    body: str

    def render(self, **values: object) -> Rendered:
        return Rendered(self.subject.format(**values), self.body.format(**values))


_TEMPLATES: dict[NoticeType, dict[Language, _Template]] = {
    NoticeType.DELEGATION_PENDING_ACCESS: {
        "en": _Template(
            "Pending access request for your business",
            "You have a new pending access request from {requester} for {business}.\n\n"
            "Comment from the requester: “{comment}”\n\n"
            "To see all the details of the request and approve or reject it, go to the "
            "Manage pending access requests page.",
        ),
        "fr": _Template(
            "Demande d'accès en attente pour votre entreprise",
            "Vous avez une nouvelle demande d'accès en attente de {requester} pour {business}.\n\n"
            "Commentaire du demandeur : « {comment} »\n\n"
            "Pour consulter tous les détails de la demande et l'approuver ou la refuser, allez à la page "
            "Gérer les demandes d'accès en attente.",
        ),
    },
    NoticeType.DELEGATION_ACCESS_APPROVED: {
        "en": _Template(
            "Your access request was approved",
            "Your request for access to {business} was approved.\n\n"
            "Role: {role}\n"
            "Program accounts: {programs}\n\n"
            "You can now work on behalf of this business in the portal.",
        ),
        "fr": _Template(
            "Votre demande d'accès a été approuvée",
            "Votre demande d'accès à {business} a été approuvée.\n\n"
            "Rôle : {role}\n"
            "Comptes de programme : {programs}\n\n"
            "Vous pouvez maintenant travailler au nom de cette entreprise dans le portail.",
        ),
    },
    NoticeType.DELEGATION_ACCESS_REJECTED: {
        "en": _Template(
            "Your access request was rejected",
            "Your request for access to {business} was rejected.\n\n"
            "Reason given: “{comment}”\n\n"
            "If you think this is a mistake, contact a business account manager of your employer.",
        ),
        "fr": _Template(
            "Votre demande d'accès a été refusée",
            "Votre demande d'accès à {business} a été refusée.\n\n"
            "Motif indiqué : « {comment} »\n\n"
            "Si vous pensez qu'il s'agit d'une erreur, communiquez avec un gestionnaire de compte d'entreprise "
            "de votre employeur.",
        ),
    },
    NoticeType.SECURITY_SIGN_IN_LOCKED: {
        "en": _Template(
            "Your sign-in was locked",
            "Your sign-in was locked on {date} at {time} UTC after {attempts} incorrect one-time codes "
            "(too many wrong codes).\n\n"
            "If it was you, sign in again to receive a new code.\n"
            "If it was not you, change your password now: someone may know it. A one-time code e-mail you "
            "did not expect also means that your password may be compromised.",
        ),
        "fr": _Template(
            "Votre connexion a été verrouillée",
            "Votre connexion a été verrouillée le {date} à {time_fr} (UTC) après {attempts} codes à usage "
            "unique erronés (trop de codes erronés).\n\n"
            "Si c'était vous, ouvrez une nouvelle session pour recevoir un nouveau code.\n"
            "Si ce n'était pas vous, changez votre mot de passe immédiatement : quelqu'un pourrait le connaître. "
            "Un courriel de code à usage unique que vous n'attendiez pas signifie aussi que votre mot de passe "
            "pourrait être compromis.",
        ),
    },
}


_TEMPLATES[NoticeType.SECURITY_CODE_SENT] = {
    "en": _Template(
        "A one-time code was sent to you",
        "A one-time code was sent to your multi-factor authentication e-mail on {date} at {time} UTC.\n\n"
        "If you did not ask for it, someone who knows your password has tried to sign in or to change your "
        "security settings: change your password now.",
    ),
    "fr": _Template(
        "Un code à usage unique vous a été envoyé",
        "Un code à usage unique a été envoyé à votre courriel d'authentification à facteurs multiples le {date} à "
        "{time_fr} (UTC).\n\n"
        "Si vous ne l'avez pas demandé, quelqu'un qui connaît votre mot de passe a tenté d'ouvrir une session ou "
        "de modifier vos paramètres de sécurité : changez votre mot de passe immédiatement.",
    ),
}


def _one_line(text: str) -> str:
    """Names come from other services: keep them on one line (they end up in e-mail subjects and sentences)."""
    return " ".join(text.split())


def business(language: Language, bn: str, name: str | None) -> str:
    if name and _one_line(name):
        return f"{_one_line(name)} ({bn})"
    return f"business {bn}" if language == "en" else f"l'entreprise {bn}"


def user(language: Language, user_id: str, name: str | None) -> str:
    if name and _one_line(name):
        return _one_line(name)
    return f"user {user_id}" if language == "en" else f"l'utilisateur {user_id}"


def pending_access(language: Language, *, business: str, requester: str, comment: str) -> Rendered:
    return _TEMPLATES[NoticeType.DELEGATION_PENDING_ACCESS][language].render(
        business=business, requester=requester, comment=comment.strip()
    )


def access_approved(language: Language, *, business: str, role: str, programs: str | Sequence[str]) -> Rendered:
    program_text = ALL_PROGRAM_ACCOUNTS[language] if programs == "all" else ", ".join(programs)
    return _TEMPLATES[NoticeType.DELEGATION_ACCESS_APPROVED][language].render(
        business=business, role=ROLE_LABELS[role][language], programs=program_text
    )


def access_rejected(language: Language, *, business: str, comment: str) -> Rendered:
    return _TEMPLATES[NoticeType.DELEGATION_ACCESS_REJECTED][language].render(
        business=business, comment=comment.strip()
    )


def sign_in_locked(language: Language, *, failed_attempts: int, locked_at: datetime) -> Rendered:
    moment = as_utc(locked_at)
    return _TEMPLATES[NoticeType.SECURITY_SIGN_IN_LOCKED][language].render(
        date=moment.strftime("%Y-%m-%d"),
        time=moment.strftime("%H:%M"),
        time_fr=moment.strftime("%H h %M"),
        attempts=failed_attempts,
    )


def code_sent(language: Language, *, at: datetime) -> Rendered:
    moment = as_utc(at)
    return _TEMPLATES[NoticeType.SECURITY_CODE_SENT][language].render(
        date=moment.strftime("%Y-%m-%d"), time=moment.strftime("%H:%M"), time_fr=moment.strftime("%H h %M")
    )


_EMAIL_SUBJECT_URGENT: dict[Language, str] = {"en": "Urgent: {subject}", "fr": "Urgent : {subject}"}
_EMAIL_FOOTER: dict[Language, str] = {
    "en": "Sign in to the CARM Client Portal and select Notices to read this notice.\n"
    "This message was sent automatically; please do not reply to it.",
    "fr": "Ouvrez une session dans le portail client de la GCRA et sélectionnez Avis pour lire cet avis.\n"
    "Ce message a été envoyé automatiquement; veuillez ne pas y répondre.",
}
_EMAIL_URGENT_NOTE: dict[Language, str] = {
    "en": "Urgent notices are always sent by e-mail, even if you unsubscribed from notice e-mails.",
    "fr": "Les avis urgents sont toujours envoyés par courriel, même si vous êtes désabonné des courriels d'avis.",
}


def email(language: Language, notice: Rendered, *, urgent: bool) -> Rendered:
    """The e-mail announcing a notice: its subject and body, then how to read it in the portal."""
    subject = _EMAIL_SUBJECT_URGENT[language].format(subject=notice.subject) if urgent else notice.subject
    parts = [notice.body, "—", _EMAIL_FOOTER[language]]
    if urgent:
        parts.append(_EMAIL_URGENT_NOTE[language])
    return Rendered(subject, "\n\n".join(parts))
