from sqlalchemy.orm import DeclarativeBase

from portal_runtime.db import new_metadata
from portal_runtime.messaging import messaging_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


messaging = messaging_tables(Base.metadata)
