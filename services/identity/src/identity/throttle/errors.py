import math
from datetime import timedelta

from identity.errors import IdentityError


class TooManyAttempts(IdentityError):
    status, code, title, title_fr = 429, "too_many_attempts", "Too many failed attempts", "Trop de tentatives échouées"

    def __init__(self, wait: timedelta) -> None:
        seconds = max(1, math.ceil(wait.total_seconds()))
        super().__init__(
            f"Too many failed attempts: try again in {seconds} seconds.",
            fr=f"Trop de tentatives échouées : réessayez dans {seconds} secondes.",
            remediation="Wait, then try again. If these attempts were not yours, change your password.",
            remediation_fr="Attendez, puis réessayez. Si ces tentatives ne venaient pas de vous, changez votre mot de "
            "passe.",
            headers={"Retry-After": str(seconds)},
            retry_after_s=seconds,
        )
