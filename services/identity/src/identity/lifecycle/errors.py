from identity.errors import IdentityError


class CredentialRevoked(IdentityError):
    status, code, title = 403, "credential_revoked", "This credential is revoked"
    title_fr = "Ce justificatif d'identité est révoqué"

    def __init__(self) -> None:
        super().__init__(
            "This credential was revoked and can no longer sign in.",
            fr="Ce justificatif d'identité a été révoqué et ne peut plus servir à ouvrir une session.",
            remediation="Create a new credential (POST /v1/users).",
            remediation_fr="Créez un nouveau justificatif d'identité (POST /v1/users).",
        )


class AccountDeactivated(IdentityError):
    status, code, title = 403, "account_deactivated", "The account is deactivated"
    title_fr = "Le compte est désactivé"

    def __init__(self) -> None:
        super().__init__(
            "This account was deactivated after 180 days without a sign-in.",
            fr="Ce compte a été désactivé après 180 jours sans ouverture de session.",
            remediation="Reactivate it with your username, password and recovery answers "
            "(POST /v1/users/reactivation), then sign in as usual.",
            remediation_fr="Réactivez-le avec votre nom d'utilisateur, votre mot de passe et vos réponses de "
            "récupération (POST /v1/users/reactivation), puis ouvrez une session comme d'habitude.",
        )


class ReactivationRefused(IdentityError):
    status, code, title = 401, "reactivation_refused", "The account cannot be reactivated with these details"
    title_fr = "Le compte ne peut pas être réactivé avec ces renseignements"

    def __init__(self) -> None:
        super().__init__(
            "The username, password or recovery answers are incorrect, or the account is not deactivated.",
            fr="Le nom d'utilisateur, le mot de passe ou les réponses de récupération sont incorrects, ou le compte "
            "n'est pas désactivé.",
        )


class WrongPassword(IdentityError):
    status, code, title = 401, "wrong_password", "The current password is wrong"
    title_fr = "Le mot de passe actuel est erroné"

    def __init__(self) -> None:
        super().__init__("The current password is incorrect.", fr="Le mot de passe actuel est incorrect.")


class AccountActive(IdentityError):
    status, code, title = 409, "account_active", "The account is not deactivated"
    title_fr = "Le compte n'est pas désactivé"

    def __init__(self) -> None:
        super().__init__(
            "This account is active: sign in as usual.",
            fr="Ce compte est actif : ouvrez une session comme d'habitude.",
        )
