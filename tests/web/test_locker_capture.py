"""Web capture from the locker pages as a background task, with the machine's real Chromium,
against pages served on loopback; and the scan that finds no plaintext anywhere."""

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.locker._scratch import Scratch
from reclaim.web.worker.runner import run_ready, run_worker

from ..loopback import QuietHandler, loopback_server
from .conftest import PASSPHRASE, personal_locker, png_bytes
from .test_locker import add_incident, upload

pytestmark = pytest.mark.django_db
MARKER = "reclaim-web-plaintext-marker-93d1"


class EvidencePage(QuietHandler):
    def do_GET(self) -> None:
        if self.path == "/removed":
            self.answer(404, b"<!doctype html><title>Gone</title><p>Not found</p>", "text/html")
            return
        body = f"<!doctype html><title>Post</title><p>{MARKER} in a post</p>".encode()
        self.answer(200, body, "text/html")


@pytest.fixture
def page_url(settings: SettingsWrapper) -> Iterator[str]:
    settings.CAPTURE_ALLOW_PRIVATE = True  # the page is on loopback
    with loopback_server(EvidencePage) as base:
        yield f"{base}/post/{MARKER}"


def test_a_capture_runs_in_the_background_lands_in_the_locker_and_leaves_nothing_readable(
    client: Client, open_locker: None, page_url: str, data_dir: Path
) -> None:
    """One capture (a real Chromium, a few seconds) for the journey and for the scan for
    plaintext, which runs with an upload, a message and the capture queued, delivered and kept."""
    incident_id = add_incident(client, summary=f"{MARKER} summary", platform=MARKER)
    upload(client, png_bytes() + MARKER.encode(), f"{MARKER}.png", note=MARKER)
    client.post(
        "/en/locker/evidence/message/",
        {"text": MARKER, "sender": MARKER, "sent_at": "2026-11-20T21:30"},
    )
    earlier = {item.id for item in personal_locker(data_dir).items()}
    assert earlier, "the upload and the message are in the locker"
    response = client.post(
        "/en/locker/evidence/capture/", {"url": page_url, "incident": incident_id}
    )
    assert response.status_code == 302
    scan(data_dir)  # with the capture still queued
    waiting = client.get("/en/locker/case/").content.decode()
    assert "waiting to start" in waiting and page_url in waiting
    assert run_ready() == 1
    assert run_ready() == 0
    scan(data_dir)  # with the capture delivered to the inbox
    page = client.get("/en/locker/case/").content.decode()
    assert "A web capture has finished" in page and page_url in page
    after_run = {item.id for item in personal_locker(data_dir).items()}
    assert after_run == earlier, "a page writes nothing"
    kept = client.post("/en/locker/case/keep-arrived/")
    assert kept.status_code == 302
    assert "A web capture has finished" not in client.get(kept["Location"]).content.decode()
    assert not DBTaskResult.objects.exists(), "finished tasks are forgotten once their files are in"
    scan(data_dir)  # with the capture in the locker
    items = [item for item in personal_locker(data_dir).items() if item.id not in earlier]
    names = {item.name for item in items}
    assert {"screenshot.png", "page.pdf", "capture.wacz", "metadata.json"} <= names
    assert all(item.incident == incident_id and item.kind == "capture" for item in items)
    assert {item.details["url"] for item in items} == {page_url}
    custody = personal_locker(data_dir).custody()
    added = [
        entry for entry in custody if entry.action == "item-added" and entry.item not in earlier
    ]
    assert {entry.details["url"] for entry in added} == {page_url}
    assert {entry.details["captured_utc"] for entry in added} == {items[0].details["captured_utc"]}


def test_a_capture_that_fails_says_why_and_can_be_dismissed(
    client: Client, open_locker: None, settings: SettingsWrapper
) -> None:
    settings.CAPTURE_ALLOW_PRIVATE = False
    client.post("/en/locker/evidence/capture/", {"url": "http://127.0.0.1:9/secret"})
    run_ready()
    page = client.get("/en/locker/case/").content.decode()
    assert "could not be captured" in page and "private network" in page
    task = DBTaskResult.objects.get()
    client.post(f"/en/locker/captures/{task.id}/dismiss/")
    assert not DBTaskResult.objects.exists()


