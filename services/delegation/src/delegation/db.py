from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase

from portal_runtime.db import new_metadata
from portal_runtime.messaging import messaging_tables

USER_ID = String(64)
"""A user id as identity issues it (the ``subject`` of the context)."""


class Base(DeclarativeBase):
    metadata = new_metadata()


messaging = messaging_tables(Base.metadata)
