"""`reclaim content check` checks a helpline's own routes file too (RECLAIM_HELPLINE_ROUTES)."""

from pathlib import Path

import pytest

from reclaim.cli import main

from .core.test_enrolled_routes import ROUTES  # two routes of the helpline's own

REPO = Path(__file__).resolve().parents[1]
FIRST_SOURCE = 'source = "Enrolment letter from the platform, 2 March 2026 (case file 12)"\n'


def check(*extra: str) -> int:
    return main(["content", "check", "--dir", str(REPO / "content"), *extra])


def test_a_good_routes_file_is_checked_with_the_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    routes = tmp_path / "routes.toml"
    routes.write_text(ROUTES)
    assert check("--routes", str(routes)) == 0
    said = capsys.readouterr().out
    assert f"The helpline's routes file {routes} adds 2 routes of its own." in said


def test_a_route_without_its_source_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert FIRST_SOURCE in ROUTES
    routes = tmp_path / "routes.toml"
    routes.write_text(ROUTES.replace(FIRST_SOURCE, ""))
    assert check("--routes", str(routes)) == 1
    error = capsys.readouterr().err
    assert str(routes) in error and "an enrolled route needs 'source'" in error


def test_the_setting_names_the_file_and_a_missing_one_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RECLAIM_HELPLINE_ROUTES", str(tmp_path / "missing.toml"))
    assert check() == 1
    assert "missing.toml: no such routes file" in capsys.readouterr().err
