from identity.errors import IdentityError


class MfaMethodNotFound(IdentityError):
    status, code, title = 404, "mfa_method_not_found", "No such MFA method"
    title_fr = "Méthode d'authentification à facteurs multiples introuvable"


class LastMfaMethod(IdentityError):
    status, code, title = 409, "last_mfa_method", "The last MFA method cannot be removed"
    title_fr = "La dernière méthode d'authentification à facteurs multiples ne peut pas être supprimée"

    def __init__(self) -> None:
        super().__init__(
            "This is your only way to receive a second factor; MFA is mandatory.",
            fr="C'est votre seul moyen de recevoir un second facteur; l'authentification à facteurs multiples est "
            "obligatoire.",
            remediation="Enrol another method (authenticator app or e-mail) first, then remove this one.",
            remediation_fr="Inscrivez d'abord une autre méthode (application d'authentification ou courriel), puis "
            "supprimez celle-ci.",
        )


class TotpAlreadyEnrolled(IdentityError):
    status, code, title = 409, "totp_already_enrolled", "An authenticator app is already enrolled"
    title_fr = "Une application d'authentification est déjà inscrite"

    def __init__(self) -> None:
        super().__init__(
            "An authenticator app is already enrolled.",
            fr="Une application d'authentification est déjà inscrite.",
            remediation="Remove it (DELETE /v1/me/mfa/totp) first.",
            remediation_fr="Supprimez-la d'abord (DELETE /v1/me/mfa/totp).",
        )


class TotpNotPending(IdentityError):
    status, code, title = 409, "totp_not_pending", "No authenticator app awaits confirmation"
    title_fr = "Aucune application d'authentification n'attend de confirmation"

    def __init__(self) -> None:
        super().__init__(
            "No authenticator app enrolment awaits a code.",
            fr="Aucune inscription d'application d'authentification n'attend de code.",
            remediation="POST /v1/me/mfa/totp first.",
            remediation_fr="Faites d'abord POST /v1/me/mfa/totp.",
        )


class MfaMethodNotEnrolled(IdentityError):
    status, code, title = 409, "mfa_method_not_enrolled", "This MFA method is not enrolled"
    title_fr = "Cette méthode d'authentification à facteurs multiples n'est pas inscrite"

    def __init__(self, method: str) -> None:
        super().__init__(f"You have no '{method}' method.", fr=f"Vous n'avez aucune méthode '{method}'.", method=method)


class WrongMfaCode(IdentityError):
    status, code, title, title_fr = 401, "invalid_mfa_code", "Wrong one-time code", "Code à usage unique erroné"

    def __init__(self) -> None:
        super().__init__(
            "The code is wrong, expired or already used.",
            fr="Le code est erroné, expiré ou déjà utilisé.",
            remediation="Use a current code; for an e-mailed code, the most recent one (ask for a new one).",
            remediation_fr="Utilisez un code valide; pour un code reçu par courriel, le plus récent (demandez-en un "
            "nouveau).",
        )


class ChallengeLimit(IdentityError):
    status, code, title = 429, "mfa_code_limit", "Too many one-time codes"
    title_fr = "Trop de codes à usage unique"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            "Ten codes were sent in the last hour; no more can be sent for now.",
            fr="Dix codes ont été envoyés au cours de la dernière heure; aucun autre ne peut être envoyé pour le "
            "moment.",
            remediation="Use the most recent code you received, or try again later.",
            remediation_fr="Utilisez le code le plus récent que vous avez reçu, ou réessayez plus tard.",
            headers={"Retry-After": str(retry_after_s)},
        )


class PasskeyRejected(IdentityError):
    status, code, title = 401, "invalid_passkey", "The passkey response was not accepted"
    title_fr = "La réponse de la clé d'accès n'a pas été acceptée"

    def __init__(self) -> None:
        super().__init__(
            "The WebAuthn response does not answer the latest challenge for this origin, or its signature is wrong.",
            fr="La réponse WebAuthn ne répond pas au dernier défi pour cette origine, ou sa signature est erronée.",
            remediation="Ask for new options and try again with the same authenticator.",
            remediation_fr="Demandez de nouvelles options et réessayez avec le même authentificateur.",
        )


class PasskeyAlreadyEnrolled(IdentityError):
    status, code, title = 409, "passkey_already_enrolled", "This authenticator is already enrolled"
    title_fr = "Cet authentificateur est déjà inscrit"
