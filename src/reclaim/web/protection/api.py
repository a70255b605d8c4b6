"""The platform API, /api/v1/: fetch the bank, match, send feedback; and a person's own case.

JSON in and out; errors as application/problem+json (RFC 9457) with a plain title and a 4xx
status: every input is checked for its form here, before it reaches the database or a parser.
Platforms authenticate with a bearer token (tokens.py, RFC 6750) scoped to what it may do. The
case endpoints (for `reclaim protect`) take the case number and PIN in the body, never in the
address.
"""

import functools
import json
import re
from collections.abc import Callable
from typing import Any, TypeGuard

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from reclaim.bank import (
    MAX_MATCH_FRAMES,
    MAX_SIGNALS,
    Hit,
    Signal,
    SignalError,
    SignalType,
    make_signal,
)
from reclaim.content import under_18_listing
from reclaim.web.access import limits
from reclaim.web.protection import bank, index, tokens
from reclaim.web.protection.models import ACTIVE, VERDICTS, FeedChange, ProtectionCase
from reclaim.web.protection.openapi import ENTRY_ID_PATTERN, MAX_ACCESS_CHARS, PIN_PATTERN, document
from reclaim.web.safety.bodies import accepts_body

MAX_BODY_BYTES = 4 * 1024 * 1024
ENTRY_ID = re.compile(ENTRY_ID_PATTERN)
PIN = re.compile(PIN_PATTERN)
CASE_NUMBER = re.compile(f"[{bank.NUMBER_ALPHABET}]{{{bank.NUMBER_LENGTH}}}")  # as stored
REALM = 'realm="Reclaim hash bank"'
PAGE_DEFAULT, PAGE_MAX = 1000, 10_000
CASES_PER_HOUR = 20  # new cases from one client
LOOKUPS_PER_HOUR = 60  # case look-ups from one client (each number also locks after 5 misses)
View = Callable[..., HttpResponse]


