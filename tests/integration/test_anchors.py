"""The key and the items anchored in time by a real `openssl ts` authority: at creation and as
items arrive, queued while the authority is unreachable and completed when it is back; packs
carry the tokens and proofs, `reclaim verify` and `openssl ts -verify` check them."""

import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reclaim.locker import LOW_MEMORY_PROFILE, Incident, Locker
from reclaim.packs import FAIL, PASS, export_pack, verify_pack
from reclaim.signing.sshsig import spoken_fingerprint

from .. import pdf_text
from ..core.test_pack_key import forge
from ..lockers import copy_locker
from ..loopback import QuietHandler, loopback_server
from .conftest import Authority

PASSPHRASE = "anchor passphrase"
AUTHORITY_NAME = "Reclaim test timestamp authority"


class Link:
    """An authority behind a link the test brings up and down; counts what reaches it."""

    def __init__(self, authority: Authority) -> None:
        self.authority, self.online, self.requests, self.url = authority, False, 0, ""


@pytest.fixture
def link(authority: Authority) -> Iterator[Link]:
    state = Link(authority)

    class Flaky(QuietHandler):
        def do_POST(self) -> None:
            query = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests += 1
            if not state.online:
                self.answer(503, b"offline", "text/plain")
                return
            request = urllib.request.Request(
                authority.url, query, {"Content-Type": "application/timestamp-query"}
            )
            with urllib.request.urlopen(request, timeout=10) as answer:
                self.answer(200, answer.read(), "application/timestamp-reply")

    with loopback_server(Flaky) as base:
        state.url = base + "/tsa"
        yield state


def reopen(box: Locker) -> Locker:
    """Open ``box`` again as a later session would, reading and checking all of it from disk
    (nothing remembered), without the passphrase's Argon2id derivation (0.2 s to 1 s each)."""
    Locker.forget(box.root)
    return Locker.resume(box.root, box.session_key())


def results(pack: Path, authority: Authority) -> dict[str, tuple[str, str]]:
    """Verify as an officer would who was given the test authority's root (--tsa-root)."""
    checks = verify_pack(pack, tsa_roots=[authority.root])
    return {check.name: (check.status, check.detail) for check in checks}


