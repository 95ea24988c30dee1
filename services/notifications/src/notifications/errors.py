from portal_runtime.problems import FieldError, PortalError


class NotificationsError(PortalError):
    """Base of the notifications service's errors (rendered as RFC 9457 problems)."""


class NoticeNotFound(NotificationsError):
    """Also what a caller gets for another user's notice: whether it exists is not revealed."""

    status, code, title, title_fr = 404, "notice_not_found", "Notice not found", "Avis introuvable"

    def __init__(self, notice_id: str) -> None:
        super().__init__(
            f"You have no notice with id {notice_id}.", fr=f"Vous n'avez aucun avis portant l'identifiant {notice_id}."
        )


class InvalidDateRange(NotificationsError):
    status, code, title, title_fr = (
        422,
        "invalid_date_range",
        "The date range is not valid",
        "La plage de dates n'est pas valide",
    )

    def __init__(self, start: str, end: str) -> None:
        message = f"`from` ({start}) is after `to` ({end})"
        message_fr = f"la date `from` ({start}) est postérieure à la date `to` ({end})"
        super().__init__(
            f"The date range is empty: {message}.",
            fr=f"La plage de dates est vide : {message_fr}.",
            errors=[
                FieldError(field="from", message=message, code="after_to", fr=message_fr),
                FieldError(field="to", message=message, code="before_from", fr=message_fr),
            ],
            remediation="Give a `from` date on or before the `to` date.",
            remediation_fr="Indiquez une date `from` égale ou antérieure à la date `to`.",
        )


class InvalidCursor(NotificationsError):
    status, code, title, title_fr = 422, "invalid_cursor", "The cursor is not valid", "Le curseur n'est pas valide"

    def __init__(self) -> None:
        super().__init__(
            "The cursor was not issued by this API or was altered.",
            fr="Le curseur n'a pas été émis par cette API ou a été modifié.",
            errors=[
                FieldError(
                    field="cursor",
                    message="not a cursor issued by this API",
                    code="invalid_cursor",
                    fr="pas un curseur émis par cette API",
                )
            ],
            remediation="Pass `next_cursor` of the previous page unchanged, or omit `cursor` for the first page.",
            remediation_fr=(
                "Transmettez tel quel le `next_cursor` de la page précédente, ou omettez `cursor` pour la première "
                "page."
            ),
        )
