from identity.errors import IdentityError

RESTART = "Start again with POST /v1/sessions/federated."
RESTART_FR = "Recommencez avec POST /v1/sessions/federated."


class SignInPartnerNotFound(IdentityError):
    status, code, title = 404, "sign_in_partner_not_found", "No such sign-in partner"
    title_fr = "Partenaire de connexion introuvable"

    def __init__(self, partner: str) -> None:
        super().__init__(
            f"'{partner}' is not a sign-in partner.",
            fr=f"'{partner}' n'est pas un partenaire de connexion.",
            remediation="GET /v1/sign-in-partners lists them.",
            remediation_fr="GET /v1/sign-in-partners en donne la liste.",
        )


class RedirectUriNotAllowed(IdentityError):
    status, code, title = 400, "redirect_uri_not_allowed", "Redirect URI not allowed"
    title_fr = "URI de redirection non permise"

    def __init__(self) -> None:
        super().__init__(
            "The sign-in partner may send the user back only to one of the portal's own pages.",
            fr="Le partenaire de connexion ne peut renvoyer l'utilisateur que vers l'une des pages du portail.",
        )


class PartnerLoginCancelled(IdentityError):
    status, code, title = 403, "partner_login_cancelled", "The sign-in partner did not sign the user in"
    title_fr = "Le partenaire de connexion n'a pas ouvert de session pour l'utilisateur"

    def __init__(self, error: str) -> None:
        super().__init__(
            f"The sign-in partner answered '{error}': the login is cancelled.",
            fr=f"Le partenaire de connexion a répondu '{error}' : la connexion est annulée.",
            remediation=RESTART,
            remediation_fr=RESTART_FR,
            partner_error=error,
        )


class FederatedStateMismatch(IdentityError):
    status, code, title = 403, "state_mismatch", "The partner's answer is not for this login"
    title_fr = "La réponse du partenaire ne concerne pas cette connexion"

    def __init__(self) -> None:
        super().__init__(
            "The state does not match the one sent to the sign-in partner: the login is cancelled.",
            fr="Le paramètre state ne correspond pas à celui envoyé au partenaire de connexion : la connexion est "
            "annulée.",
            remediation=RESTART,
            remediation_fr=RESTART_FR,
        )


class PartnerCodeRefused(IdentityError):
    status, code, title = 403, "partner_code_refused", "The sign-in partner refused the authorization code"
    title_fr = "Le partenaire de connexion a refusé le code d'autorisation"

    def __init__(self, error: str) -> None:
        super().__init__(
            f"The sign-in partner refused the code ('{error}'): the login is cancelled.",
            fr=f"Le partenaire de connexion a refusé le code ('{error}') : la connexion est annulée.",
            remediation=RESTART,
            remediation_fr=RESTART_FR,
            partner_error=error,
        )


class PartnerIdTokenInvalid(IdentityError):
    status, code, title = 403, "partner_id_token_invalid", "The sign-in partner's ID token is not valid"
    title_fr = "Le jeton d'identité du partenaire de connexion n'est pas valide"

    def __init__(self, reason: str, reason_fr: str | None = None) -> None:
        """``reason_fr``: the reason in French when it is ours (a library's reason is quoted as it is)."""
        super().__init__(
            f"The ID token was refused ({reason}): the login is cancelled.",
            fr=f"Le jeton d'identité a été refusé ({reason_fr or reason}) : la connexion est annulée.",
            remediation=RESTART,
            remediation_fr=RESTART_FR,
        )


class PartnerUnavailable(IdentityError):
    status, code, title = 503, "partner_unavailable", "The sign-in partner cannot be reached"
    title_fr = "Le partenaire de connexion est injoignable"

    def __init__(self) -> None:
        super().__init__(
            "The sign-in partner could not be reached or answered with an error.",
            fr="Le partenaire de connexion n'a pas pu être joint ou a répondu par une erreur.",
            remediation="Try again in a few minutes, or sign in with a username and password.",
            remediation_fr="Réessayez dans quelques minutes, ou ouvrez une session avec un nom d'utilisateur et un "
            "mot de passe.",
            component="sign_in_partner",
        )