def openssl_verify(pack: Path, data: str, token: str, authority: Authority) -> str:
    command = ["openssl", "ts", "-verify", "-data", data, "-in", token]
    command += ["-CAfile", str(authority.root), "-untrusted", str(authority.certificate)]
    done = subprocess.run(command, cwd=pack, capture_output=True, text=True)
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def anchored_once(authority: Authority, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pack from a locker whose key and items were timestamped as they came: made once."""
    folder = tmp_path_factory.mktemp("anchored")
    box, _ = Locker.create(
        folder / "locker", PASSPHRASE, LOW_MEMORY_PROFILE, authorities=(authority.url,)
    )
    box.add(b"first screenshot", "one.png", "image/png")
    box.add(b"second screenshot", "two.png", "image/png")
    box.add(b"a threat", "three.txt", "text/plain")
    (batch,) = box.timestamp_items((authority.url,))
    assert len(batch.items) == 3 and batch.time != "pending"
    box.add(b"a later message", "four.txt", "text/plain")
    (later,) = box.timestamp_items((authority.url,))
    assert len(later.items) == 1
    return export_pack(box, folder / "pack", "JS", "Anchored", time_zone="Asia/Karachi")


@pytest.fixture
def anchored(anchored_once: Path, tmp_path: Path) -> Path:
    """A copy of that pack of the test's own, to change as it likes."""
    return Path(shutil.copytree(anchored_once, tmp_path / "pack"))


def test_the_key_is_timestamped_when_the_locker_is_created(
    authority: Authority, tmp_path: Path
) -> None:
    box, _ = Locker.create(
        tmp_path / "locker", PASSPHRASE, LOW_MEMORY_PROFILE, authorities=(authority.url,)
    )
    (stamp,) = box.key_anchors()
    assert stamp.fingerprint == box.key_fingerprint() and stamp.time.startswith("20")
    assert [e.action for e in box.custody()] == ["locker-created", "key-timestamped"]
    assert box.anchor_key((authority.url,)) == []  # an authority is not asked twice


def test_a_pack_shows_when_its_key_existed_and_openssl_agrees(
    anchored: Path, authority: Authority
) -> None:
    checks = results(anchored, authority)
    status, detail = checks["key anchor timestamps/key/anchor-1.tsr"]
    assert status == PASS and "existed no later than 20" in detail and AUTHORITY_NAME in detail
    assert checks["key fingerprint"][0] == PASS
    output = openssl_verify(
        anchored, "timestamps/key/fingerprint.txt", "timestamps/key/anchor-1.tsr", authority
    )
    assert "Verification: OK" in output
    fingerprint = (anchored / "timestamps/key/fingerprint.txt").read_text()
    assert fingerprint.strip() in (anchored / "VERIFY.md").read_text()
    verify_md = (anchored / "VERIFY.md").read_text()
    said = re.search(r"anchor-1\.tsr`: this key existed no later than (.*?), per (.*)", verify_md)
    assert said is not None and said[2] == AUTHORITY_NAME
    assert said[1].endswith(" (UTC+05:00, Asia/Karachi)"), "in the exporter's zone"


def run_script_from_verify_md(pack: Path, tmp_path: Path) -> str:
    """Run the proof script exactly as VERIFY.md prints it, in the pack's folder."""
    text = (pack / "VERIFY.md").read_text()
    start = text.index("    import hashlib, json\n")
    block = text[start : text.index("\n\n`reclaim verify` does the same", start)]
    script = tmp_path / "check_proofs.py"
    script.write_text("\n".join(line[4:] for line in block.splitlines()) + "\n")
    done = subprocess.run(
        [sys.executable, "-I", str(script)], cwd=pack, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_the_proof_script_in_verify_md_checks_every_exhibit_by_hand(
    anchored: Path, tmp_path: Path
) -> None:
    lines = run_script_from_verify_md(anchored, tmp_path).splitlines()
    assert lines == [f"JS-{n} batch {1 if n < 4 else 2} OK" for n in range(1, 5)]
    (anchored / "data/exhibits/JS-2_two.png").write_bytes(b"edited afterwards")
    assert "JS-2 batch 1 DIFFERS" in run_script_from_verify_md(anchored, tmp_path)


def test_each_exhibit_states_when_it_existed_and_openssl_checks_each_batch(
    anchored: Path, authority: Authority
) -> None:
    checks = results(anchored, authority)
    assert not [name for name, (status, _) in checks.items() if status == FAIL]
    for number in range(1, 5):
        status, detail = checks[f"exhibit JS-{number} timestamp"]
        assert status == PASS and detail.startswith("existed no later than 20"), detail
        assert AUTHORITY_NAME in detail
    assert "exhibit timestamps" not in checks  # every exhibit has one
    for batch in (1, 2):
        stem = f"timestamps/items/batch-{batch}"
        assert "Verification: OK" in openssl_verify(
            anchored, f"{stem}.root", f"{stem}.tsr", authority
        )
    manifest = (anchored / "tagmanifest-sha256.txt").read_text()
    assert "timestamps/items/proofs.json" in manifest and "timestamps/key/anchor-1.tsr" in manifest


def test_an_exhibit_edited_after_its_timestamp_fails_its_proof(
    anchored: Path, authority: Authority, tmp_path: Path
) -> None:
    key = Ed25519PrivateKey.generate()
    forged = forge(anchored, tmp_path / "forged", key, statements=True, first_entry=True)
    checks = results(forged, authority)
    assert checks["exhibit JS-1 timestamp"][0] == FAIL
    assert "changed after timestamping" in checks["exhibit JS-1 timestamp"][1]
    assert checks["exhibit JS-2 timestamp"][0] == PASS  # untouched exhibits keep their proof
    status, detail = checks["key fingerprint"]
    assert status == FAIL and "timestamps/key/fingerprint.txt states another key" in detail
    assert "custody entry 1 (key-timestamped)" in detail


def test_a_forger_who_also_rewrites_the_anchored_fingerprint_fails_the_anchor(
    anchored: Path, authority: Authority, tmp_path: Path
) -> None:
    key = Ed25519PrivateKey.generate()
    forged = tmp_path / "forged"
    shutil.copytree(anchored, tmp_path / "source")
    source = tmp_path / "source"
    from reclaim.locker import key_anchor_data
    from reclaim.signing.sshsig import fingerprint

    (source / "timestamps/key/fingerprint.txt").write_bytes(
        key_anchor_data(fingerprint(key.public_key()))
    )
    forge(source, forged, key, statements=True, first_entry=True)
    status, detail = results(forged, authority)["key anchor timestamps/key/anchor-1.tsr"]
    assert status == FAIL and "other data" in detail


def test_removing_the_proofs_the_custody_log_records_is_a_failure(
    anchored: Path, authority: Authority, tmp_path: Path
) -> None:
    stripped = tmp_path / "stripped"
    shutil.copytree(anchored, stripped)
    shutil.rmtree(stripped / "timestamps")
    manifest = stripped / "tagmanifest-sha256.txt"
    kept = [line for line in manifest.read_text().splitlines(True) if "timestamps/" not in line]
    manifest.write_text("".join(kept))
    checks = results(stripped, authority)
    assert checks["exhibit JS-1 timestamp"][0] == FAIL
    assert checks["key anchor"][0] == FAIL


def test_offline_at_creation_the_key_is_anchored_when_next_online(
    link: Link, tmp_path: Path
) -> None:
    box, _ = Locker.create(
        tmp_path / "locker", PASSPHRASE, LOW_MEMORY_PROFILE, authorities=(link.url,)
    )
    assert box.key_anchors() == [] and link.requests == 1
    reopened = reopen(box)
    link.online = True
    reopened.retry_timestamps()
    (stamp,) = reopen(box).key_anchors()
    assert stamp.authority == link.url and stamp.time != "pending"
    reopened.retry_timestamps()
    assert link.requests == 2  # done: never asked again


def test_items_kept_offline_are_timestamped_together_when_back_online(
    link: Link, tmp_path: Path
) -> None:
    box, _ = copy_locker(tmp_path / "locker", PASSPHRASE)  # no authority at creation
    box.add(b"kept offline", "one.txt", "text/plain")
    (pending,) = box.timestamp_items((link.url,))
    assert pending.time == "pending" and box.item_batches() == []
    box.add(b"also kept offline", "two.txt", "text/plain")
    link.online = True
    reopen(box).retry_timestamps()
    reopened = reopen(box)
    (batch,) = reopened.item_batches()
    assert set(batch.items) == {item.id for item in reopened.items()}
    entry = reopened.custody()[-1]
    assert entry.action == "items-timestamped" and entry.details["count"] == "2"
    assert entry.details["root"] == batch.root
    pack = export_pack(reopened, tmp_path / "pack", "JS", "Offline then online")
    checks = results(pack, link.authority)
    assert checks["exhibit JS-2 timestamp"][0] == PASS


def test_without_an_authority_nothing_is_sent(link: Link, tmp_path: Path) -> None:
    link.online = True
    box, _ = copy_locker(tmp_path / "locker", PASSPHRASE)  # no authority at creation
    box.add(b"private", "one.txt", "text/plain")
    assert box.retry_timestamps() == [] and box.timestamp_items(()) == []
    assert box.anchor_key(()) == []
    assert link.requests == 0 and not (box.root / "timestamps/anchors-pending").exists()


def test_the_command_line_anchors_the_key_at_creation_and_items_as_added(
    authority: Authority,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from reclaim.cli import main
    from reclaim.locker import _locker

    monkeypatch.setattr(
        _locker, "calibrate", lambda: LOW_MEMORY_PROFILE
    )  # Argon2id: tested elsewhere
    secret, evidence = tmp_path / "passphrase", tmp_path / "threat.txt"
    secret.write_text(PASSPHRASE + "\n")
    evidence.write_text("pay or else")
    locker, pack = str(tmp_path / "locker"), str(tmp_path / "pack")
    common = ["--passphrase-file", str(secret), "--timestamp-authority", authority.url]
    assert main(["locker", "create", locker, *common]) == 0
    created = capsys.readouterr().out
    box = Locker.open(Path(locker), PASSPHRASE)
    assert box.key_fingerprint() in created and "the key existed no later than 20" in created
    assert main(["locker", "add", locker, str(evidence), *common]) == 0
    assert "1 item(s) timestamped: 20" in capsys.readouterr().out
    assert main(["export", locker, pack, "--initials", "AB", "--passphrase-file", str(secret)]) == 0
    capsys.readouterr()
    assert main(["verify", pack, "--tsa-root", str(authority.root)]) == 0
    verified = capsys.readouterr().out
    assert "PASS  exhibit AB-1 timestamp: existed no later than 20" in verified
    assert "PASS  key anchor timestamps/key/anchor-1.tsr: this key" in verified
    assert main(["locker", "key", locker, "--passphrase-file", str(secret)]) == 0
    shown = capsys.readouterr().out
    assert spoken_fingerprint(box.public_key()) in shown and box.key_fingerprint() in shown


def test_a_changed_byte_in_any_anchor_file_is_a_failure_never_a_traceback(
    anchored: Path, authority: Authority, tmp_path: Path
) -> None:
    files = sorted(p for p in (anchored / "timestamps").rglob("*") if p.is_file())
    assert len(files) == 7  # fingerprint, one key token, two batches of two files, the proofs
    for path in files:
        original = path.read_bytes()
        for at in (0, len(original) // 2, len(original) - 1):
            changed = bytearray(original)
            changed[at] ^= 0x41
            path.write_bytes(bytes(changed))
            statuses = [check.status for check in verify_pack(anchored, tsa_roots=[authority.root])]
            assert FAIL in statuses, (path, at)
        path.write_bytes(original)
    assert FAIL not in [check.status for check in verify_pack(anchored, tsa_roots=[authority.root])]


def test_a_pack_of_one_incident_names_no_item_of_another_timestamped_with_its_own(
    authority: Authority, tmp_path: Path
) -> None:
    box, _ = copy_locker(tmp_path / "locker", PASSPHRASE)  # no authority at creation
    chosen = box.add_incident(Incident("shared", "Posted on a forum"))
    other = box.add_incident(Incident("threatened", "A threat by message"))
    box.add(b"forum screenshot", "forum.png", "image/png", incident=chosen.id)
    hidden = [
        box.add(b"threat one", "one.txt", "text/plain", incident=other.id).id,
        box.add(b"threat two", "two.txt", "text/plain", incident=other.id).id,
    ]
    (batch,) = box.timestamp_items((authority.url,))
    assert set(hidden) < set(batch.items)  # one token over the three items
    pack = export_pack(box, tmp_path / "pack", "JS", "Part", incident_ids=[chosen.id])
    texts = {
        str(p): p.read_bytes().decode("utf-8", "replace") for p in pack.rglob("*") if p.is_file()
    }
    texts["report.pdf as text"] = pdf_text.text(pack / "report.pdf")
    for item in [*hidden, other.id]:
        assert not [name for name, text in texts.items() if item in text], item
    checks = results(pack, authority)
    assert not [name for name, (status, _) in checks.items() if status == FAIL], checks
    status, detail = checks["exhibit JS-1 timestamp"]
    assert status == PASS and "existed no later than" in detail and AUTHORITY_NAME in detail
    assert "withheld" in detail
    assert run_script_from_verify_md(pack, tmp_path) == "JS-1 batch 1 OK\n"
    stem = "timestamps/items/batch-1"
    assert "Verification: OK" in openssl_verify(pack, f"{stem}.root", f"{stem}.tsr", authority)
