"""Fixtures shared by the web and browser tests."""

import asyncio
import fcntl
import gc
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reclaim.languages import LANGUAGE_CODES

from .lockers import remembered_hash, remove_templates

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(params=LANGUAGE_CODES)
def language_code(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def pytest_sessionfinish(session: pytest.Session) -> None:
    remove_templates()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Leave what importing and collecting made out of the cyclic garbage collector's work.

    Each worker holds Django, Playwright, Hypothesis and every test module: hundreds of
    thousands of objects that live to the end, which each full collection walked again. Frozen
    (``gc.freeze``), they are never walked; what a test makes is collected as before, and a
    test that calls ``gc.collect()`` to see what it left still sees it. Collecting every
    10,000 new objects, not 700, spares the many young collections of rendering pages. Over
    tests/web and tests/core on 3 workers, measured with ``gc.callbacks``: 13.4 s of CPU
    collecting in 11,082 collections before, 8.5 s in 2,980 after.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """Ease Django's async check for a browser test, and for any test after one on this worker.

    Playwright's sync API, once a browser test started it, keeps its event loop marked as
    running on this thread for the rest of the session; no test here runs inside it, but
    Django's check cannot tell and refuses every database call: in a browser test's own
    set-up once it has started Playwright (the sites copy the migrated database), and in
    every test after it (which ones depends on how xdist hands them out). Other tests run as
    before while no browser has started.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        if item.get_closest_marker("browser") is None:  # a browser test may start Playwright
            yield  # in its set-up, then need the database (tests/browser/conftest.py's sites)
            return
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(autouse=True, scope="session")
def _static_files_looked_up_per_request() -> None:
    """WhiteNoise finds static files per request in the tests, as in development.

    Django's test client sets its middleware up again for every new client, and WhiteNoise
    lists every static file each time it is set up: about 5 s of CPU over the suite, for
    files the web tests seldom ask for. A server process sets it up once, as before.
    """
    from django.conf import settings

    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True, scope="session")
def _tables_emptied_by_delete_on_postgresql() -> Iterator[None]:
    """After a transactional test, empty PostgreSQL's tables by DELETE, not TRUNCATE.

    Django empties every table after each test that commits (the API's, the workers', the
    live console's). TRUNCATE gives each of the 45 tables a new file on disk: 0.33 s on an
    idle machine and up to 3 s in a loaded run, against 0.02 s for DELETE of the few rows a
    test made. Foreign keys are deferred to the end of the transaction both run in, so the
    order of the tables does not matter. Sequences are reset, when a test asks, as before.
    """
    from django.conf import settings

    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        yield
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def delete(
        self: Any, style: Any, tables: Any, *, reset_sequences: bool = False, **more: Any
    ) -> list[str]:
        if reset_sequences:
            return truncate(self, style, tables, reset_sequences=True, **more)
        quoted = [style.SQL_FIELD(self.quote_name(table)) for table in tables]  # Django's own names
        return [f"DELETE FROM {table};" for table in quoted]  # noqa: S608

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", delete)
        yield


@pytest.fixture(autouse=True)
def _derivations_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id derives each key once a session in this process (tests/lockers.py's
    ``remembered_hash``), in every test.

    Argon2id is a pure function: the same passphrase, salt and cost give the same key. Tests
    open copies of one template locker (same salts) again and again, try the same wrong
    passphrase five times, and sign in to the same account from several pages; at RFC 9106's
    low-memory profile each derivation is 0.2 s of CPU, and about 100 of the suite's 240
    in-process derivations repeated one already made (measured). A new secret, salt or cost
    is derived for real and fails or opens exactly as before. ``KdfParams.derive`` and its
    floor check still run on every call (tests that count derivations count the same); only
    the repeated hash is not recomputed. Processes a test starts derive for themselves, and
    calibration times derivations with fresh salts, which are never remembered.
    """
    from reclaim.locker import _keys

    monkeypatch.setattr(_keys, "hash_secret_raw", remembered_hash)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """On PostgreSQL, each worker's test database is a copy of one migrated database.

    Building the test database by migrate cost each xdist worker about 3.6 s of CPU (against
    2.5 s on SQLite); PostgreSQL copies a database made from a template in a fraction of that,
    and the test database's own migrate then finds every migration applied. The template is
    named after the migrations it was built from, so a change to any of them builds a new one
    (and drops the old), and later runs reuse it as pytest-django's --reuse-db would.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if "postgresql" in database["ENGINE"] and os.environ.get("PYTEST_XDIST_WORKER"):
        database.setdefault("TEST", {})["TEMPLATE"] = _migrated_template(database)


TEMPLATE_PREFIX = "test_reclaim_migrated_"


def _migrated_template(database: dict[str, Any]) -> str:
    """Return the name of a PostgreSQL database migrated from this checkout's migrations,
    built by the first worker to ask (the others wait for it) unless it exists already."""
    import hashlib

    import django
    import psycopg

    made_from = hashlib.sha256(django.__version__.encode())
    for migration in sorted((REPO / "src").glob("reclaim/**/migrations/*.py")):
        made_from.update(migration.relative_to(REPO).as_posix().encode())
        made_from.update(migration.read_bytes())
    name = TEMPLATE_PREFIX + made_from.hexdigest()[:16]
    server = {
        "host": database["HOST"],
        "port": database["PORT"] or 5432,
        "user": database["USER"],
        "dbname": "postgres",
        "autocommit": True,
    }
    with (Path(tempfile.gettempdir()) / f"{TEMPLATE_PREFIX}lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with psycopg.connect(**server) as admin:
            found = admin.execute("SELECT datname FROM pg_database").fetchall()
            names = {datname for (datname,) in found}
            if name in names:
                return name
            for old in sorted(names):  # built from other migrations: no longer of use
                if old.startswith(TEMPLATE_PREFIX):
                    admin.execute(f'DROP DATABASE IF EXISTS "{old}"')
            building = name + "_building"  # one a killed run left is built again
            admin.execute(f'DROP DATABASE IF EXISTS "{building}"')
            admin.execute(f'CREATE DATABASE "{building}"')
        user, host, port = server["user"], server["host"], server["port"]
        _migrate(os.environ | {"DATABASE_URL": f"postgres://{user}@{host}:{port}/{building}"})
        with psycopg.connect(**server) as admin:  # whole, so under its name at last
            admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    return name


def _migrate(env: dict[str, str]) -> None:
    """Run manage.py migrate in a process of its own, on the database ``env`` names."""
    manage = [sys.executable, str(REPO / "manage.py"), "migrate", "--verbosity", "0"]
    subprocess.run(manage, env=env, cwd=REPO, check=True, timeout=300)


def _migrated_once_per_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return an SQLite file that manage.py migrated, made by the first worker of this run to
    ask and copied by the others (each worker's own migrate was about 2 s of CPU)."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    base = tmp_path_factory.getbasetemp()
    folder = base.parent / f"migrated-{run}" if run else base / "migrated-by-manage"
    folder.mkdir(exist_ok=True)
    made = folder / "reclaim.sqlite3"
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the others wait for the first to finish
        if not (folder / "done").exists():
            env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
            env["RECLAIM_DATA_DIR"] = str(folder)
            _migrate(env)
            with sqlite3.connect(made, isolation_level=None) as whole:
                whole.execute("PRAGMA journal_mode = DELETE")  # its write-ahead log folded in
            whole.close()
            (folder / "done").touch()
    return made


@pytest.fixture(scope="session")
def migrated_sqlite(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """An SQLite file of the migrated database with no rows but the migrations' record.

    Processes of `reclaim serve` or manage.py that start from a copy of it (in their data
    folder, as reclaim.sqlite3) find every migration applied: their migrate only runs the
    post-migrate steps (content types, permissions, sealing PINs), as on any later start,
    instead of building every table again (seconds of CPU for each process).
    """
    from django.db import connection

    made = tmp_path_factory.mktemp("migrated") / "reclaim.sqlite3"
    if connection.vendor != "sqlite":  # PostgreSQL under test: migrate a file once instead
        shutil.copyfile(_migrated_once_per_run(tmp_path_factory), made)
    else:
        with django_db_blocker.unblock():
            connection.ensure_connection()
            with sqlite3.connect(made) as copy:
                connection.connection.backup(copy)
    copy = sqlite3.connect(made, isolation_level=None)
    copy.execute("PRAGMA journal_mode = DELETE")  # one file, in SQLite's default mode
    tables = copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    for (table,) in tables:
        if table != "django_migrations" and not table.startswith("sqlite_"):
            copy.execute(f'DELETE FROM "{table}"')  # noqa: S608  # names from sqlite_master
    copy.close()
    return made
