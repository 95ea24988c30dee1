from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from identity.language import Language


class ProfileUpdate(BaseModel):
    """The whole personal profile (PUT replaces it)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "first_name": "Liviu",
                    "last_name": "Popescu",
                    "phone": "613-555-0100",
                    "phone_extension": "123",
                    "email": "liviu@example.ca",
                    "email_confirmation": "liviu@example.ca",
                    "notices_by_email": True,
                    "language": "fr",
                    "terms_consent": True,
                }
            ]
        },
    )

    first_name: str = Field(max_length=256, description="Required, at most 100 characters.")
    last_name: str = Field(max_length=256, description="Required, at most 100 characters.")
    phone: str = Field(
        max_length=32,
        description="10-digit North American number with area code: `613-555-0100`, `(613) 555-0100`, "
        "`+1 613 555 0100`. Stored and returned in E.164 (`+16135550100`).",
    )
    phone_extension: str | None = Field(default=None, max_length=16, description="1 to 6 digits.")
    email: str = Field(max_length=320)
    email_confirmation: str = Field(max_length=320)
    notices_by_email: StrictBool = Field(
        description="Subscribed to e-mails about notices. Urgent notices are e-mailed regardless."
    )
    language: Language
    terms_consent: StrictBool = Field(description="Must be true: consent to the terms of use.")


class ProfileRead(BaseModel):
    first_name: str
    last_name: str
    phone: str
    phone_extension: str | None
    email: str
    notices_by_email: bool
    language: Language
    terms_consented_at: datetime
    updated_at: datetime
