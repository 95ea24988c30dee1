from identity.errors import IdentityError


class CredentialRevoked(IdentityError):
    status, code, title = 403, "credential_revoked", "This credential is revoked"

    def __init__(self) -> None:
        super().__init__(
            "This credential was revoked and can no longer sign in.",
            remediation="Create a new credential (POST /v1/users).",
        )


class AccountDeactivated(IdentityError):
    status, code, title = 403, "account_deactivated", "The account is deactivated"

    def __init__(self) -> None:
        super().__init__(
            "This account was deactivated after 180 days without a sign-in.",
            remediation="Reactivate it with your username, password and recovery answers "
            "(POST /v1/users/reactivation), then sign in as usual.",
        )


class ReactivationRefused(IdentityError):
    status, code, title = 401, "reactivation_refused", "The account cannot be reactivated with these details"

    def __init__(self) -> None:
        super().__init__(
            "The username, password or recovery answers are incorrect, or the account is not deactivated.",
        )


class WrongPassword(IdentityError):
    status, code, title = 401, "wrong_password", "The current password is wrong"

    def __init__(self) -> None:
        super().__init__("The current password is incorrect.")


class AccountActive(IdentityError):
    status, code, title = 409, "account_active", "The account is not deactivated"

    def __init__(self) -> None:
        super().__init__("This account is active: sign in as usual.")
