"""One process of a deployment, for tests/web/test_guessing.py: makes tries from several threads
at once and prints as JSON, per job, how many secrets it checked (Argon2id or PBKDF2 runs) and
how many tries got in.

``python -m tests.web.guessing_worker BARRIER_DIR PROCESSES JOBS``: JOBS is a JSON list of jobs,
run one after another; each job is ``[KIND, NAME, THREADS, WRONG, RIGHT...]``: THREADS tries of
WRONG at once, then (if given) each RIGHT, once all the others have been checked or turned
away; an empty job sits that round out. KIND is ``pin`` (NAME: a case number), ``sign-in`` (a
survivor's username), ``staff`` (a staff username) or ``limit`` (NAME: a client's address;
WRONG: the limit per hour). Before each job every one of the PROCESSES waits for the others
(files in BARRIER_DIR), so jobs of the same round start at once in every process.

Several jobs in one process because starting a process (Django's set-up) costs more than the
tries. A separate process because SQLite's in-memory test database cannot take writes from
several threads at once (it answers "table is locked"): the test hands over a file copy instead.
"""

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

checks = 0
got_in = 0
_lock = threading.Lock()


def main(barrier_dir: str, processes: str, jobs: str) -> None:
    global checks, got_in
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reclaim.web.settings")
    import django

    django.setup()
    _count_checks()
    print("ready", flush=True)
    results = []
    for round_number, job in enumerate(json.loads(jobs)):
        _wait_for_the_others(Path(barrier_dir), round_number, int(processes))
        checks = got_in = 0
        if job:
            _run(*job)
        results.append({"checks": checks, "got_in": got_in})
    print(json.dumps(results), flush=True)


def _wait_for_the_others(barrier_dir: Path, round_number: int, processes: int) -> None:
    (barrier_dir / f"{round_number}-{os.getpid()}").touch()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(list(barrier_dir.glob(f"{round_number}-*"))) >= processes:
            return
        time.sleep(0.002)


def _run(kind: str, name: str, threads: str, wrong: str, *right: str) -> None:
    attempt = {"pin": _pin, "sign-in": _sign_in, "staff": _staff, "limit": _limit}[kind]
    done = threading.Semaphore(0)
    started = [_start(attempt, name, wrong, done) for _ in range(int(threads))]
    for _ in started:
        done.acquire(timeout=60)  # all the others were checked or turned away
    started += [_start(attempt, name, secret, done) for secret in right]
    for thread in started:
        thread.join(timeout=120)


def _start(attempt: Callable[[str, str], bool], name: str, secret: str, done: Any) -> Any:
    def run() -> None:
        global got_in
        from django.db import connection

        try:
            if attempt(name, secret):
                with _lock:
                    got_in += 1
        finally:
            connection.close()
            done.release()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _count_checks() -> None:
    """Count every check of a secret: PINs, locker keys and staff passwords."""
    from argon2 import PasswordHasher
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from reclaim.locker import KdfParams

    for owner, method in (
        (PasswordHasher, "verify"),
        (KdfParams, "derive"),
        (PBKDF2PasswordHasher, "verify"),
    ):
        setattr(owner, method, _counted(getattr(owner, method)))


def _counted(function: Callable[..., Any]) -> Callable[..., Any]:
    def counted(*args: Any, **kwargs: Any) -> Any:
        global checks
        with _lock:
            checks += 1
        return function(*args, **kwargs)

    return counted


def _pin(number: str, pin: str) -> bool:
    from reclaim.web.protection import bank

    try:
        bank.open_case(number, pin)
    except bank.CaseAccessError:
        return False
    return True


def _sign_in(username: str, passphrase: str) -> bool:
    from reclaim.web.access import lockers

    try:
        lockers.unlock(username, passphrase)
    except lockers.AccessError:
        return False
    return True


def _staff(username: str, password: str) -> bool:
    from django.contrib.auth import authenticate

    return authenticate(username=username, password=password) is not None


def _limit(address: str, per_hour: str) -> bool:
    from django.test import RequestFactory

    from reclaim.web.access import limits

    return limits.allow(RequestFactory().post("/", REMOTE_ADDR=address), "shared", int(per_hour))


if __name__ == "__main__":
    main(*sys.argv[1:])
