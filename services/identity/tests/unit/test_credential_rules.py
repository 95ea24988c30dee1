"""Seed 000 §1.5: the username, password and recovery rules, each accepted and refused; and the ASVS 5 policy."""

from __future__ import annotations

from datetime import date

import pytest

from identity.users import rules
from identity.users.schemas import UserCreate
from identity.users.service import registration_errors

from ..harness import PASSWORD, registration

TODAY = date(2026, 11, 24)


def codes(errors: list[rules.FieldError]) -> set[str]:
    return {e.code for e in errors}


@pytest.mark.parametrize("username", ["Liviu123", "Liviu1234", "abcdefghijklmnop", "A1234567", "UPPERlower"])
def test_usernames_the_seed_allows(username: str) -> None:
    assert rules.username_errors(username) == []


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("Liviu12", "username_length"),  # 7 characters
        ("abcdefghijklmnopq", "username_length"),  # 17 characters
        ("ab12345678", "username_digits"),  # 8 digits
        ("liviu@1234", "username_characters"),
        ("liviu 1234", "username_characters"),
        ("liviu_1234", "username_characters"),
        ("liviu%1234", "username_characters"),
        ("liviué1234", "username_characters"),
    ],
)
def test_usernames_the_seed_refuses(username: str, code: str) -> None:
    errors = rules.username_errors(username)
    assert codes(errors) == {code}
    assert errors[0].field == "username"


def test_a_username_can_break_every_rule_at_once() -> None:
    assert codes(rules.username_errors("#1234567890123456")) == {
        "username_length",
        "username_digits",
        "username_characters",
    }


def seed_password(password: str, username: str = "Liviu1234", confirmation: str | None = None) -> set[str]:
    confirmation = password if confirmation is None else confirmation
    return codes(rules.password_errors(password, confirmation, username, "seed"))


@pytest.mark.parametrize("password", [PASSWORD, "Qz8!wxyvbt", "Aa1~Bb2^Cc3&Dd4*", "R9#tpLmn"])
def test_passwords_the_seed_allows(password: str) -> None:
    assert seed_password(password) == set()


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Qz8!wxy", "password_length"),  # 7
        ("Qz8!wxyvbtQz8!wxy", "password_length"),  # 17
        ("qz8!wxyvbt", "password_uppercase"),
        ("QZ8!WXYVBT", "password_lowercase"),
        ("Qz!!wxyvbt", "password_digit"),
        ("Qz8 wxyvbt", "password_characters"),  # a space
        ("Qz8éwxyvbt", "password_characters"),  # not ASCII
        ("Qz8\twxyvbt", "password_characters"),
        ("Xx9#ViuQpw", "password_shares_username"),  # "viu" is in "Liviu1234"
        ("Qz8!w234yv", "password_shares_username"),  # "234"
        ("LIVqz8!wbt", "password_shares_username"),  # case does not matter
    ],
)
def test_passwords_the_seed_refuses(password: str, code: str) -> None:
    assert seed_password(password) == {code}


def test_two_shared_characters_are_allowed() -> None:
    assert seed_password("Qz8!Liwbt2") == set()  # "li" only; "i" then "w" breaks the run


def test_the_confirmation_must_match() -> None:
    errors = rules.password_errors(PASSWORD, PASSWORD.lower(), "Liviu1234", "seed")
    assert [(e.field, e.code) for e in errors] == [("password_confirmation", "password_mismatch")]


@pytest.mark.parametrize("password", ["Password1", "Welcome2025", "QWERTY123", "Summer2024", "P@ssw0rd", "Canada123"])
def test_common_passwords_are_refused_whatever_their_case(password: str) -> None:
    assert "password_common" in seed_password(password, username="Someone88")


def test_the_bundled_list_has_about_a_thousand_lower_case_entries() -> None:
    common = rules.common_passwords()
    assert 1000 <= len(common) <= 1500
    assert {"123456", "password", "motdepasse", "password1", "welcome1!"} <= common
    assert all(entry == entry.lower() and not entry.startswith("#") for entry in common)


def test_every_violation_is_reported_not_only_the_first() -> None:
    assert seed_password("viu 1", confirmation="other") == {
        "password_length",
        "password_uppercase",
        "password_characters",
        "password_shares_username",
        "password_mismatch",
    }


def passphrase(password: str, username: str = "Liviu1234") -> set[str]:
    return codes(rules.password_errors(password, password, username, "passphrase"))


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "tout le monde aime la poutine", "x" * 15 + "!", "é" * 64, "lowercase only here"],
)
def test_passphrases_asvs_allows_without_composition_rules(password: str) -> None:
    assert passphrase(password) == set()


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Short Pass 1!", "password_length"),  # 13 characters
        ("a" * 65, "password_length"),
        ("my name is liviu1234 ok", "password_contains_username"),
        ("line one\nline two here", "password_characters"),
        ("iloveyou", "password_common"),
    ],
)
def test_passphrases_asvs_refuses(password: str, code: str) -> None:
    assert code in passphrase(password)


