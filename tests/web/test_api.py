"""The platform API end to end over HTTP against a running server (pytest-django's live
server, a real WSGI server on loopback): tokens and scopes, the delta feed, matching,
withdrawal at once, feedback counted on the case, problem details; and a schema-based fuzzer."""

import functools
import hashlib
import itertools
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from reclaim.bank import MAX_MATCH_FRAMES, make_signal
from reclaim.hashing import PdqHash
from reclaim.web.access import limits
from reclaim.web.protection import bank, index, pins, tokens
from reclaim.web.protection.models import Platform, ProtectionCase

from . import test_protection

ELIGIBLE = {"isTheSubject": True, "isIntimate": True, "wasAdultWhenTaken": True}
# One client for the module: httpx's module functions make a client, and load the system's
# CA certificates into a new TLS context, for every request (70 ms each, for plain HTTP).
# Without keep-alive, each request is still a connection of its own, as before.
http = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))
# A generated picture's PDQ depends only on its seed: made and hashed once a session.
picture_hash = functools.cache(test_protection.picture_hash)


@pytest.fixture
def api(
    live_server: Any, data_dir: Path, transactional_db: None, quick_pins: None
) -> Iterator[str]:
    index.reset()
    limits.reset()
    yield f"{live_server.url}/api/v1"
    index.reset()


class FeedClock:
    """The feed's clock, moved on by the test rather than waited for."""

    def __init__(self) -> None:
        self.at = datetime(2030, 1, 1, 0, 1, tzinfo=UTC)  # a minute into a batch

    def __call__(self) -> datetime:
        return self.at

    def next_batch(self) -> datetime:
        """Move on to a minute after the next batch closes; return when it closed.

        What was received is made active first, as the worker does within a second.
        """
        bank.activate_received()
        minutes = django_settings.FEED_BATCH_MINUTES
        self.at += timedelta(minutes=minutes)
        return bank.batch_closed_at(self.at, minutes)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FeedClock:
    feed_clock = FeedClock()
    monkeypatch.setattr(bank, "now", feed_clock)  # the live server's thread reads it too
    return feed_clock


@pytest.fixture
def token(api: str) -> str:
    return _token("Example Platform")