def scan(data_dir: Path) -> None:
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert MARKER.encode() not in path.read_bytes(), path
            assert MARKER not in str(path), path
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        assert MARKER.encode() not in bytes(value), table
                    else:
                        assert MARKER not in str(value), table
    from django.contrib.sessions.models import Session

    for session in Session.objects.all():
        assert MARKER not in repr(session.get_decoded())


def abandoned_scratch(parent: Path) -> Path:
    """Leave a scratch folder as a killed worker would: plaintext in it, its lock gone."""
    scratch = Scratch(parent, "capture")
    (scratch.path / "screenshot.png").write_bytes(MARKER.encode())
    scratch._release()  # what the kernel does when the process is killed
    return scratch.path


def test_the_next_capture_removes_what_a_killed_worker_left(
    client: Client, open_locker: None, settings: SettingsWrapper, data_dir: Path
) -> None:
    left = abandoned_scratch(data_dir / "captures")
    settings.CAPTURE_ALLOW_PRIVATE = False  # the capture fails at once: no browser needed
    client.post("/en/locker/evidence/capture/", {"url": "http://127.0.0.1:9/secret"})
    run_ready()
    assert not left.exists()
    assert list((data_dir / "captures").iterdir()) == []


def test_a_worker_starting_removes_what_killed_exports_and_captures_left(
    data_dir: Path,
) -> None:
    left = [abandoned_scratch(data_dir / "captures"), abandoned_scratch(data_dir / "exports")]
    stop = threading.Event()
    stop.set()  # start, tidy, stop
    run_worker(stop)
    assert [path for path in left if path.exists()] == []


def test_a_captured_error_page_shows_as_one_item_with_its_parts_marked_as_an_error_page(
    client: Client, open_locker: None, page_url: str, data_dir: Path
) -> None:
    removed = page_url.split("/post/")[0] + "/removed"
    client.post("/en/locker/evidence/capture/", {"url": removed})
    assert run_ready() == 1
    client.post("/en/locker/case/keep-arrived/")  # keeps the delivery
    items = personal_locker(data_dir).items()
    shot = next(item for item in items if item.name == "screenshot.png")
    assert shot.details["status"] == "404" and shot.details["error_page"].startswith("yes")
    case = client.get("/en/locker/case/").content.decode()
    assert len(items) >= 4
    assert case.count(f'Web capture: <span dir="ltr">{removed}') == 1, "one row, not one a file"
    assert f"Parts: {len(items)}" in case
    assert "The website answered 404: this is an error page" in case
    page = client.get(f"/en/locker/items/{shot.id}/").content.decode()
    assert "The server answered with an error page" in page and "404" in page
    assert "This capture shows an error page." in page
    assert all(f"/en/locker/items/{item.id}/" in page for item in items), "its parts are listed"


def test_a_refused_capture_keeps_its_address_and_reason_after_a_restart(
    client: Client, open_locker: None, settings: SettingsWrapper
) -> None:
    settings.CAPTURE_ALLOW_PRIVATE = False
    client.post("/en/locker/evidence/capture/", {"url": "http://127.0.0.1:9/secret"})
    run_ready()
    settings.SECRET_KEY = "a-new-key-as-personal-mode-makes-at-each-start-" + "x1y2z3" * 5
    client.cookies.clear()  # a restart ends every session: the person unlocks again
    assert client.post("/en/locker/unlock/", {"passphrase": PASSPHRASE}).status_code == 302
    page = client.get("/en/locker/case/").content.decode()
    assert "http://127.0.0.1:9/secret" in page and "private network" in page
    assert "restarted before it finished" not in page
    assert "127.0.0.1:9/secret" not in str(DBTaskResult.objects.get().return_value)
