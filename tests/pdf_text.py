"""Read back the text of a PDF that fpdf2 wrote, with where each run of text starts.

Enough of PDF for our reports (no PDF library is installed): Type0 fonts with Identity-H
encoding, ToUnicode maps, Td and Tm positioning, Tf and Tj. Each run's x is computed from the
glyph widths, so the visual order of the runs on a line can be checked.
"""

import re
import zlib
from dataclasses import dataclass
from pathlib import Path

OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
STREAM_START = re.compile(rb"stream\r?\n")
LENGTH = re.compile(rb"/Length (\d+)")
TOKEN = re.compile(rb"\((?:\\.|[^\\)])*\)|/[^\s/\[\]()<>]+|[-\d.]+|[A-Za-z*']+", re.S)
ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


@dataclass(frozen=True)
class Run:
    """One Tj: its text (in the order its glyphs are drawn, left to right), where, and its
    glyphs' numbers in the font (shaped Arabic draws one letter with several glyphs)."""

    x: float
    y: float
    end: float
    text: str
    glyphs: tuple[int, ...] = ()


@dataclass
class _Font:
    unicode: dict[int, str]
    widths: dict[int, float]
    default: float


def _objects(data: bytes) -> dict[int, bytes]:
    return {int(m[1]): m[2] for m in OBJECT.finditer(data)}


def _stream(body: bytes) -> bytes:
    # Sliced by /Length: compressed bytes may end in "\r", which a pattern that allows
    # "\r\n" before "endstream" would take away (1 stream in 256, a flaky test).
    start, length = STREAM_START.search(body), LENGTH.search(body)
    assert start is not None and length is not None
    raw = body[start.end() : start.end() + int(length[1])]
    return zlib.decompress(raw) if b"/FlateDecode" in body.split(b"stream")[0] else raw


def _ref(body: bytes, key: bytes) -> int:
    found = re.search(rb"/" + key + rb" (\d+) 0 R", body)
    assert found is not None, key
    return int(found[1])


def _font(objects: dict[int, bytes], number: int) -> _Font:
    body = objects[number]
    cmap = _stream(objects[_ref(body, b"ToUnicode")]).decode("latin-1")
    unicode = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for cid, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            unicode[int(cid, 16)] = bytes.fromhex(text).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, start in re.findall(r"<(\w+)>\s*<(\w+)>\s*<(\w+)>", block):
            for offset in range(int(high, 16) - int(low, 16) + 1):
                unicode[int(low, 16) + offset] = chr(int(start, 16) + offset)
    descendant = objects[int(re.search(rb"/DescendantFonts \[(\d+) 0 R", body)[1])]  # type: ignore[index]
    default = float(re.search(rb"/DW (\d+)", descendant)[1])  # type: ignore[index]
    widths: dict[int, float] = {}
    array = re.search(rb"/W \[(.*?)\]\s*>>", descendant, re.S)
    tokens = re.findall(rb"\[|\]|\d+(?:\.\d+)?", array[1] if array else b"")
    position = 0
    while position < len(tokens):
        first = int(tokens[position])
        if tokens[position + 1] == b"[":
            position += 2
            while tokens[position] != b"]":
                widths[first] = float(tokens[position])
                first, position = first + 1, position + 1
            position += 1
        else:
            last, width = int(tokens[position + 1]), float(tokens[position + 2])
            widths.update(dict.fromkeys(range(first, last + 1), width))
            position += 3
    return _Font(unicode, widths, default)


def _literal(token: bytes) -> bytes:
    inner, out, position = token[1:-1], bytearray(), 0
    while position < len(inner):
        byte = inner[position : position + 1]
        if byte == b"\\":
            following = inner[position + 1 : position + 2]
            octal = re.match(rb"[0-7]{1,3}", inner[position + 1 : position + 4])
            if octal:
                out.append(int(octal[0], 8))
                position += 1 + len(octal[0])
                continue
            out += ESCAPES.get(following, following)
            position += 2
            continue
        out += byte
        position += 1
    return bytes(out)


def runs(path: Path) -> list[list[Run]]:
    """Return the runs of text on each page, in the order they are drawn."""
    objects = _objects(path.read_bytes())
    pages = []
    for body in objects.values():
        if b"/Type /Page\n" not in body:
            continue
        resources = objects[_ref(body, b"Resources")]
        names = dict(re.findall(rb"/(F\d+) (\d+) 0 R", resources))
        fonts = {name.decode(): _font(objects, int(ref)) for name, ref in names.items()}
        pages.append(_page_runs(_stream(objects[_ref(body, b"Contents")]), fonts))
    return pages


def _page_runs(content: bytes, fonts: dict[str, _Font]) -> list[Run]:
    found, stack, saved = [], [], []
    x = y = size = 0.0
    font: _Font | None = None
    for token in TOKEN.findall(content):
        if token.startswith(b"("):
            stack.append(token)
            continue
        if token == b"q":  # the font is part of the graphics state that q saves and Q restores
            saved.append((font, size))
        elif token == b"Q":
            font, size = saved.pop()
        elif token == b"BT":
            x = y = 0.0
        elif token == b"Td":
            x, y = x + float(stack[-2]), y + float(stack[-1])
        elif token == b"Tm":
            x, y = float(stack[-2]), float(stack[-1])
        elif token == b"Tf":
            font, size = fonts[stack[-2].decode()[1:]], float(stack[-1])
        elif token == b"Tj" and font is not None:
            raw = _literal(stack[-1])
            cids = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
            width = sum(font.widths.get(c, font.default) for c in cids) * size / 1000
            text = "".join(font.unicode.get(c, "\ufffd") for c in cids)
            found.append(Run(x, y, x + width, text, tuple(cids)))
            x += width
        stack = [] if not token[:1].isdigit() and not token.startswith((b"-", b"/")) else stack
        if token[:1].isdigit() or token.startswith((b"-", b"/")):
            stack.append(token)
    return found


def text(path: Path) -> str:
    """Return all the text of the PDF, runs joined in drawing order (for "is it there")."""
    return "".join(run.text for page in runs(path) for run in page)
