from __future__ import annotations

from delegation.errors import DelegationError


class RelationshipRequestNotFound(DelegationError):
    status, code, title = 404, "relationship_request_not_found", "Relationship request not found"
    title_fr = "Demande de relation d'affaires introuvable"

    def __init__(self, request_id: str, bn: str) -> None:
        super().__init__(
            f"Business {bn} has no relationship request {request_id}.",
            fr=f"L'entreprise {bn} n'a aucune demande de relation d'affaires {request_id}.",
        )


class RelationshipNotFound(DelegationError):
    status, code, title = 404, "relationship_not_found", "Business relationship not found"
    title_fr = "Relation d'affaires introuvable"

    def __init__(self, relationship_id: str, bn: str) -> None:
        super().__init__(
            f"Business {bn} has no business relationship {relationship_id}.",
            fr=f"L'entreprise {bn} n'a aucune relation d'affaires {relationship_id}.",
        )


class OwnBusinessRelationship(DelegationError):
    status, code, title = 422, "own_business", "A business cannot be its own client"
    title_fr = "Une entreprise ne peut pas être sa propre cliente"

    def __init__(self) -> None:
        super().__init__(
            "The client business number is the provider's own.",
            fr="Le numéro d'entreprise (NE) du client est celui du fournisseur de services lui-même.",
        )


class RelationshipRequestPending(DelegationError):
    status, code, title = 409, "relationship_request_pending", "A relationship request is already pending"
    title_fr = "Une demande de relation d'affaires est déjà en attente"

    def __init__(self, client_bn: str) -> None:
        super().__init__(
            f"A request to act for business {client_bn} already awaits the client's decision.",
            fr=f"Une demande pour agir au nom de l'entreprise {client_bn} attend déjà la décision du client.",
            remediation="Wait for the decision, or cancel the pending request.",
            remediation_fr="Attendez la décision, ou annulez la demande en attente.",
        )


class RejectedRequestNotCancelled(DelegationError):
    status, code, title = 409, "rejected_request_not_cancelled", "Cancel the rejected request first"
    title_fr = "Annulez d'abord la demande rejetée"

    def __init__(self, client_bn: str, request_id: str) -> None:
        super().__init__(
            f"Business {client_bn} rejected your request {request_id}; cancel it before sending a new one.",
            fr=(
                f"L'entreprise {client_bn} a rejeté votre demande {request_id}; annulez-la avant d'en envoyer une "
                "nouvelle."
            ),
            remediation=f"DELETE the relationship request {request_id}, then ask again.",
            remediation_fr=(
                f"Supprimez la demande de relation d'affaires {request_id} (DELETE), puis refaites la demande."
            ),
            rejected_request_id=request_id,
        )


class RelationshipExists(DelegationError):
    status, code, title = 409, "relationship_exists", "The business relationship already exists"
    title_fr = "La relation d'affaires existe déjà"

    def __init__(self, client_bn: str) -> None:
        super().__init__(
            f"Your business already has an active relationship with business {client_bn}.",
            fr=f"Votre entreprise a déjà une relation d'affaires active avec l'entreprise {client_bn}.",
        )


class RelationshipRequestNotPending(DelegationError):
    status, code, title = 409, "relationship_request_not_pending", "The relationship request was already decided"
    title_fr = "La demande de relation d'affaires a déjà fait l'objet d'une décision"

    def __init__(self, request_id: str, status: str) -> None:
        super().__init__(
            f"Relationship request {request_id} is {status}; only a pending request can be decided.",
            fr=(
                f"La demande de relation d'affaires {request_id} est à l'état {status}; seule une demande en attente "
                "peut faire l'objet d'une décision."
            ),
        )


class RelationshipRequestNotCancellable(DelegationError):
    status, code, title = 409, "relationship_request_not_cancellable", "The relationship request cannot be cancelled"
    title_fr = "La demande de relation d'affaires ne peut pas être annulée"

    def __init__(self, request_id: str, status: str) -> None:
        super().__init__(
            f"Relationship request {request_id} is {status}; only pending or rejected ones are cancelled.",
            fr=(
                f"La demande de relation d'affaires {request_id} est à l'état {status}; seules les demandes en "
                "attente ou rejetées peuvent être annulées."
            ),
        )


class RelationshipNotActive(DelegationError):
    status, code, title = 409, "relationship_not_active", "The business relationship has ended"
    title_fr = "La relation d'affaires a pris fin"

    def __init__(self, relationship_id: str, status: str) -> None:
        super().__init__(
            f"Business relationship {relationship_id} is {status}.",
            fr=f"La relation d'affaires {relationship_id} est à l'état {status}.",
        )


