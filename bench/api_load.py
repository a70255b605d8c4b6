"""The load generator of bench/api.py, run as a second process: POST /api/v1/match from
several threads over keep-alive connections for a fixed time.

Arguments: url, token, seconds, threads; the queries (a JSON list of PDQ hex) on stdin.
Prints {"seconds", "latencies" (each request's seconds), "errors"} as JSON.
"""

import json
import sys
import threading
import time

import httpx


def main() -> None:
    url, token = sys.argv[1], sys.argv[2]
    seconds, threads = float(sys.argv[3]), int(sys.argv[4])
    queries = json.loads(sys.stdin.read())
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def work(offset: int) -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            n = offset
            while time.perf_counter() < stop_at:
                signal = {"signalType": "ImagePDQ", "value": queries[n % len(queries)]}
                started = time.perf_counter()
                response = client.post(url, json={"signals": [signal]})
                spent = time.perf_counter() - started
                with lock:
                    latencies.append(spent)
                    errors[0] += response.status_code != 200
                n += threads

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    print(json.dumps({"seconds": elapsed, "latencies": latencies, "errors": errors[0]}))


if __name__ == "__main__":
    main()
