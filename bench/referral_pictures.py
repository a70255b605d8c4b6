"""Showing one picture of a large referral in the helpline console, before and after keeping
each item apart (docs/referrals.md).

A referral near the default RECLAIM_MAX_REFERRAL_MB (200): one picture (scikit-image's
astronaut) and random files making up REFERRAL_MIB, received as the API receives it. Then,
with Django's test client in this process (middleware, audit entry and preview included, no
network), as a signed-in caseworker:

- the veiled picture (``/console/cases/<n>/shared/<item>/picture/``) and the shared page;
- after: as Reclaim does now, reading the manifest and that one item's row;
- before (the reference, in the same run): as Reclaim did until this change, reading the whole
  container from the database and opening it (every item's digest checked) to show one item.
  The container is kept in a table of the bench's own, and the two readers the view calls
  (``_picture_data``, ``_manifest_of``) are swapped for the old ones while it is measured.

Each side: the median of SAMPLES timed requests after one warm-up, and the peak of Python's
traced memory (tracemalloc) over one request. Ratios are after / before (below 1 is better).
The database is a fresh SQLite file, or with DATABASE_URL naming PostgreSQL a database of its
own beside it (``<name>_referral_bench``, made again each run).
Run alone: [DATABASE_URL=postgres://...] python bench/referral_pictures.py [mib]
"""

import io
import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from child import measure_in_child

HERE = Path(__file__).resolve().parent
REFERRAL_MIB = 192  # under the default RECLAIM_MAX_REFERRAL_MB
FILE_MIB = 16  # the random files the referral carries beside its picture
SAMPLES = 7
SECRETS = {
    "RECLAIM_MODE": "service",
    "SECRET_KEY": "bench-only-secret-key-" + "r3Fe" * 12,
    "ALLOWED_HOSTS": "testserver,127.0.0.1",
    "RECLAIM_PIN_PEPPER": "bench-only-pepper-0123456789abcdef",
    "RECLAIM_HELPLINE_SECRET": "bench-only-helpline-secret-0123456789",
}
# The reference's own table: the container whole, as ReferralContent.container kept it.
CREATE_WHOLE = "CREATE TABLE bench_whole_referral (case_id bigint PRIMARY KEY, container {kind})"
INSERT_WHOLE = "INSERT INTO bench_whole_referral VALUES (%s, %s)"
SELECT_WHOLE = "SELECT container FROM bench_whole_referral WHERE case_id = %s"


def run(database_url: str | None = None, mib: int = REFERRAL_MIB) -> dict[str, Any]:
    """Run the bench in a child process (its own settings and database); return its results."""
    url = database_url if database_url is not None else os.environ.get("DATABASE_URL", "")
    data_dir = tempfile.mkdtemp(prefix="reclaim-bench-referrals-")
    env = os.environ | SECRETS | {"RECLAIM_DATA_DIR": data_dir}
    env.pop("DATABASE_URL", None)
    if url.startswith(("postgres://", "postgresql://")):
        env["DATABASE_URL"] = _fresh_database(url)
    return measure_in_child(__file__, str(mib), env)


def _fresh_database(url: str) -> str:
    """Make the bench's own database beside ``url``'s again, empty; return its URL."""
    import psycopg

    base, _, name = url.rpartition("/")
    bench_name = f"{name.split('?')[0]}_referral_bench"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{bench_name}"')
        connection.execute(f'CREATE DATABASE "{bench_name}"')
    return f"{base}/{bench_name}"


# --- In the child process -----------------------------------------------------------------


def measure(mib: int) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reclaim.web.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from reclaim.web.console import keys, referrals

    call_command("migrate", interactive=False, verbosity=0)
    line = keys.new_helpline("bench", "Bench Helpline")
    with tempfile.TemporaryDirectory(prefix="reclaim-bench-referral-") as folder:
        body, picture = _make_referral(Path(folder), line, mib)
    started = time.perf_counter()
    received = referrals.receive(line, body, "referral")
    receive_ms = (time.perf_counter() - started) * 1000
    case_number = _case_number(received.referral.case_id)
    _keep_whole(received.referral.case_id, body)
    client = _signed_in_caseworker(line)
    paths = {
        "picture": f"/console/cases/{case_number}/shared/{picture}/picture/",
        "shared_page": f"/console/cases/{case_number}/shared/",
    }
    after = {name: _side(client, path) for name, path in paths.items()}
    with _old_readers(referrals, line):
        before = {name: _side(client, path) for name, path in paths.items()}
    return {
        "benchmark": "one picture of a large referral in the console, before and after "
        "keeping each item apart",
        "database": connection.vendor,
        "referral_mib": round(len(body) / 2**20, 1),
        "items": 1 + mib // FILE_MIB,
        "receive_ms": round(receive_ms, 1),
        "measures": {
            name: _compare(before[name], after[name]) for name in ("picture", "shared_page")
        },
        "method": "server time with Django's test client in process, median of "
        f"{SAMPLES} after a warm-up; peak traced Python memory (tracemalloc) over one request; "
        "before = the container read whole from the database and opened, as until this change",
        "machine": {"cpus": os.cpu_count(), "note": "2 cores shared with other jobs"},
    }


