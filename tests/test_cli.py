import subprocess
import sys
from pathlib import Path

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


def test_serve_refuses_a_port_in_use_with_a_clear_message(tmp_path: Path) -> None:
    import socket

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
