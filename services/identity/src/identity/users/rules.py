"""The credential rules of seed 000 §1.5 (username, password, recovery), and the ASVS 5 passphrase alternative.

Each rule reports every violation it finds as a :class:`FieldError` naming the field and the rule, so a caller
can show them all at once. Nothing here touches a database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Literal

from portal_runtime.problems import FieldError

PasswordPolicyName = Literal["seed", "passphrase"]

USERNAME_MIN, USERNAME_MAX, USERNAME_MAX_DIGITS = 8, 16, 7
SEED_PASSWORD_MIN, SEED_PASSWORD_MAX = 8, 16
PASSPHRASE_MIN, PASSPHRASE_MAX = 15, 64
SHARED_RUN = 3  # a password must not share this many consecutive characters with the username
ANSWER_MIN, ANSWER_MAX = 3, 100
HINT_MIN, HINT_MAX = 3, 100
HINT_PUNCTUATION = frozenset("',-.?")

_USERNAME_CHARACTERS = re.compile(r"^[A-Za-z0-9]*$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass(frozen=True)
class RecoveryQuestion:
    id: str
    en: str
    fr: str

    def text(self, language: str) -> str:
        return self.fr if language == "fr" else self.en


RECOVERY_QUESTIONS: tuple[RecoveryQuestion, ...] = (
    RecoveryQuestion(
        "first_pet", "What was the name of your first pet?", "Quel était le nom de votre premier animal de compagnie?"
    ),
    RecoveryQuestion(
        "childhood_street",
        "On what street did you live as a child?",
        "Dans quelle rue habitiez-vous pendant votre enfance?",
    ),
    RecoveryQuestion(
        "first_school", "What was the name of your first school?", "Quel était le nom de votre première école?"
    ),
    RecoveryQuestion(
        "favourite_teacher",
        "What was the last name of your favourite teacher?",
        "Quel était le nom de famille de votre enseignante ou enseignant préféré?",
    ),
    RecoveryQuestion(
        "first_employer", "What was the name of your first employer?", "Quel était le nom de votre premier employeur?"
    ),
    RecoveryQuestion(
        "mother_birthplace", "In what city was your mother born?", "Dans quelle ville votre mère est-elle née?"
    ),
    RecoveryQuestion(
        "first_car", "What was the make of your first car?", "Quelle était la marque de votre première voiture?"
    ),
    RecoveryQuestion("childhood_hero", "Who was your childhood hero?", "Qui était votre héros d'enfance?"),
)
RECOVERY_QUESTION_IDS = frozenset(q.id for q in RECOVERY_QUESTIONS)


def _error(field: str, code: str, message: str, fr: str) -> FieldError:
    return FieldError(field=field, code=code, message=message, fr=fr)


def normalise_password(password: str) -> str:
    """NFKC, so the same passphrase typed on two keyboards hashes the same (ASVS 5 / NIST 800-63B)."""
    return unicodedata.normalize("NFKC", password)


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common and breached passwords, lower-cased (see the header of the file)."""
    text = resources.files("identity.users").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def username_errors(username: str, field: str = "username") -> list[FieldError]:
    errors = []
    if not USERNAME_MIN <= len(username) <= USERNAME_MAX:
        errors.append(
            _error(
                field,
                "username_length",
                f"The username must have {USERNAME_MIN} to {USERNAME_MAX} characters.",
                f"Le nom d'utilisateur doit compter de {USERNAME_MIN} à {USERNAME_MAX} caractères.",
            )
        )
    if sum(c.isdigit() for c in username) > USERNAME_MAX_DIGITS:
        errors.append(
            _error(
                field,
                "username_digits",
                f"The username may contain at most {USERNAME_MAX_DIGITS} digits.",
                f"Le nom d'utilisateur peut contenir au plus {USERNAME_MAX_DIGITS} chiffres.",
            )
        )
    if not _USERNAME_CHARACTERS.match(username):
        errors.append(
            _error(
                field,
                "username_characters",
                "The username may contain only letters (A-Z, a-z) and digits, no special characters.",
                "Le nom d'utilisateur ne peut contenir que des lettres (A-Z, a-z) et des chiffres, sans caractères "
                "spéciaux.",
            )
        )
    return errors


