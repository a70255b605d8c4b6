"""The web server behind `reclaim serve`: cheroot, which hands the request body to the site unread.

Why cheroot and not waitress (used before): waitress reads every body in full before the site
sees the request, and keeps any body over 512 KiB in a temporary file. An anonymous client
could so park a picture in plaintext in the temporary folder, or fill the disk, before the
site could check who sent it or how large a body its page takes. cheroot (CherryPy's server,
pure Python: Linux, macOS and Windows alike) calls the site as soon as the headers are in, with
the socket as ``wsgi.input``; the site then refuses a body by its declared size, per page,
before reading a byte of it (reclaim.web.safety.bodies), and an upload goes straight from the
socket into the locker's sealed spool (reclaim.web.evidence.uploads).

What this module adds to cheroot:
- a body the site did not read is never drained (cheroot would read it all into memory to keep
  the connection): the connection is closed instead;
- a chunked body (no Content-Length; programs only, browsers always send one) is read here, up
  to ``chunked_max_bytes`` and never a chunk past it, so the site sees its length like any other;
- the trusted proxy's X-Forwarded-For and -Proto, through waitress's own proxy-headers
  middleware (the same rules as before), and those headers removed from anyone else.
"""

import io
import logging
from collections.abc import Callable, Iterable
from typing import Any

from cheroot import errors, server, wsgi
from waitress.proxy_headers import proxy_headers_middleware

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
PROXY_HEADERS = frozenset({"x-forwarded-for", "x-forwarded-proto"})
SOCKET_TIMEOUT_SECONDS = 30  # a client that sends nothing for this long is dropped


class SiteServer(wsgi.Server):
    """cheroot's WSGI server with the gateway below and a cap on chunked bodies."""

    def __init__(
        self,
        bind: tuple[str, int],
        app: WsgiApp,
        threads: int,
        chunked_max_bytes: int,
    ) -> None:
        super().__init__(bind, app, numthreads=threads, max=threads, timeout=SOCKET_TIMEOUT_SECONDS)
        self.gateway = StreamingGateway
        self.server_name = "Reclaim"
        # No cap of cheroot's own: its refusal is a bare line of text, and every page already
        # refuses, unread, more than it takes, with the site's error page (safety/bodies.py).
        self.max_request_body_size = 0
        self.chunked_max_bytes = chunked_max_bytes


class StreamingGateway(wsgi.Gateway_10):
    """WSGI 1.0 as cheroot does it, never draining an unread body and de-chunking small ones."""

    def respond(self) -> None:
        """Call the site, once a chunked body (if any) has been read within its cap."""
        if self.req.chunked_read and not self._read_chunked():
            return
        super().respond()

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        """Start the answer; close the connection after it if the body was left unread."""
        if getattr(self.req.rfile, "remaining", 0) > 0:
            self.req.close_connection = True  # never read what the site refused: close instead
        return super().start_response(status, headers, exc_info)  # type: ignore[no-any-return]

    def _read_chunked(self) -> bool:
        """Replace a chunked body by its bytes, or answer 413/400 and return False."""
        self.req.close_connection = True  # trailers and leftovers are not worth keeping it for
        cap = self.req.server.chunked_max_bytes
        source = server.ChunkedRFile(self.req.conn.rfile, cap)
        try:
            body = source.read()
        except (errors.MaxSizeExceeded, OSError):
            self.req.simple_response(
                "413 Request Entity Too Large",
                f"Send a Content-Length; a chunked body may have at most {cap} bytes.",
            )
            return False
        except ValueError:
            self.req.simple_response("400 Bad Request", "The chunked body could not be read.")
            return False
        self.env["wsgi.input"] = io.BytesIO(body)
        self.env["CONTENT_LENGTH"] = str(len(body))
        return True


def site_app(app: WsgiApp, trusted_proxy: str) -> WsgiApp:
    """Return ``app`` reading the client's address and scheme from ``trusted_proxy`` alone."""
    return proxy_headers_middleware(  # type: ignore[no-any-return]
        app,
        trusted_proxy=trusted_proxy or None,
        trusted_proxy_count=1,
        trusted_proxy_headers=set(PROXY_HEADERS),
        clear_untrusted=True,
        logger=logging.getLogger("reclaim.server"),
    )


def make_server(
    app: WsgiApp,
    host: str,
    port: int,
    *,
    threads: int,
    trusted_proxy: str,
    chunked_max_bytes: int,
) -> SiteServer:
    """Return the server for ``app`` on ``host``:``port`` (start it with ``safe_start``)."""
    return SiteServer((host, port), site_app(app, trusted_proxy), threads, chunked_max_bytes)


def listen_error(error: OSError) -> str:
    """Return why listening failed, in the system's words ("Address already in use")."""
    if error.strerror:
        return error.strerror
    # cheroot raises OSError("No socket could be created -- ((host, port): [Errno 98] Why)").
    return str(error).rsplit("] ", 1)[-1].rstrip(")") or str(error)
