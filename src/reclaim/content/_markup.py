"""The inline markup of content text: ``[words](target)`` links and ``**words**`` emphasis."""

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from reclaim.errors import ReclaimError

INTERNAL_KINDS = ("guide", "plan", "walkthrough", "exercise", "helplines")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_COUNTRY = re.compile(r"[a-z]{2}")
_TOKEN = re.compile(r"\[(?P<words>[^\[\]]+)\]\((?P<target>[^()\s]+)\)|\*\*(?P<strong>[^*]+)\*\*")
_TEL = re.compile(r"tel:(\+[1-9][0-9]{6,14}|[0-9]{3,6})")
_MAILTO = re.compile(r"mailto:[^@\s]+@[^@\s]+\.[a-z]{2,}")
_HTTPS = re.compile(r"https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?:[/?#][^\s]*)?")


class MarkupError(ReclaimError):
    """Text uses a link target that is not one of the allowed forms."""


@dataclass(frozen=True)
class LinkTarget:
    """Where a link goes: ``kind`` is url, tel, mailto or an internal page kind."""

    kind: str
    value: str

    @property
    def internal(self) -> bool:
        """Return True for a page of this site (guide, plan, helplines...)."""
        return self.kind in INTERNAL_KINDS


@dataclass(frozen=True)
class Span:
    """A piece of text: plain, strong, or a link (then ``target`` is set)."""

    text: str
    strong: bool = False
    target: LinkTarget | None = None


def parse_target(raw: str) -> LinkTarget:
    """Return the target a link names; raise MarkupError for any other form."""
    if _HTTPS.fullmatch(raw):
        return LinkTarget("url", raw)
    if raw.startswith("tel:") and _TEL.fullmatch(raw):
        return LinkTarget("tel", raw)
    if raw.startswith("mailto:") and _MAILTO.fullmatch(raw):
        return LinkTarget("mailto", raw)
    kind, colon, value = raw.partition(":")
    if colon and kind == "helplines":
        if value == "" or _COUNTRY.fullmatch(value):
            return LinkTarget(kind, value)
    elif colon and kind in INTERNAL_KINDS and _SLUG.fullmatch(value):
        return LinkTarget(kind, value)
    raise MarkupError(f"link target {raw!r} is not https://, tel:+, mailto: or an internal page")


def parse(text: str) -> tuple[Span, ...]:
    """Return the text split into plain, strong and link spans."""
    spans: list[Span] = []
    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() > position:
            spans.append(Span(text[position : match.start()]))
        if match["strong"] is not None:
            spans.append(Span(match["strong"], strong=True))
        else:
            spans.append(Span(match["words"], target=parse_target(match["target"])))
        position = match.end()
    if position < len(text):
        spans.append(Span(text[position:]))
    return tuple(spans)


def link_targets(text: str) -> Iterator[LinkTarget]:
    """Yield the target of every link in the text, in order."""
    for span in parse(text):
        if span.target is not None:
            yield span.target


def to_html(text: str, resolve: Callable[[LinkTarget], str]) -> str:
    """Return the text as escaped HTML; ``resolve`` gives the address of internal targets."""
    parts: list[str] = []
    for span in parse(text):
        words = html.escape(span.text)
        if span.target is None:
            parts.append(f"<strong>{words}</strong>" if span.strong else words)
        elif span.target.internal:
            parts.append(f'<a href="{html.escape(resolve(span.target))}">{words}</a>')
        else:
            # External pages learn nothing about where the reader came from.
            href = html.escape(span.target.value)
            # A phone number keeps its digit groups in order on right-to-left pages too.
            ltr = ' dir="ltr"' if span.target.kind == "tel" else ""
            parts.append(f'<a href="{href}" rel="noreferrer noopener"{ltr}>{words}</a>')
    return "".join(parts)
