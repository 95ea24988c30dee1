from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from identity.language import Language

# Generous upper bounds only bound the work a request can cause; the rules (422 with a code per rule) say
# what a valid value is.
_TEXT = 256


class RecoveryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(max_length=64, description="Id of a question from `GET /v1/recovery-questions`.")
    answer: str = Field(max_length=_TEXT, description="At least 3 characters: letters, digits and spaces only.")
    memorable_person: str = Field(max_length=_TEXT, description="Same rules as `answer`.")
    memorable_date: str = Field(max_length=32, description="A past date, `YYYY-MM-DD`.", examples=["1987-06-15"])
    question_hint: str | None = Field(
        default=None, max_length=_TEXT, description="At least 3 characters: letters, digits, spaces and ' , - . ?"
    )
    memorable_person_hint: str | None = Field(default=None, max_length=_TEXT)
    memorable_date_hint: str | None = Field(default=None, max_length=_TEXT)


class UserCreate(BaseModel):
    """A new credential (seed 000 §1.5)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "Liviu1234",
                    "password": "Tr7#mapleLeaf",
                    "password_confirmation": "Tr7#mapleLeaf",
                    "recovery": {
                        "question": "first_pet",
                        "answer": "Biscuit",
                        "memorable_person": "Aunt Maria",
                        "memorable_date": "1987-06-15",
                        "memorable_person_hint": "Summers in Gaspé",
                    },
                }
            ]
        },
    )

    username: str = Field(
        max_length=64, description="8 to 16 letters and digits, at most 7 digits, no special characters."
    )
    password: str = Field(
        max_length=_TEXT,
        description=(
            "Default policy: 8 to 16 printable ASCII characters without spaces, with an upper-case letter, a "
            "lower-case letter and a digit, sharing no 3 consecutive characters with the username. "
            "Passphrase policy: 15 to 64 characters. Common passwords are refused under both."
        ),
    )
    password_confirmation: str = Field(max_length=_TEXT)
    recovery: RecoveryCreate


class UserRead(BaseModel):
    id: str
    username: str


class RecoveryQuestionRead(BaseModel):
    id: str
    text: str


class RecoveryQuestionList(BaseModel):
    items: list[RecoveryQuestionRead]
    language: Language
