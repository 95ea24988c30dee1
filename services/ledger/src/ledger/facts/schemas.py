from pydantic import BaseModel, Field


class LedgerFactsFed(BaseModel):
    """How many facts a feed call inserted or replaced."""

    program_accounts: int = Field(description="Program accounts in the feed.")
    statements: int
    payments: int
    transactions: int
