"""Write a WARC from what the browser received (bodies arrive decoded, so the encoding and
length headers are rewritten to match them)."""

import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from reclaim import __version__

DROPPED = ("content-encoding", "content-length", "transfer-encoding")


def write_warc(
    path: Path, exchanges: list[dict[str, Any]], started: datetime.datetime, browser: str
) -> None:
    """Write each request and response to a gzipped WARC at ``path``."""
    date = started.strftime("%Y-%m-%dT%H:%M:%SZ")
    with path.open("wb") as output:
        writer = WARCWriter(output, gzip=True)
        info = {
            "software": f"Reclaim {__version__} with Chromium {browser}",
            "format": "WARC File Format 1.1",
            "description": "Reconstructed from the browser's view of each response: bodies are "
            "decoded, Content-Encoding dropped, Content-Length recomputed; Cookie, Authorization "
            "and Set-Cookie headers removed.",
        }
        writer.write_record(writer.create_warcinfo_record(path.name, info))
        for exchange in exchanges:
            _write_exchange(writer, exchange, date)


def _write_exchange(writer: WARCWriter, exchange: dict[str, Any], date: str) -> None:
    body = exchange["body"]
    headers = [(k, v) for k, v in exchange["response_headers"] if k.lower() not in DROPPED]
    headers.append(("Content-Length", str(len(body))))
    status = f"{exchange['status']} {exchange['status_text'] or 'OK'}"
    http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
    response = writer.create_warc_record(
        exchange["url"],
        "response",
        payload=BytesIO(body),
        http_headers=http,
        warc_headers_dict={"WARC-Date": date},
    )
    request_line = f"{exchange['method']} {exchange['url']} HTTP/1.1"
    request_http = StatusAndHeaders(request_line, exchange["request_headers"], is_http_request=True)
    request = writer.create_warc_record(
        exchange["url"],
        "request",
        payload=BytesIO(b""),
        http_headers=request_http,
        warc_headers_dict={"WARC-Date": date},
    )
    writer.write_request_response_pair(request, response)
    for record in (request, response):
        record.raw_stream.close()  # warcio buffers digested records in files it leaves open
