"""Guessing held back whatever the concurrency: tries at a secret are counted before it is
checked, in the database, so parallel guesses (threads, or separate processes) check at most
five secrets per hold; rate limits per client are shared by every process; a hold on the
passphrase leaves the recovery code working; set-up says "taken" no sooner, and no more often,
than sign-in answers; PIN hashes are sealed with a pepper a copy of the database lacks."""

import functools
import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.bank import make_signal
from reclaim.locker import KdfParams
from reclaim.web.access import limits, lockers
from reclaim.web.access.models import SurvivorAccount
from reclaim.web.protection import bank
from reclaim.web.protection.models import ProtectionCase

from . import staff
from .conftest import PASSPHRASE, template_account
from .test_protection import picture_hash

REPO = Path(__file__).resolve().parents[2]
WRONG_PIN = "00000000"
PEPPER = "a pepper for tests only, 32 or more characters long"
STAFF_PASSWORD = "the right long secret"
WRONG_STAFF_TRIES = 5
# The in-process tests' lockers are copies of the template, and their wrong tries repeat one
# passphrase: each key is derived once (tests/conftest.py). Derivations are still counted
# where they are the claim, and the processes of the parallel test derive every key they try.


@functools.cache
def _staff_password_hash() -> str:
    """The staff password hashed once (PBKDF2's million rounds) for the tests that need it."""
    return make_password(STAFF_PASSWORD)


def _staff_member() -> None:
    User.objects.create(
        username="admin", password=_staff_password_hash(), is_staff=True, is_superuser=True
    )


def _case() -> tuple[str, str]:
    value, quality = picture_hash()
    case, pin = bank.new_case([make_signal("ImagePDQ", value, quality)])
    assert pin != WRONG_PIN
    return case.number, pin


class Counter:
    """Counts calls of a wrapped function across threads."""

    def __init__(self) -> None:
        self.calls = 0
        self.lock = threading.Lock()

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                self.calls += 1
            return function(*args, **kwargs)

        return counted


@pytest.fixture
def derivations(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Count every Argon2id key derivation of the locker (passphrases, recovery codes)."""
    counter = Counter()
    monkeypatch.setattr(KdfParams, "derive", counter.wrap(KdfParams.derive))
    return counter


def _shared_database(tmp_path: Path) -> str:
    """The test database as it is now, as a URL other processes can open (SQLite: a copy)."""
    if connection.vendor == "postgresql":
        found = connection.settings_dict
        return f"postgres://{found['USER']}@{found['HOST']}:{found['PORT']}/{found['NAME']}"
    connection.ensure_connection()
    with sqlite3.connect(tmp_path / "shared.sqlite3") as copy:
        connection.connection.backup(copy)
    return f"sqlite:///{tmp_path / 'shared.sqlite3'}"


def _processes(tmp_path: Path, *jobs: list[list[str]]) -> list[list[dict[str, int]]]:
    """Run tests/web/guessing_worker.py once per list of jobs, each list a process; each round
    of jobs starts at once in every process. Return each process's results, job by job."""
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    env = os.environ | {
        "DATABASE_URL": _shared_database(tmp_path),
        "SECRET_KEY": "one key for every process of this deployment " + "k2j4h6g8" * 4,
        "RECLAIM_DATA_DIR": str(tmp_path),
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)]),
    }
    command = [sys.executable, "-m", "tests.web.guessing_worker", str(barrier), str(len(jobs))]
    workers = [
        subprocess.Popen(
            [*command, json.dumps(job)], env=env, cwd=REPO, stdout=subprocess.PIPE, text=True
        )
        for job in jobs
    ]
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    outputs = [worker.communicate(timeout=180)[0] for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), outputs
    return [json.loads(output) for output in outputs]


# Parallel guesses ---------------------------------------------------------------------------
# Seven wrong tries at once, then the right one once they are all checked or turned away: on
# today's main all eight were checked (the hold was read before the slow check, and misses
# counted after it) and the eighth got in. Every case runs in the same two processes, one
# round after another (starting a process costs more than the tries): the threads of one
# process first, each secret in a round of its own while the other process waits, then two
# processes at once.


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_in_threads_and_in_processes_check_at_most_five(
    data_dir: Path,
) -> None:
    number, pin = _case()
    template_account("river")
    _staff_member()
    shared_number, _ = _case()
    pin_job = ["pin", shared_number, "4", WRONG_PIN]
    limit_job = ["limit", "203.0.113.7", "8", "10"]
    first, second = _processes(
        data_dir,
        [
            ["pin", number, "7", WRONG_PIN, pin],
            ["sign-in", "river", "7", "a wrong guess!", PASSPHRASE],
            ["staff", "admin", "7", "a wrong password", STAFF_PASSWORD],
            pin_job,
            limit_job,
        ],
        [[], [], [], pin_job, limit_job],
    )
    problems = []
    for (case, secrets), result in zip(
        [("PIN", "PINs"), ("sign-in", "passphrases"), ("staff", "staff passwords")],
        first[:3],
        strict=True,
    ):
        if result["checks"] > 5:
            problems.append(f"{case}: {result['checks']} {secrets} were checked in one process")
        if result["got_in"] != 0:
            problems.append(f"{case}: the right secret, eighth in parallel, got in")
    checks = first[3]["checks"] + second[3]["checks"]
    if checks > 5:
        problems.append(f"two processes checked {checks} PINs for one case")
    allowed = first[4]["got_in"] + second[4]["got_in"]
    if allowed != 10:
        problems.append(f"a rate limit of 10 an hour let {allowed} tries through two processes")
    assert problems == [], "\n".join(problems)


# Rate limits per client ---------------------------------------------------------------------