class ProgramsRequired(DelegationError):
    status, code, title = 422, "programs_required", "Program management lists program accounts"
    title_fr = "La gestion de programme exige une liste de comptes de programme"

    def __init__(self) -> None:
        super().__init__(
            "A program management relationship needs a non-empty list of the client's program accounts.",
            fr="Une relation de gestion de programme exige une liste non vide des comptes de programme du client.",
        )


class ExpiryNotInFuture(DelegationError):
    status, code, title = 422, "expiry_not_in_future", "The expiry date must be in the future"
    title_fr = "La date d'expiration doit être dans le futur"

    def __init__(self, expires_on: str) -> None:
        super().__init__(
            f"The expiry date {expires_on} is not after today.",
            fr=f"La date d'expiration {expires_on} n'est pas postérieure à aujourd'hui.",
        )


class PreconditionFailed(DelegationError):
    status, code, title = 412, "precondition_failed", "The relationship changed since you read it"
    title_fr = "La relation d'affaires a changé depuis votre lecture"

    def __init__(self, current: str) -> None:
        super().__init__(
            "If-Match does not match the relationship's current ETag.",
            fr="If-Match ne correspond pas à l'ETag actuel de la relation d'affaires.",
            remediation="GET the relationship again and reapply your change.",
            remediation_fr="Relisez la relation d'affaires (GET) et appliquez de nouveau votre modification.",
            current_etag=current,
        )


class ProgramsOutsideRelationship(DelegationError):
    status, code, title = 403, "programs_outside_relationship", "Program accounts outside the relationship"
    title_fr = "Comptes de programme hors de la relation d'affaires"

    def __init__(self, missing: list[str]) -> None:
        what = "all program accounts" if missing == ["all"] else ", ".join(missing)
        what_fr = "tous les comptes de programme" if missing == ["all"] else ", ".join(missing)
        super().__init__(
            f"The assignment goes beyond what you may delegate: {what}.",
            fr=f"L'assignation dépasse ce que vous pouvez déléguer : {what_fr}.",
            missing_programs=missing,
        )


class NotProviderEmployee(DelegationError):
    status, code, title = 422, "not_provider_employee", "Not an employee of the provider"
    title_fr = "Pas un employé du fournisseur de services"

    def __init__(self, user_id: str, bn: str) -> None:
        super().__init__(
            f"User {user_id} is not an employee of business {bn}; only its own staff are assigned to clients.",
            fr=(
                f"L'utilisateur {user_id} n'est pas un employé de l'entreprise {bn}; seuls ses propres employés sont "
                "assignés à des clients."
            ),
            remediation="The user first asks for access to your business.",
            remediation_fr="L'utilisateur doit d'abord demander l'accès à votre entreprise.",
        )


class ProviderBamImplicit(DelegationError):
    status, code, title = 422, "provider_bam_implicit", "Business account managers act for every client"
    title_fr = "Les gestionnaires de compte d'entreprise agissent pour tous les clients"

    def __init__(self, user_id: str) -> None:
        super().__init__(
            f"User {user_id} is a BAM of the provider: its proxy role comes from the relationship.",
            fr=(
                f"L'utilisateur {user_id} est GCE du fournisseur de services : son rôle tiers découle de la relation "
                "d'affaires."
            ),
        )


class NotProxyManager(DelegationError):
    status, code, title = 403, "not_proxy_manager", "Proxy program account manager required"
    title_fr = "Gestionnaire de compte de programme tiers requis"

    def __init__(self, client_bn: str) -> None:
        super().__init__(
            f"A program account manager assigns staff to client {client_bn} only if it is itself proxy PAM there.",
            fr=(
                f"Un gestionnaire de compte de programme (GCP) n'assigne des employés au client {client_bn} que s'il "
                "y est lui-même GCP tiers (pGCP)."
            ),
            remediation="Ask a business account manager of your business.",
            remediation_fr="Adressez-vous à un gestionnaire de compte d'entreprise (GCE) de votre entreprise.",
        )


class AssignmentNotFound(DelegationError):
    status, code, title, title_fr = 404, "assignment_not_found", "Assignment not found", "Assignation introuvable"

    def __init__(self, user_id: str, relationship_id: str) -> None:
        super().__init__(
            f"User {user_id} is not assigned to relationship {relationship_id}.",
            fr=f"L'utilisateur {user_id} n'est pas assigné à la relation d'affaires {relationship_id}.",
        )


class IdempotencyKeyReused(DelegationError):
    status, code, title = 422, "idempotency_key_reused", "Idempotency key reused with another request"
    title_fr = "Clé d'idempotence réutilisée avec une autre requête"

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was sent before with a different request body.",
            fr="Cette clé Idempotency-Key a déjà été envoyée avec un corps de requête différent.",
        )
