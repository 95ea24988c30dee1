from __future__ import annotations

from delegation.errors import DelegationError


class AlreadyAssociated(DelegationError):
    status, code, title = 409, "already_associated", "Already associated with the business"
    title_fr = "Déjà associé à l'entreprise"

    def __init__(self, user_id: str, bn: str) -> None:
        super().__init__(
            f"User {user_id} already has access to business {bn}.",
            fr=f"L'utilisateur {user_id} a déjà accès à l'entreprise {bn}.",
        )


class EmployeeNotFound(DelegationError):
    status, code, title, title_fr = 404, "employee_not_found", "Employee not found", "Employé introuvable"

    def __init__(self, user_id: str, bn: str) -> None:
        super().__init__(
            f"User {user_id} has no access to business {bn}.",
            fr=f"L'utilisateur {user_id} n'a pas accès à l'entreprise {bn}.",
        )


class OwnAccessChange(DelegationError):
    status, code, title = 403, "own_access", "Users cannot change their own access"
    title_fr = "Un utilisateur ne peut pas modifier son propre accès"

    def __init__(self) -> None:
        super().__init__(
            "You cannot change or remove your own access; another account manager must.",
            fr=(
                "Vous ne pouvez pas modifier ni retirer votre propre accès; un autre gestionnaire de compte doit le "
                "faire."
            ),
        )


class ManagerOutranked(DelegationError):
    status, code, title = 403, "manager_outranked", "A program account manager cannot change a BAM"
    title_fr = "Un gestionnaire de compte de programme ne peut pas modifier un GCE"

    def __init__(self, user_id: str) -> None:
        super().__init__(
            f"User {user_id} is a business account manager: only another business account manager can change them.",
            fr=(
                f"L'utilisateur {user_id} est gestionnaire de compte d'entreprise (GCE) : seul un autre gestionnaire "
                "de compte d'entreprise peut modifier son accès."
            ),
            remediation="Ask a business account manager.",
            remediation_fr="Adressez-vous à un gestionnaire de compte d'entreprise (GCE).",
        )


class LastBusinessAccountManager(DelegationError):
    status, code, title = 409, "last_bam", "Every business needs a business account manager"
    title_fr = "Toute entreprise doit avoir un gestionnaire de compte d'entreprise"

    def __init__(self, bn: str) -> None:
        super().__init__(
            f"This would leave business {bn} without a business account manager (BAM).",
            fr=f"L'entreprise {bn} se retrouverait sans gestionnaire de compte d'entreprise (GCE).",
            remediation="Make another employee BAM first.",
            remediation_fr="Nommez d'abord un autre employé GCE.",
        )


class EmployeePreconditionFailed(DelegationError):
    status, code, title = 412, "precondition_failed", "The employee's access changed since you read it"
    title_fr = "L'accès de l'employé a changé depuis votre lecture"

    def __init__(self, current: str) -> None:
        super().__init__(
            "If-Match does not match the employee's current ETag.",
            fr="If-Match ne correspond pas à l'ETag actuel de l'employé.",
            remediation="GET the employee again and reapply your change.",
            remediation_fr="Relisez l'employé (GET) et appliquez de nouveau votre modification.",
            current_etag=current,
        )