@pytest.mark.django_db
def test_an_ipv4_mapped_ipv6_address_counts_as_its_ipv4_address() -> None:
    factory = RequestFactory()
    mapped = factory.get("/", REMOTE_ADDR="::ffff:203.0.113.7")
    plain = factory.get("/", REMOTE_ADDR="203.0.113.7")
    assert limits.allow(mapped, "test", 2) and limits.allow(plain, "test", 2)
    assert not limits.allow(mapped, "test", 2), "one client, through either socket"
    assert not limits.allow(plain, "test", 2)
    assert limits.allow(factory.get("/", REMOTE_ADDR="::ffff:203.0.113.8"), "test", 2)


# Lockout as a weapon ------------------------------------------------------------------------


@pytest.fixture
def service(settings: SettingsWrapper, data_dir: Path, db: None) -> Iterator[None]:
    settings.SERVICE = True
    yield


def _post(client: Client, path: str, **fields: str) -> int:
    return int(client.post(f"/en/locker/{path}/", fields).status_code)


def test_the_recovery_code_opens_an_account_while_its_passphrase_is_held(service: None) -> None:
    _, code, _ = template_account("river")
    for _ in range(lockers.MAX_FAILURES):
        _post(Client(), "unlock", username="river", passphrase="a wrong guess!")
    held = Client().post("/en/locker/unlock/", {"username": "river", "passphrase": PASSPHRASE})
    assert held.status_code == 429
    assert "Your recovery code still opens it while you wait." in held.content.decode()
    new = "a brand new passphrase"
    recovered = _post(
        Client(), "recover", username="river", recovery_code=code, passphrase=new,
        passphrase_again=new,
    )  # fmt: skip
    assert recovered == 200, "the recovery code is a different secret, with its own count"
    assert _post(Client(), "unlock", username="river", passphrase=new) == 302


def test_sign_in_is_limited_per_client_whatever_the_usernames(
    service: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lockers, "CLIENT_TRIES_PER_HOUR", 3)
    one_client = Client(REMOTE_ADDR="198.51.100.4")
    for name in ("ash", "birch", "cedar"):
        assert _post(one_client, "unlock", username=name, passphrase="a guess at it") == 400
    assert _post(one_client, "unlock", username="elm", passphrase="a guess at it") == 429
    other = Client(REMOTE_ADDR="198.51.100.5")
    assert _post(other, "unlock", username="elm", passphrase="a guess at it") == 400


def test_set_up_is_limited_per_client_like_sign_in(
    service: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lockers, "CLIENT_TRIES_PER_HOUR", 3)
    SurvivorAccount.objects.create(username="river", locker_id="0" * 32)
    one_client = Client(REMOTE_ADDR="198.51.100.4")
    fields = {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE}
    for _ in range(3):
        assert _post(one_client, "set-up", username="river", **fields) == 400  # taken
    assert _post(one_client, "set-up", username="river", **fields) == 429


def test_set_up_does_the_same_argon2id_work_for_a_taken_username_as_for_a_free_one(
    service: None, derivations: Counter
) -> None:
    fields = {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE}
    derivations.calls = 0
    assert _post(Client(), "set-up", username="river", **fields) == 302
    free = derivations.calls
    derivations.calls = 0
    assert _post(Client(), "set-up", username="river", **fields) == 400
    assert derivations.calls == free >= 1, "a taken name must not answer sooner"
    assert SurvivorAccount.objects.count() == 1
    assert len(list(lockers.locker_folder("x").parent.iterdir())) == 1, "no stray locker"


# Staff sign-in ------------------------------------------------------------------------------


def test_staff_sign_in_holds_after_five_wrong_passwords_even_for_the_right_one(
    db: None, data_dir: Path, settings: SettingsWrapper
) -> None:
    # What is counted is the try, not the hash: a quick hasher spares five PBKDF2 checks.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _, device = staff.staff_with_device("admin")

    def sign_in(password: str, code: str = "") -> bool:
        client = Client()
        form = {"username": "admin", "password": password, "otp_token": code}
        client.post("/admin/login/", form)
        return "_auth_user_id" in client.session

    for _ in range(WRONG_STAFF_TRIES):
        assert not sign_in("a wrong password")
    # The right password and the code of the day: what signs in when nothing is held.
    assert not sign_in(staff.PASSWORD, staff.current_code(device)), "the sixth try is held"


# The pepper ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_copy_of_the_database_gives_nothing_to_try_pins_against(
    settings: SettingsWrapper,
) -> None:
    settings.PIN_PEPPER = PEPPER
    number, pin = _case()
    stored = ProtectionCase.objects.get(number=number).pin_hash
    assert pin not in stored
    with pytest.raises(Exception):  # noqa: B017  # what an offline guesser gets: no Argon2id hash
        PasswordHasher().verify(stored, pin)
    assert bank.open_case(number, pin).number == number, "the server, with its pepper, opens it"
    settings.PIN_PEPPER = "another pepper, not the one it was sealed with"
    with pytest.raises(bank.CaseAccessError):
        bank.open_case(number, pin)


@pytest.mark.django_db
def test_pins_hashed_before_the_pepper_keep_working_and_are_sealed_at_migrate(
    settings: SettingsWrapper,
) -> None:
    from django.core.management import call_command

    settings.PIN_PEPPER = ""
    number, pin = _case()
    assert ProtectionCase.objects.get(number=number).pin_hash.startswith("$argon2id$")
    settings.PIN_PEPPER = PEPPER
    assert bank.open_case(number, pin).number == number
    call_command("migrate", verbosity=0)
    stored = ProtectionCase.objects.get(number=number).pin_hash
    assert not stored.startswith("$argon2id$"), "sealed where it was, without the PIN"
    assert bank.open_case(number, pin).number == number
