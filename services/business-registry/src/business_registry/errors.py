"""The business registry's problems. Each names its status, stable ``code`` and title; the registry's handler
adds the extension members an error carries (``attempts_left``, ``retry_after_s``) to the RFC 9457 body."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from portal_runtime.problems import PROBLEM_MEDIA_TYPE, FieldError, PortalError, Problem, portal_error_response


class BusinessRegistryError(PortalError):
    """Base of the business-registry service's errors (rendered as RFC 9457 problems)."""

    def __init__(self, detail: str | None = None, *, extensions: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.extensions = extensions or {}


class RegistrationProblem(Problem):
    """A problem of the registration, with how many attempts remain."""

    attempts_left: int | None = None
    retry_after_s: int | None = None


class InvalidBusinessNumber(BusinessRegistryError):
    status, code, title, title_fr = (
        422,
        "invalid_business_number",
        "The business number is not valid",
        "Le numéro d'entreprise n'est pas valide",
    )

    def __init__(self, bn: str, field: str = "bn") -> None:
        super().__init__(
            f"{bn} is not a business number: its last digit does not match the check digit.",
            fr=f"{bn} n'est pas un numéro d'entreprise : son dernier chiffre ne correspond pas au chiffre de contrôle.",
            errors=[
                FieldError(
                    field=field,
                    message="The check digit does not match",
                    code="invalid_check_digit",
                    fr="Le chiffre de contrôle ne correspond pas",
                )
            ],
        )


class BusinessNotFound(BusinessRegistryError):
    status, code, title, title_fr = 404, "business_not_found", "Business not found", "Entreprise introuvable"


class BusinessNotInRegister(BusinessRegistryError):
    """Registration names a BN the revenue agency's register does not hold."""

    status, code, title, title_fr = (
        422,
        "business_not_found",
        "Business not found in the business register",
        "Entreprise introuvable dans le registre des entreprises",
    )

    def __init__(self, bn: str) -> None:
        super().__init__(
            f"The revenue agency has no business with the number {bn}.",
            fr=f"L'agence du revenu n'a aucune entreprise portant le numéro {bn}.",
            errors=[
                FieldError(
                    field="bn",
                    message="Unknown to the business register",
                    code="not_found",
                    fr="Inconnu du registre des entreprises",
                )
            ],
            remediation="Check the business number, or register it with the Canada Revenue Agency first.",
            remediation_fr=(
                "Vérifiez le numéro d'entreprise, ou inscrivez d'abord l'entreprise auprès de l'Agence du revenu "
                "du Canada."
            ),
        )


class ProgramAccountNotFound(BusinessRegistryError):
    status, code, title, title_fr = (
        404,
        "program_account_not_found",
        "Program account not found",
        "Compte de programme introuvable",
    )


class ProgramAccountNotInRegister(BusinessRegistryError):
    status, code, title, title_fr = (
        422,
        "program_account_not_found",
        "Program account not found in the business register",
        "Compte de programme introuvable dans le registre des entreprises",
    )

    def __init__(self, bn: str, program_reference: str) -> None:
        super().__init__(
            f"Business {bn} has no import-export program account {program_reference}.",
            fr=f"L'entreprise {bn} n'a aucun compte de programme d'importation-exportation {program_reference}.",
            errors=[
                FieldError(
                    field="program_reference",
                    message="Not a program account of this business",
                    fr="Pas un compte de programme de cette entreprise",
                )
            ],
            remediation="Use the RM reference of one of the business's import-export program accounts (e.g. RM0001).",
            remediation_fr=(
                "Utilisez la référence RM de l'un des comptes de programme d'importation-exportation de l'entreprise "
                "(p. ex. RM0001)."
            ),
        )


class ProofOutsideWindow(BusinessRegistryError):
    status, code, title, title_fr = (
        422,
        "proof_outside_window",
        "An answer is outside the six calendar years before today",
        "Une réponse se situe hors des six années civiles précédant aujourd'hui",
    )


class BusinessAlreadyRegistered(BusinessRegistryError):
    status, code, title, title_fr = (
        409,
        "business_already_registered",
        "The business is already registered",
        "L'entreprise est déjà inscrite",
    )

    def __init__(self, bn: str) -> None:
        super().__init__(
            f"Business {bn} is already registered on the portal; a business can be registered only once.",
            fr=f"L'entreprise {bn} est déjà inscrite au portail; une entreprise ne peut être inscrite qu'une "
            "seule fois.",
            remediation=f"Request access to your employer instead: POST /v1/businesses/{bn}/access-requests.",
            remediation_fr=f"Demandez plutôt l'accès à votre employeur : POST /v1/businesses/{bn}/access-requests.",
        )


class RegisterMismatch(BusinessRegistryError):
    status, code, title, title_fr = (
        422,
        "register_mismatch",
        "The business information does not match the revenue agency's",
        "Les renseignements sur l'entreprise ne correspondent pas à ceux de l'agence du revenu",
    )


class ProofOfKnowledgeFailed(BusinessRegistryError):
    status, code, title, title_fr = (
        422,
        "proof_of_knowledge_failed",
        "The answers about the account could not be confirmed",
        "Les réponses sur le compte n'ont pas pu être confirmées",
    )


class TooManyAttempts(BusinessRegistryError):
    status, code, title, title_fr = (
        429,
        "too_many_attempts",
        "Too many failed registration attempts",
        "Trop de tentatives d'inscription infructueuses",
    )


class LedgerUnavailable(BusinessRegistryError):
    status, code, title, title_fr = (
        503,
        "ledger_unavailable",
        "The ledger is unavailable",
        "Le grand livre est indisponible",
    )


class BusinessNotActedOn(BusinessRegistryError):
    status, code, title, title_fr = (
        403,
        "business_not_in_context",
        "The request does not act on this business",
        "La requête ne vise pas cette entreprise",
    )


class ProgramAccountNotAllowed(BusinessRegistryError):
    status, code, title, title_fr = (
        403,
        "program_account_not_allowed",
        "Your access does not cover this program account",
        "Votre accès ne couvre pas ce compte de programme",
    )


class IfMatchRequired(BusinessRegistryError):
    status, code, title, title_fr = 428, "precondition_required", "If-Match is required", "If-Match est obligatoire"


class VersionMismatch(BusinessRegistryError):
    status, code, title, title_fr = (
        412,
        "precondition_failed",
        "The resource changed since you read it",
        "La ressource a changé depuis que vous l'avez lue",
    )


async def render(_: Request, exc: Exception) -> JSONResponse:
    """The runtime's problem body plus the error's extension members."""
    assert isinstance(exc, BusinessRegistryError)
    response = portal_error_response(exc)
    if not exc.extensions:
        return response
    body = json.loads(bytes(response.body)) | exc.extensions
    headers = {**(exc.headers or {}), "Content-Language": response.headers["Content-Language"]}
    return JSONResponse(body, status_code=exc.status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)
