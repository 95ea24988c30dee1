from identity.errors import IdentityError


class ProfileNotCreated(IdentityError):
    status, code, title = 404, "profile_not_created", "No personal profile yet"

    def __init__(self) -> None:
        super().__init__("This user has not created a personal profile.", remediation="PUT /v1/me/profile.")


class PreconditionFailed(IdentityError):
    status, code, title = 412, "precondition_failed", "The profile changed since you read it"

    def __init__(self) -> None:
        super().__init__(
            "If-Match does not name the current version of the profile.",
            remediation="GET /v1/me/profile again, re-apply your change, and send the new ETag in If-Match.",
        )
