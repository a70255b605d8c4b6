"""Security keys (WebAuthn) as a second factor beside the app, checked on the server: a key is
added with the member's password, signs in, and is refused when its answer is replayed, made
for another site, from a cloned key (its counter did not move on), or tried too often. A
software key (softkey.py) answers as an authenticator would."""

import json
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from reclaim.web.access import attempts
from reclaim.web.console.models import AuditEntry, SecurityKey, StaffMember

from .fixtures import PASSWORD, current_code, member, signed_in
from .softkey import SoftKey

ORIGIN = "http://testserver"  # the test client's site


def options(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 200, answer.content
    found: dict[str, Any] = json.loads(answer.content)
    return found


def add_key(client: Client, key: SoftKey, origin: str = ORIGIN) -> Any:
    asked = options(client.post("/console/account/keys/options/", {"password": PASSWORD}))
    answer = key.create(asked, origin)
    return client.post("/console/account/keys/", {"credential": answer, "name": "blue key"})


def challenge(client: Client, username: str = "sam") -> dict[str, Any]:
    form = {"username": username, "password": PASSWORD}
    return options(client.post("/console/sign-in/key/", form))


def verify(client: Client, answer: str) -> Any:
    return client.post("/console/sign-in/key/verify/", {"credential": answer})


@pytest.fixture
def key(sam: StaffMember) -> SoftKey:
    made = SoftKey()
    assert add_key(signed_in(sam), made).status_code == 200
    return made


def test_a_key_is_added_and_signs_in(sam: StaffMember, key: SoftKey) -> None:
    client = Client()
    signed = verify(client, key.get(challenge(client), ORIGIN))
    assert signed.status_code == 200 and json.loads(signed.content) == {"next": "/console/"}
    assert client.get("/console/").status_code == 200
    kept = SecurityKey.objects.get(member=sam)
    assert kept.sign_count == 1 and kept.last_used_at is not None and kept.name == "blue key"
    assert AuditEntry.objects.filter(action="add security key", member=sam).count() == 1


def test_adding_a_key_asks_for_the_password(sam: StaffMember) -> None:
    refused = signed_in(sam).post("/console/account/keys/options/", {"password": "not it"})
    assert refused.status_code == 400 and "current password" in refused.content.decode()


def test_an_answer_serves_once(key: SoftKey) -> None:
    client = Client()
    answer = key.get(challenge(client), ORIGIN)
    assert verify(client, answer).status_code == 200
    again = Client()
    challenge(again)  # a new challenge: the old answer signed another one
    assert verify(again, answer).status_code == 400
    assert verify(again, answer).status_code == 400, "and that challenge is gone too"
    assert again.get("/console/").status_code == 302


def test_a_challenge_serves_once_even_for_a_key_without_a_counter(sam: StaffMember) -> None:
    passkey = SoftKey(counts=False)  # the counter cannot catch a replay: only the challenge
    assert add_key(signed_in(sam), passkey).status_code == 200
    client = Client()
    answer = passkey.get(challenge(client), ORIGIN)
    assert verify(client, answer).status_code == 200
    assert verify(client, answer).status_code == 400, "sent again in the same session"


def test_an_answer_made_for_another_site_is_refused(sam: StaffMember, key: SoftKey) -> None:
    client = Client()
    answer = key.get(challenge(client), "https://console.evil.example")
    assert verify(client, answer).status_code == 400
    assert client.get("/console/").status_code == 302
    other = SoftKey()
    assert add_key(signed_in(sam), other, "https://console.evil.example").status_code == 400
    assert SecurityKey.objects.filter(member=sam).count() == 1


def test_a_key_whose_counter_went_back_is_refused(key: SoftKey) -> None:
    client = Client()
    assert verify(client, key.get(challenge(client), ORIGIN)).status_code == 200
    key.count = 0  # a clone, made before that sign-in
    cloned = Client()
    assert verify(cloned, key.get(challenge(cloned), ORIGIN)).status_code == 400


def test_answers_are_counted_as_codes_are(key: SoftKey) -> None:
    for _ in range(attempts.MAX_TRIES):
        client = Client()
        answer = json.loads(key.get(challenge(client), ORIGIN))
        answer["response"]["signature"] = answer["response"]["signature"][::-1]
        assert verify(client, json.dumps(answer)).status_code == 400
    client = Client()
    held = verify(client, key.get(challenge(client), ORIGIN))
    assert held.status_code == 400 and "Too many tries" in held.content.decode()


def test_the_app_still_signs_in_beside_a_key(sam: StaffMember, key: SoftKey) -> None:
    device = TOTPDevice.objects.get(user=sam.user)
    form = {"username": "sam", "password": PASSWORD, "otp_token": current_code(device)}
    client = Client()
    assert client.post("/console/sign-in/", form).status_code == 302
    assert client.get("/console/").status_code == 200


def test_a_key_is_removed_only_by_its_member(line: Any, sam: StaffMember, key: SoftKey) -> None:
    mine = SecurityKey.objects.get(member=sam)
    other = member(line, "kim", "caseworker")
    assert signed_in(other).post(f"/console/account/keys/{mine.pk}/remove/").status_code == 404
    assert signed_in(sam).post(f"/console/account/keys/{mine.pk}/remove/").status_code == 302
    assert not SecurityKey.objects.filter(pk=mine.pk).exists()
    assert AuditEntry.objects.filter(action="remove security key", member=sam).exists()
    client = Client()
    refused = client.post("/console/sign-in/key/", {"username": "sam", "password": PASSWORD})
    assert refused.status_code == 400 and "no security key" in refused.content.decode()