def _token(name: str, scopes: str = "bank:read match feedback") -> str:
    from io import StringIO

    out = StringIO()
    call_command("platform", "add", name, "--scopes", scopes, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _near(value: str, bits: int) -> str:
    flipped = PdqHash(value).as_int() ^ ((1 << bits) - 1)
    return PdqHash.from_int(flipped).hex


def test_a_person_protects_and_a_platform_fetches_matches_and_reports(
    api: str, token: str, clock: FeedClock
) -> None:
    value, quality = picture_hash()
    made = http.post(
        f"{api}/cases",
        json={
            "eligibility": ELIGIBLE,
            "signals": [{"signalType": "ImagePDQ", "value": value, "quality": quality}],
        },
    )
    assert made.status_code == 201, made.text
    number, pin = made.json()["caseNumber"], made.json()["pin"]
    clock.next_batch()
    feed = http.get(f"{api}/bank", headers=_auth(token)).json()
    [entry] = feed["entries"]
    assert entry["signalType"] == "ImagePDQ" and entry["status"] == "Active"
    assert entry["value"] == value and feed["hasMore"] is False
    matched = http.post(
        f"{api}/match",
        headers=_auth(token),
        json={"signals": [{"signalType": "ImagePDQ", "value": _near(value, 12)}]},
    ).json()
    assert matched["results"][0]["matches"] == [
        {"entryId": entry["entryId"], "signalType": "ImagePDQ", "distance": 12}
    ]
    status = http.post(f"{api}/cases/status", json={"caseNumber": number, "pin": pin}).json()
    assert status["entries"][0]["platformsMatched"] == 1 and status["entries"][0]["verdicts"] == {}
    told = http.post(
        f"{api}/feedback",
        headers=_auth(token),
        json={"entryId": entry["entryId"], "verdict": "Blocked"},
    )
    assert told.status_code == 200
    status = http.post(f"{api}/cases/status", json={"caseNumber": number, "pin": pin}).json()
    assert status["entries"][0]["platformsMatched"] == 1
    assert status["entries"][0]["verdicts"] == {"Blocked": 1}
    assert "url" not in str(status).lower(), "nothing says where the platform saw it"


def test_a_withdrawn_hash_stops_matching_at_once_and_shows_in_the_next_batch(
    api: str, token: str, clock: FeedClock
) -> None:
    value, quality = picture_hash()
    made = http.post(
        f"{api}/cases",
        json={
            "eligibility": ELIGIBLE,
            "signals": [{"signalType": "ImagePDQ", "value": value, "quality": quality}],
        },
    ).json()
    clock.next_batch()
    first = http.get(f"{api}/bank", headers=_auth(token)).json()
    query = {"signals": [{"signalType": "ImagePDQ", "value": value}]}
    assert http.post(f"{api}/match", headers=_auth(token), json=query).json()["results"][0][
        "matches"
    ]
    gone = http.post(
        f"{api}/cases/withdraw", json={"caseNumber": made["caseNumber"], "pin": made["pin"]}
    )
    assert gone.json()["withdrawn"] == 1
    assert (
        http.post(f"{api}/match", headers=_auth(token), json=query).json()["results"][0]["matches"]
        == []
    )
    since = {"cursor": first["nextCursor"]}
    assert http.get(f"{api}/bank", params=since, headers=_auth(token)).json()["entries"] == []
    assert "value" in http.get(f"{api}/bank", headers=_auth(token)).json()["entries"][0], (
        "until the batch, nothing in the feed changes, the value included"
    )
    clock.next_batch()
    later = http.get(f"{api}/bank", params=since, headers=_auth(token)).json()
    assert [(e["entryId"], e["status"]) for e in later["entries"]] == [
        (first["entries"][0]["entryId"], "Withdrawn")
    ]
    assert "value" not in later["entries"][0]
    replay = http.get(f"{api}/bank", headers=_auth(token)).json()["entries"]
    assert [e["status"] for e in replay] == ["Active", "Withdrawn"]
    assert not any("value" in e for e in replay), "a platform starting now never gets it"


def test_only_a_platform_that_matched_an_entry_may_report_on_it(
    api: str, token: str, clock: FeedClock
) -> None:
    value, quality = picture_hash()
    bank.new_case([make_signal("ImagePDQ", value, quality)])
    clock.next_batch()
    other = _token("Other Platform")
    [entry] = http.get(f"{api}/bank", headers=_auth(other)).json()["entries"]
    verdict = {"entryId": entry["entryId"], "verdict": "Blocked"}
    assert http.post(f"{api}/feedback", headers=_auth(other), json=verdict).status_code == 404
    query = {"signals": [{"signalType": "ImagePDQ", "value": value}]}
    http.post(f"{api}/match", headers=_auth(other), json=query)
    assert http.post(f"{api}/feedback", headers=_auth(other), json=verdict).status_code == 200
    assert http.post(f"{api}/feedback", headers=_auth(token), json=verdict).status_code == 404


def test_the_feed_pages_in_a_stable_order(api: str, token: str, clock: FeedClock) -> None:
    case, _ = bank.new_case([make_signal("VideoMD5", f"{n:032x}") for n in range(7)])
    clock.next_batch()
    seen, cursor = [], 0
    while True:
        page = http.get(
            f"{api}/bank", params={"cursor": cursor, "limit": 3}, headers=_auth(token)
        ).json()
        seen += [(e["cursor"], e["entryId"]) for e in page["entries"]]
        cursor = page["nextCursor"]
        if not page["hasMore"]:
            break
    cursors, ids = [c for c, _ in seen], [i for _, i in seen]
    assert cursors == sorted(cursors) and len(set(ids)) == 7
    assert set(ids) == set(case.entries.values_list("public_id", flat=True))
    assert not any(i.isdigit() for i in ids), "public ids, not the rows' numbers in sequence"


def _new_case(api: str, seeds: range) -> dict[str, Any]:
    pictures = [picture_hash(seed) for seed in seeds]
    signals = [{"signalType": "ImagePDQ", "value": v, "quality": q} for v, q in pictures]
    made = http.post(f"{api}/cases", json={"eligibility": ELIGIBLE, "signals": signals})
    assert made.status_code == 201, made.text
    return made.json() | {"values": [v for v, _ in pictures]}


def _matches(api: str, token: str, value: str) -> list[dict[str, Any]]:
    query = {"signals": [{"signalType": "ImagePDQ", "value": value}]}
    answer = http.post(f"{api}/match", headers=_auth(token), json=query)
    matches: list[dict[str, Any]] = answer.json()["results"][0]["matches"]
    return matches


def _runs(labels: list[str]) -> int:
    """Return how many runs of equal neighbours ``labels`` has (3 cases one after another: 3)."""
    return 1 + sum(a != b for a, b in itertools.pairwise(labels))


def test_cases_made_between_feed_reads_come_out_in_one_shuffled_batch(
    api: str, token: str, clock: FeedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bank, "shuffle", random.Random(13).shuffle)  # an order the test knows
    case_of = {}
    for number in range(3):  # the attack: a read of the feed after each new case
        made = _new_case(api, range(30 + 4 * number, 34 + 4 * number))
        case_of |= {e["entryId"]: made["caseNumber"] for e in made["entries"]}
        bank.activate_received()  # the worker's periodic job
        assert _matches(api, token, made["values"][0]), "this service matches them at once"
        assert http.get(f"{api}/bank", headers=_auth(token)).json()["entries"] == []
    closed = clock.next_batch()
    entries = http.get(f"{api}/bank", headers=_auth(token)).json()["entries"]
    assert sorted(e["entryId"] for e in entries) == sorted(case_of)
    assert {e["status"] for e in entries} == {"Active"}
    assert {e["changedAt"] for e in entries} == {closed.isoformat()}, "one time for the batch"
    assert _runs([case_of[e["entryId"]] for e in entries]) > 3, "not one case after another"


def test_withdrawals_wait_for_the_batch_with_additions_but_stop_matching_at_once(
    api: str, token: str, clock: FeedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bank, "shuffle", random.Random(7).shuffle)
    first = _new_case(api, range(40, 44))
    clock.next_batch()
    cursor = http.get(f"{api}/bank", headers=_auth(token)).json()["nextCursor"]
    access = {"caseNumber": first["caseNumber"], "pin": first["pin"]}
    assert http.post(f"{api}/cases/withdraw", json=access).json()["withdrawn"] == 4
    assert _matches(api, token, first["values"][0]) == [], "a withdrawal counts at once"
    second = _new_case(api, range(44, 48))
    since = {"cursor": cursor}
    assert http.get(f"{api}/bank", params=since, headers=_auth(token)).json()["entries"] == []
    from_start = http.get(f"{api}/bank", headers=_auth(token)).json()["entries"]
    assert all("value" in e for e in from_start), "nothing in the feed changes before the batch"
    closed = clock.next_batch()
    batch = http.get(f"{api}/bank", params=since, headers=_auth(token)).json()["entries"]
    statuses = {e["entryId"]: e["status"] for e in batch}
    assert statuses == {e["entryId"]: "Withdrawn" for e in first["entries"]} | {
        e["entryId"]: "Active" for e in second["entries"]
    }
    assert {e["changedAt"] for e in batch} == {closed.isoformat()}
    assert _runs([e["status"] for e in batch]) > 2, "withdrawals and additions mixed"


def test_a_match_request_over_the_frame_cap_is_refused_with_problem_details(
    api: str, token: str
) -> None:
    value, quality = picture_hash(10)
    lines = [f"{value},{quality},{n}.000" for n in range(MAX_MATCH_FRAMES + 1)]
    half = len(lines) // 2
    signals = [
        {"signalType": "VideoVPDQ", "value": "\n".join(part)}
        for part in (lines[:half], lines[half:])
    ]
    refused = http.post(f"{api}/match", headers=_auth(token), json={"signals": signals})
    assert refused.status_code == 422
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["title"] == "Too many video frames in one request"
    signals[1]["value"] = "\n".join(lines[half:-1])  # exactly the cap
    allowed = http.post(f"{api}/match", headers=_auth(token), json={"signals": signals})
    assert allowed.status_code == 200, allowed.text


def test_video_by_md5_and_by_vpdq(api: str, token: str) -> None:
    frames = [picture_hash(seed) for seed in range(10, 20)]
    vpdq = "\n".join(f"{h},{q},{n}.000" for n, (h, q) in enumerate(frames))
    bank.new_case([make_signal("VideoMD5", "cd" * 16), make_signal("VideoVPDQ", vpdq)])
    bank.activate_received()
    eight = "\n".join(
        [
            *vpdq.splitlines()[:8],
            f"{picture_hash(99)[0]},90,8.000",
            f"{picture_hash(98)[0]},90,9.000",
        ]
    )
    seven = "\n".join(
        vpdq.splitlines()[:7] + [f"{picture_hash(s)[0]},90,{s}.000" for s in (97, 96, 95)]
    )
    query = {
        "signals": [
            {"signalType": "VideoMD5", "value": "CD" * 16},
            {"signalType": "VideoVPDQ", "value": eight},
            {"signalType": "VideoVPDQ", "value": seven},
        ]
    }
    results = http.post(f"{api}/match", headers=_auth(token), json=query).json()["results"]
    assert len(results[0]["matches"]) == 1
    assert results[1]["matches"][0]["matchedFraction"] == 0.8, "80% of the query's frames"
    assert results[2]["matches"] == []


@pytest.mark.parametrize(
    ("call", "status", "title"),
    [
        (lambda api, auth: http.get(f"{api}/bank"), 401, "Authentication needed"),
        (
            lambda api, auth: http.get(f"{api}/bank", headers={"Authorization": "Bearer rcl_nope"}),
            401,
            "Unknown, expired or revoked token",
        ),
        (
            lambda api, auth: http.post(
                f"{api}/match",
                headers=auth,
                content=b"{",
            ),
            415,
            "Send JSON",
        ),
        (
            lambda api, auth: http.post(
                f"{api}/match",
                headers=auth,
                json={"signals": [{"signalType": "ImagePDQ", "value": "xyz"}]},
            ),
            422,
            "A hash was not accepted",
        ),
        (
            lambda api, auth: http.post(f"{api}/match", headers=auth, json={"signals": []}),
            422,
            "Send 'signals': a list of 1 to 500 hashes",
        ),
        (
            lambda api, auth: http.get(f"{api}/bank?cursor=-1", headers=auth),
            422,
            "'cursor' must be a whole number from 0 to 4611686018427387904",
        ),
        (
            lambda api, auth: http.post(
                f"{api}/feedback", headers=auth, json={"entryId": "0" * 24, "verdict": "Blocked"}
            ),
            404,
            "This platform has no match with an active entry of that id",
        ),
        (
            lambda api, auth: http.post(
                f"{api}/feedback", headers=auth, json={"entryId": "G\u0000", "verdict": "Blocked"}
            ),
            422,
            "'entryId' must be the id of a bank entry",
        ),
        (lambda api, auth: http.delete(f"{api}/match", headers=auth), 405, "Method not allowed"),
        (
            lambda api, auth: http.post(
                f"{api}/feedback", headers=auth, json={"entryId": "0" * 24, "verdict": ["Blocked"]}
            ),
            422,
            "'verdict' must be PendingReview, Blocked or NotBlocked",
        ),
        (
            lambda api, auth: http.get(f"{api}/bank?cursor=%C2%B2", headers=auth),
            422,
            "'cursor' must be a whole number from 0 to 4611686018427387904",
        ),
        (
            lambda api, auth: http.post(
                f"{api}/cases",
                json={"eligibility": {**ELIGIBLE, "wasAdultWhenTaken": False}, "signals": []},
            ),
            422,
            "Reclaim can only take hashes of intimate images of you, taken when you were 18 "
            "or over",
        ),
    ],
)
def test_errors_are_problem_details_with_a_clear_title(
    api: str, token: str, call: Any, status: int, title: str
) -> None:
    response = call(api, _auth(token))
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == title


def test_scopes_and_revocation(api: str) -> None:
    reader = _token("Reader Only", "bank:read")
    denied = http.post(
        f"{api}/match",
        headers=_auth(reader),
        json={"signals": [{"signalType": "VideoMD5", "value": "ab" * 16}]},
    )
    assert denied.status_code == 403
    call_command("platform", "revoke", reader[:12])
    assert http.get(f"{api}/bank", headers=_auth(reader)).status_code == 401
    assert Platform.objects.get(name="Reader Only").tokens.get().revoked is not None


def test_case_look_ups_are_held_after_five_misses(api: str) -> None:
    made = http.post(
        f"{api}/cases",
        json={"eligibility": ELIGIBLE, "signals": [{"signalType": "VideoMD5", "value": "ef" * 16}]},
    ).json()
    wrong = {"caseNumber": made["caseNumber"], "pin": "12345678"}
    answers = [http.post(f"{api}/cases/status", json=wrong).status_code for _ in range(5)]
    assert answers == [404] * 5
    right = {"caseNumber": made["caseNumber"], "pin": made["pin"]}
    assert http.post(f"{api}/cases/status", json=right).status_code == 429
    assert ProtectionCase.objects.count() == 1


def test_the_openapi_document_is_valid(api: str) -> None:
    from openapi_spec_validator import validate

    document = http.get(f"{api}/openapi.json").json()
    validate(document)
    assert set(document["paths"]) == {
        "/bank",
        "/match",
        "/feedback",
        "/cases",
        "/cases/status",
        "/cases/add",
        "/cases/withdraw",
    }


# Hostile input and the OpenAPI document (issue 13), through the Django application in this
# process: the database is the one under test (DATABASE_URL=postgres://... runs them on PostgreSQL).

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture
def own_case(data_dir: Path, db: None, quick_pins: None) -> dict[str, str]:
    """A case to open, with a token for the platform endpoints."""
    index.reset()
    limits.reset()
    value, quality = picture_hash()
    made, pin = bank.new_case([make_signal("ImagePDQ", value, quality)])
    return {"caseNumber": bank.format_number(made.number), "pin": pin, "token": _token("P")}


def _post(client: Client, path: str, body: bytes | dict[str, Any], **extra: str) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(f"/api/v1{path}", data, content_type="application/json", **extra)


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/feedback", {"entryId": "\u0000", "verdict": "Blocked"}, 422),
        ("/cases/withdraw", {"entryIds": ["a" * 23 + "\u0000"]}, 422),
        ("/cases/withdraw", {"entryIds": ["0" * 24] * 501}, 422),
        ("/cases/status", {"caseNumber": "A\u0000B"}, 422),
        ("/cases/status", {"caseNumber": "7KQ2M-X9PRT" * 500}, 422),
        ("/cases/status", {"pin": "\ud800"}, 400),
        ("/cases/status", {"pin": "1234567\u0000"}, 422),
        ("/cases/add", {"pin": ["12345678"]}, 422),
        (
            "/match",
            {"signals": [{"signalType": "ImagePDQ", "value": "ab" * 32, "quality": -1}]},
            422,
        ),
        (
            "/match",
            {"signals": [{"signalType": "ImagePDQ", "value": "ab" * 32, "quality": 101}]},
            422,
        ),
        ("/match", {"signals": [{"signalType": "\u0000", "value": "\ud83d"}]}, 400),
        ("/match", b'{"signals": NaN}', 400),
        ("/match", b'{"maxDistance": 1' + b"0" * 5000 + b"}", 400),
        ("/match", DEEP, 400),
        ("/match", b'{"signals": "\xff"}', 400),
        ("/match", b"[]", 400),
    ],
)
def test_hostile_input_gets_a_4xx_problem_never_a_server_error(
    client: Client, own_case: dict[str, str], path: str, body: Any, status: int
) -> None:
    client.raise_request_exception = False  # what a client sees, not the exception
    if isinstance(body, dict) and path.startswith("/cases/"):
        body = {"caseNumber": own_case["caseNumber"], "pin": own_case["pin"], **body}
    response = _post(client, path, body, HTTP_AUTHORIZATION=f"Bearer {own_case['token']}")
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["status"] == status


