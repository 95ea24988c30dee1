import math
from datetime import timedelta

from identity.errors import IdentityError


class TooManyAttempts(IdentityError):
    status, code, title = 429, "too_many_attempts", "Too many failed attempts"

    def __init__(self, wait: timedelta) -> None:
        seconds = max(1, math.ceil(wait.total_seconds()))
        super().__init__(
            f"Too many failed attempts: try again in {seconds} seconds.",
            remediation="Wait, then try again. If these attempts were not yours, change your password.",
            headers={"Retry-After": str(seconds)},
            retry_after_s=seconds,
        )
