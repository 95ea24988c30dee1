from typing import TypeVar

from portal_runtime.problems import FieldError, PortalError


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

    def __init__(self, errors: list[FieldError]) -> None:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        super().__init__(detail, errors=errors)


class UserNotFound(IdentityError):
    status, code, title = 404, "user_not_found", "User not found"


class NotAUser(IdentityError):
    status, code, title = 403, "not_a_user", "Only a signed-in user can do this"


class MailUnavailable(IdentityError):
    status, code, title = 503, "mail_unavailable", "E-mail cannot be sent right now"

    def __init__(self) -> None:
        super().__init__(
            "The one-time code could not be e-mailed; no code was sent.",
            remediation="Try again in a few minutes.",
            component="smtp",
        )
