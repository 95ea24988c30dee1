from identity.errors import IdentityError


class ProfileNotCreated(IdentityError):
    status, code, title = 404, "profile_not_created", "No personal profile yet"
    title_fr = "Aucun profil personnel pour l'instant"

    def __init__(self) -> None:
        super().__init__(
            "This user has not created a personal profile.",
            fr="Cet utilisateur n'a pas encore créé de profil personnel.",
            remediation="PUT /v1/me/profile.",
            remediation_fr="PUT /v1/me/profile.",
        )


class PreconditionFailed(IdentityError):
    status, code, title = 412, "precondition_failed", "The profile changed since you read it"
    title_fr = "Le profil a changé depuis que vous l'avez lu"

    def __init__(self) -> None:
        super().__init__(
            "If-Match does not name the current version of the profile.",
            fr="If-Match ne désigne pas la version actuelle du profil.",
            remediation="GET /v1/me/profile again, re-apply your change, and send the new ETag in If-Match.",
            remediation_fr="Refaites GET /v1/me/profile, appliquez de nouveau votre modification et envoyez le "
            "nouvel ETag dans If-Match.",
        )
