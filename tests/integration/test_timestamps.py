"""Packs timestamped by a real `openssl ts` authority, checked by `reclaim verify` and by
`openssl ts -verify` as an officer would; an offline authority leaves "timestamp pending"."""

import socket
import subprocess
from pathlib import Path

import pytest

from reclaim.locker import LOW_MEMORY_PROFILE, Locker
from reclaim.locker._timestamps import TimestampError, check_token, request_token
from reclaim.packs import FAIL, PASS, WARN, export_pack, verify_pack

from .conftest import Authority


def make_pack(root: Path, authorities: tuple[str, ...]) -> Path:
    box, _ = Locker.create(root / "locker", "timestamp passphrase", LOW_MEMORY_PROFILE)
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
    checks = {check.name: check for check in verify_pack(pack)}
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
    assert checks["timestamps"] == WARN
    assert FAIL not in checks.values()
