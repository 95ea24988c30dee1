"""POST /v1/users and GET /v1/recovery-questions."""

from __future__ import annotations

from sqlalchemy import select

from identity.users.models import RecoveryAnswers, User
from identity.users.rules import normalise_answer

from ..conftest import StartIdentity
from ..harness import Identity, problem, registration, rule_codes


async def test_a_credential_is_created_and_announced(identity: Identity) -> None:
    response = await identity.client.post("/v1/users", json=registration())

    assert response.status_code == 201, response.text
    created = response.json()
    assert created == {"id": created["id"], "username": "Liviu1234"}
    [event] = await identity.events()
    assert event.type == "identity.user.registered.v1"
    assert event.data == {"user_id": created["id"], "username": "Liviu1234"}


async def test_secrets_are_stored_as_argon2id_hashes_with_owasp_parameters(identity: Identity) -> None:
    user_id = await identity.register(recovery={"answer": "  BISCUIT  the  Dog "})

    async with identity.app.state.runtime.sessions() as session:
        user = (await session.execute(select(User).where(User.id == user_id))).scalar_one()
        answers = (await session.execute(select(RecoveryAnswers))).scalar_one()
    hasher = identity.app.state.hasher
    for hashed in (user.password_hash, answers.answer_hash, answers.memorable_person_hash, answers.memorable_date_hash):
        assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert "Tr7#mapleLeaf" not in user.password_hash
    assert await hasher.verify(user.password_hash, "Tr7#mapleLeaf")
    assert await hasher.verify(answers.answer_hash, normalise_answer("biscuit the dog"))
    assert await hasher.verify(answers.memorable_date_hash, "1987-06-15")
    assert answers.memorable_person_hint == "Summers in Gaspé"  # hints are shown back, so kept readable
    assert answers.question == "first_pet"


async def test_every_broken_rule_is_listed_at_once(identity: Identity) -> None:
    response = await identity.client.post(
        "/v1/users",
        json=registration(
            username="liviu@1234",
            password="liviu1234",
            password_confirmation="Liviu1234!",
            recovery={"answer": "ab", "memorable_person": "R2-D2", "memorable_date": "2099-01-01", "question": "x"},
        ),
    )

    assert rule_codes(response) == {
        ("username", "username_characters"),
        ("password", "password_uppercase"),
        ("password", "password_shares_username"),
        ("password_confirmation", "password_mismatch"),
        ("recovery.question", "question_unknown"),
        ("recovery.answer", "answer_length"),
        ("recovery.memorable_person", "memorable_person_characters"),
        ("recovery.memorable_date", "memorable_date_not_past"),
    }
    assert await identity.events() == []


async def test_a_common_password_is_refused(identity: Identity) -> None:
    response = await identity.client.post(
        "/v1/users", json=registration(password="Welcome2025", password_confirmation="Welcome2025")
    )
    assert rule_codes(response) == {("password", "password_common")}


async def test_usernames_are_unique_whatever_their_case(identity: Identity) -> None:
    await identity.register("Liviu1234")

    response = await identity.client.post("/v1/users", json=registration(username="LIVIU1234"))

    problem(response, 409, "username_taken")
    assert [e.type for e in await identity.events()] == ["identity.user.registered.v1"]


async def test_malformed_requests_are_refused_before_the_rules(identity: Identity) -> None:
    missing = await identity.client.post("/v1/users", json={"username": "Liviu1234"})
    unknown_field = await identity.client.post("/v1/users", json=registration(role="admin"))

    assert {e["field"] for e in problem(missing, 422, "validation_failed")["errors"]} == {
        "password",
        "password_confirmation",
        "recovery",
    }
    assert problem(unknown_field, 422, "validation_failed")["errors"][0]["field"] == "role"


async def test_the_passphrase_policy_takes_long_passwords_without_composition_rules(
    start_identity: StartIdentity,
) -> None:
    async with start_identity(password_policy="passphrase") as identity:
        short = await identity.client.post(
            "/v1/users", json=registration(password="Tr7#mapleLeaf", password_confirmation="Tr7#mapleLeaf")
        )
        phrase = "quatre chats gris sous la pluie"
        long = await identity.client.post("/v1/users", json=registration(password=phrase, password_confirmation=phrase))
        signed_in = await identity.client.post("/v1/sessions", json={"username": "Liviu1234", "password": phrase})

    assert rule_codes(short) == {("password", "password_length")}
    assert long.status_code == 201, long.text
    assert signed_in.status_code == 201


async def test_recovery_questions_are_listed_in_the_callers_language(identity: Identity) -> None:
    english = await identity.client.get("/v1/recovery-questions")
    french = await identity.client.get("/v1/recovery-questions", headers={"Accept-Language": "fr-CA,fr;q=0.9"})

    assert english.status_code == french.status_code == 200
    assert english.json()["language"] == "en" and french.json()["language"] == "fr"
    assert french.headers["content-language"] == "fr"
    first_en, first_fr = english.json()["items"][0], french.json()["items"][0]
    assert first_en == {"id": "first_pet", "text": "What was the name of your first pet?"}
    assert first_fr == {"id": "first_pet", "text": "Quel était le nom de votre premier animal de compagnie?"}
    assert [q["id"] for q in english.json()["items"]] == [q["id"] for q in french.json()["items"]]


async def test_every_listed_question_is_accepted(identity: Identity) -> None:
    listed = (await identity.client.get("/v1/recovery-questions")).json()["items"]
    for number, question in enumerate(listed):
        await identity.register(f"Member{number}abc", recovery={"question": question["id"]})
    assert len(identity.users) == len(listed)
