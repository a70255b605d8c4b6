from pathlib import Path

import pytest

from reclaim.capture import chromium
from reclaim.capture.chromium import ChromiumNotFoundError, find_chromium


def test_prefers_an_explicit_path(tmp_path: Path) -> None:
    binary = tmp_path / "chrome"
    binary.write_text("")
    assert find_chromium(binary) == binary


def test_says_how_to_install_when_none_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(chromium, "PLAYWRIGHT_CACHE", tmp_path / "nothing")
    with pytest.raises(ChromiumNotFoundError, match="apt-get install chromium"):
        find_chromium()


def test_the_headless_shell_comes_first_then_the_desktop_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("chromium", "chromium-headless-shell"):
        (tmp_path / name).write_text("#!/bin/sh\n")
        (tmp_path / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(chromium, "PLAYWRIGHT_CACHE", tmp_path / "nothing")
    assert chromium.every_chromium() == [
        tmp_path / "chromium-headless-shell",
        tmp_path / "chromium",
    ]
    assert find_chromium() == tmp_path / "chromium-headless-shell"
    (tmp_path / "chromium-browser").symlink_to(tmp_path / "chromium")
    assert len(chromium.every_chromium()) == 2, "a second name for one Chromium counts once"
    (tmp_path / "chromium-headless-shell").unlink()
    assert find_chromium() == tmp_path / "chromium"
