from __future__ import annotations

from delegation.errors import DelegationError
from portal_runtime.problems import FieldError

# Why a client is not available for a group (the field error's code), in French.
_UNAVAILABLE_FR = {
    "duplicate": "en double dans la liste",
    "already_in_group": "déjà dans ce groupe",
    "in_another_group": "dans un autre groupe",
    "no_active_relationship": "aucune relation d'affaires active",
}


class ClientGroupNotFound(DelegationError):
    status, code, title, title_fr = (
        404,
        "client_group_not_found",
        "Client group not found",
        "Groupe de clients introuvable",
    )

    def __init__(self, group_id: str, bn: str) -> None:
        super().__init__(
            f"Business {bn} has no client group {group_id}.",
            fr=f"L'entreprise {bn} n'a aucun groupe de clients {group_id}.",
        )


class GroupNameTaken(DelegationError):
    status, code, title = 409, "group_name_taken", "A client group has this name"
    title_fr = "Un groupe de clients porte déjà ce nom"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"Your business already has a client group named {name!r}.",
            fr=f"Votre entreprise a déjà un groupe de clients nommé {name!r}.",
        )


class ClientsUnavailable(DelegationError):
    status, code, title = 422, "clients_unavailable", "Clients not available for this group"
    title_fr = "Clients non disponibles pour ce groupe"

    def __init__(self, unavailable: list[tuple[int, str, str]]) -> None:
        listed = ", ".join(bn for _, bn, _ in unavailable)
        super().__init__(
            "A client is available when its relationship with your business is active and it is in none of your "
            f"other groups; not available: {listed}.",
            fr=(
                "Un client est disponible lorsque sa relation d'affaires avec votre entreprise est active et qu'il ne "
                f"fait partie d'aucun de vos autres groupes; non disponibles : {listed}."
            ),
            errors=[
                FieldError(
                    field=f"clients.{index}",
                    message=f"{bn} is not available: {why}",
                    code=why,
                    fr=f"{bn} n'est pas disponible : {_UNAVAILABLE_FR.get(why, why)}",
                )
                for index, bn, why in unavailable
            ],
            unavailable_clients=[bn for _, bn, _ in unavailable],
        )


class ClientNotInGroup(DelegationError):
    status, code, title, title_fr = 404, "client_not_in_group", "Client not in the group", "Client absent du groupe"

    def __init__(self, client_bn: str, group_id: str) -> None:
        super().__init__(
            f"Client {client_bn} is not in client group {group_id}.",
            fr=f"Le client {client_bn} ne fait pas partie du groupe de clients {group_id}.",
        )


class GroupAssignmentNotFound(DelegationError):
    status, code, title = 404, "group_assignment_not_found", "Employee not assigned to the group"
    title_fr = "Employé non assigné au groupe"

    def __init__(self, user_id: str, group_id: str) -> None:
        super().__init__(
            f"User {user_id} is not assigned to client group {group_id}.",
            fr=f"L'utilisateur {user_id} n'est pas assigné au groupe de clients {group_id}.",
        )


class ConfirmationRequired(DelegationError):
    status, code, title = 422, "confirmation_required", "Explicit confirmation required"
    title_fr = "Confirmation explicite requise"

    def __init__(self, expected: str) -> None:
        super().__init__(
            f'This cannot be undone: send {{"confirmation": "{expected}"}} to confirm it.',
            fr=f'Cette action est irréversible : envoyez {{"confirmation": "{expected}"}} pour la confirmer.',
            errors=[
                FieldError(
                    field="confirmation",
                    message=f"type {expected}",
                    code="confirmation_required",
                    fr=f"saisissez {expected}",
                )
            ],
        )


class OperationNotFound(DelegationError):
    status, code, title, title_fr = 404, "operation_not_found", "Operation not found", "Opération introuvable"

    def __init__(self, operation_id: str, bn: str) -> None:
        super().__init__(
            f"Business {bn} has no operation {operation_id}.",
            fr=f"L'entreprise {bn} n'a aucune opération {operation_id}.",
        )


class GroupPreconditionFailed(DelegationError):
    status, code, title = 412, "precondition_failed", "The client group changed since you read it"
    title_fr = "Le groupe de clients a changé depuis votre lecture"

    def __init__(self, current: str) -> None:
        super().__init__(
            "If-Match does not match the group's current ETag.",
            fr="If-Match ne correspond pas à l'ETag actuel du groupe.",
            remediation="GET the group again and reapply your change.",
            remediation_fr="Relisez le groupe (GET) et appliquez de nouveau votre modification.",
            current_etag=current,
        )
