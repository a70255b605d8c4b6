"""Showing a page never writes; the next change keeps what arrived in the background.

A capture the worker delivered to the locker's inbox, and a re-check result waiting in a watch,
are shown at once on the pages, and written into the locker only by the person's next change
(any POST with the locker open, unlocking, recovering): reclaim.web.access.changes.
The worker's capture is replaced by one that delivers two small files: no browser here.
"""

import datetime
import hashlib
import io
import json
import logging
import re
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.test import Client
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.locker import Incident, Locker
from reclaim.notices import Check
from reclaim.web.access import changes
from reclaim.web.access.session import locker_folder
from reclaim.web.evidence import tasks
from reclaim.web.removals.models import Watch
from reclaim.web.sealing import seal_payload, unseal_payload
from reclaim.web.worker.runner import run_ready

from .conftest import PASSPHRASE, personal_locker, png_bytes

pytestmark = pytest.mark.django_db
CAPTURED = "https://example.com/post/captured"
REQUESTED = "https://example.com/post/reported"
TYPED = "Typed just before the locker locked"


def _box(data_dir: Path) -> Locker:
    return personal_locker(data_dir)


def _deliver_two_files(ref: str, sealed: bytes) -> None:
    """What the worker's capture does, without Chromium: seal files into the inbox."""
    request = unseal_payload(sealed)
    folder = Path(str(locker_folder(ref))).parent / "fake-capture"
    folder.mkdir(exist_ok=True)
    (folder / "screenshot.png").write_bytes(png_bytes(colour="navy"))
    (folder / "metadata.json").write_text(json.dumps({"requested_url": request["url"]}))
    files = {name: folder / name for name in ("screenshot.png", "metadata.json")}
    details = {"url": request["url"], "captured_utc": "2026-01-02T03:04:05Z", "status": "200"}
    Locker.deliver(locker_folder(ref), files, tasks.CAPTURE, request["incident"], details)


def _waiting_result() -> None:
    """A re-check that saw the content gone, waiting in the request's watch."""
    at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    gone = Check(at, "gone", 404, "", 0, removal_confirmed=True)
    Watch.objects.update(results=seal_payload({"checks": [asdict(gone)]}))


def _capture_arrives(client: Client, incident: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tasks, "_capture", _deliver_two_files)
    queued = client.post("/en/locker/evidence/capture/", {"url": CAPTURED, "incident": incident})
    assert queued.status_code == 302
    assert run_ready() == 1


def _sent_request(client: Client) -> str:
    facts = {
        "url": REQUESTED, "country": "zz", "route": "0", "signer": "Jo Example",
        "email": "jo.safe@example.org", "recipient": "abuse@host.test",
        "consent_statement": "on", "accuracy_statement": "on", "intimate_statement": "on",
    }  # fmt: skip
    made = client.post("/en/locker/requests/new/write/", facts)
    assert made.status_code == 302, made.content.decode()[:2000]
    client.post(made["Location"] + "record/", {"status": "submitted"})
    return str(made["Location"])


