from portal_runtime.problems import FieldError, PortalError


class NotificationsError(PortalError):
    """Base of the notifications service's errors (rendered as RFC 9457 problems)."""


class NoticeNotFound(NotificationsError):
    """Also what a caller gets for another user's notice: whether it exists is not revealed."""

    status, code, title = 404, "notice_not_found", "Notice not found"

    def __init__(self, notice_id: str) -> None:
        super().__init__(f"You have no notice with id {notice_id}.")


class InvalidDateRange(NotificationsError):
    status, code, title = 422, "invalid_date_range", "The date range is not valid"

    def __init__(self, start: str, end: str) -> None:
        message = f"`from` ({start}) is after `to` ({end})"
        super().__init__(
            f"The date range is empty: {message}.",
            errors=[
                FieldError(field="from", message=message, code="after_to"),
                FieldError(field="to", message=message, code="before_from"),
            ],
            remediation="Give a `from` date on or before the `to` date.",
        )


class InvalidCursor(NotificationsError):
    status, code, title = 422, "invalid_cursor", "The cursor is not valid"

    def __init__(self) -> None:
        super().__init__(
            "The cursor was not issued by this API or was altered.",
            errors=[FieldError(field="cursor", message="not a cursor issued by this API", code="invalid_cursor")],
            remediation="Pass `next_cursor` of the previous page unchanged, or omit `cursor` for the first page.",
        )
