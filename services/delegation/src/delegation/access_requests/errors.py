from __future__ import annotations

from delegation.errors import DelegationError
from portal_runtime.problems import FieldError


class AccessRequestNotFound(DelegationError):
    status, code, title, title_fr = (
        404,
        "access_request_not_found",
        "Access request not found",
        "Demande d'accès introuvable",
    )

    def __init__(self, request_id: str, bn: str) -> None:
        super().__init__(
            f"Business {bn} has no access request {request_id}.",
            fr=f"L'entreprise {bn} n'a aucune demande d'accès {request_id}.",
        )


class AccessRequestPending(DelegationError):
    status, code, title = 409, "access_request_pending", "An access request is already pending"
    title_fr = "Une demande d'accès est déjà en attente"

    def __init__(self, bn: str) -> None:
        super().__init__(
            f"You already asked for access to business {bn}; the request awaits its account managers' decision.",
            fr=(
                f"Vous avez déjà demandé l'accès à l'entreprise {bn}; la demande attend la décision de ses "
                "gestionnaires de compte."
            ),
            remediation="Wait for the decision: GET /v1/me/access-requests shows it.",
            remediation_fr="Attendez la décision : GET /v1/me/access-requests l'indique.",
        )


class AccessRequestNotPending(DelegationError):
    status, code, title = 409, "access_request_not_pending", "The access request was already decided"
    title_fr = "La demande d'accès a déjà fait l'objet d'une décision"

    def __init__(self, request_id: str, status: str) -> None:
        super().__init__(
            f"Access request {request_id} is {status}; only a pending request can be decided.",
            fr=(
                f"La demande d'accès {request_id} est à l'état {status}; seule une demande en attente peut faire "
                "l'objet d'une décision."
            ),
        )


class OwnAccessRequest(DelegationError):
    status, code, title = 403, "own_access_request", "Users cannot decide their own access"
    title_fr = "Un utilisateur ne peut pas décider de son propre accès"

    def __init__(self) -> None:
        super().__init__(
            "You cannot approve or reject your own access request; another account manager must.",
            fr=(
                "Vous ne pouvez pas approuver ni rejeter votre propre demande d'accès; un autre gestionnaire de compte "
                "doit le faire."
            ),
        )


class RoleNotGrantable(DelegationError):
    status, code, title, title_fr = 403, "role_not_grantable", "Role above your own", "Rôle supérieur au vôtre"

    def __init__(self, role: str, own_role: str) -> None:
        granter_fr = "Un fournisseur de services" if own_role == "provider" else f"Le rôle {own_role}"
        super().__init__(
            f"A {own_role} cannot grant the role {role}.",
            fr=f"{granter_fr} ne peut pas accorder le rôle {role}.",
            remediation="Ask a business account manager.",
            remediation_fr="Adressez-vous à un gestionnaire de compte d'entreprise (GCE).",
        )


class ProgramsNotHeld(DelegationError):
    status, code, title = 403, "programs_not_held", "Program accounts outside your own access"
    title_fr = "Comptes de programme hors de votre propre accès"

    def __init__(self, missing: list[str]) -> None:
        what = "all program accounts" if missing == ["all"] else ", ".join(missing)
        what_fr = "tous les comptes de programme" if missing == ["all"] else ", ".join(missing)
        super().__init__(
            f"A program account manager grants only program accounts it holds itself; you do not hold {what}.",
            fr=(
                "Un gestionnaire de compte de programme (GCP) n'accorde que les comptes de programme qu'il détient "
                f"lui-même; vous ne détenez pas {what_fr}."
            ),
            missing_programs=missing,
        )


class UnknownProgramAccounts(DelegationError):
    status, code, title = 422, "unknown_program_accounts", "Program accounts not of this business"
    title_fr = "Comptes de programme n'appartenant pas à cette entreprise"

    def __init__(self, bn: str, unknown: list[tuple[int, str]]) -> None:
        listed = ", ".join(bn15 for _, bn15 in unknown)
        super().__init__(
            f"Not program accounts of business {bn}: {listed}.",
            fr=f"Ne sont pas des comptes de programme de l'entreprise {bn} : {listed}.",
            errors=[
                FieldError(
                    field=f"programs.{index}",
                    message=f"{bn15} is not a program account of business {bn}",
                    code="unknown_program_account",
                    fr=f"{bn15} n'est pas un compte de programme de l'entreprise {bn}",
                )
                for index, bn15 in unknown
            ],
        )
