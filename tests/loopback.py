"""A small HTTP server on loopback for tests that need a real peer (pages, an authority)."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing and answers with one call."""

    def answer(
        self, status: int, body: bytes, content_type: str, *headers: tuple[str, str]
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        # The browser may go on before the answer is written (an exit, a closed page).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, *arguments: object) -> None:
        pass


@contextmanager
def loopback_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1 and yield the base address; stop it afterwards."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # A short poll: shutdown() waits for the loop to look (the default half second, each time).
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


SECRET = "internal-service-secret-5d81"  # what an internal service says; never captured


class Internal:
    """A service inside the machine's network: counts every TCP connection and UDP datagram
    that reaches it, and answers every HTTP request with ``secret`` (SECRET unless told; to
    any origin, for fetch)."""

    def __init__(self, host: str, port: int = 0, secret: str = SECRET) -> None:
        internal = self
        self.connections = 0
        self.datagrams = 0

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                body = f"<!doctype html><title>{secret}</title><p>{secret}</p>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_OPTIONS = _answer

            def log_message(self, *arguments: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def get_request(self) -> tuple[socket.socket, object]:
                accepted = super().get_request()
                internal.connections += 1
                return accepted

        self.server, self.udp = _tcp_and_udp(host, port, lambda at: Server(at, Handler))
        self.host, self.port = host, self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        threading.Thread(target=self._count_datagrams, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def reached(self) -> int:
        return self.connections + self.datagrams

    def _count_datagrams(self) -> None:
        while True:
            try:
                self.udp.recv(65536)
            except OSError:  # closed
                return
            self.datagrams += 1

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.udp.close()


def _tcp_and_udp(
    host: str, port: int, serve: Callable[[tuple[str, int]], ThreadingHTTPServer]
) -> tuple[ThreadingHTTPServer, socket.socket]:
    """Return a TCP server and a UDP socket bound to one port (any free one if ``port`` is 0).

    The kernel picks the TCP port; the same number may already be taken for UDP, so a clash
    closes both and tries another port (never leaving a socket open behind it).
    """
    for _ in range(50):
        server = serve((host, port))
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            udp.bind((host, server.server_address[1]))
            return server, udp
        except OSError:
            udp.close()
            server.server_close()
            if port:
                raise
    raise OSError(f"no port on {host} was free for both TCP and UDP")


SERVER_START_SECONDS = 60  # `reclaim serve` migrates and loads the content before it listens


def wait_until_listening(port: int, process: "subprocess.Popen[bytes]") -> None:
    """Return once a server started as ``process`` accepts connections on ``port``."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"reclaim serve stopped:\n{output}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"reclaim serve did not listen on {port} within {SERVER_START_SECONDS} s")


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on (just now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(
    data_dir: Path,
    exit_url: str,
    database: Path | None = None,
    launcher: Sequence[str] = ("-m", "reclaim.cli"),
    **more_env: str,
) -> Iterator[str]:
    """Start the site as a person would (`reclaim serve`, personal mode, its own SQLite in
    ``data_dir``), yield its origin, then stop it.

    ``database``, if given, is a migrated SQLite file (tests/conftest.py's migrated_sqlite)
    that the site starts from: its migrate at start then has nothing to build, as on any
    later start of a person's site, instead of a second of CPU building every table.
    ``launcher`` is what Python runs, with "serve" and the port after it: the command line,
    or a wrapper that watches the site before handing over to it.
    """
    if database is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(database, data_dir / "reclaim.sqlite3")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env |= {"RECLAIM_DATA_DIR": str(data_dir), "RECLAIM_EXIT_URL": exit_url, **more_env}
    command = [sys.executable, *launcher, "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_until_listening(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()
