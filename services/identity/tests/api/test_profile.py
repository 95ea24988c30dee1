"""GET/PUT /v1/me/profile: the personal profile of the first login (seed 000 §1.8), with ETag / If-Match."""

from __future__ import annotations

from typing import Any

import httpx

from ..harness import Identity, problem, profile, rule_codes

URL = "/v1/me/profile"


async def registered(identity: Identity) -> dict[str, str]:
    await identity.register()
    return identity.me()


async def put(identity: Identity, body: dict[str, Any], **headers: str) -> httpx.Response:
    return await identity.client.put(URL, json=body, headers={**identity.me(), **headers})


async def profile_events(identity: Identity) -> list[dict[str, Any]]:
    return [dict(e.data) for e in await identity.events() if e.type == "identity.profile.updated.v1"]


async def test_there_is_no_profile_before_the_first_put(identity: Identity) -> None:
    headers = await registered(identity)

    response = await identity.client.get(URL, headers=headers)

    assert "PUT /v1/me/profile" in problem(response, 404, "profile_not_created")["remediation"]


async def test_the_first_put_creates_the_profile_and_announces_it(identity: Identity) -> None:
    headers = await registered(identity)

    created = await put(identity, profile(phone="(613) 555-0100"))
    read = await identity.client.get(URL, headers=headers)

    assert created.status_code == 201, created.text
    assert created.headers["etag"] == read.headers["etag"] == '"1"'
    body = read.json()
    assert body["phone"] == "+16135550100"
    assert body["phone_extension"] == "123"
    assert (body["first_name"], body["last_name"], body["email"]) == ("Liviu", "Popescu", "liviu@example.ca")
    assert (body["notices_by_email"], body["language"]) == (True, "en")
    assert "email_confirmation" not in body and "terms_consent" not in body
    assert await profile_events(identity) == [
        {
            "user_id": identity.users["Liviu1234"],
            "first_name": "Liviu",
            "last_name": "Popescu",
            "email": "liviu@example.ca",
            "language": "en",
            "notices_by_email": True,
        }
    ]


async def test_every_rule_is_checked_at_once(identity: Identity) -> None:
    await registered(identity)

    response = await put(
        identity,
        profile(
            first_name=" ",
            last_name="x" * 101,
            phone="555-0100",
            phone_extension="1234567",
            email_confirmation="other@example.ca",
            terms_consent=False,
        ),
    )

    assert rule_codes(response) == {
        ("first_name", "first_name_required"),
        ("last_name", "last_name_length"),
        ("phone", "phone_format"),
        ("phone_extension", "phone_extension_format"),
        ("email_confirmation", "email_mismatch"),
        ("terms_consent", "terms_consent_required"),
    }
    assert await profile_events(identity) == []


async def test_notice_subscription_must_be_true_or_false(identity: Identity) -> None:
    await registered(identity)

    for value in ("yes", 1, "true"):
        response = await put(identity, profile(notices_by_email=value))
        assert [e["field"] for e in problem(response, 422, "validation_failed")["errors"]] == ["notices_by_email"]


async def test_a_stale_if_match_is_refused_and_nothing_is_written(identity: Identity) -> None:
    headers = await registered(identity)
    first = await put(identity, profile())
    second = await put(identity, profile(language="fr"), **{"If-Match": first.headers["etag"]})

    stale = await put(identity, profile(last_name="Ionescu"), **{"If-Match": first.headers["etag"]})

    assert second.status_code == 200
    assert second.headers["etag"] == '"2"'
    problem(stale, 412, "precondition_failed")
    current = await identity.client.get(URL, headers=headers)
    assert current.json()["last_name"] == "Popescu"
    assert current.json()["language"] == "fr"
    assert current.headers["etag"] == '"2"'


async def test_without_if_match_a_put_is_unconditional(identity: Identity) -> None:
    await registered(identity)
    await put(identity, profile())

    replaced = await put(identity, profile(notices_by_email=False))

    assert replaced.status_code == 200
    assert replaced.json()["notices_by_email"] is False
    assert replaced.headers["etag"] == '"2"'


async def test_if_match_star_needs_an_existing_profile(identity: Identity) -> None:
    await registered(identity)

    problem(await put(identity, profile(), **{"If-Match": "*"}), 412, "precondition_failed")
    await put(identity, profile())
    assert (await put(identity, profile(first_name="Ana"), **{"If-Match": "*"})).status_code == 200


async def test_a_put_that_changes_nothing_keeps_the_version_and_emits_nothing(identity: Identity) -> None:
    await registered(identity)
    await put(identity, profile())

    same = await put(identity, profile(phone="+1 613 555 0100"))  # the same number, written differently

    assert same.status_code == 200
    assert same.headers["etag"] == '"1"'
    assert len(await profile_events(identity)) == 1


async def test_a_profile_ends_the_first_login_steps_and_sets_the_mail_language(identity: Identity) -> None:
    await identity.register()
    assert (await identity.sign_in())["next"] == "profile"
    await put(identity, profile(language="fr"))

    tokens = await identity.sign_in()

    assert tokens["next"] == "done"
    last = identity.mailbox.to("liviu@tcp.ca")[-1]
    assert last["Subject"] == "Votre code à usage unique"


async def test_the_profile_belongs_to_the_signed_in_user_only(identity: Identity) -> None:
    await identity.register()

    no_gateway = await identity.client.get(URL)
    api_client = await identity.client.get(
        URL, headers=identity.as_context(subject="client:abc", subject_type="client")
    )
    unknown_user = await identity.client.put(URL, json=profile(), headers=identity.as_context(subject="nobody"))

    problem(no_gateway, 401, "missing_context")
    problem(api_client, 403, "not_a_user")
    problem(unknown_user, 404, "user_not_found")
