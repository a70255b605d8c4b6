"""A referral over real HTTPS: the helpline's Reclaim served by a live server (pytest-django's,
behind a TLS front on loopback made by the test, as a deployment sits behind its TLS proxy), and
the survivor's side in another process: a Python process using reclaim.referrals'
ReferralClient, which allows loopback only through the address policy it is given."""

import contextlib
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.web.console.models import Case, Referral, ReferralContent, ReferralItem

from ...tls import tls
from .fixtures import helpline, member
from .referral_files import make
from .test_referrals import signed_in

SURVIVOR = """
import json, ssl, sys
from pathlib import Path
from reclaim.addresses import loopback_only
from reclaim.referrals import ReferralClient

verb, address, ca = sys.argv[1:4]
client = ReferralClient(
    policy=loopback_only, timeout_seconds=20, verify=ssl.create_default_context(cafile=ca)
)
if verb == "send":
    receipt = client.send(address, Path(sys.argv[4]))
    print(json.dumps({"id": receipt.id}))
else:
    referral_id, token = sys.argv[4:6]
    seen = client.openings(address, referral_id, token)
    gone = client.withdraw(address, referral_id, token)
    roles = [opening.role for opening in seen.openings]
    print(json.dumps({"roles": roles, "withdrawn": gone.withdrawn_utc}))
"""


def certificates(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """Return a test CA's certificate file and a server context for "localhost" signed by it."""
    return folder / "ca.pem", tls(folder, "localhost")[1]


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while piece := source.recv(65536):
            target.sendall(piece)
    except OSError:
        pass
    finally:
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


def tls_front(context: ssl.SSLContext, upstream: tuple[str, int]) -> Iterator[int]:
    """Serve TLS on a loopback port, passing each connection on to ``upstream`` in the clear."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve(raw: socket.socket) -> None:
        try:
            secure = context.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            return
        with secure, socket.create_connection(upstream) as plain:
            back = threading.Thread(target=_pump, args=(plain, secure), daemon=True)
            back.start()
            _pump(secure, plain)
            back.join()

    def accept() -> None:
        while True:
            try:
                raw, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(raw,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def survivor(*arguments: str) -> dict[str, Any]:
    """Run the survivor's side in another process; return what it printed."""
    source = str(Path(__file__).resolve().parents[3] / "src")
    env = {**os.environ, "PYTHONPATH": source}
    done = subprocess.run(
        [sys.executable, "-c", SURVIVOR, *arguments],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@pytest.fixture
def address(live_server: Any, tmp_path: Path, settings: SettingsWrapper) -> Iterator[str]:
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
    _ca, context = certificates(tmp_path)
    host, port = live_server.url.removeprefix("http://").split(":")
    for front in tls_front(context, (host, int(port))):
        yield f"https://localhost:{front}"


def test_a_referral_from_a_locker_in_another_process_over_https(
    address: str, tmp_path: Path, transactional_db: None
) -> None:
    line = helpline()
    address = f"{address}/helplines/{line.slug}"  # each helpline's address on a deployment
    made = make(tmp_path, line, address=address)
    ca = str(tmp_path / "ca.pem")

    sent = survivor("send", address, ca, str(made.path))
    assert sent["id"] == made.shared.id
    case = Case.objects.get(source=Case.Source.REFERRAL)
    assert ReferralContent.objects.filter(case=case).exists()
    assert ReferralItem.objects.filter(content__case=case).count() == 2

    worker = signed_in(member(line, "kim", "caseworker"))
    assert worker.get(f"/console/cases/{case.number}/shared/").status_code == 200

    answer = survivor("withdraw", address, ca, made.shared.id, made.shared.consent_token)
    assert answer["roles"] == ["caseworker"] and answer["withdrawn"]
    assert Referral.objects.get().withdrawn_at is not None
    assert not ReferralContent.objects.exists() and not ReferralItem.objects.exists()
    assert worker.get(f"/console/cases/{case.number}/shared/").status_code == 410