def shared_runs(password: str, username: str, run: int = SHARED_RUN) -> Iterator[str]:
    """The runs of ``run`` consecutive characters the password shares with the username (case-insensitive)."""
    name = username.casefold()
    secret = password.casefold()
    for start in range(len(secret) - run + 1):
        piece = secret[start : start + run]
        if piece in name:
            yield piece


def _is_valid_seed_character(char: str) -> bool:
    return "!" <= char <= "~"  # printable ASCII without the space


def password_errors(
    password: str, confirmation: str, username: str, policy: PasswordPolicyName, field: str = "password"
) -> list[FieldError]:
    password = normalise_password(password)
    errors = (
        _seed_password_errors(password, username, field)
        if policy == "seed"
        else _passphrase_errors(password, username, field)
    )
    if password.casefold() in common_passwords():
        errors.append(
            _error(
                field,
                "password_common",
                "This password is too common (it appears in lists of breached passwords).",
                "Ce mot de passe est trop courant (il figure dans des listes de mots de passe divulgués).",
            )
        )
    if normalise_password(confirmation) != password:
        errors.append(
            _error(
                f"{field}_confirmation",
                "password_mismatch",
                "The two passwords are not identical.",
                "Les deux mots de passe ne sont pas identiques.",
            )
        )
    return errors


def _seed_password_errors(password: str, username: str, field: str) -> list[FieldError]:
    errors = []
    if not SEED_PASSWORD_MIN <= len(password) <= SEED_PASSWORD_MAX:
        errors.append(
            _error(
                field,
                "password_length",
                f"The password must have {SEED_PASSWORD_MIN} to {SEED_PASSWORD_MAX} characters.",
                f"Le mot de passe doit compter de {SEED_PASSWORD_MIN} à {SEED_PASSWORD_MAX} caractères.",
            )
        )
    if not any(c.isascii() and c.isupper() for c in password):
        errors.append(
            _error(
                field,
                "password_uppercase",
                "The password needs at least one upper-case letter.",
                "Le mot de passe doit contenir au moins une lettre majuscule.",
            )
        )
    if not any(c.isascii() and c.islower() for c in password):
        errors.append(
            _error(
                field,
                "password_lowercase",
                "The password needs at least one lower-case letter.",
                "Le mot de passe doit contenir au moins une lettre minuscule.",
            )
        )
    if not any(c.isascii() and c.isdigit() for c in password):
        errors.append(
            _error(
                field,
                "password_digit",
                "The password needs at least one digit.",
                "Le mot de passe doit contenir au moins un chiffre.",
            )
        )
    if not all(_is_valid_seed_character(c) for c in password):
        errors.append(
            _error(
                field,
                "password_characters",
                "The password may contain only letters, digits and printable ASCII symbols, no spaces.",
                "Le mot de passe ne peut contenir que des lettres, des chiffres et des symboles ASCII imprimables, "
                "sans espaces.",
            )
        )
    if next(shared_runs(password, username), None) is not None:
        errors.append(
            _error(
                field,
                "password_shares_username",
                f"The password must not share {SHARED_RUN} consecutive characters with the username.",
                f"Le mot de passe ne doit pas avoir {SHARED_RUN} caractères consécutifs en commun avec le nom "
                "d'utilisateur.",
            )
        )
    return errors


