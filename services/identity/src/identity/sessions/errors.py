from identity.errors import IdentityError

SIGN_IN_AGAIN = "Sign in again with POST /v1/sessions."
SIGN_IN_AGAIN_FR = "Ouvrez une nouvelle session avec POST /v1/sessions."


class InvalidCredentials(IdentityError):
    status, code, title = 401, "invalid_credentials", "Wrong username or password"
    title_fr = "Nom d'utilisateur ou mot de passe erroné"

    def __init__(self) -> None:
        super().__init__(
            "The username or password is incorrect.", fr="Le nom d'utilisateur ou le mot de passe est incorrect."
        )


class SessionNotFound(IdentityError):
    status, code, title = 404, "session_not_found", "No such login session"
    title_fr = "Session de connexion introuvable"


class SessionExpired(IdentityError):
    status, code, title = 410, "session_expired", "The login session expired"
    title_fr = "La session de connexion a expiré"

    def __init__(self) -> None:
        super().__init__(
            "This login session expired.",
            fr="Cette session de connexion a expiré.",
            remediation=SIGN_IN_AGAIN,
            remediation_fr=SIGN_IN_AGAIN_FR,
        )


class SessionEnded(IdentityError):
    status, code, title = 410, "session_ended", "The login session is over"
    title_fr = "La session de connexion est terminée"

    def __init__(self) -> None:
        super().__init__(
            "This login session is over (completed or cancelled).",
            fr="Cette session de connexion est terminée (menée à terme ou annulée).",
            remediation=SIGN_IN_AGAIN,
            remediation_fr=SIGN_IN_AGAIN_FR,
        )


class SessionLocked(IdentityError):
    status, code, title = 423, "session_locked", "The login session is locked"
    title_fr = "La session de connexion est verrouillée"

    def __init__(self) -> None:
        super().__init__(
            "Too many wrong one-time codes: this login session is locked and the user was told.",
            fr="Trop de codes à usage unique erronés : cette session de connexion est verrouillée et l'utilisateur "
            "en a été avisé.",
            remediation="Sign in again with POST /v1/sessions; if you did not make these attempts, change your "
            "password.",
            remediation_fr="Ouvrez une nouvelle session avec POST /v1/sessions; si vous n'avez pas fait ces "
            "tentatives, changez votre mot de passe.",
        )


class WrongStep(IdentityError):
    status, code, title = 409, "wrong_step", "Not the step this login session expects"
    title_fr = "Ce n'est pas l'étape qu'attend cette session de connexion"

    def __init__(self, expected: str) -> None:
        expected = str(expected)  # a Step is a StrEnum: its value, not its repr
        super().__init__(
            f"This login session expects the step '{expected}' now.",
            fr=f"Cette session de connexion attend maintenant l'étape '{expected}'.",
            next=expected,
        )


class MfaConsentRefused(IdentityError):
    status, code, title = 403, "mfa_consent_refused", "Consent to multi-factor authentication refused"
    title_fr = "Consentement à l'authentification à facteurs multiples refusé"

    def __init__(self) -> None:
        super().__init__(
            "Without consent to the privacy notice of multi-factor authentication there is no access to the portal.",
            fr="Sans consentement à l'avis de confidentialité de l'authentification à facteurs multiples, il n'y a pas "
            "d'accès au portail.",
            remediation="Read the privacy and consent statement, then send consent: true.",
            remediation_fr="Lisez l'énoncé de confidentialité et de consentement, puis envoyez consent: true.",
        )


class InvalidMfaCode(IdentityError):
    status, code, title, title_fr = 401, "invalid_mfa_code", "Wrong one-time code", "Code à usage unique erroné"

    def __init__(self, attempts_remaining: int) -> None:
        super().__init__(
            "This is not the most recent one-time code sent for this login.",
            fr="Ce n'est pas le plus récent code à usage unique envoyé pour cette connexion.",
            remediation="Use the most recent code you received, or ask for a new one.",
            remediation_fr="Utilisez le code le plus récent que vous avez reçu, ou demandez-en un nouveau.",
            attempts_remaining=attempts_remaining,
        )


class MfaCodeExpired(IdentityError):
    status, code, title = 401, "mfa_code_expired", "The one-time code expired"
    title_fr = "Le code à usage unique a expiré"

    def __init__(self) -> None:
        super().__init__(
            "The most recent one-time code is no longer valid.",
            fr="Le code à usage unique le plus récent n'est plus valide.",
            remediation="Ask for a new code (POST .../mfa/resend). If codes often arrive late, ask your IT team to "
            "trust our sender address, or enrol another e-mail address.",
            remediation_fr="Demandez un nouveau code (POST .../mfa/resend). Si les codes arrivent souvent en retard, "
            "demandez à votre équipe informatique d'accepter notre adresse d'expéditeur, ou inscrivez une autre "
            "adresse courriel.",
        )


class MfaCodeLimit(IdentityError):
    status, code, title = 429, "mfa_code_limit", "Too many one-time codes for this login"
    title_fr = "Trop de codes à usage unique pour cette connexion"

    def __init__(self) -> None:
        super().__init__(
            "No more one-time codes can be sent in this login session.",
            fr="Aucun autre code à usage unique ne peut être envoyé dans cette session de connexion.",
            remediation=SIGN_IN_AGAIN,
            remediation_fr=SIGN_IN_AGAIN_FR,
        )


class TermsRefused(IdentityError):
    status, code, title, title_fr = 403, "terms_refused", "Terms of use refused", "Conditions d'utilisation refusées"

    def __init__(self) -> None:
        super().__init__(
            "The terms of use were refused: the login is cancelled.",
            fr="Les conditions d'utilisation ont été refusées : la connexion est annulée.",
        )