def _make_referral(folder: Path, line: Any, mib: int) -> tuple[bytes, str]:
    """Return a referral to ``line`` (a picture, ``mib`` MiB of files) and its picture's id."""
    import datetime

    import numpy as np
    from PIL import Image
    from skimage import data

    from reclaim.content import Helpline as Directory
    from reclaim.content import ReferralPoint
    from reclaim.locker import LOW_MEMORY_PROFILE, Locker
    from reclaim.referrals import Selection, make_referral

    box, _ = Locker.create(folder / "locker", "bench passphrase", LOW_MEMORY_PROFILE)
    png = io.BytesIO()
    Image.fromarray(np.asarray(data.astronaut())).save(png, format="PNG")
    picture = box.add(png.getvalue(), "astronaut.png", "image/png").id
    files = [
        box.add(os.urandom(FILE_MIB * 2**20), f"file-{n}.bin", "application/octet-stream").id
        for n in range(mib // FILE_MIB)
    ]
    point = ReferralPoint("https://reclaim.helpline.test", line.recipient)
    entry = Directory(
        line.slug, "gb", "UK", line.name, "adults", "https://helpline.test/",
        datetime.date(2026, 11, 1), False, referrals=point,
    )  # fmt: skip
    path = folder / "r.reclaim-referral"
    make_referral(box, entry, Selection(items=(picture, *files), days=30), path)
    return path.read_bytes(), picture


def _case_number(case_id: int | None) -> str:
    from reclaim.web.console.models import Case

    return Case.objects.get(pk=case_id or 0).number


def _keep_whole(case_id: int | None, body: bytes) -> None:
    """Keep the container whole, as ReferralContent.container did, for the reference reader."""
    from django.db import connection

    kind = "bytea" if connection.vendor == "postgresql" else "blob"
    with connection.cursor() as cursor:
        cursor.execute(CREATE_WHOLE.format(kind=kind))
        cursor.execute(INSERT_WHOLE, [case_id, body])


class _old_readers:
    """Swap the console's two readers for the ones it had before items were kept apart."""

    def __init__(self, module: Any, line: Any) -> None:
        self.module, self.line = module, line
        self.kept: dict[str, Callable[..., Any]] = {}

    def __enter__(self) -> None:
        from django.db import connection
        from django.http import Http404

        from reclaim.referrals import ReferralExpiredError, open_referral
        from reclaim.web.console import keys, previews

        def opened(case_id: int) -> Any:
            with connection.cursor() as cursor:
                cursor.execute(SELECT_WHOLE, [case_id])
                data = bytes(cursor.fetchone()[0])
            try:
                return open_referral(data, str(keys.identity(self.line)))
            except ReferralExpiredError:
                return None

        def manifest_of(line: Any, content: Any) -> Any:
            found = opened(content.case_id)
            return found.manifest if found is not None else None

        def picture_data(case: Any, item_id: str) -> bytes:
            found = opened(case.pk)
            if found is None:
                raise Http404("nothing shared to show")
            item = found.manifest.item(item_id)
            size = self.module.MAX_PREVIEW_BYTES
            if not previews.can_preview(item.media_type) or item.size > size:
                raise Http404("not shown as a picture")
            return b"".join(found.read_item(item.id))

        self.kept = {"_manifest_of": self.module._manifest_of}
        self.kept["_picture_data"] = self.module._picture_data
        self.module._manifest_of, self.module._picture_data = manifest_of, picture_data

    def __exit__(self, *exc: object) -> None:
        for name, reader in self.kept.items():
            setattr(self.module, name, reader)


def _signed_in_caseworker(line: Any) -> Any:
    from django.contrib.auth.models import User
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from reclaim.web.console.access import SEEN
    from reclaim.web.console.models import StaffMember

    user = User.objects.create_user("kim")  # signed in below, without a password
    device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)
    StaffMember.objects.create(user=user, helpline=line, caseworker=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SEEN] = time.time()
    session.save()
    return client


def _side(client: Any, path: str) -> dict[str, float]:
    """Return the median milliseconds of ``path`` and the peak traced memory of one request."""
    _get(client, path)  # warm-up
    samples = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        _get(client, path)
        samples.append((time.perf_counter() - started) * 1000)
    tracemalloc.start()
    try:
        _get(client, path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {"median_ms": statistics.median(samples), "peak_mib": peak / 2**20}


def _get(client: Any, path: str) -> None:
    answer = client.get(path, secure=True)
    if answer.status_code != 200:
        raise SystemExit(f"{path} answered {answer.status_code}")


def _compare(before: dict[str, float], after: dict[str, float]) -> dict[str, Any]:
    return {
        what: {
            "before": round(before[what], 2),
            "after": round(after[what], 2),
            "ratio": round(after[what] / before[what], 4),
        }
        for what in ("median_ms", "peak_mib")
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["measure"]:
        print(json.dumps(measure(int(argv[1]))))
        return 0
    mib = int(argv[0]) if argv else REFERRAL_MIB
    result = run(mib=mib)
    if mib == REFERRAL_MIB:
        (HERE / "results" / "referral_pictures.json").write_text(
            json.dumps(result, indent=2) + "\n"
        )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main(sys.argv[1:]))
