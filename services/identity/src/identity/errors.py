from typing import TypeVar

from portal_runtime.problems import FieldError, PortalError, field_errors_detail


class IdentityError(PortalError):
    """Base of the identity service's errors (rendered as RFC 9457 problems).

    ``keeps_changes``: the use case that raised it still commits what it wrote (a failed attempt counted, a
    session locked or cancelled, a token family revoked) before the caller gets the error; see
    :func:`identity.transaction.use_case`.
    """

    keeps_changes: bool = False


E = TypeVar("E", bound=IdentityError)


def after_commit(error: E) -> E:
    """Mark an error as one that answers the caller only after the unit of work committed."""
    error.keeps_changes = True
    return error


class InvalidRequest(IdentityError):
    status, code, title = 422, "validation_failed", "The request is not valid"
    title_fr = "La requête n'est pas valide"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(field_errors_detail(errors), fr=field_errors_detail(errors, "fr"), errors=errors)


class UserNotFound(IdentityError):
    status, code, title, title_fr = 404, "user_not_found", "User not found", "Utilisateur introuvable"


class NotAUser(IdentityError):
    status, code, title = 403, "not_a_user", "Only a signed-in user can do this"
    title_fr = "Seul un utilisateur ayant ouvert une session peut faire ceci"


class MailUnavailable(IdentityError):
    status, code, title = 503, "mail_unavailable", "E-mail cannot be sent right now"
    title_fr = "Impossible d'envoyer un courriel pour le moment"

    def __init__(self) -> None:
        super().__init__(
            "The one-time code could not be e-mailed; no code was sent.",
            fr="Le code à usage unique n'a pas pu être envoyé par courriel; aucun code n'a été envoyé.",
            remediation="Try again in a few minutes.",
            remediation_fr="Réessayez dans quelques minutes.",
            component="smtp",
        )
