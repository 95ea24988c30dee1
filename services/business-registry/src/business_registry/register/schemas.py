from pydantic import BaseModel


class RegisterFed(BaseModel):
    """How many register records a feed call inserted or replaced."""

    records: int
