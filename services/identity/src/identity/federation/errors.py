from identity.errors import IdentityError

RESTART = "Start again with POST /v1/sessions/federated."


class SignInPartnerNotFound(IdentityError):
    status, code, title = 404, "sign_in_partner_not_found", "No such sign-in partner"

    def __init__(self, partner: str) -> None:
        super().__init__(f"'{partner}' is not a sign-in partner.", remediation="GET /v1/sign-in-partners lists them.")


class RedirectUriNotAllowed(IdentityError):
    status, code, title = 400, "redirect_uri_not_allowed", "Redirect URI not allowed"

    def __init__(self) -> None:
        super().__init__("The sign-in partner may send the user back only to one of the portal's own pages.")


class PartnerLoginCancelled(IdentityError):
    status, code, title = 403, "partner_login_cancelled", "The sign-in partner did not sign the user in"

    def __init__(self, error: str) -> None:
        super().__init__(
            f"The sign-in partner answered '{error}': the login is cancelled.", remediation=RESTART, partner_error=error
        )


class FederatedStateMismatch(IdentityError):
    status, code, title = 403, "state_mismatch", "The partner's answer is not for this login"

    def __init__(self) -> None:
        super().__init__(
            "The state does not match the one sent to the sign-in partner: the login is cancelled.",
            remediation=RESTART,
        )


class PartnerCodeRefused(IdentityError):
    status, code, title = 403, "partner_code_refused", "The sign-in partner refused the authorization code"

    def __init__(self, error: str) -> None:
        super().__init__(
            f"The sign-in partner refused the code ('{error}'): the login is cancelled.",
            remediation=RESTART,
            partner_error=error,
        )


class PartnerIdTokenInvalid(IdentityError):
    status, code, title = 403, "partner_id_token_invalid", "The sign-in partner's ID token is not valid"

    def __init__(self, reason: str) -> None:
        super().__init__(f"The ID token was refused ({reason}): the login is cancelled.", remediation=RESTART)


class PartnerUnavailable(IdentityError):
    status, code, title = 503, "partner_unavailable", "The sign-in partner cannot be reached"

    def __init__(self) -> None:
        super().__init__(
            "The sign-in partner could not be reached or answered with an error.",
            remediation="Try again in a few minutes, or sign in with a username and password.",
            component="sign_in_partner",
        )