class Problem(Exception):
    """An API error: its HTTP status, a short title, and what to do about it."""

    def __init__(
        self, status: int, title: str, detail: str = "", headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(title)
        self.status, self.title, self.detail = status, title, detail
        self.headers = headers or {}

    def response(self) -> HttpResponse:
        body = {"type": "about:blank", "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        response = HttpResponse(
            json.dumps(body), status=self.status, content_type="application/problem+json"
        )
        for name, value in self.headers.items():
            response[name] = value
        return response


def endpoint(methods: tuple[str, ...], scope: str | None = None) -> Callable[[View], View]:
    """Wrap an API view: method check, token and scope, JSON errors, no caching."""

    def decorate(view: View) -> View:
        @accepts_body(MAX_BODY_BYTES)  # larger bodies are refused unread (safety/bodies.py)
        @csrf_exempt  # no cookies here: a token or a PIN in the body authenticates each call
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise Problem(405, "Method not allowed", f"Use {' or '.join(methods)}.")
                platform_id = _platform(request, scope) if scope else None
                response = view(request, platform_id, *args, **kwargs)
            except Problem as problem:
                response = problem.response()
                if problem.status == 405:
                    response["Allow"] = ", ".join(methods)
            response["Cache-Control"] = "no-store"
            return response

        return wrapper

    return decorate


def _platform(request: HttpRequest, scope: str) -> int:
    token = _bearer_token(request.headers.get("Authorization", ""))
    if not token:
        raise Problem(
            401,
            "Authentication needed",
            "Send 'Authorization: Bearer <token>'.",
            {"WWW-Authenticate": f"Bearer {REALM}"},  # no error code: none was sent (RFC 6750)
        )
    found = tokens.find(token)
    if found is None:
        raise Problem(401, "Unknown, expired or revoked token", headers=_challenge("invalid_token"))
    if scope not in found.scopes.split():
        raise Problem(
            403,
            "This token may not do that",
            f"It lacks the scope {scope}.",
            _challenge("insufficient_scope", f'scope="{scope}"'),
        )
    return found.platform_id


def _bearer_token(header: str) -> str:
    """Return the token of an 'Authorization: Bearer' header, or "" (the scheme in any case)."""
    scheme, _, credentials = header.strip().partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def _challenge(error: str, *more: str) -> dict[str, str]:
    return {"WWW-Authenticate": ", ".join([f"Bearer {REALM}", f'error="{error}"', *more])}


def _json(request: HttpRequest) -> dict[str, Any]:
    length = str(request.META.get("CONTENT_LENGTH") or "0")
    if not (length.isascii() and length.isdigit()):
        raise Problem(400, "The Content-Length header is not a number")
    if int(length) > MAX_BODY_BYTES:
        raise Problem(413, "Request too large", f"Send at most {MAX_BODY_BYTES} bytes.")
    if request.content_type != "application/json":
        raise Problem(415, "Send JSON", "Use Content-Type: application/json.")
    try:
        text = request.body.decode()
    except RequestDataTooBig:
        raise Problem(413, "Request too large", f"Send at most {MAX_BODY_BYTES} bytes.") from None
    except UnicodeDecodeError:
        raise Problem(400, "The body is not valid JSON", "Send UTF-8 JSON.") from None
    try:
        # NaN and Infinity are not JSON (RFC 8259). A body nested too deep or a number too
        # long to read is refused like any other unreadable body.
        body = json.loads(text or "null", parse_constant=_not_json)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        raise Problem(400, "The body is not valid JSON", "Send UTF-8 JSON.") from None
    if not isinstance(body, dict):
        raise Problem(400, "The body must be a JSON object")
    if not _text_is_unicode(body):
        raise Problem(400, "The body is not valid JSON", "It holds an unpaired surrogate.")
    return body


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def _text_is_unicode(body: dict[str, Any]) -> bool:
    """Return False if any key or string in ``body`` holds a lone surrogate (escaped "\\ud800").

    Such text can be neither stored nor hashed as UTF-8. Walked without recursion: the parser
    already bounded the depth, but a walk should not depend on it.
    """
    pending: list[Any] = [body]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending += [*value.keys(), *value.values()]
        elif isinstance(value, list):
            pending += value
        elif isinstance(value, str) and not value.isascii():
            try:
                value.encode()
            except UnicodeEncodeError:
                return False
    return True


def _signals(body: dict[str, Any], quality_checked: bool) -> list[Signal]:
    items = body.get("signals")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_SIGNALS:
        raise Problem(422, "Send 'signals': a list of 1 to 500 hashes")
    signals = []
    for position, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            raise Problem(422, "Each signal needs 'signalType' and 'value'", f"signals[{position}]")
        quality = _integer(item.get("quality"))
        if "quality" in item and (quality is None or not 0 <= quality <= 100):
            raise Problem(
                422, "'quality' must be a whole number from 0 to 100", f"signals[{position}]"
            )
        try:
            signals.append(
                _make(str(item.get("signalType")), item["value"], quality, quality_checked)
            )
        except SignalError as error:
            raise Problem(422, "A hash was not accepted", f"signals[{position}]: {error}") from None
    return signals


def _make(signal_type: str, value: str, quality: int | None, quality_checked: bool) -> Signal:
    if signal_type == SignalType.IMAGE_PDQ and not quality_checked:
        # A platform matching an upload may send any quality: the bank's side was checked.
        return make_signal(signal_type, value, 100 if quality is None else max(quality, 50))
    return make_signal(signal_type, value, quality)


# The platform endpoints -------------------------------------------------------------------


@endpoint(("GET",))
def openapi(request: HttpRequest, _: None) -> HttpResponse:
    """The OpenAPI 3.1 document of this API."""
    return JsonResponse(document(request.build_absolute_uri("/api/v1")))


@endpoint(("GET",), scope="bank:read")
def bank_feed(request: HttpRequest, platform_id: int) -> HttpResponse:
    """The bank's published changes since a cursor, oldest first, a page at a time."""
    cursor = _whole(request.GET.get("cursor", "0"), "cursor", 0, 2**62)
    limit = _whole(request.GET.get("limit", str(PAGE_DEFAULT)), "limit", 1, PAGE_MAX)
    page, more = bank.feed_page(cursor, limit)
    return JsonResponse(
        {
            "entries": [_feed_row(c) for c in page],
            "nextCursor": page[-1].cursor if page else cursor,
            "hasMore": more,
        }
    )


def _feed_row(change: FeedChange) -> dict[str, Any]:
    entry = change.entry
    row: dict[str, Any] = {
        "cursor": change.cursor,
        "entryId": entry.public_id,
        "signalType": entry.signal_type,
        "status": change.status,
        "changedAt": change.changed_at.isoformat(),
    }
    # A hash withdrawn since is not handed out again, not even in its older Active row; that
    # too waits for the batch, or the values vanishing together would show one case's hashes.
    if change.status == ACTIVE and entry.feed_status == ACTIVE:
        row["value"] = entry.value
        if entry.quality is not None:
            row["quality"] = entry.quality
    return row


@endpoint(("POST",), scope="match")
def match(request: HttpRequest, platform_id: int) -> HttpResponse:
    """Match one or more hashes against the active bank."""
    body = _json(request)
    radius = _integer(body.get("maxDistance", settings.MATCH_DISTANCE_BITS))
    if radius is None or not 0 <= radius <= 31:
        raise Problem(422, "'maxDistance' must be a whole number from 0 to 31")
    radius = min(radius, settings.MATCH_DISTANCE_BITS)
    signals = _signals(body, quality_checked=False)
    _check_frames(signals)
    bank_index = index.current()
    results = []
    found = [bank_index.match(signal, radius) for signal in signals]
    matched = [hit.entry_id for hits in found for hit in hits]
    public = bank.public_ids(matched)
    for position, hits in enumerate(found):
        rows = [_hit(h, public[h.entry_id]) for h in hits if h.entry_id in public]
        results.append({"index": position, "matches": rows})
    bank.record_matches(public, platform_id)
    return JsonResponse({"results": results})


def _check_frames(signals: list[Signal]) -> None:
    """Refuse a request whose videos hold more vPDQ frames in all than one query may match."""
    frames = sum(signal.frame_count() for signal in signals)
    if frames > MAX_MATCH_FRAMES:
        raise Problem(
            422,
            "Too many video frames in one request",
            f"Send at most {MAX_MATCH_FRAMES} vPDQ frames a request (this one has {frames}); "
            "send a longer video in parts.",
        )


def _hit(hit: Hit, public_id: str) -> dict[str, Any]:
    row: dict[str, Any] = {"entryId": public_id, "signalType": hit.signal_type}
    if hit.fraction is None:
        row["distance"] = hit.distance
    else:  # a video by vPDQ: the share of the query's good frames that matched
        row["matchedFraction"] = round(hit.fraction, 3)
    return row


@endpoint(("POST",), scope="feedback")
def feedback(request: HttpRequest, platform_id: int) -> HttpResponse:
    """Say what the platform did about a matched entry: PendingReview, Blocked, NotBlocked."""
    body = _json(request)
    entry_id, verdict = body.get("entryId"), body.get("verdict")
    if not _is_entry_id(entry_id):
        raise Problem(422, "'entryId' must be the id of a bank entry")
    if not isinstance(verdict, str) or verdict not in dict(VERDICTS):
        raise Problem(422, "'verdict' must be PendingReview, Blocked or NotBlocked")
    if not bank.record_feedback(entry_id, platform_id, verdict):
        raise Problem(404, "This platform has no match with an active entry of that id")
    return JsonResponse({"entryId": entry_id, "verdict": verdict})


def _is_entry_id(value: object) -> TypeGuard[str]:
    """Return whether ``value`` has the form of a public entry id (models.new_public_id)."""
    return isinstance(value, str) and ENTRY_ID.fullmatch(value) is not None


def _integer(value: object) -> int | None:
    """Return a JSON whole number (JSON Schema counts 60.0 as one), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**62:
        return int(value)
    return None


def _whole(text: str, name: str, low: int, high: int) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 19) or not low <= int(text) <= high:
        raise Problem(422, f"'{name}' must be a whole number from {low} to {high}")
    return int(text)


# A person's own case (for `reclaim protect`) ------------------------------------------------


@endpoint(("POST",))
def cases(request: HttpRequest, _: None) -> HttpResponse:
    """Open a protection case with hashes made on the person's device; return number and PIN."""
    if not limits.allow(request, "new-case", CASES_PER_HOUR):
        raise Problem(429, "Too many new cases from here", "Please try again in an hour.")
    body = _json(request)
    _check_eligible(body.get("eligibility"))
    case, pin = bank.new_case(_signals(body, quality_checked=True))
    return JsonResponse({"pin": pin, **_case_body(case)}, status=201)


def _check_eligible(answers: object) -> None:
    needed = ("isTheSubject", "isIntimate", "wasAdultWhenTaken")
    if not isinstance(answers, dict) or any(answers.get(k) is not True for k in needed):
        raise Problem(
            422,
            "Reclaim can only take hashes of intimate images of you, taken when you were 18 "
            "or over",
            "If you were under 18 in the image, these services can help: "
            f"{under_18_listing(settings.CONTENT_DIR)}. Confirm with 'eligibility': "
            "isTheSubject, isIntimate and wasAdultWhenTaken, each true.",
        )


@endpoint(("POST",))
def case_status(request: HttpRequest, _: None) -> HttpResponse:
    """A case's hashes and what platforms reported, for its number and PIN."""
    case = _open(request, _json(request))
    return JsonResponse(_case_body(case))


@endpoint(("POST",))
def case_withdraw(request: HttpRequest, _: None) -> HttpResponse:
    """Withdraw some or all of a case's hashes, at once."""
    body = _json(request)
    case = _open(request, body)
    ids = body.get("entryIds")
    if ids is not None and not _are_entry_ids(ids):
        raise Problem(
            422, f"'entryIds' must be a list of up to {MAX_SIGNALS} entry ids (or left out for all)"
        )
    withdrawn = bank.withdraw(case, public_ids=ids)
    return JsonResponse({"withdrawn": withdrawn, **_case_body(case)})


def _are_entry_ids(ids: object) -> bool:
    return isinstance(ids, list) and len(ids) <= MAX_SIGNALS and all(map(_is_entry_id, ids))


@endpoint(("POST",))
def case_add(request: HttpRequest, _: None) -> HttpResponse:
    """Add hashes (made on the person's device) to a case."""
    body = _json(request)
    case = _open(request, body)
    _check_eligible(body.get("eligibility"))
    added = bank.add_signals(case, _signals(body, quality_checked=True))
    return JsonResponse({"added": added, **_case_body(case)})


def _open(request: HttpRequest, body: dict[str, Any]) -> ProtectionCase:
    if not limits.allow(request, "case-lookup", LOOKUPS_PER_HOUR):
        raise Problem(429, "Too many tries from here", "Please try again in an hour.")
    number, pin = _case_number(body.get("caseNumber")), body.get("pin")
    if not isinstance(pin, str) or not PIN.fullmatch(pin.strip()):
        raise Problem(422, "'pin' must be the case's 8-digit PIN")
    try:
        return bank.open_case(number, pin)
    except bank.CaseAccessError as error:
        if error.reason == "held":
            raise Problem(
                429, "Too many tries for this case", f"Try again in {error.minutes} minutes."
            ) from None
        raise Problem(404, "That case number and PIN do not match") from None


def _case_number(value: object) -> str:
    """Return a case number in the form people write it (any case, with spaces or a dash)."""
    if not (isinstance(value, str) and value.isascii() and len(value) <= MAX_ACCESS_CHARS):
        value = ""
    if not CASE_NUMBER.fullmatch(bank.normalise_number(value)):
        raise Problem(422, "'caseNumber' must be a case number, like 7KQ2M-X9PRT")
    return value


def _case_body(case: ProtectionCase) -> dict[str, Any]:
    return {
        "caseNumber": bank.format_number(case.number),
        "entries": [
            {
                "entryId": e.public_id,
                "signalType": e.signal_type,
                "status": e.status,
                "platformsMatched": e.matched,
                "verdicts": e.verdicts,
            }
            for e in bank.entries_of(case)
        ],
    }
