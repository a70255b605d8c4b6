"""Service mode: survivor accounts with a username, a passphrase and a recovery code, each
with its own locker, and limits on guessing that never tell whether a username exists.

Only the set-up tests set accounts up through the pages (two Argon2id derivations each); the
others start from an account whose locker is a copy of the template (tests/web/conftest.py).
"""

from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.web.access.lockers import MAX_FAILURES
from reclaim.web.access.models import SurvivorAccount

from .conftest import PASSPHRASE, open_in_client, set_up_locker, template_account

# A copy of the template opens with PASSPHRASE by the template's key, and the same wrong
# passphrase tried five times is one key: each derived once (tests/conftest.py).
pytestmark = pytest.mark.django_db


@pytest.fixture
def service(settings: SettingsWrapper, data_dir: Path) -> Path:
    settings.SERVICE = True
    return data_dir


def create_account(client: Client, username: str, passphrase: str = PASSPHRASE) -> str:
    return set_up_locker(
        client, username=username, passphrase=passphrase, passphrase_again=passphrase
    )


def sign_in(client: Client, username: str, passphrase: str = PASSPHRASE) -> int:
    response = client.post("/en/locker/unlock/", {"username": username, "passphrase": passphrase})
    return int(response.status_code)


def test_an_account_needs_no_email_and_gets_its_own_locker(client: Client, service: Path) -> None:
    page = client.get("/en/locker/set-up/").content.decode()
    assert 'name="username"' in page
    assert 'type="email"' not in page and 'name="email"' not in page
    create_account(client, "River.Stone")
    create_account(Client(), "someone-else")
    accounts = list(SurvivorAccount.objects.order_by("username"))
    assert [a.username for a in accounts] == ["river.stone", "someone-else"]
    folders = {p.name for p in (service / "lockers").iterdir()}
    assert folders == {a.locker_id for a in accounts}


def test_a_taken_username_is_refused(client: Client, service: Path) -> None:
    template_account("river")
    response = Client().post(
        "/en/locker/set-up/",
        {"username": "RIVER", "passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE},
    )
    assert response.status_code == 400
    assert "already taken" in response.content.decode()
    assert len(list((service / "lockers").iterdir())) == 1


def test_each_person_sees_only_their_own_locker(client: Client, service: Path) -> None:
    river, _, ref = template_account("river")
    open_in_client(client, river, ref)
    client.post(
        "/en/locker/incidents/new/", {"kind": "other", "summary": "river's", "under_18": "no"}
    )
    other = Client()
    stone, _, ref = template_account("stone")
    open_in_client(other, stone, ref)
    assert "river&#x27;s" not in other.get("/en/locker/case/").content.decode()
    assert "river&#x27;s" in client.get("/en/locker/case/").content.decode()


def test_wrong_username_and_wrong_passphrase_get_the_same_answer(
    client: Client, service: Path
) -> None:
    template_account("river")
    unknown = Client().post("/en/locker/unlock/", {"username": "nobody", "passphrase": PASSPHRASE})
    wrong = Client().post(
        "/en/locker/unlock/", {"username": "river", "passphrase": "not it at all"}
    )
    assert unknown.status_code == wrong.status_code == 400
    assert _problem(unknown.content.decode()) == _problem(wrong.content.decode())
    assert sign_in(Client(), "river") == 302


def _problem(html: str) -> str:
    return html.split('class="error-summary"')[1].split("</div>")[0]


def test_too_many_wrong_tries_hold_the_username_even_for_the_right_passphrase(
    client: Client, service: Path
) -> None:
    template_account("river")
    for _ in range(MAX_FAILURES):
        assert sign_in(Client(), "river", "a wrong guess!") == 400
    assert sign_in(Client(), "river") == 429
    assert sign_in(Client(), "stone", "another guess") == 400, "other names are not held"


def test_unknown_usernames_are_held_the_same_way(client: Client, service: Path) -> None:
    for _ in range(MAX_FAILURES):
        sign_in(Client(), "nobody", "a wrong guess!")
    assert sign_in(Client(), "nobody", "a wrong guess!") == 429


def test_recovery_code_opens_an_account_and_sets_a_new_passphrase(
    client: Client, service: Path
) -> None:
    _, code, _ = template_account("river")
    new = "another long passphrase"
    response = Client().post(
        "/en/locker/recover/",
        {"username": "river", "recovery_code": code, "passphrase": new, "passphrase_again": new},
    )
    assert response.status_code == 200
    assert sign_in(Client(), "river") == 400
    assert sign_in(Client(), "river", new) == 302
