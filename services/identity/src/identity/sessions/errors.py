from identity.errors import IdentityError


class InvalidCredentials(IdentityError):
    status, code, title = 401, "invalid_credentials", "Wrong username or password"

    def __init__(self) -> None:
        super().__init__("The username or password is incorrect.")


class SessionNotFound(IdentityError):
    status, code, title = 404, "session_not_found", "No such login session"


class SessionExpired(IdentityError):
    status, code, title = 410, "session_expired", "The login session expired"

    def __init__(self) -> None:
        super().__init__("This login session expired.", remediation="Sign in again with POST /v1/sessions.")


class SessionEnded(IdentityError):
    status, code, title = 410, "session_ended", "The login session is over"

    def __init__(self) -> None:
        super().__init__(
            "This login session is over (completed or cancelled).", remediation="Sign in again with POST /v1/sessions."
        )


class SessionLocked(IdentityError):
    status, code, title = 423, "session_locked", "The login session is locked"

    def __init__(self) -> None:
        super().__init__(
            "Too many wrong one-time codes: this login session is locked and the user was told.",
            remediation="Sign in again with POST /v1/sessions; if you did not make these attempts, change your "
            "password.",
        )


class WrongStep(IdentityError):
    status, code, title = 409, "wrong_step", "Not the step this login session expects"

    def __init__(self, expected: str) -> None:
        expected = str(expected)  # a Step is a StrEnum: its value, not its repr
        super().__init__(f"This login session expects the step '{expected}' now.", next=expected)


class MfaConsentRefused(IdentityError):
    status, code, title = 403, "mfa_consent_refused", "Consent to multi-factor authentication refused"

    def __init__(self) -> None:
        super().__init__(
            "Without consent to the privacy notice of multi-factor authentication there is no access to the portal.",
            remediation="Read the privacy and consent statement, then send consent: true.",
        )


class InvalidMfaCode(IdentityError):
    status, code, title = 401, "invalid_mfa_code", "Wrong one-time code"

    def __init__(self, attempts_remaining: int) -> None:
        super().__init__(
            "This is not the most recent one-time code sent for this login.",
            remediation="Use the most recent code you received, or ask for a new one.",
            attempts_remaining=attempts_remaining,
        )


class MfaCodeExpired(IdentityError):
    status, code, title = 401, "mfa_code_expired", "The one-time code expired"

    def __init__(self) -> None:
        super().__init__(
            "The most recent one-time code is no longer valid.",
            remediation="Ask for a new code (POST .../mfa/resend). If codes often arrive late, ask your IT team to "
            "trust our sender address, or enrol another e-mail address.",
        )


class MfaCodeLimit(IdentityError):
    status, code, title = 429, "mfa_code_limit", "Too many one-time codes for this login"

    def __init__(self) -> None:
        super().__init__(
            "No more one-time codes can be sent in this login session.",
            remediation="Sign in again with POST /v1/sessions.",
        )


class TermsRefused(IdentityError):
    status, code, title = 403, "terms_refused", "Terms of use refused"

    def __init__(self) -> None:
        super().__init__("The terms of use were refused: the login is cancelled.")
