from __future__ import annotations

from delegation.errors import DelegationError


class AlreadyAssociated(DelegationError):
    status, code, title = 409, "already_associated", "Already associated with the business"

    def __init__(self, user_id: str, bn: str) -> None:
        super().__init__(f"User {user_id} already has access to business {bn}.")
