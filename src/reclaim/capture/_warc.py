"""Write the WARC of a capture from what the recording proxy carried, record by record.

Each record is written here rather than through warcio's writer, because warcio re-parses and
re-writes HTTP headers: here the block of a request or response record is the bytes exactly as
sent or received (the response body with its Content-Encoding and chunked framing as carried,
which WARC readers such as warcio and pywb undo on reading). Each record is its own gzip member.
"""

import base64
import datetime
import gzip
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any, BinaryIO

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from reclaim import __version__
from reclaim.capture._gate import Resolution
from reclaim.capture._proxy import Exchange, Problem, Recording, TlsSession

WARC_VERSION = b"WARC/1.1"
DESCRIPTION = (
    "Recorded by a forward proxy inside the capture process that Chromium was made to use for "
    "every request. Each request and response record holds the bytes exactly as the proxy sent "
    "them to the site and received them back over HTTP/1.1 (response bodies are not decoded; "
    "chunked framing is kept; the request head is Chromium's with the request target in origin "
    "form and Proxy-Connection removed). WARC-Date is when each request was sent; WARC-IP-Address "
    "is the address connected to. Each name was resolved once: metadata records dns:NAME hold "
    "every address returned and the one used. Each TLS session has a resource record "
    "urn:reclaim:tls:... holding the certificate chain the proxy verified (PEM). Requests "
    "the proxy refused or that failed have metadata records and never a response record. "
    "One change: the values of Cookie, Set-Cookie, Authorization and Proxy-Authorization "
    "headers are replaced by '[removed by Reclaim]' (the header names stay), so that no session "
    "secret travels in an evidence pack; every other byte is as carried."
)
# Session secrets: a pack may reach the defence, so their values never go into it.
SCRUBBED_HEADERS = (b"cookie", b"set-cookie", b"authorization", b"proxy-authorization")
REMOVED = b"[removed by Reclaim]"


def write_warc(path: Path, recording: Recording, answers: list[Resolution], browser: str) -> None:
    """Write the capture's WARC (gzipped, one member per record) to ``path``."""
    with path.open("wb") as output:
        info = {"software": f"Reclaim {__version__} with Chromium {browser}", "format":
                "WARC File Format 1.1", "description": DESCRIPTION}  # fmt: skip
        fields = "".join(f"{key}: {value}\r\n" for key, value in info.items()).encode()
        _write(output, "warcinfo", None, _utc_now(), fields, "application/warc-fields",
               {"WARC-Filename": path.name})  # fmt: skip
        for answer in answers:
            _write_dns(output, answer)
        for session in recording.sessions:
            _write_tls(output, session)
        for exchange in sorted(recording.exchanges, key=lambda done: done.sent_utc):
            _write_exchange(output, exchange)
        for problem in recording.problems:
            _write_problem(output, problem)


def _write_exchange(output: BinaryIO, exchange: Exchange) -> None:
    response = scrub_head(exchange.response_head.raw) + exchange.response_body.raw
    extra = {"WARC-IP-Address": exchange.address}
    response_id = _write(
        output, "response", exchange.url, exchange.sent_utc, response,
        "application/http; msgtype=response",
        extra | {"WARC-Payload-Digest": _digest(exchange.response_body.payload)},
    )  # fmt: skip
    request_extra = extra | {"WARC-Concurrent-To": response_id}
    kind = "application/http; msgtype=request"
    request = scrub_head(exchange.request)
    _write(output, "request", exchange.url, exchange.sent_utc, request, kind, request_extra)


def scrub_head(message: bytes) -> bytes:
    """Return an HTTP message with the values of session-secret headers replaced (body kept)."""
    head, blank, body = message.partition(b"\r\n\r\n")
    start, *fields = head.split(b"\r\n")
    return b"\r\n".join([start, *map(_scrub_field, fields)]) + blank + body


def _scrub_field(field: bytes) -> bytes:
    name, colon, _ = field.partition(b":")
    if colon and name.strip().lower() in SCRUBBED_HEADERS:
        return name + b": " + REMOVED
    return field


def _write_dns(output: BinaryIO, answer: Resolution) -> None:
    content = {"host": answer.host, "addresses": list(answer.addresses), "used": answer.used}
    block = json.dumps(content, indent=2).encode() + b"\n"
    _write(output, "metadata", f"dns:{answer.host}", answer.resolved_utc, block, "application/json")


def _write_tls(output: BinaryIO, session: TlsSession) -> None:
    pem = b"".join(
        x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM) for der in session.chain
    )
    uri = f"urn:reclaim:tls:{session.host}:{session.port}:{session.number}"
    extra = {
        "WARC-IP-Address": session.address,
        "Reclaim-TLS-Version": session.version,
        "Reclaim-TLS-Cipher": session.cipher,
        "Reclaim-TLS-Chain": session.chain_note,
    }
    _write(output, "resource", uri, session.established_utc, pem,
           "application/pem-certificate-chain", extra)  # fmt: skip


def _write_problem(output: BinaryIO, problem: Problem) -> None:
    block = json.dumps({"not_fetched": problem.url, "reason": problem.reason}).encode() + b"\n"
    _write(output, "metadata", problem.url, problem.at_utc, block, "application/json")


def _write(
    output: BinaryIO,
    kind: str,
    uri: str | None,
    date: str,
    block: bytes,
    content_type: str,
    extra: dict[str, Any] | None = None,
) -> str:
    """Write one record; return its WARC-Record-ID."""
    record_id = f"<urn:uuid:{uuid.uuid4()}>"
    fields = [("WARC-Type", kind), ("WARC-Record-ID", record_id), ("WARC-Date", date)]
    fields += [("WARC-Target-URI", uri)] if uri is not None else []
    fields += [(name, str(value)) for name, value in (extra or {}).items()]
    fields += [("Content-Type", content_type), ("WARC-Block-Digest", _digest(block))]
    fields += [("Content-Length", str(len(block)))]
    head = WARC_VERSION + b"\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields).encode("utf-8")
    output.write(gzip.compress(head + b"\r\n" + block + b"\r\n\r\n"))
    return record_id


def _digest(data: bytes) -> str:
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode("ascii")


def _utc_now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