@pytest.mark.parametrize(
    ("method", "path", "extra", "status"),
    [
        ("get", "/api/v1/nothing-here", {}, 404),
        ("post", "/api/v1/match/", {}, 404),
        ("post", "/api/v1/match", {"CONTENT_LENGTH": "a lot"}, 400),
        ("post", "/api/v1/match", {"CONTENT_TYPE": "text/plain"}, 415),
    ],
)
def test_every_api_error_is_a_problem_not_a_page(
    client: Client, own_case: dict[str, str], method: str, path: str, extra: Any, status: int
) -> None:
    client.raise_request_exception = False
    auth = {"HTTP_AUTHORIZATION": f"Bearer {own_case['token']}"}
    response = getattr(client, method)(path, **auth, **extra)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"


def test_an_unexpected_failure_is_a_problem_too(
    client: Client, own_case: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("a fault in Reclaim, not in the request")

    monkeypatch.setattr(bank, "public_ids", broken)
    client.raise_request_exception = False
    body = {"signals": [{"signalType": "VideoMD5", "value": "ab" * 16}]}
    response = _post(client, "/match", body, HTTP_AUTHORIZATION=f"Bearer {own_case['token']}")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"


def test_a_refused_token_is_answered_with_a_bearer_challenge(
    client: Client, own_case: dict[str, str]
) -> None:
    missing = client.get("/api/v1/bank")
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"] == 'Bearer realm="Reclaim hash bank"', "no error: none sent"
    wrong = client.get("/api/v1/bank", HTTP_AUTHORIZATION="Bearer rcl_nope")
    assert wrong.status_code == 401
    assert 'error="invalid_token"' in wrong["WWW-Authenticate"]
    reader = _token("Reader", "bank:read")
    body = {"signals": [{"signalType": "VideoMD5", "value": "ab" * 16}]}
    denied = _post(client, "/match", body, HTTP_AUTHORIZATION=f"Bearer {reader}")
    assert denied.status_code == 403
    challenge = denied["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="match"' in challenge


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer  "])
def test_the_bearer_scheme_is_read_in_any_case(
    client: Client, own_case: dict[str, str], scheme: str
) -> None:
    response = client.get("/api/v1/bank", HTTP_AUTHORIZATION=f"{scheme} {own_case['token']}")
    assert response.status_code == 200, response.content


def test_case_answers_match_the_openapi_document(
    own_case: dict[str, str], in_process: None
) -> None:
    schema = _in_process_schema()
    access = {"caseNumber": own_case["caseNumber"], "pin": own_case["pin"]}
    more, quality = picture_hash(seed=4)
    added = {
        **access,
        "eligibility": ELIGIBLE,
        "signals": [{"signalType": "ImagePDQ", "value": more, "quality": quality}],
    }
    for path, body in [
        ("/cases/status", access),
        ("/cases/add", added),
        ("/cases/withdraw", {**access, "entryIds": []}),
        ("/cases/withdraw", access),
        ("/cases", {key: added[key] for key in ("eligibility", "signals")}),
    ]:
        operation = schema[path]["POST"]
        response = operation.Case(body=body, media_type="application/json").call()
        assert response.status_code in (200, 201), response.text
        operation.validate_response(response)  # raises if the answer is not as documented
        assert response.json()["caseNumber"].count("-") == 1


def test_the_document_says_what_the_api_checks(client: Client, db: None) -> None:
    from reclaim.web.protection.openapi import CASE_NUMBER_PATTERN

    document = json.loads(client.get("/api/v1/openapi.json").content)
    schemas = document["components"]["schemas"]
    for name in ("CaseAccess", "Withdrawal", "AddToCase"):
        assert {"caseNumber", "pin"} <= set(schemas[name]["required"]), name
        assert schemas[name]["properties"]["caseNumber"]["pattern"] == CASE_NUMBER_PATTERN
    quality = schemas["ImagePDQ"]["properties"]["quality"]
    assert (quality["minimum"], quality["maximum"]) == (0, 100)
    assert schemas["Withdrawal"]["properties"]["entryIds"]["maxItems"] == 500
    refused = document["paths"]["/bank"]["get"]["responses"]["401"]
    assert refused["headers"]["WWW-Authenticate"]["required"] is True


WRITES = ("INSERT", "UPDATE", "DELETE")


def test_matches_with_no_change_read_one_counter_and_never_write(
    client: Client, own_case: dict[str, str], django_assert_max_num_queries: Any
) -> None:
    bank.activate_received()
    [entry] = ProtectionCase.objects.get().entries.all()
    waiting, _ = bank.new_case([make_signal("ImagePDQ", *picture_hash(4))])  # not yet active
    auth = {"HTTP_AUTHORIZATION": f"Bearer {own_case['token']}"}
    nothing_near = {"signals": [{"signalType": "ImagePDQ", "value": _near(entry.value, 128)}]}
    assert _post(client, "/match", nothing_near, **auth).status_code == 200  # builds the index
    for _ in range(5):
        # Two queries: the token, and the bank clock's tick count (one row by its key).
        with django_assert_max_num_queries(2) as captured:
            assert _post(client, "/match", nothing_near, **auth).status_code == 200
        sql = [query["sql"] for query in captured.captured_queries]
        assert not [q for q in sql if q.lstrip().upper().startswith(WRITES)], sql
        assert any("protection_bankclock" in q for q in sql), "the counter is what it reads"
    assert set(waiting.entries.values_list("status", flat=True)) == {"Received"}, (
        "a match activates nothing: that is the worker's job"
    )
    query = {"signals": [{"signalType": "ImagePDQ", "value": entry.value}]}
    assert _post(client, "/match", query, **auth).json()["results"][0]["matches"]
    bank.withdraw(ProtectionCase.objects.get(id=entry.case_id))
    assert _post(client, "/match", query, **auth).json()["results"][0]["matches"] == [], (
        "the clock ticked, so the next match applied the withdrawal"
    )


# The schema-based fuzzer: every operation, valid and invalid requests, every check -----------

FUZZ_TOKEN = "rcl_" + "fuzz" * 10  # the fuzzer's platform token, made in fuzz_case
# Per operation, valid and invalid requests together. Derandomized, so every run sends the same
# requests: 50 a operation (350 in all) still reach every operation with both valid bodies
# (the fuzzer's own case among them) and each kind of invalid one, and cost a quarter of 200.
FUZZ_EXAMPLES = 50
FUZZ_CONFIG = {
    "generation": {"mode": "all", "database": "none"},  # invalid requests must get a 4xx
    "auth": {"openapi": {"token": {"bearer": FUZZ_TOKEN}}},
}
OPERATIONS = [
    "/bank", "/match", "/feedback", "/cases", "/cases/status", "/cases/add", "/cases/withdraw"
]  # fmt: skip


def _hex(length: int) -> st.SearchStrategy[str]:
    return st.binary(min_size=length // 2, max_size=length // 2).map(bytes.hex)


# Hashes drawn whole rather than character by character from their patterns: three times faster.
_FRAME = st.tuples(_hex(64), st.integers(0, 100), st.integers(0, 36_000))
schemathesis.openapi.format("ImagePDQ", _hex(64))
schemathesis.openapi.format("VideoMD5", _hex(32))
schemathesis.openapi.format(
    "VideoVPDQ", st.lists(_FRAME.map("{0[0]},{0[1]},{0[2]}.000".format), min_size=1).map("\n".join)
)


@pytest.fixture
def quick_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    """PINs hashed with Argon2id at its lowest cost: the fuzzer checks hundreds of them, and
    what the API answers does not depend on the cost (tests/web/test_guessing.py checks PINs
    at the real cost: its holds, its pepper and its processes)."""
    from argon2 import PasswordHasher

    quick = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(pins, "_hasher", quick)
    dummy = quick.hash("no such case")
    monkeypatch.setattr(pins, "dummy_hash", lambda: dummy)


@functools.cache
def _in_process_schema() -> Any:
    """The API's schema, served by the Django application in this process (no network), so
    that requests reach the database of the test."""
    from django.core.wsgi import get_wsgi_application
    from schemathesis.config import SchemathesisConfig

    config = SchemathesisConfig.from_dict(FUZZ_CONFIG)
    app = get_wsgi_application()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)


@pytest.fixture
def in_process(db: None) -> Iterator[None]:
    """Requests served by the WSGI application in this process, inside the test's transaction.

    A WSGI handler closes the database connection after each request; Django's test client
    stops it doing so, and so does this (else PostgreSQL's test transaction would end).
    """
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_case(data_dir: Path, in_process: None, quick_pins: None) -> Iterator[dict[str, Any]]:
    """A case the fuzzer may open, and the platform token it uses."""
    index.reset()
    limits.reset()
    value, quality = picture_hash()
    made, pin = bank.new_case([make_signal("ImagePDQ", value, quality)])
    bank.activate_received()
    platform = Platform.objects.create(name="Fuzzer")
    digest = hashlib.sha256(FUZZ_TOKEN.encode()).hexdigest()  # as tokens.issue keeps it
    platform.tokens.create(prefix=FUZZ_TOKEN[:12], digest=digest, scopes=" ".join(tokens.SCOPES))
    assert tokens.find(FUZZ_TOKEN) is not None, "else the fuzzer would only see 401s"
    yield {"caseNumber": bank.format_number(made.number), "pin": pin}
    index.reset()


@pytest.mark.parametrize("path", OPERATIONS)
def test_fuzzing_finds_no_server_error_and_nothing_against_the_schema(
    path: str, fuzz_case: dict[str, Any]
) -> None:
    from schemathesis.generation import GenerationMode

    schema = _in_process_schema()
    [operation] = [r.ok() for r in schema.get_all_operations() if r.ok().path == path]
    modes = [operation.as_strategy(generation_mode=m) for m in GenerationMode]
    calls = []

    @given(case=st.one_of(modes), own_case=st.booleans())
    @settings(
        max_examples=FUZZ_EXAMPLES,
        derandomize=True,  # the same examples on every run, so that CI is deterministic
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        # No health check is suppressed: the derandomized examples trip none, and making them
        # takes well under the 30 s that too_slow allows with deadline=None (measured on two
        # busy cores: 200 examples of the slowest operation, /cases/add, in 17 s).
        suppress_health_check=[],
    )
    def call(case: Any, own_case: bool) -> None:
        limits.reset()  # the fuzzer opens many cases from one address
        valid = case.meta is not None and case.meta.generation.mode.is_positive
        if own_case and valid and isinstance(case.body, dict) and "pin" in case.body:
            # The fuzzer's own case, so that answers with a case are checked against the schema.
            case.body = {**case.body, **fuzz_case}
        case.call_and_validate()
        calls.append(valid)

    call()
    assert len(calls) >= FUZZ_EXAMPLES and any(calls) and not all(calls)


def test_reclaim_protect_from_the_command_line(
    api: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`reclaim protect` as a person runs it: the first two commands in processes of their own
    (the command as installed, without Django: making a case and reading it back), the others
    through the same entry point in this process (a process start costs more than what each
    command checks; main's exit status and what it writes to stderr are the same there)."""
    import subprocess
    import sys

    import numpy as np
    from PIL import Image

    from reclaim.cli import main

    def run(*arguments: str) -> tuple[int, str, str]:
        code = main(["protect", *arguments])
        out, err = capsys.readouterr()
        return code, out, err

    noise = np.random.default_rng(5).integers(0, 255, (48, 48, 3), dtype=np.uint8)
    picture = tmp_path / "generated.png"
    Image.fromarray(noise).resize((256, 256), Image.Resampling.BICUBIC).save(picture)
    (tmp_path / "blank.png").write_bytes(_blank_png())
    service = api.removesuffix("/api/v1")
    command = [sys.executable, "-m", "reclaim.cli", "protect"]
    made = subprocess.run(
        [*command, "new", "--service", service, "--yes", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "These 1 hashes (no images, no file names) go to" in made.stdout
    assert "too little detail" in made.stderr, "the blank picture is left out, with a reason"
    number = made.stdout.split("Case number: ")[1].split()[0]
    pin = made.stdout.split("PIN: ")[1].split()[0]
    (tmp_path / "pin").write_text(pin)
    access = ["--service", service, "--case", number, "--pin-file", str(tmp_path / "pin")]
    status = subprocess.run(
        [*command, "status", *access], capture_output=True, text=True, timeout=60
    )
    assert '"signalType": "ImagePDQ"' in status.stdout and '"status": "Received"' in status.stdout
    bank.activate_received()  # what the worker's job does
    _, out, _ = run("status", *access)
    assert '"status": "Active"' in out
    second = tmp_path / "more"
    second.mkdir()
    more = np.random.default_rng(6).integers(0, 255, (48, 48, 3), dtype=np.uint8)
    Image.fromarray(more).resize((256, 256), Image.Resampling.BICUBIC).save(second / "b.png")
    _, out, err = run("add", *access, "--yes", str(second))
    assert "Added: 1" in out, err
    _, out, _ = run("withdraw", *access)
    assert "Withdrawn: 2" in out
    plain_http = ["--service", "http://example.org", "--case", number, "--pin-file", "x"]
    code, _, err = run("status", *plain_http)
    assert code == 1 and "must start with https://" in err
    case = ProtectionCase.objects.get(number=bank.normalise_number(number))
    assert not any("generated" in e.value for e in case.entries.all()), "no file name was sent"
    code, _, err = run("status", *access[:4], "--pin-file", str(picture))
    assert code == 1  # main returned: an exception would have failed the test here
    assert "holds no PIN" in err and "Traceback" not in err


def _blank_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(out, "PNG")
    return out.getvalue()
