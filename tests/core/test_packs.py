"""Evidence packs: export, `reclaim verify`, the manual commands an officer would use, and
tamper detection on every byte-carrying file."""

import shutil
import subprocess
from pathlib import Path

import pytest

from reclaim.locker import LOW_MEMORY_PROFILE, Locker
from reclaim.packs import FAIL, PASS, WARN, PackError, export_pack, verify_pack

NAMES = ["zrzut ekranu – groźba.png", "رسالة التهديد.txt", "دھمکی.jpg"]


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pack")
    box, _ = Locker.create(root / "locker", "pass phrase", LOW_MEMORY_PROFILE)
    for number, name in enumerate(NAMES):
        box.add(bytes([number]) * (1000 + number), name, "application/octet-stream")
    return export_pack(box, root / "pack", "JS", "Case of A. Person – مثال")


def statuses(root: Path) -> dict[str, str]:
    return {check.name: check.status for check in verify_pack(root)}


def test_a_fresh_pack_passes_every_check(pack: Path) -> None:
    assert statuses(pack) == {
        "bag": PASS,
        "exhibits": PASS,
        "tag files": PASS,
        "signature": PASS,
        "custody log": PASS,
        "captures": PASS,
        "timestamps": WARN,
    }


def test_exhibits_carry_police_style_numbers_and_keep_their_names(pack: Path) -> None:
    files = sorted(path.name for path in (pack / "data/exhibits").iterdir())
    assert files[0].startswith("JS-1_") and len(files) == 3
    report = (pack / "report.html").read_text()
    for name in NAMES:
        assert name in report
    assert "JS/2" in report


