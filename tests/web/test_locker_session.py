"""What the locker keeps for a person across its locks: text typed as it locked itself, the
recovery code until it is written down, and the hold after five wrong passphrases."""

import base64
import time
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from .conftest import PASSPHRASE, personal_locker, set_up_locker

pytestmark = pytest.mark.django_db
MARKER = "He said pay 500 or the photos go to my mother ZQX-marker-7731"


def expire(client: Client, settings: SettingsWrapper) -> None:
    """Make the open locker idle for longer than the auto-lock allows."""
    session = client.session
    session["locker"]["seen"] = time.time() - settings.LOCKER_IDLE_SECONDS - 1
    session.save()


def nothing_plain(data_dir: Path, secret: str) -> None:
    """Fail if ``secret`` is readable in any table, any session, or any file of the data folder."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        assert secret.encode() not in bytes(value), table
                    else:
                        assert secret not in str(value), table
    for session in Session.objects.all():
        assert secret not in str(session.get_decoded()), "a session holds it unsealed"
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_an_incident_posted_after_the_auto_lock_is_kept_and_filled_in_after_unlocking(
    client: Client, open_locker: None, settings: SettingsWrapper, data_dir: Path
) -> None:
    expire(client, settings)
    data = {"kind": "threat", "summary": MARKER, "under_18": "no", "details": "in a DM"}
    response = client.post("/en/locker/incidents/new/", data)
    assert response["Location"] == "/en/locker/unlock/?idle=1"
    assert "What you were typing is kept" in client.get(response["Location"]).content.decode()
    nothing_plain(data_dir, MARKER)
    unlocked = client.post("/en/locker/unlock/", {"passphrase": PASSPHRASE})
    assert unlocked["Location"] == "/en/locker/incidents/new/"
    form = client.get("/en/locker/incidents/new/").content.decode()
    assert MARKER in form and "Nothing has been saved yet" in form
    assert (
        "/en/locker/incidents/new/" in unlocked["Location"] and MARKER not in unlocked["Location"]
    )
    assert MARKER not in client.get("/en/locker/case/").content.decode(), "not saved silently"
    assert MARKER not in client.get("/en/locker/incidents/new/").content.decode(), "shown once"


def test_a_message_handed_over_by_the_locking_script_is_kept(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    data = {"text": MARKER, "sender": "someone", "draft_for": "/en/locker/evidence/message/"}
    locked = client.post("/en/locker/lock/?idle=1", data)
    assert "What you were typing is kept" in locked.content.decode()
    nothing_plain(data_dir, MARKER)
    unlocked = client.post("/en/locker/unlock/", {"passphrase": PASSPHRASE})
    assert unlocked["Location"] == "/en/locker/evidence/message/"
    assert MARKER in client.get(unlocked["Location"]).content.decode()


def test_a_draft_is_never_sent_to_another_site(client: Client, open_locker: None) -> None:
    data = {"text": MARKER, "draft_for": "https://elsewhere.example/steal/"}
    client.post("/en/locker/lock/", data)
    unlocked = client.post("/en/locker/unlock/", {"passphrase": PASSPHRASE})
    assert unlocked["Location"] == "/en/locker/case/"


def test_a_draft_is_sealed_to_its_own_locker(
    client: Client, open_locker: None, settings: SettingsWrapper
) -> None:
    expire(client, settings)
    client.post("/en/locker/evidence/message/", {"text": MARKER, "sender": "x"})
    session = client.session
    sealed = bytearray(base64.b64decode(session["draft"]["sealed"]))
    sealed[-1] ^= 1
    session["draft"]["sealed"] = base64.b64encode(bytes(sealed)).decode()
    session.save()
    client.post("/en/locker/unlock/", {"passphrase": PASSPHRASE})
    page = client.get("/en/locker/evidence/message/")
    assert page.status_code == 200 and MARKER not in page.content.decode()


def test_reloading_the_recovery_code_shows_the_same_code_until_it_is_written_down(
    client: Client, data_dir: Path
) -> None:
    data = {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE}
    assert client.post("/en/locker/set-up/", data)["Location"] == "/en/locker/recovery-code/"
    first = client.get("/en/locker/recovery-code/").context["code"]
    assert client.get("/en/locker/recovery-code/").context["code"] == first, "a reload"
    assert client.get("/en/locker/case/")["Location"] == "/en/locker/recovery-code/"
    nothing_plain(data_dir, first)
    assert client.post("/en/locker/recovery-code/")["Location"] == "/en/locker/case/"
    assert "recovery_code" not in client.session
    assert client.get("/en/locker/recovery-code/")["Location"] == "/en/locker/case/"
    assert client.get("/en/locker/case/").status_code == 200


def test_personal_mode_holds_the_locker_after_five_wrong_passphrases(
    client: Client, data_dir: Path
) -> None:
    set_up_locker(client)
    client.post("/en/locker/lock/")
    for _ in range(5):
        wrong = client.post("/en/locker/unlock/", {"passphrase": "not the passphrase"})
        assert wrong.status_code == 400
    held = Client().post("/en/locker/unlock/", {"passphrase": PASSPHRASE})
    assert held.status_code == 429, "even the right passphrase waits"
    assert "too many tries" in held.content.decode()


def test_a_removal_request_posted_after_the_auto_lock_is_filled_in_after_unlocking(
    client: Client, open_locker: None, settings: SettingsWrapper, data_dir: Path
) -> None:
    expire(client, settings)
    page = "/en/locker/requests/new/write/"  # the address travels in the body, never the URL
    typed = {"url": "https://x.com/someone/status/42", "country": "us", "route": "0"}
    client.post(page, {**typed, "signer": MARKER, "email": "jo.safe@example.org"})
    nothing_plain(data_dir, MARKER)
    unlocked = client.post("/en/locker/unlock/", {"passphrase": PASSPHRASE})
    assert unlocked["Location"] == page
    assert MARKER in client.get(page).content.decode()
    assert not personal_locker(data_dir).request_records(), "not sent"
