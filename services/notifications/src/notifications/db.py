from datetime import UTC, datetime

from sqlalchemy.orm import DeclarativeBase

from portal_runtime.db import new_metadata
from portal_runtime.messaging import messaging_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


messaging = messaging_tables(Base.metadata)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; every timestamp this service stores is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
