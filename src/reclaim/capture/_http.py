"""Reading HTTP/1.x messages off a connection byte for byte, keeping every byte as it came:
the head as sent, and the body with its transfer framing (chunk sizes, trailers) intact."""

from dataclasses import dataclass
from typing import BinaryIO

from reclaim.capture._errors import CaptureError

MAX_HEAD_BYTES = 256 * 1024
MAX_BODY_BYTES = 512 * 1024 * 1024  # a long video; more than this is not one page's evidence


class HttpFramingError(CaptureError):
    """A peer sent something that is not HTTP/1.x, or more than Reclaim reads."""


@dataclass(frozen=True)
class Head:
    """A request or status line and its header fields, with the bytes they came as."""

    raw: bytes
    start: str
    fields: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str:
        """Return the field ``name`` (the values joined with ", " when repeated), or ""."""
        values = [value for key, value in self.fields if key.lower() == name.lower()]
        return ", ".join(values)

    def tokens(self, name: str) -> set[str]:
        """Return the comma-separated tokens of a field, lower-cased ("chunked", "close")."""
        return {token.strip().lower() for token in self.get(name).split(",") if token.strip()}


@dataclass(frozen=True)
class Body:
    """A message body as carried (``raw``) and without its chunked framing (``payload``)."""

    raw: bytes
    payload: bytes
    until_close: bool = False  # no length was given: the body ended when the peer closed


def read_head(stream: BinaryIO) -> Head | None:
    """Return the next message head, or None when the peer closed before sending one."""
    lines: list[bytes] = []
    while True:
        line = stream.readline(MAX_HEAD_BYTES + 1)
        if not line:
            if lines:
                raise HttpFramingError("the connection closed in the middle of a message head")
            return None
        if not lines and line in (b"\r\n", b"\n"):
            continue  # a stray empty line between messages is allowed (RFC 9112 2.2)
        lines.append(line)
        if sum(map(len, lines)) > MAX_HEAD_BYTES:
            raise HttpFramingError("a message head was too long")
        if line in (b"\r\n", b"\n"):
            return _parse(b"".join(lines))


def read_body(stream: BinaryIO, head: Head, has_body: bool) -> Body:
    """Return the body that follows ``head`` (nothing when ``has_body`` is false)."""
    if not has_body:
        return Body(b"", b"")
    if "chunked" in head.tokens("Transfer-Encoding"):
        return _read_chunked(stream)
    length = head.get("Content-Length")
    if length:
        size = _length(length)
        data = _read_exactly(stream, size)
        return Body(data, data)
    if head.start.startswith("HTTP/"):  # a response without a length runs until the close
        data = stream.read(MAX_BODY_BYTES + 1)
        if len(data) > MAX_BODY_BYTES:
            raise HttpFramingError("a response was larger than Reclaim records")
        return Body(data, data, until_close=True)
    return Body(b"", b"")  # a request without a length has no body


def _parse(raw: bytes) -> Head:
    text = raw.decode("latin-1")
    start, *lines = [line.rstrip("\r") for line in text.split("\n") if line.rstrip("\r")]
    fields = []
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise HttpFramingError("a header field was not 'name: value'")
        fields.append((name, value.strip()))
    return Head(raw, start, tuple(fields))


def _read_chunked(stream: BinaryIO) -> Body:
    raw, payload = bytearray(), bytearray()
    while True:
        line = stream.readline(1024)
        raw += line
        try:
            size = int(line.split(b";")[0].strip(), 16)
        except ValueError:
            raise HttpFramingError("a chunk size was not a number") from None
        if size == 0:
            break
        if len(payload) + size > MAX_BODY_BYTES:
            raise HttpFramingError("a response was larger than Reclaim records")
        data = _read_exactly(stream, size)
        raw += data + _read_exactly(stream, 2)
        payload += data
    while (trailer := stream.readline(MAX_HEAD_BYTES)) not in (b"\r\n", b"\n", b""):
        raw += trailer
    return Body(bytes(raw + trailer), bytes(payload))


def _length(text: str) -> int:
    values = {value.strip() for value in text.split(",")}
    if len(values) != 1 or not next(iter(values)).isdigit():
        raise HttpFramingError("a Content-Length was not one number")
    size = int(next(iter(values)))
    if size > MAX_BODY_BYTES:
        raise HttpFramingError("a response was larger than Reclaim records")
    return size


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise HttpFramingError("the connection closed in the middle of a body")
    return data
