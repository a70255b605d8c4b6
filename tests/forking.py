"""A process to kill at a random moment, without paying Python's start and imports each time.

Crash tests kill a process mid-write many times. Starting a new interpreter for each one costs
its start-up and imports (0.2 s to 0.6 s of CPU, seconds on a busy machine); here one process
loads the modules once and forks a child per round. The child is the process killed, with
SIGKILL as before. The forking process runs no thread, so forking it is safe.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

_LOOP = """
import json as _json, os as _os, signal as _signal, sys as _sys, traceback as _traceback

print("loaded", flush=True)
for _line in _sys.stdin:
    _child = _os.fork()
    if _child == 0:
        try:
            work(*_json.loads(_line))
        except BaseException:
            _traceback.print_exc()
            print("failed", flush=True)  # never leave the test waiting for "ready"
        finally:
            _os._exit(0)
    _sys.stdin.readline()  # the test says when to kill
    _os.kill(_child, _signal.SIGKILL)  # not reaped yet, so the pid is still this child's
    _os.waitpid(_child, 0)
    print("killed", flush=True)
"""


class Forker:
    """Run ``script`` (imports, and a ``work(*arguments)`` that prints "ready" when it is
    about to do what is to be interrupted) once; ``start`` a child on it, ``kill`` it."""

    def __init__(self, script: str) -> None:
        source = str(Path(__file__).resolve().parents[1] / "src")
        self.process = subprocess.Popen(
            [sys.executable, "-c", script + _LOOP],
            env={**os.environ, "PYTHONPATH": source},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None and self.process.stdin is not None
        self.stdout, self.stdin = self.process.stdout, self.process.stdin
        assert self.stdout.readline() == b"loaded\n"

    def start(self, *arguments: str) -> bytes:
        """Start ``work(*arguments)`` in a child; return its first line once it has printed
        it (that it is ready, as ``work`` says)."""
        self.stdin.write(json.dumps(arguments).encode() + b"\n")
        self.stdin.flush()
        return self.stdout.readline()

    def kill(self) -> None:
        """SIGKILL the child, finished or not, and wait until it is gone."""
        self.stdin.write(b"kill\n")
        self.stdin.flush()
        said = self.stdout.readline()
        assert said == b"killed\n", f"the child said {said!r} (its traceback is above)"

    def close(self) -> None:
        self.stdin.close()
        assert self.process.wait(timeout=30) == 0
        self.stdout.close()