@pytest.fixture
def case(
    client: Client, open_locker: None, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """A locker with evidence, a draft waiting to refill its form, a capture in the inbox and a
    re-check result in a watch; return the addresses and ids the pages need."""
    box = _box(data_dir)
    incident = box.add_incident(Incident("shared", "posted without asking", urls=(REQUESTED,)))
    item = box.add(io.BytesIO(png_bytes()), "photo.png", "image/png", incident=incident.id)
    draft_for = "/en/locker/incidents/new/"
    client.post("/en/locker/lock/", {"draft_for": draft_for, "summary": TYPED})
    assert client.post("/en/locker/unlock/", {"passphrase": PASSPHRASE})["Location"] == draft_for
    request = _sent_request(client)
    _capture_arrives(client, incident.id, monkeypatch)  # after the last POST, which keeps it
    _waiting_result()
    return {"incident": incident.id, "item": item.id, "request": request, "draft": draft_for}


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _rows() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table but the session's (the idle clock is access's bookkeeping)."""
    return {
        model._meta.label: [
            {k: bytes(v) if isinstance(v, memoryview) else v for k, v in row.items()}
            for row in model.objects.order_by("pk").values()
        ]
        for model in apps.get_models()
        if model is not Session
    }


def _state(data_dir: Path) -> tuple[dict[str, str], dict[str, list[dict[str, Any]]]]:
    return _tree(data_dir), _rows()


def _locker_pages(case: dict[str, str]) -> list[str]:
    item, incident, request = case["item"], case["incident"], case["request"]
    return [
        "/en/locker/", "/en/locker/case/", "/en/locker/case/not-linked/",
        "/en/locker/incidents/new/",
        f"/en/locker/incidents/{incident}/", f"/en/locker/incidents/{incident}/correct/",
        "/en/locker/evidence/upload/", f"/en/locker/evidence/upload/?incident={incident}",
        "/en/locker/evidence/message/", "/en/locker/evidence/capture/",
        f"/en/locker/items/{item}/", f"/en/locker/items/{item}/?show=1",
        f"/en/locker/items/{item}/file/", f"/en/locker/items/{item}/file/?download=1",
        f"/en/locker/items/{item}/delete/", "/en/locker/export/",
        "/en/locker/set-up/", "/en/locker/recovery-code/", "/en/locker/unlock/",
        "/en/locker/recover/", "/en/locker/requests/", request,
    ]  # fmt: skip


def _public_pages(client: Client) -> list[str]:
    """The support and protection pages, each kind of support page found by its link."""
    pages = [
        "/en/",
        "/en/start/age/?situation=shared",
        "/en/plan/shared/",
        "/en/guides/",
        "/en/helplines/",
        "/en/hashing/",
    ]
    pages += ["/en/protect/", "/en/protect/hash/", "/en/protect/case/", "/en/protect/case/view/"]
    links = "".join(client.get(page).content.decode() for page in pages)
    for kind in ("plan", "guides", "exercises", "walkthrough", "helplines"):
        found = re.search(rf'href="(/en/{kind}/[\w-]+/(?:\d+/)?)"', links)
        if found:
            pages.append(found.group(1))
    return pages


def _visit(client: Client, pages: list[str]) -> None:
    for address in pages:
        response = client.get(address)
        assert response.status_code in (200, 302), address
        if hasattr(response, "streaming_content"):
            # Reading it to the end closes it, as the test client arranges; closing it again
            # would send request_finished, whose handler closes PostgreSQL's connection.
            b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_every_page_shows_what_arrived_and_writes_nothing(
    client: Client, case: dict[str, str], data_dir: Path
) -> None:
    before = _state(data_dir)
    refilled = client.get(case["draft"]).content.decode()
    assert TYPED in refilled, "the draft fills its form again"
    overview = client.get("/en/locker/case/").content.decode()
    assert "A web capture has finished" in overview and CAPTURED in overview
    assert "Reclaim looked again and it is gone." in client.get(case["request"]).content.decode()
    _visit(client, _locker_pages(case) + _public_pages(client))
    assert _state(data_dir) == before
    assert DBTaskResult.objects.count() == 1 and Watch.objects.exclude(results=None).count() == 1


def test_pages_of_a_locked_locker_write_nothing(
    client: Client, case: dict[str, str], data_dir: Path
) -> None:
    client.get("/en/locker/lock/")  # locking forgets the key in the session, and nothing else
    before = _state(data_dir)
    _visit(client, _locker_pages(case) + _public_pages(client))
    assert _state(data_dir) == before


def _kept_captures(box: Locker) -> list[str]:
    return sorted(item.name for item in box.items() if item.kind == tasks.CAPTURE)


def _recorded(data_dir: Path, case: dict[str, str]) -> None:
    """Assert that the capture and the re-check are in the locker, and gone from the database."""
    box = _box(data_dir)
    assert _kept_captures(box) == ["metadata.json", "screenshot.png"]
    added = [e for e in box.custody() if e.action == "item-added" and e.details.get("url")]
    assert {e.details["url"] for e in added} == {CAPTURED} and len(added) == 2
    assert box.deliveries() == []
    [record] = box.request_records()
    assert record["status"] == "removed" and record["verified"]
    assert not DBTaskResult.objects.exists(), "the finished capture's task is forgotten"
    assert Watch.objects.exclude(results=None).count() == 0


def test_the_next_change_keeps_what_arrived_with_its_custody_entries(
    client: Client, case: dict[str, str], data_dir: Path
) -> None:
    added = client.post(
        "/en/locker/incidents/new/", {"kind": "shared", "summary": "Another", "under_18": "no"}
    )
    assert added.status_code == 302
    _recorded(data_dir, case)
    overview = client.get("/en/locker/case/").content.decode()
    assert "A web capture has finished" not in overview and CAPTURED in overview


def test_the_button_keeps_what_arrived_without_javascript(
    client: Client, case: dict[str, str], data_dir: Path
) -> None:
    overview = client.get("/en/locker/case/").content.decode()
    assert 'action="/en/locker/case/keep-arrived/"' in overview
    assert client.post("/en/locker/case/keep-arrived/")["Location"] == "/en/locker/case/"
    _recorded(data_dir, case)


def test_unlocking_keeps_what_arrived_and_arms_the_watches_again(
    client: Client, case: dict[str, str], data_dir: Path
) -> None:
    client.post("/en/locker/lock/")
    Watch.objects.all().delete()  # as the worker drops a watch sealed under a key now gone
    assert client.post("/en/locker/unlock/", {"passphrase": PASSPHRASE}).status_code == 302
    assert _kept_captures(_box(data_dir)) == ["metadata.json", "screenshot.png"]
    assert Watch.objects.count() == 1, "the open request is watched again"


def test_an_export_includes_what_arrived(
    client: Client, case: dict[str, str], data_dir: Path, settings: SettingsWrapper
) -> None:
    settings.TIMESTAMP_AUTHORITIES = ()
    export = client.post("/en/locker/export/", {"title": "Case", "initials": "JS"})
    assert export.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(export.streaming_content))) as pack:  # type: ignore[attr-defined]
        names = pack.namelist()
    export.close()
    exhibits = {name.rsplit("_", 1)[-1] for name in names if "/data/exhibits/" in name}
    assert exhibits == {"photo.png", "screenshot.png", "metadata.json"}


def test_keeping_a_protection_case_in_the_locker_keeps_what_arrived(
    client: Client, case: dict[str, str], data_dir: Path
) -> None:
    kept = client.post("/en/protect/keep/", {"number": "RC-1234", "pin": "123456"})
    assert kept.status_code == 200
    assert _kept_captures(_box(data_dir)) == ["metadata.json", "screenshot.png"]


def test_a_failure_catching_up_never_stops_the_persons_change(
    client: Client, open_locker: None, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(opened: object) -> None:
        raise OSError("the disk said no")

    changes.before_change(broken)
    try:
        with caplog.at_level(logging.ERROR):
            added = client.post(
                "/en/locker/incidents/new/", {"kind": "shared", "summary": "Kept", "under_18": "no"}
            )
    finally:
        changes.forget(broken)
    assert added.status_code == 302
    assert [i.summary for i in _box(data_dir).incidents()] == ["Kept"]
    assert "broken: OSError" in caplog.text, (
        "the keeper and the kind of error are logged" and "the disk said no" not in caplog.text
    )
