"""Capturing pages the test serves on loopback (with an image, a cookie and a redirect) in a
real Chromium; the WACZ passes `wacz validate`; session secrets appear in nothing exported."""

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reclaim.capture import CaptureError, capture_page, check_address

from ..loopback import QuietHandler, loopback_server

SESSION_SECRET = "session-secret-4f9d2b"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)
PAGE = (
    b"<!doctype html><html lang='en'><head><title>Forum thread 42</title></head>"
    b"<body><h1>Thread 42</h1><p>posted by ex_partner_99</p><img src='/image.png' alt=''>"
    b"</body></html>"
)


class Site(QuietHandler):
    def do_GET(self) -> None:
        if self.path == "/start":
            self.answer(302, b"", "text/plain", ("Location", "/thread/42"))
            return
        body, kind = (PNG, "image/png") if self.path == "/image.png" else (PAGE, "text/html")
        self.answer(200, body, kind, ("Set-Cookie", f"session={SESSION_SECRET}; Path=/"))


@pytest.fixture(scope="module")
def site_url() -> Iterator[str]:
    with loopback_server(Site) as base:
        yield base


@pytest.fixture(scope="module")
def capture(site_url: str, tmp_path_factory: pytest.TempPathFactory, chromium_path: Path):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("capture") / "c1"
    previous = os.umask(0o022)  # a common default that would leave files world-readable
    try:
        return capture_page(site_url + "/start", folder, allow_private=True, chromium=chromium_path)
    finally:
        os.umask(previous)


def test_capture_files_are_for_their_owner_alone(capture) -> None:  # type: ignore[no-untyped-def]
    for path in [capture.folder, *capture.files.values()]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path.name


def test_capture_writes_every_artefact(capture) -> None:  # type: ignore[no-untyped-def]
    for name in (
        "screenshot.png",
        "page.pdf",
        "page.mhtml",
        "dom.html",
        "capture.wacz",
        "capture.warc.gz",
        "metadata.json",
    ):
        assert capture.files[name].stat().st_size > 0, name
    assert capture.files["screenshot.png"].read_bytes()[:8] == PNG[:8]
    assert capture.files["page.pdf"].read_bytes()[:5] == b"%PDF-"
    assert "Thread 42" in capture.files["dom.html"].read_text()


def test_metadata_records_redirects_status_title_and_times(capture, site_url: str) -> None:  # type: ignore[no-untyped-def]
    meta = json.loads(capture.files["metadata.json"].read_text())
    assert meta["requested_url"] == site_url + "/start"
    assert meta["final_url"] == site_url + "/thread/42"
    assert meta["redirect_chain"] == [{"url": site_url + "/start", "status": 302}]
    assert meta["status"] == 200 and meta["title"] == "Forum thread 42"
    assert meta["server_address"]["ipAddress"] == "127.0.0.1"
    assert meta["capture_started_utc"] <= meta["capture_ended_utc"]
    assert meta["software"]["chromium"]
    assert set(meta["files"]) >= {"screenshot.png", "capture.wacz"}


def test_wacz_passes_wacz_validate(capture) -> None:  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [sys.executable, "-m", "wacz", "validate", "-f", str(capture.files["capture.wacz"])],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_warc_holds_the_page_and_its_image(capture, site_url: str) -> None:  # type: ignore[no-untyped-def]
    from warcio.archiveiterator import ArchiveIterator

    with capture.files["capture.warc.gz"].open("rb") as stream:
        responses = {
            record.rec_headers.get_header("WARC-Target-URI"): record.content_stream().read()
            for record in ArchiveIterator(stream)
            if record.rec_type == "response"
        }
    assert responses[site_url + "/image.png"] == PNG
    assert responses[site_url + "/thread/42"] == PAGE


def test_no_session_secret_in_anything_exported(capture) -> None:  # type: ignore[no-untyped-def]
    import gzip

    for path in capture.folder.iterdir():
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        assert SESSION_SECRET.encode() not in data, path.name


def test_private_addresses_are_refused_outside_tests() -> None:
    with pytest.raises(CaptureError, match="private address"):
        check_address("http://127.0.0.1:8000/")
    with pytest.raises(CaptureError, match="not a web address"):
        check_address("file:///etc/passwd")


def test_capture_command_keeps_the_capture_in_the_locker(site_url: str, tmp_path: Path) -> None:
    from reclaim.locker import LOW_MEMORY_PROFILE, Incident, Locker

    box, _ = Locker.create(tmp_path / "locker", "capture passphrase", LOW_MEMORY_PROFILE)
    incident = box.add_incident(Incident(kind="shared", summary="posted on a forum"))
    child = box.add_incident(Incident(kind="shared", summary="school photo", under_18=True))
    secret = tmp_path / "pass"
    secret.write_text("capture passphrase")

    def capture(out: str, incident_id: str) -> subprocess.CompletedProcess[str]:
        command = [
            sys.executable,
            "-m",
            "reclaim.cli",
            "capture",
            site_url + "/start",
            "--out",
            str(tmp_path / out),
            "--locker",
            str(box.root),
            "--incident",
            incident_id,
            "--passphrase-file",
            str(secret),
            "--allow-private",
        ]
        return subprocess.run(command, capture_output=True, text=True, timeout=180)

    done = capture("out", incident.id)
    assert done.returncode == 0, done.stderr
    items = Locker.open(box.root, "capture passphrase").items()
    assert {item.name for item in items} >= {"screenshot.png", "capture.wacz", "metadata.json"}
    assert all(item.kind == "capture" and item.incident == incident.id for item in items)
    assert items[0].details["url"] == site_url + "/start"

    refused = capture("child", child.id)
    assert refused.returncode == 1 and "No pictures, videos or page captures" in refused.stderr
    assert not (tmp_path / "child").exists(), "nothing was fetched for an under-18 incident"