def _passphrase_errors(password: str, username: str, field: str) -> list[FieldError]:
    errors = []
    if not PASSPHRASE_MIN <= len(password) <= PASSPHRASE_MAX:
        errors.append(
            _error(
                field,
                "password_length",
                f"The passphrase must have {PASSPHRASE_MIN} to {PASSPHRASE_MAX} characters.",
                f"La phrase de passe doit compter de {PASSPHRASE_MIN} à {PASSPHRASE_MAX} caractères.",
            )
        )
    if not all(unicodedata.category(c) != "Cc" for c in password):
        errors.append(
            _error(
                field,
                "password_characters",
                "The passphrase must not contain control characters.",
                "La phrase de passe ne doit pas contenir de caractères de contrôle.",
            )
        )
    if username and username.casefold() in password.casefold():
        errors.append(
            _error(
                field,
                "password_contains_username",
                "The passphrase must not contain the username.",
                "La phrase de passe ne doit pas contenir le nom d'utilisateur.",
            )
        )
    return errors


def _is_answer_character(char: str) -> bool:
    return char.isalpha() or char.isdigit() or char == " "


def _is_hint_character(char: str) -> bool:
    return _is_answer_character(char) or char in HINT_PUNCTUATION


def answer_errors(value: str, field: str, rule: str) -> list[FieldError]:
    """Recovery answers (answer, memorable person): at least 3 characters, letters, digits and spaces only."""
    errors = []
    if not ANSWER_MIN <= len(value.strip()) <= ANSWER_MAX:
        errors.append(
            _error(
                field,
                f"{rule}_length",
                f"Give {ANSWER_MIN} to {ANSWER_MAX} characters.",
                f"Donnez de {ANSWER_MIN} à {ANSWER_MAX} caractères.",
            )
        )
    if not all(_is_answer_character(c) for c in value):
        errors.append(
            _error(
                field,
                f"{rule}_characters",
                "Use only letters, digits and spaces, no special characters.",
                "Utilisez uniquement des lettres, des chiffres et des espaces, sans caractères spéciaux.",
            )
        )
    return errors


def hint_errors(value: str, field: str, rule: str) -> list[FieldError]:
    """Hints: at least 3 characters; letters, digits, spaces and the punctuation ' , - . ? only."""
    errors = []
    if not HINT_MIN <= len(value.strip()) <= HINT_MAX:
        errors.append(
            _error(
                field,
                f"{rule}_length",
                f"Give {HINT_MIN} to {HINT_MAX} characters.",
                f"Donnez de {HINT_MIN} à {HINT_MAX} caractères.",
            )
        )
    if not all(_is_hint_character(c) for c in value):
        errors.append(
            _error(
                field,
                f"{rule}_characters",
                "Use only letters, digits, spaces and the punctuation ' , - . ?",
                "Utilisez uniquement des lettres, des chiffres, des espaces et la ponctuation ' , - . ?",
            )
        )
    return errors


def memorable_date_errors(value: str, today: date, field: str) -> tuple[date | None, list[FieldError]]:
    """A real calendar date written YYYY-MM-DD, before today."""
    try:
        if not _ISO_DATE.match(value):
            raise ValueError(value)
        parsed = date.fromisoformat(value)
    except ValueError:
        return None, [
            _error(
                field,
                "memorable_date_format",
                "Give a real date written YYYY-MM-DD.",
                "Donnez une date réelle écrite AAAA-MM-JJ.",
            )
        ]
    if parsed >= today:
        return None, [
            _error(
                field,
                "memorable_date_not_past",
                "The memorable date must be in the past.",
                "La date mémorable doit être dans le passé.",
            )
        ]
    return parsed, []


def recovery_question_errors(question: str, field: str) -> list[FieldError]:
    if question in RECOVERY_QUESTION_IDS:
        return []
    return [
        _error(
            field,
            "question_unknown",
            "Choose one of the questions listed by GET /v1/recovery-questions.",
            "Choisissez une des questions données par GET /v1/recovery-questions.",
        )
    ]


def normalise_answer(value: str) -> str:
    """Recovery answers are compared ignoring case, accents' composition and runs of spaces."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())
