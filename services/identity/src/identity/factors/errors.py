from identity.errors import IdentityError


class MfaMethodNotFound(IdentityError):
    status, code, title = 404, "mfa_method_not_found", "No such MFA method"


class LastMfaMethod(IdentityError):
    status, code, title = 409, "last_mfa_method", "The last MFA method cannot be removed"

    def __init__(self) -> None:
        super().__init__(
            "This is your only way to receive a second factor; MFA is mandatory.",
            remediation="Enrol another method (authenticator app or e-mail) first, then remove this one.",
        )


class TotpAlreadyEnrolled(IdentityError):
    status, code, title = 409, "totp_already_enrolled", "An authenticator app is already enrolled"

    def __init__(self) -> None:
        super().__init__(
            "An authenticator app is already enrolled.", remediation="Remove it (DELETE /v1/me/mfa/totp) first."
        )


class TotpNotPending(IdentityError):
    status, code, title = 409, "totp_not_pending", "No authenticator app awaits confirmation"

    def __init__(self) -> None:
        super().__init__("No authenticator app enrolment awaits a code.", remediation="POST /v1/me/mfa/totp first.")


class MfaMethodNotEnrolled(IdentityError):
    status, code, title = 409, "mfa_method_not_enrolled", "This MFA method is not enrolled"

    def __init__(self, method: str) -> None:
        super().__init__(f"You have no '{method}' method.", method=method)


class WrongMfaCode(IdentityError):
    status, code, title = 401, "invalid_mfa_code", "Wrong one-time code"

    def __init__(self) -> None:
        super().__init__(
            "The code is wrong, expired or already used.",
            remediation="Use a current code; for an e-mailed code, the most recent one (ask for a new one).",
        )


class ChallengeLimit(IdentityError):
    status, code, title = 429, "mfa_code_limit", "Too many one-time codes"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            "Ten codes were sent in the last hour; no more can be sent for now.",
            remediation="Use the most recent code you received, or try again later.",
            headers={"Retry-After": str(retry_after_s)},
        )


class PasskeyRejected(IdentityError):
    status, code, title = 401, "invalid_passkey", "The passkey response was not accepted"

    def __init__(self) -> None:
        super().__init__(
            "The WebAuthn response does not answer the latest challenge for this origin, or its signature is wrong.",
            remediation="Ask for new options and try again with the same authenticator.",
        )


class PasskeyAlreadyEnrolled(IdentityError):
    status, code, title = 409, "passkey_already_enrolled", "This authenticator is already enrolled"
