"""Run a bench script's measures in a child process and read its result (the last line of its
output, JSON): the child has its own Django settings and database, chosen by ``env``."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def measure_in_child(script: str, argument: str, env: dict[str, str]) -> dict[str, Any]:
    """Run ``python SCRIPT measure ARGUMENT`` with ``env``; return the JSON it prints last."""
    done = subprocess.run(
        [sys.executable, script, "measure", argument],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        name = Path(script).name
        raise SystemExit(f"bench/{name} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
