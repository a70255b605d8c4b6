"""The case overview lists the latest evidence of each incident, with a link to all of it; and
locking makes this process forget what it remembered of the locker."""

from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.locker import Incident, Locker
from reclaim.locker._memory import MEMORY, identity
from reclaim.web.evidence.views import OVERVIEW_ROWS

from .conftest import PASSPHRASE

pytestmark = pytest.mark.django_db
MORE = OVERVIEW_ROWS + 2


def _add_messages(box: Locker, prefix: str, incident: str | None) -> list[str]:
    senders = [f"{prefix}-sender-{n}" for n in range(MORE)]
    for sender in senders:
        box.add_message("they said they would post it", sender, "", incident)
    return senders


@pytest.fixture
def case(open_locker: None, data_dir: Path) -> dict[str, object]:
    """A case with more messages in one incident, and more unlinked, than the overview lists."""
    box = Locker.open(data_dir / "locker", PASSPHRASE)
    incident = box.add_incident(Incident("threatened", "Threats by message"))
    return {
        "box": box,
        "incident": incident.id,
        "linked": _add_messages(box, "linked", incident.id),
        "unlinked": _add_messages(box, "loose", None),
    }


def test_overview_lists_the_latest_evidence_with_a_link_to_all(
    client: Client, case: dict[str, object]
) -> None:
    page = client.get("/en/locker/case/").content.decode()
    for senders in (case["linked"], case["unlinked"]):
        assert isinstance(senders, list)
        assert [s in page for s in senders] == [False] * 2 + [True] * OVERVIEW_ROWS
    assert page.count(f"See all the evidence ({MORE})") == 2
    assert f'href="/en/locker/incidents/{case["incident"]}/">See all' in page
    assert 'href="/en/locker/case/not-linked/">See all' in page


def test_incident_and_unlinked_pages_list_all_their_evidence(
    client: Client, case: dict[str, object]
) -> None:
    incident = client.get(f"/en/locker/incidents/{case['incident']}/").content.decode()
    unlinked = client.get("/en/locker/case/not-linked/").content.decode()
    assert all(sender in incident for sender in case["linked"])  # type: ignore[attr-defined]
    assert all(sender in unlinked for sender in case["unlinked"])  # type: ignore[attr-defined]
    assert not any(sender in unlinked for sender in case["linked"])  # type: ignore[attr-defined]


def test_a_small_case_has_no_link_to_all(client: Client, open_locker: None) -> None:
    assert "See all the evidence" not in client.get("/en/locker/case/").content.decode()


def _remembered(box: Locker) -> bool:
    public = box.public_key().public_bytes_raw()
    return MEMORY.slot(box.root, identity(box.session_key(), public)).log is not None


@pytest.mark.parametrize(("method", "address"), [("post", "/en/locker/lock/"), ("get", "/exit/")])
def test_locking_or_leaving_forgets_the_locker(
    client: Client, open_locker: None, data_dir: Path, method: str, address: str
) -> None:
    box = Locker.open(data_dir / "locker", PASSPHRASE)
    assert client.get("/en/locker/case/").status_code == 200
    assert _remembered(box)
    assert getattr(client, method)(address).status_code == 200
    assert not _remembered(box)


def test_the_auto_lock_forgets_the_locker(
    client: Client, open_locker: None, data_dir: Path, settings: SettingsWrapper
) -> None:
    import time

    box = Locker.open(data_dir / "locker", PASSPHRASE)
    client.get("/en/locker/case/")
    session = client.session
    session["locker"]["seen"] = time.time() - settings.LOCKER_IDLE_SECONDS - 1
    session.save()
    client.get("/en/locker/case/")
    assert not _remembered(box)
