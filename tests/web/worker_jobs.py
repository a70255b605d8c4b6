"""Jobs for tests/web/test_worker.py, run by real `reclaim worker` processes.

``note`` appends its number to a file (each run one line, so a task run twice shows twice);
``block_once`` blocks the first worker that runs it until that worker is killed, and lets the
next one finish.
"""

import os
import time
from pathlib import Path

from django_tasks import task


@task()
def note(folder: str, number: int) -> None:
    time.sleep(0.002)  # long enough for two workers to be claiming at the same time
    with open(Path(folder) / "ran.txt", "a") as ran:  # one write per line: appends do not mix
        ran.write(f"{number} {os.getpid()}\n")


@task()
def block_once(folder: str) -> None:
    started = Path(folder) / "started"
    if not started.exists():
        partial = started.with_suffix(
            ".part"
        )  # renamed whole: the test never reads it half-written
        partial.write_text(str(os.getpid()))
        partial.replace(started)
        while True:  # until the test kills this worker
            time.sleep(0.05)
    (Path(folder) / "finished").write_text(str(os.getpid()))
