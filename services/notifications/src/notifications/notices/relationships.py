"""Business-relationship notices (seed 002 §4-5): both sides are told of every change.

Every relationship event names the provider and the client and carries the users to tell on each side (their
BAMs and PAMs at the time); an assignment also tells the employee assigned. One notice type,
``delegation.relationship``, with a subject per change, rendered in each recipient's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from notifications.notices import templates
from notifications.notices.service import NoticeDraft, Profiles
from notifications.notices.templates import ALL_PROGRAM_ACCOUNTS, ROLE_LABELS, NoticeType, Rendered
from notifications.recipients.service import Language, language_of
from portal_contracts.events.delegation import (
    ProxyAssignmentRemoved,
    ProxyAssignmentSet,
    RelationshipChanged,
    RelationshipEnded,
    RelationshipExpired,
    RelationshipRequestApproved,
    RelationshipRequestCancelled,
    RelationshipRequestRejected,
    RelationshipRequestSubmitted,
)

TYPE_LABELS: dict[str, dict[Language, str]] = {
    "business_management": {"en": "Business management", "fr": "Gestion d'entreprise"},
    "program_management": {"en": "Program management", "fr": "Gestion de programme"},
}
NO_EXPIRY: dict[Language, str] = {"en": "no expiry date", "fr": "aucune date d'expiration"}


@dataclass(frozen=True)
class Wording:
    subject: dict[Language, str]
    body: dict[Language, str]


WORDINGS: dict[type[Any], Wording] = {
    RelationshipRequestSubmitted: Wording(
        {"en": "Business relationship requested", "fr": "Demande de relation d'affaires"},
        {
            "en": "{provider} asked to act for {client} as its service provider.\n\nComment: “{comment}”\n\n"
            "A business account manager or program account manager of {client} can approve or reject it.",
            "fr": "{provider} a demandé d'agir pour {client} à titre de fournisseur de services.\n\n"
            "Commentaire : « {comment} »\n\n"
            "Un gestionnaire de compte d'entreprise ou de programme de {client} peut l'approuver ou la refuser.",
        },
    ),
    RelationshipRequestCancelled: Wording(
        {"en": "Business relationship request cancelled", "fr": "Demande de relation d'affaires annulée"},
        {
            "en": "{provider} cancelled its request to act for {client}.",
            "fr": "{provider} a annulé sa demande d'agir pour {client}.",
        },
    ),
    RelationshipRequestApproved: Wording(
        {"en": "Business relationship approved", "fr": "Relation d'affaires approuvée"},
        {
            "en": "{client} approved {provider} as its service provider.\n\n"
            "Type: {type}\nProgram accounts: {programs}\nExpiry: {expires}",
            "fr": "{client} a approuvé {provider} à titre de fournisseur de services.\n\n"
            "Type : {type}\nComptes de programme : {programs}\nExpiration : {expires}",
        },
    ),
    RelationshipRequestRejected: Wording(
        {"en": "Business relationship request rejected", "fr": "Demande de relation d'affaires refusée"},
        {
            "en": "{client} rejected the request of {provider}.\n\nReason given: “{comment}”\n\n"
            "The provider must cancel this request before sending a new one.",
            "fr": "{client} a refusé la demande de {provider}.\n\nMotif indiqué : « {comment} »\n\n"
            "Le fournisseur doit annuler cette demande avant d'en envoyer une nouvelle.",
        },
    ),
    RelationshipChanged: Wording(
        {"en": "Business relationship changed", "fr": "Relation d'affaires modifiée"},
        {
            "en": "{client} changed its relationship with {provider} ({changed}).\n\n"
            "Type: {type}\nProgram accounts: {programs}\nExpiry: {expires}",
            "fr": "{client} a modifié sa relation avec {provider} ({changed}).\n\n"
            "Type : {type}\nComptes de programme : {programs}\nExpiration : {expires}",
        },
    ),
    RelationshipEnded: Wording(
        {"en": "Business relationship ended", "fr": "Relation d'affaires terminée"},
        {
            "en": "{client} ended its relationship with {provider}. The provider's employees no longer have access "
            "to {client}; what the provider submitted stays visible to both.",
            "fr": "{client} a mis fin à sa relation avec {provider}. Les employés du fournisseur n'ont plus accès à "
            "{client}; ce que le fournisseur a soumis demeure visible pour les deux.",
        },
    ),
    RelationshipExpired: Wording(
        {"en": "Business relationship expired", "fr": "Relation d'affaires expirée"},
        {
            "en": "The relationship between {client} and {provider} expired on {expires}. The provider's "
            "employees no longer have access to {client}.",
            "fr": "La relation entre {client} et {provider} a expiré le {expires}. Les employés du fournisseur "
            "n'ont plus accès à {client}.",
        },
    ),
    ProxyAssignmentSet: Wording(
        {"en": "Access to a client assigned", "fr": "Accès à un client attribué"},
        {
            "en": "{employee} acts for {client} through {provider}.\n\nRole: {role}\nProgram accounts: {programs}",
            "fr": "{employee} agit pour {client} par l'intermédiaire de {provider}.\n\n"
            "Rôle : {role}\nComptes de programme : {programs}",
        },
    ),
    ProxyAssignmentRemoved: Wording(
        {"en": "Access to a client removed", "fr": "Accès à un client retiré"},
        {
            "en": "{employee} no longer acts for {client} through {provider}.",
            "fr": "{employee} n'agit plus pour {client} par l'intermédiaire de {provider}.",
        },
    ),
}


def _programs(language: Language, programs: Any) -> str:
    return ALL_PROGRAM_ACCOUNTS[language] if programs == "all" else ", ".join(programs)


def _values(event: Any, language: Language, profiles: Profiles) -> dict[str, str]:
    values = {
        "provider": templates.business(language, event.provider_bn, None),
        "client": templates.business(language, event.client_bn, None),
        "comment": getattr(event, "comment", "").strip(),
        "expires": getattr(event, "expires_on", None) or NO_EXPIRY[language],
        "changed": ", ".join(getattr(event, "changed", [])),
    }
    if hasattr(event, "type"):
        values["type"] = TYPE_LABELS[event.type][language]
    if hasattr(event, "programs"):
        values["programs"] = _programs(language, event.programs)
    if hasattr(event, "role"):
        values["role"] = ROLE_LABELS[event.role][language]
    if hasattr(event, "user_id"):
        profile = profiles.get(event.user_id)
        values["employee"] = templates.user(language, event.user_id, profile.display_name if profile else None)
    return values


def involved(event: Any) -> list[str]:
    """Both sides' managers; an assignment concerns the provider side and the employee, not the client's staff."""
    if isinstance(event, ProxyAssignmentSet | ProxyAssignmentRemoved):
        return list(dict.fromkeys([*event.provider_user_ids, event.user_id]))
    return list(dict.fromkeys([*event.provider_user_ids, *event.client_user_ids]))


def relationship_notices(event: Any, profiles: Profiles) -> list[NoticeDraft]:
    wording = WORDINGS[type(event)]
    drafts = []
    for recipient in involved(event):
        language = language_of(profiles.get(recipient))
        text = Rendered(wording.subject[language], wording.body[language].format(**_values(event, language, profiles)))
        drafts.append(
            NoticeDraft(
                recipient_user_id=recipient,
                type=NoticeType.DELEGATION_RELATIONSHIP,
                language=language,
                subject=text.subject,
                body=text.body,
                business_bn=event.client_bn,
            )
        )
    return drafts


RELATIONSHIP_EVENTS: list[type[Any]] = list(WORDINGS)
