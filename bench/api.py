"""HTTP load on the match endpoint of a running `reclaim serve` with a bank of 1M hashes.

The bank is filled straight into a fresh SQLite database (a case, its entries and their
change feed), a platform token is issued, the server is started, and its first request
builds the index from the feed (timed). A second process then sends match requests from
several threads over keep-alive connections for a fixed time: requests per second and
latency percentiles, with one PDQ hash per request (half of them near a bank hash).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BANK_SIZE = int(os.environ.get("RECLAIM_BENCH_BANK", "1000000"))
LOAD_SECONDS = int(os.environ.get("RECLAIM_BENCH_SECONDS", "20"))
LOAD_THREADS = 8
HERE = Path(__file__).resolve().parent
LOAD_SCRIPT = HERE / "api_load.py"  # run as a second process
FILL_SCRIPT = HERE / "api_fill.py"


def run() -> dict[str, object]:
    data_dir = Path(tempfile.mkdtemp(prefix="reclaim-api-bench-"))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"RECLAIM_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "reclaim.web.settings"}
    rng = np.random.default_rng(11)
    bank = rng.integers(0, 256, (BANK_SIZE, 32), dtype=np.uint8)
    token = _fill(bank, env)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "reclaim.cli", "serve", "--port", str(port), "--threads", "8"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait(port)
        url = f"http://127.0.0.1:{port}/api/v1/match"
        started = time.perf_counter()
        _one(url, token, bank[0].tobytes().hex())  # builds the index from the feed
        first = time.perf_counter() - started
        load = _load(url, token, _queries(bank, rng))
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies = np.array(load["latencies"]) * 1000
    return {
        "benchmark": f"POST /api/v1/match, one PDQ hash per request, bank of {BANK_SIZE:,}",
        "server": "reclaim serve (cheroot, 8 threads), SQLite, personal mode",
        "load": f"second process, {LOAD_THREADS} threads, keep-alive, {LOAD_SECONDS} s",
        "first_request_seconds_building_index_from_feed": round(first, 1),
        "requests": len(latencies),
        "errors": load["errors"],
        "requests_per_second": round(len(latencies) / load["seconds"], 1),
        "latency_ms": {
            "p50": round(float(np.percentile(latencies, 50)), 2),
            "p90": round(float(np.percentile(latencies, 90)), 2),
            "p99": round(float(np.percentile(latencies, 99)), 2),
        },
    }


def _fill(bank: np.ndarray, env: dict[str, str]) -> str:  # type: ignore[type-arg]
    """Write the bank straight into the database; return a platform token."""

    values = "\n".join(row.tobytes().hex() for row in bank)
    done = subprocess.run(
        [sys.executable, str(FILL_SCRIPT)], input=values, env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    return done.stdout.strip().splitlines()[-1]


def _queries(bank: np.ndarray, rng: np.random.Generator) -> list[str]:  # type: ignore[type-arg]
    near = bank[rng.integers(0, len(bank), 500)].copy()
    near[:, :2] ^= 0x0F  # 8 bits away: a match
    far = rng.integers(0, 256, (500, 32), dtype=np.uint8)
    return [row.tobytes().hex() for row in np.concatenate([near, far])]


def _load(url: str, token: str, queries: list[str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, str(LOAD_SCRIPT), url, token, str(LOAD_SECONDS), str(LOAD_THREADS)],
        input=json.dumps(queries), capture_output=True, text=True, check=True,
    )  # fmt: skip
    return dict(json.loads(done.stdout))


def _one(url: str, token: str, value: str) -> None:
    import httpx

    body = {"signals": [{"signalType": "ImagePDQ", "value": value}]}
    answer = httpx.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=600)
    assert answer.status_code == 200 and answer.json()["results"][0]["matches"], answer.text


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(port: int) -> None:
    import socket

    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


if __name__ == "__main__":
    result = run()
    (HERE / "results" / "api.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
