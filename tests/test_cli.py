import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import reclaim
from reclaim.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_version_names_the_package_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reclaim.cli", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"reclaim {reclaim.__version__}"


def test_content_check_reports_what_it_loaded(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["content", "check", "--dir", str(REPO / "content")]) == 0
    assert "in 5 languages (en, pl, ro, ur, ar)" in capsys.readouterr().out


def test_content_check_names_a_broken_file(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "index.toml").write_text("guides = [")
    assert main(["content", "check", "--dir", str(tmp_path)]) == 1
    assert "index.toml: not valid TOML" in capsys.readouterr().err


def test_serve_refuses_a_port_in_use_with_a_clear_message(
    tmp_path: Path, migrated_sqlite: Path
) -> None:
    import socket

    shutil.copyfile(migrated_sqlite, tmp_path / "reclaim.sqlite3")  # nothing left to migrate
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "reclaim.cli", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", "RECLAIM_DATA_DIR": str(tmp_path), "HOME": str(tmp_path)},
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_locker_export_and_verify_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In process, through reclaim.cli.main (test_version_names_the_package_version runs
    ``python -m reclaim.cli`` itself): seven interpreters and their imports saved. The locker
    is created as a person creates one, with Argon2id calibrated on this machine."""
    secret = tmp_path / "passphrase"
    secret.write_text("command line passphrase\n")
    evidence = tmp_path / "threat.txt"
    evidence.write_text("pay or else", encoding="utf-8")
    locker, pack = tmp_path / "locker", tmp_path / "pack"

    def run(*arguments: str) -> tuple[int, str, str]:
        status = main(list(arguments))
        said = capsys.readouterr()
        return status, said.out, said.err

    status, out, _ = run("locker", "create", str(locker), "--passphrase-file", str(secret))
    assert status == 0 and "recovery code" in out
    assert (
        run("locker", "add", str(locker), str(evidence), "--passphrase-file", str(secret))[0] == 0
    )
    status, _, err = run(
        "export", str(locker), str(pack), "--initials", "AB", "--passphrase-file", str(secret)
    )
    assert status == 0, err
    status, out, _ = run("verify", str(pack))
    assert status == 0, out
    assert "PASS  signature" in out and "by hand: sha256sum -c" in out
    (pack / "data/exhibits/AB-1_threat.txt").write_text("pay or else!", encoding="utf-8")
    status, out, _ = run("verify", str(pack))
    assert status == 1 and "FAIL  exhibits" in out
    wrong = tmp_path / "wrong"
    wrong.write_text("nope")
    status, _, err = run("locker", "list", str(locker), "--passphrase-file", str(wrong))
    assert status == 1 and "does not open this locker" in err


def test_export_of_part_of_a_case_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reclaim.locker import Incident

    from .lockers import copy_locker

    secret = tmp_path / "passphrase"
    secret.write_text("command line passphrase\n")
    box, _ = copy_locker(tmp_path / "locker", "command line passphrase")
    chosen = box.add_incident(Incident("threatened", "groźba – تهديد"))
    box.add_message("pay or else", "@someone", "2025-11-20T21:30:00", incident=chosen.id)
    box.add_message("again", "@someone", "2025-11-22T08:00:00")
    box.add(b"other evidence", "other.txt", "text/plain")

    def export(name: str, *choice: str) -> tuple[int, str]:
        command = ["export", str(tmp_path / "locker"), str(tmp_path / name)]
        options = ["--initials", "AB", "--passphrase-file", str(secret)]
        status = main([*command, *options, *choice])
        return status, capsys.readouterr().err

    status, err = export("incident", "--incident", chosen.id)
    assert status == 0, err
    assert [p.name for p in (tmp_path / "incident/data/exhibits").iterdir()] == ["AB-1_message.txt"]
    report = (tmp_path / "incident/report.html").read_text(encoding="utf-8")
    covers = 'Covers: evidence of the chosen incidents:<br><span dir="auto">groźba – تهديد</span>'
    assert covers in report
    status, err = export("dates", "--since", "2025-11-21", "--until", "2025-11-30")
    assert status == 0, err
    exhibits = json.loads((tmp_path / "dates/exhibits.json").read_text(encoding="utf-8"))
    assert [e["details"]["sent_at"] for e in exhibits] == ["2025-11-22T08:00:00"]
    dates = "Covers: evidence from 21 November 2025 until 30 November 2025"
    assert dates in (tmp_path / "dates/report.html").read_text()
    status, err = export("none", "--until", "2000-01-01")
    assert status == 1 and "nothing in the locker matches" in err
    status, err = export("bad", "--since", "21/11/2025")
    assert status == 1 and "since must be a date such as" in err
    assert not (tmp_path / "none").exists() and not (tmp_path / "bad").exists()


def test_hash_prints_one_json_line_per_file_and_names_the_ones_it_could_not(
    tmp_path: Path,
) -> None:
    import json

    from PIL import Image

    from .core.test_hashing import write_video
    from .hashing_corpus import encode, photo

    folder = tmp_path / "to hash"
    (folder / "inner").mkdir(parents=True)
    (folder / "photo.jpg").write_bytes(encode(Image.fromarray(photo("coffee")), "JPEG"))
    (folder / "inner" / "picture.png").write_bytes(encode(Image.fromarray(photo("rocket")), "PNG"))
    (folder / "notes.txt").write_text("just notes")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    write_video(folder / "clip.mp4", ("coffee", "rocket"))
    result = subprocess.run(
        [sys.executable, "-m", "reclaim.cli", "hash", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, "one file could not be hashed"
    assert f"could not hash {folder / 'broken.jpg'}" in result.stderr
    lines = {Path(line["path"]).name: line for line in map(json.loads, result.stdout.splitlines())}
    assert set(lines) == {"photo.jpg", "picture.png", "notes.txt", "clip.mp4"}
    photo_line = lines["photo.jpg"]
    assert photo_line["kind"] == "image" and len(photo_line["pdq"]) == 64
    assert photo_line["quality"] >= 50 and len(photo_line["dihedral"]) == 8
    assert lines["notes.txt"]["kind"] == "text" and "pdq" not in lines["notes.txt"]
    video = lines["clip.mp4"]
    assert video["kind"] == "video" and len(video["md5"]) == 32 and len(video["vpdq"]) == 2
