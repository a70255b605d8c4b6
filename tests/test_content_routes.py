"""`reclaim content check` checks a helpline's own routes file too (RECLAIM_HELPLINE_ROUTES)."""

from pathlib import Path

import pytest

from reclaim.cli import main

REPO = Path(__file__).resolve().parents[1]
ROUTE = """
organisation = "example-helpline"

[[platform]]
id = "reddit"

[[platform.route]]
kind = "email"
purpose = "trusted-flagger"
address = "flaggers@reddit.example"
batch = true
batch_limit = 2
"""
SOURCE = 'source = "Enrolment letter (made up for the tests)"\n'


def check(*extra: str) -> int:
    return main(["content", "check", "--dir", str(REPO / "content"), *extra])


def test_a_good_routes_file_is_checked_with_the_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    routes = tmp_path / "routes.toml"
    routes.write_text(ROUTE + SOURCE)
    assert check("--routes", str(routes)) == 0
    assert (
        f"The helpline's routes file {routes} adds 1 route of its own." in capsys.readouterr().out
    )


def test_a_route_without_its_source_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    routes = tmp_path / "routes.toml"
    routes.write_text(ROUTE)
    assert check("--routes", str(routes)) == 1
    error = capsys.readouterr().err
    assert str(routes) in error and "an enrolled route needs 'source'" in error


def test_the_setting_names_the_file_and_a_missing_one_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RECLAIM_HELPLINE_ROUTES", str(tmp_path / "missing.toml"))
    assert check() == 1
    assert "missing.toml: no such routes file" in capsys.readouterr().err
