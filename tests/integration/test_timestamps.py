"""Packs timestamped by a real `openssl ts` authority, checked by `reclaim verify` and by
`openssl ts -verify` as an officer would; an offline authority leaves "timestamp pending"."""

import socket
import subprocess
from pathlib import Path

import pytest

from reclaim.locker import Locker
from reclaim.packs import FAIL, PASS, WARN, export_pack, verify_pack
from reclaim.signing.timestamps import TimestampError, check_token, request_token

from ..lockers import SHARED_PASSPHRASE, copy_locker
from .conftest import Authority


def make_pack(root: Path, authorities: tuple[str, ...]) -> Path:
    box, _ = copy_locker(root / "locker", SHARED_PASSPHRASE)  # the session's template
    box.add(b"evidence bytes", "screenshot.png", "image/png")
    return export_pack(box, root / "pack", "JS", "Timestamped", authorities=authorities)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"


def test_token_states_a_time_for_exactly_this_data(authority: Authority) -> None:
    token = request_token(authority.url, b"some data")
    assert token.time.startswith("20") and len(token.digest) == 64
    assert check_token(token.response, b"some data") == token.time
    with pytest.raises(TimestampError, match="other data"):
        check_token(token.response, b"other data")


def test_a_token_with_a_changed_byte_is_refused(authority: Authority) -> None:
    token = request_token(authority.url, b"some data")
    damaged = bytearray(token.response)
    damaged[-40] ^= 1
    with pytest.raises(TimestampError):
        check_token(bytes(damaged), b"some data")


def test_pack_timestamp_passes_reclaim_verify_and_openssl(
    authority: Authority, tmp_path: Path
) -> None:
    pack = make_pack(tmp_path, (authority.url,))
    checks = {check.name: check for check in verify_pack(pack, [authority.root])}
    assert checks["timestamp timestamps/tsa-1.tsr"].status == PASS
    assert not [check for check in checks.values() if check.status == FAIL]
    result = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-data",
            "tagmanifest-sha256.txt",
            "-in",
            "timestamps/tsa-1.tsr",
            "-CAfile",
            str(authority.root),
            "-untrusted",
            str(authority.certificate),
        ],
        cwd=pack,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "Verification: OK" in result.stdout, result.stderr


def test_changed_tag_manifest_fails_the_timestamp(authority: Authority, tmp_path: Path) -> None:
    pack = make_pack(tmp_path, (authority.url,))
    manifest = pack / "tagmanifest-sha256.txt"
    manifest.write_text(manifest.read_text() + "0" * 64 + "  extra.txt\n")
    checks = {check.name: check.status for check in verify_pack(pack)}
    assert checks["timestamp timestamps/tsa-1.tsr"] == FAIL


def test_offline_authority_leaves_the_timestamp_pending(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, (closed_port_url(),))
    assert (pack / "timestamps/pending.txt").exists()
    checks = {check.name: check.status for check in verify_pack(pack)}
    assert checks["timestamp timestamps/tsa-1.tsr"] == WARN
    assert FAIL not in checks.values()


def test_log_head_timestamp_is_kept_and_checks_against_the_entry(
    authority: Authority, tmp_path: Path
) -> None:
    box, _ = copy_locker(tmp_path / "locker", SHARED_PASSPHRASE)
    box.add(b"evidence", "a.txt", "text/plain")
    head = box.custody()[-1]
    (stamp,) = box.timestamp_log_head((authority.url,))
    assert stamp.seq == head.seq and stamp.time != "pending"
    reopened = Locker.open(box.root, SHARED_PASSPHRASE)
    assert reopened.timestamps() == [stamp]
    assert check_token(reopened.timestamp_token(stamp), head.line()) == stamp.time
    assert reopened.custody()[-1].action == "log-head-timestamped"


def test_offline_log_head_timestamp_waits_and_is_retried(
    authority: Authority, tmp_path: Path
) -> None:
    import urllib.request

    from ..loopback import QuietHandler, loopback_server

    online = {"value": False}

    class Flaky(QuietHandler):
        """The authority behind a link that is down until the test brings it up."""

        def do_POST(self) -> None:
            query = self.rfile.read(int(self.headers["Content-Length"]))
            if not online["value"]:
                self.answer(503, b"offline", "text/plain")
                return
            request = urllib.request.Request(
                authority.url, query, {"Content-Type": "application/timestamp-query"}
            )
            with urllib.request.urlopen(request, timeout=10) as answer:
                self.answer(200, answer.read(), "application/timestamp-reply")

    box, _ = copy_locker(tmp_path / "locker", SHARED_PASSPHRASE)
    with loopback_server(Flaky) as base:
        (stamp,) = box.timestamp_log_head((base + "/tsa",))
        assert stamp.time == "pending"
        reopened = Locker.open(box.root, SHARED_PASSPHRASE)
        assert [s.time for s in reopened.timestamps()] == ["pending"]
        online["value"] = True
        (done,) = reopened.retry_timestamps()
    assert done.time != "pending" and done.seq == stamp.seq
    times = [s.time for s in Locker.open(box.root, SHARED_PASSPHRASE).timestamps()]
    assert times == [done.time]
