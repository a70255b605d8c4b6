"""Settings come only from the environment, fail loudly, and are all documented."""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SETTINGS = REPO / "src/reclaim/web/settings.py"
GOOD_KEY = "k" * 20 + "abcdefghijklmnopqrstuvwxyz0123456789"
GOOD_PEPPER = "p" * 10 + "abcdefghijklmnopqrstuvwxyz"


def read_names() -> set[str]:
    return set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', SETTINGS.read_text()))


def example_names() -> set[str]:
    lines = (REPO / ".env.example").read_text().splitlines()
    return {line.lstrip("# ").split("=")[0] for line in lines if re.match(r"#? ?[A-Z_]+=", line)}


def test_env_example_lists_exactly_the_variables_settings_read() -> None:
    assert len(read_names()) >= 8
    assert example_names() == read_names()


def run_django(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    # A fresh deployment's environment: the test database's URL and the browser tests' switch
    # for Django's async-safety check (tests/browser/test_console.py) are the tests' own.
    ours = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {key: value for key, value in os.environ.items() if key not in ours}
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *arguments],
        env=clean | env,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RECLAIM_MODE": "cloud"}, "RECLAIM_MODE must be one of personal, service"),
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"RECLAIM_MODE": "service"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 50"),
        ({"DATABASE_CONN_MAX_AGE": "-1"}, "DATABASE_CONN_MAX_AGE must be at least 0"),
        ({"RECLAIM_EXIT_URL": "javascript:x"}, "RECLAIM_EXIT_URL must be an http"),
        ({"RECLAIM_TIME_ZONE": "Mars/Base"}, "RECLAIM_TIME_ZONE must be a time zone such as"),
        ({"RECLAIM_FEED_BATCH_MINUTES": "0"}, "RECLAIM_FEED_BATCH_MINUTES must be at least 1"),
        ({"RECLAIM_FEED_BATCH_MINUTES": "1441"}, "RECLAIM_FEED_BATCH_MINUTES is 1440 (a day)"),
        (
            {"RECLAIM_MODE": "service", "SECRET_KEY": GOOD_KEY},
            "ALLOWED_HOSTS must name this service's host names",
        ),
        (
            {"RECLAIM_MODE": "service", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "a.example"},
            "RECLAIM_PIN_PEPPER must be set",
        ),
        ({"RECLAIM_PIN_PEPPER": "short"}, "RECLAIM_PIN_PEPPER must be at least 32"),
        (
            {
                "RECLAIM_MODE": "service",
                "SECRET_KEY": GOOD_KEY,
                "ALLOWED_HOSTS": "a.example",
                "RECLAIM_PIN_PEPPER": GOOD_PEPPER,
            },
            "RECLAIM_HELPLINE_SECRET must be set",
        ),
        ({"RECLAIM_HELPLINE_SECRET": "short"}, "RECLAIM_HELPLINE_SECRET must be at least 32"),
        ({"RECLAIM_STAFF_IDLE_MINUTES": "0"}, "RECLAIM_STAFF_IDLE_MINUTES must be at least 1"),
        (
            {
                "RECLAIM_MODE": "service",
                "SECRET_KEY": GOOD_KEY,
                "ALLOWED_HOSTS": "a.example",
                "RECLAIM_PIN_PEPPER": GOOD_PEPPER,
                "RECLAIM_HELPLINE_SECRET": GOOD_PEPPER,
                "RECLAIM_REFERRAL_ALLOW_LOOPBACK": "true",
            },
            "RECLAIM_REFERRAL_ALLOW_LOOPBACK and RECLAIM_REFERRAL_CA_FILE are for tests",
        ),
        (
            {"RECLAIM_REFERRAL_CA_FILE": str(REPO / "pyproject.toml")},
            "RECLAIM_REFERRAL_CA_FILE is for tests, with RECLAIM_REFERRAL_ALLOW_LOOPBACK=true",
        ),
        (
            {"RECLAIM_REFERRAL_ALLOW_LOOPBACK": "true", "RECLAIM_REFERRAL_CA_FILE": "/no/ca.pem"},
            "RECLAIM_REFERRAL_CA_FILE must be a PEM certificate file",
        ),
    ],
)
def test_a_bad_value_stops_start_up_with_a_clear_message(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result = run_django({"RECLAIM_DATA_DIR": str(tmp_path), **env}, "check")
    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    env = {
        "RECLAIM_MODE": "service",
        "SECRET_KEY": GOOD_KEY,
        "RECLAIM_PIN_PEPPER": GOOD_PEPPER,
        "RECLAIM_HELPLINE_SECRET": GOOD_PEPPER[::-1],
        "ALLOWED_HOSTS": "help.example.org",
        "RECLAIM_DATA_DIR": str(tmp_path),
    }
    result = run_django(env, "check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stderr
    # The one silenced check is security.W003 (Django's CSRF middleware): forms are checked by
    # reclaim.web.safety.origin instead, which tests/web/test_forms_without_cookies.py covers.
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_personal_mode_uses_sqlite_in_wal_mode(tmp_path: Path, migrated_sqlite: Path) -> None:
    # Started from a copy of the migrated database (its migrate has nothing to build), which
    # is not in WAL mode: the settings put it there.
    shutil.copyfile(migrated_sqlite, tmp_path / "reclaim.sqlite3")
    with sqlite3.connect(tmp_path / "reclaim.sqlite3") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() != ("wal",)
    result = run_django({"RECLAIM_DATA_DIR": str(tmp_path)}, "migrate", "--verbosity", "0")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "reclaim.sqlite3") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_database_url_selects_postgresql() -> None:
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    env = {"DATABASE_URL": "postgres://someone@127.0.0.1:5432/reclaim"}
    result = run_django(env, "shell", "-c", code)
    assert result.stdout.strip().splitlines()[-1] == "django.db.backends.postgresql", result.stderr