def test_passphrases_are_compared_after_unicode_normalisation() -> None:
    composed, decomposed = "mot de passe très sûr", "mot de passe tre\u0300s su\u0302r"
    assert rules.password_errors(composed, decomposed, "Liviu1234", "passphrase") == []


@pytest.mark.parametrize("answer", ["Biscuit", "abc", "Mont Tremblant 1998", "Frédérique", "  spaced  out  "])
def test_recovery_answers_allowed(answer: str) -> None:
    assert rules.answer_errors(answer, "recovery.answer", "answer") == []


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ("ab", "answer_length"),
        ("  ab  ", "answer_length"),
        ("x" * 101, "answer_length"),
        ("O'Brien", "answer_characters"),
        ("rex#1", "answer_characters"),
        ("a@b.ca", "answer_characters"),
    ],
)
def test_recovery_answers_refused(answer: str, code: str) -> None:
    errors = rules.answer_errors(answer, "recovery.answer", "answer")
    assert codes(errors) == {code}
    assert errors[0].field == "recovery.answer"


@pytest.mark.parametrize("hint", ["Gaspé", "My aunt's dog, 1987 - right?", "St. Jean", "a-b"])
def test_hints_allowed(hint: str) -> None:
    assert rules.hint_errors(hint, "recovery.question_hint", "question_hint") == []


@pytest.mark.parametrize(
    ("hint", "code"),
    [("ab", "question_hint_length"), ("rex#1", "question_hint_characters"), ("a@b", "question_hint_characters")],
)
def test_hints_refused(hint: str, code: str) -> None:
    assert codes(rules.hint_errors(hint, "recovery.question_hint", "question_hint")) == {code}


def test_the_memorable_date_is_a_real_past_date() -> None:
    parsed, errors = rules.memorable_date_errors("1987-06-15", TODAY, "d")
    assert (parsed, errors) == (date(1987, 6, 15), [])
    assert rules.memorable_date_errors("2026-11-23", TODAY, "d")[1] == []


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1987-02-30", "memorable_date_format"),  # no such day
        ("15-06-1987", "memorable_date_format"),
        ("19870615", "memorable_date_format"),
        ("1987-6-15", "memorable_date_format"),
        ("", "memorable_date_format"),
        ("2026-11-24", "memorable_date_not_past"),  # today
        ("2030-01-01", "memorable_date_not_past"),
    ],
)
def test_memorable_dates_refused(value: str, code: str) -> None:
    parsed, errors = rules.memorable_date_errors(value, TODAY, "recovery.memorable_date")
    assert parsed is None
    assert codes(errors) == {code}


def test_the_question_must_come_from_the_list() -> None:
    assert rules.recovery_question_errors("first_pet", "q") == []
    assert codes(rules.recovery_question_errors("What is my favourite colour?", "q")) == {"question_unknown"}


def test_every_question_is_offered_in_both_languages() -> None:
    for question in rules.RECOVERY_QUESTIONS:
        assert question.text("en").endswith("?") and question.text("fr").endswith("?")
        assert question.text("en") != question.text("fr")


def test_answers_are_normalised_before_hashing() -> None:
    assert rules.normalise_answer("  Aunt   MARIA ") == rules.normalise_answer("aunt maria") == "aunt maria"
    assert rules.normalise_answer("Fre\u0301de\u0301rique") == rules.normalise_answer("Frédérique")


def test_a_valid_registration_breaks_no_rule() -> None:
    assert registration_errors(UserCreate.model_validate(registration()), "seed", TODAY) == []


def test_a_registration_lists_every_rule_it_breaks_by_field() -> None:
    request = UserCreate.model_validate(
        registration(
            username="bad name",
            password="short",
            password_confirmation="other",
            recovery={
                "question": "nope",
                "answer": "x!",
                "memorable_person": "R2",
                "memorable_date": "2999-01-01",
                "question_hint": "#",
            },
        )
    )
    found = {(e.field, e.code) for e in registration_errors(request, "seed", TODAY)}
    assert found == {
        ("username", "username_characters"),
        ("password", "password_length"),
        ("password", "password_uppercase"),
        ("password", "password_digit"),
        ("password_confirmation", "password_mismatch"),
        ("recovery.question", "question_unknown"),
        ("recovery.answer", "answer_length"),
        ("recovery.answer", "answer_characters"),
        ("recovery.memorable_person", "memorable_person_length"),
        ("recovery.memorable_date", "memorable_date_not_past"),
        ("recovery.question_hint", "question_hint_length"),
        ("recovery.question_hint", "question_hint_characters"),
    }
