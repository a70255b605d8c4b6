"""A real RFC 3161 timestamp authority: `openssl ts -reply` behind an HTTP server on loopback,
with its own test root certificate made for the run."""

import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..loopback import QuietHandler, loopback_server

TSA_CONFIG = """
[ tsa ]
default_tsa = test_tsa
[ test_tsa ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.4146.2.3
other_policies = 1.3.6.1.4.1.4146.2.2
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""
EXTENSIONS = "extendedKeyUsage=critical,timeStamping\nbasicConstraints=CA:FALSE\n"


@dataclass(frozen=True)
class Authority:
    url: str
    root: Path
    certificate: Path


def openssl(*arguments: str, folder: Path) -> None:
    subprocess.run(["openssl", *arguments], cwd=folder, check=True, capture_output=True)


def make_authority(folder: Path) -> None:
    curve = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
    openssl(
        "req",
        "-x509",
        *curve,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Reclaim test root",
        folder=folder,
    )
    openssl(
        "req",
        *curve,
        "-keyout",
        "tsa.key",
        "-out",
        "tsa.csr",
        "-subj",
        "/CN=Reclaim test timestamp authority",
        folder=folder,
    )
    (folder / "ext.cnf").write_text(EXTENSIONS)
    openssl(
        "x509",
        "-req",
        "-in",
        "tsa.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "tsa.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        folder=folder,
    )
    (folder / "serial").write_text("01\n")
    (folder / "tsa.cnf").write_text(TSA_CONFIG.format(dir=folder))


@pytest.fixture(scope="session")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Authority]:
    folder = tmp_path_factory.mktemp("tsa")
    make_authority(folder)
    lock = threading.Lock()

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            query = self.rfile.read(int(self.headers["Content-Length"]))
            with lock, tempfile.TemporaryDirectory(dir=folder) as work:
                (Path(work) / "q.tsq").write_bytes(query)
                openssl(
                    "ts",
                    "-reply",
                    "-config",
                    str(folder / "tsa.cnf"),
                    "-queryfile",
                    "q.tsq",
                    "-out",
                    "r.tsr",
                    folder=Path(work),
                )
                reply = (Path(work) / "r.tsr").read_bytes()
            self.answer(200, reply, "application/timestamp-reply")

    with loopback_server(Handler) as base:
        yield Authority(f"{base}/tsa", folder / "ca.pem", folder / "tsa.pem")
