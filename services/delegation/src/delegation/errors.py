"""The delegation service's errors: each carries its HTTP status, a stable ``code`` and a title (RFC 9457)."""

from __future__ import annotations

from portal_runtime.problems import PortalError

# The versioned resources in French (with their article): how to say "a relationship" and "the relationship".
_RESOURCES_FR: dict[str, tuple[str, str]] = {
    "relationship": ("une relation d'affaires", "la relation d'affaires"),
    "client group": ("un groupe de clients", "le groupe de clients"),
}


class DelegationError(PortalError):
    """Base of the delegation service's errors (rendered as RFC 9457 problems)."""


class BusinessNotRegistered(DelegationError):
    status, code, title, title_fr = 404, "business_not_registered", "Business not registered", "Entreprise non inscrite"

    def __init__(self, bn: str) -> None:
        super().__init__(
            f"No business {bn} is registered on the portal.",
            fr=f"Aucune entreprise {bn} n'est inscrite au portail.",
            remediation="Check the business number, or register the business first.",
            remediation_fr="Vérifiez le numéro d'entreprise (NE), ou inscrivez d'abord l'entreprise.",
        )


class ContextMismatch(DelegationError):
    """The gateway's context names another business than the path: never forwarded by a correct gateway."""

    status, code, title = 403, "context_mismatch", "Acting context does not match the path"
    title_fr = "Le contexte d'action ne correspond pas au chemin"

    def __init__(self, bn: str) -> None:
        super().__init__(
            f"The acting context does not name business {bn}.",
            fr=f"Le contexte d'action ne désigne pas l'entreprise {bn}.",
        )


class UserRequired(DelegationError):
    status, code, title = 403, "user_required", "A signed-in user is required"
    title_fr = "Un utilisateur ayant ouvert une session est requis"

    def __init__(self) -> None:
        super().__init__(
            "Only a user, not an API client acting for itself, can do this.",
            fr="Seul un utilisateur, et non un client d'API agissant pour son propre compte, peut faire ceci.",
        )


class NotAccountManager(DelegationError):
    status, code, title = 403, "not_account_manager", "Business or program account manager required"
    title_fr = "Gestionnaire de compte d'entreprise ou de programme requis"

    def __init__(self, bn: str) -> None:
        super().__init__(
            f"Only a business account manager (BAM) or program account manager (PAM) of {bn} can do this.",
            fr=(
                f"Seul un gestionnaire de compte d'entreprise (GCE) ou un gestionnaire de compte de programme (GCP) "
                f"de {bn} peut faire ceci."
            ),
            remediation="Ask a BAM or PAM of the business.",
            remediation_fr="Adressez-vous à un GCE ou à un GCP de l'entreprise.",
        )


class BusinessAccountManagerRequired(DelegationError):
    status, code, title = 403, "bam_required", "Business account manager required"
    title_fr = "Gestionnaire de compte d'entreprise requis"

    def __init__(self, bn: str) -> None:
        super().__init__(
            f"Only a business account manager (BAM) of {bn} can do this.",
            fr=f"Seul un gestionnaire de compte d'entreprise (GCE) de {bn} peut faire ceci.",
        )


class PreconditionRequired(DelegationError):
    """An update of a versioned resource without If-Match (RFC 6585 §3)."""

    status, code, title, title_fr = 428, "precondition_required", "If-Match is required", "If-Match est requis"

    def __init__(self, resource: str, url: str) -> None:
        indefinite, definite = _RESOURCES_FR.get(resource, (f"une ressource {resource}", f"la ressource {resource}"))
        super().__init__(
            f"Updates of a {resource} must send the If-Match header with the ETag of the {resource} as you read it, "
            "so that a concurrent change is not overwritten.",
            fr=(
                f"Toute mise à jour d'{indefinite} doit envoyer l'en-tête If-Match avec l'ETag lu pour {definite}, "
                "afin qu'une modification concurrente ne soit pas écrasée."
            ),
            remediation=f"GET {url} for its ETag, then repeat this request with the header If-Match: <ETag>.",
            remediation_fr=(
                f"Lisez {url} (GET) pour obtenir son ETag, puis refaites cette requête avec l'en-tête If-Match: <ETag>."
            ),
        )