def test_sha256sum_accepts_the_pack(pack: Path) -> None:
    for manifest in ("manifest-sha256.txt", "tagmanifest-sha256.txt"):
        result = subprocess.run(
            ["sha256sum", "-c", manifest], cwd=pack, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def ssh_keygen_verify(root: Path) -> subprocess.CompletedProcess[str]:
    with (root / "tagmanifest-sha256.txt").open("rb") as message:
        return subprocess.run(
            [
                "ssh-keygen",
                "-Y",
                "verify",
                "-f",
                "allowed_signers",
                "-I",
                "reclaim-locker",
                "-n",
                "reclaim-pack",
                "-s",
                "tagmanifest-sha256.txt.sig",
            ],
            cwd=root,
            stdin=message,
            capture_output=True,
            text=True,
        )


def test_ssh_keygen_accepts_the_signature(pack: Path) -> None:
    result = ssh_keygen_verify(pack)
    assert result.returncode == 0, result.stderr
    assert 'Good "reclaim-pack" signature for reclaim-locker' in result.stdout + result.stderr


def tampered_copies(pack: Path, tmp_path: Path) -> list[tuple[str, Path]]:
    copies = []
    for number, path in enumerate(sorted(p for p in pack.rglob("*") if p.is_file())):
        relative = str(path.relative_to(pack))
        copy = tmp_path / f"copy{number}"
        shutil.copytree(pack, copy)
        data = bytearray((copy / relative).read_bytes())
        data[len(data) // 2] ^= 0x01
        (copy / relative).write_bytes(bytes(data))
        copies.append((relative, copy))
    return copies


def test_changing_any_single_byte_of_any_file_makes_verify_fail(pack: Path, tmp_path: Path) -> None:
    copies = tampered_copies(pack, tmp_path)
    assert len(copies) >= 12
    for relative, copy in copies:
        failed = [check.name for check in verify_pack(copy) if check.status == FAIL]
        assert failed, f"changing {relative} went unnoticed"


def test_manual_tools_catch_a_changed_exhibit_and_a_changed_manifest(
    pack: Path, tmp_path: Path
) -> None:
    copies = dict(tampered_copies(pack, tmp_path))
    exhibit = next(name for name in copies if name.startswith("data/exhibits/JS-1_"))
    result = subprocess.run(
        ["sha256sum", "-c", "manifest-sha256.txt"],
        cwd=copies[exhibit],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert ssh_keygen_verify(copies["tagmanifest-sha256.txt"]).returncode != 0


def test_an_extra_file_in_the_payload_fails(pack: Path, tmp_path: Path) -> None:
    copy = tmp_path / "extra"
    shutil.copytree(pack, copy)
    (copy / "data/exhibits/planted.jpg").write_bytes(b"not from the locker")
    assert statuses(copy)["exhibits"] == FAIL


def test_export_refuses_an_existing_destination(pack: Path) -> None:
    box = Locker.open(pack.parent / "locker", "pass phrase")
    with pytest.raises(PackError, match="already exists"):
        export_pack(box, pack, "JS", "again")


def test_export_is_recorded_in_the_custody_log(pack: Path) -> None:
    box = Locker.open(pack.parent / "locker", "pass phrase")
    assert box.custody()[-1].action == "pack-exported"


def test_pdf_report_embeds_fonts_for_arabic_and_urdu_names(pack: Path) -> None:
    pdf = (pack / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert b"NotoNaskhArabic" in pdf and b"NotoNastaliqUrdu" in pdf and b"NotoSans" in pdf
    assert "report.pdf" in (pack / "tagmanifest-sha256.txt").read_text()


def test_pack_encrypted_for_a_recipient_opens_and_still_verifies(
    pack: Path, tmp_path: Path
) -> None:
    import tarfile

    import pyrage

    from reclaim.packs import encrypt_pack

    identity = pyrage.x25519.Identity.generate()
    sealed = encrypt_pack(pack, str(identity.to_public()), tmp_path / "pack.tar.age")
    exhibit = next((pack / "data/exhibits").iterdir()).read_bytes()
    assert exhibit not in sealed.read_bytes()
    pyrage.decrypt_file(str(sealed), str(tmp_path / "pack.tar"), [identity])
    with tarfile.open(tmp_path / "pack.tar") as archive:
        archive.extractall(tmp_path / "opened", filter="data")
    assert statuses(tmp_path / "opened" / pack.name)["signature"] == PASS
    with pytest.raises(PackError, match="not an age recipient"):
        encrypt_pack(pack, "not-a-key", tmp_path / "other.tar.age")


def make_capture_pack(root: Path, recorded_url: str) -> Path:
    """A pack holding a capture built without a browser: a WARC, its WACZ and metadata."""
    import datetime
    import json

    from reclaim.capture._capture import _pack_wacz
    from reclaim.capture._warc import write_warc

    started = datetime.datetime(2026, 11, 23, 21, 30, tzinfo=datetime.UTC)
    url = "https://forum.example/thread/42"
    folder = root / "capture"
    folder.mkdir()
    page = {
        "url": url,
        "status": 200,
        "status_text": "OK",
        "method": "GET",
        "request_headers": [("Host", "forum.example")],
        "response_headers": [("Content-Type", "text/html")],
        "body": b"<html><title>Thread</title><p>posted</p></html>",
    }
    write_warc(folder / "capture.warc.gz", [page], started, "test")
    _pack_wacz(folder, url, started, "Thread")
    stamp = started.isoformat(timespec="milliseconds")
    (folder / "metadata.json").write_text(
        json.dumps({"requested_url": url, "capture_started_utc": stamp})
    )
    box, _ = Locker.create(root / "locker", "pass phrase", LOW_MEMORY_PROFILE)
    files = {name: folder / name for name in ("capture.wacz", "metadata.json")}
    box.add_capture(files, recorded_url, stamp)
    return export_pack(box, root / "pack", "JS", "Capture case")


def test_captures_in_a_pack_validate_and_agree_with_the_locker(tmp_path: Path) -> None:
    pack = make_capture_pack(tmp_path, "https://forum.example/thread/42")
    checks = {check.name: check for check in verify_pack(pack)}
    assert checks["captures"].status == PASS, checks["captures"].detail


def test_a_capture_whose_address_disagrees_with_the_record_fails(tmp_path: Path) -> None:
    pack = make_capture_pack(tmp_path, "https://forum.example/other")
    assert statuses(pack)["captures"] == FAIL
