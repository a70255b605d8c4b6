"""One request listing many addresses: element-checked per address, and tracked per address."""

import csv
import datetime
import io
from dataclasses import replace
from pathlib import Path

import pytest

from reclaim.notices import (
    BatchAddress,
    BatchFacts,
    BatchMissingElementsError,
    NoticeError,
    RecheckTarget,
    Route,
    Under18RequestError,
    as_check,
    batch_requests,
    compose_batch,
    deadline,
    first_look,
    load_catalogue,
    mark_sent,
    move,
    recheck_many,
    record_check,
    split_batch,
)
from tests.loopback import QuietHandler, loopback_server

CONTENT = Path(__file__).resolve().parents[2] / "content"
CATALOGUE = load_catalogue(CONTENT)
# A trusted-flagger route as a helpline's own file would hold it (made up for the tests).
FLAGGER = Route(
    kind="email",
    purpose="trusted-flagger",
    address="flagger-desk@platform.example",
    who="enrolled",
    enrolled=("example-helpline",),
    batch=True,
    batch_limit=500,
    source="Enrolment letter, 2 March 2026",
)
FORM = Route(kind="form", purpose="trusted-flagger", url="https://platform.example/bulk")


def person(url: str, name: str = "Jo Example", **changes: object) -> BatchAddress:
    address = BatchAddress(
        url=url,
        description=f"A photo of {name} in a post.",
        depicted=name,
        authority=f"written consent from {name}, 20 November 2026",
        consent_statement=True,
        intimate_statement=True,
        reference="RPH-1042",
    )
    return replace(address, **changes)  # type: ignore[arg-type]


def batch(*addresses: BatchAddress, **changes: object) -> BatchFacts:
    facts = BatchFacts(
        addresses=addresses,
        signer="Sam Caseworker",
        organisation="Example Helpline",
        signed_on="2026-11-24",
        email="casework@helpline.example",
        accuracy_statement=True,
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def test_an_email_numbers_each_address_with_its_own_facts() -> None:
    profile = CATALOGUE.profiles.get("uk-online-safety")
    facts = batch(
        person("https://www.reddit.com/r/a/1"),
        person("https://www.reddit.com/r/b/2", "Ash Other", reference="RPH-2077"),
    )
    notice = compose_batch(facts, CATALOGUE.directory.get("reddit"), FLAGGER, profile)
    body = notice.body
    assert notice.is_email and "(2 addresses)" in notice.subject
    assert "1. https://www.reddit.com/r/a/1" in body and "2. https://www.reddit.com/r/b/2" in body
    first, second = body.split("\n1. ")[1].split("\n2. ")
    assert "intimate image of Jo Example" in first and "RPH-1042" in first
    assert "intimate image of Ash Other" in second and "Ash Other" not in first
    assert "acting for Ash Other: written consent from Ash Other" in second
    assert body.count("/Sam Caseworker/, for Example Helpline") == 1  # signed once
    assert body.count("casework@helpline.example") == 1
    assert "in good faith, and it is true" in body  # the whole's statement, once
    assert body.count("in good faith, and it is true") == 1


def test_what_is_the_same_for_every_address_is_said_once() -> None:
    profile = CATALOGUE.profiles.get("uk-online-safety")
    urls = [f"https://www.reddit.com/r/a/{n}" for n in range(3)]
    notice = compose_batch(batch(*map(person, urls)), None, FLAGGER, profile)
    assert notice.body.count("intimate image of Jo Example") == 1
    assert "For every address below:" in notice.body


def test_the_take_it_down_clock_is_named_for_every_address() -> None:
    profile = CATALOGUE.profiles.get("us-take-it-down")
    notice = compose_batch(batch(person("https://x.com/a/1")), None, FLAGGER, profile)
    assert "within 48 hours" in notice.body and "on 24 November 2026" in notice.body


def test_an_address_lacking_an_element_is_named_by_its_number() -> None:
    profile = CATALOGUE.profiles.get("uk-online-safety")
    facts = batch(
        person("https://x.com/a/1"),
        person("https://x.com/a/2", consent_statement=False),
        person("https://x.com/a/3", authority=""),
    )
    with pytest.raises(BatchMissingElementsError) as raised:
        compose_batch(facts, None, FLAGGER, profile)
    by_address = {n: [e.id for e in found] for n, found in raised.value.by_address.items()}
    assert by_address == {2: ["explanation"], 3: ["reporter-declaration"]}
    assert "Addresses lacking something: 2, 3." in str(raised.value)


def test_an_element_of_the_whole_is_checked_once() -> None:
    profile = CATALOGUE.profiles.get("eu-dsa")
    facts = batch(person("https://x.com/a/1"), email="", accuracy_statement=False)
    with pytest.raises(BatchMissingElementsError) as raised:
        compose_batch(facts, None, FLAGGER, profile)
    assert [e.id for e in raised.value.missing] == ["notifier", "accuracy"]
    assert raised.value.by_address == {}


def test_an_empty_batch_is_not_ready() -> None:
    profile = CATALOGUE.profiles.get("general")
    with pytest.raises(BatchMissingElementsError) as raised:
        compose_batch(batch(), None, FLAGGER, profile)
    assert [e.id for e in raised.value.missing] == ["identification"]


def test_anyone_under_18_at_any_address_stops_the_whole_batch() -> None:
    profile = CATALOGUE.profiles.get("general")
    facts = batch(person("https://x.com/a/1"), person("https://x.com/a/2", under_18=True))
    with pytest.raises(Under18RequestError):
        compose_batch(facts, None, FLAGGER, profile)


def test_a_repeated_address_and_a_batch_over_the_routes_limit_are_refused() -> None:
    profile = CATALOGUE.profiles.get("general")
    twice = batch(person("https://x.com/a/1"), person("https://x.com/a/1"))
    with pytest.raises(NoticeError, match="listed twice"):
        compose_batch(twice, None, FLAGGER, profile)
    small = replace(FLAGGER, batch_limit=2)
    three = [person(f"https://x.com/a/{n}") for n in range(3)]
    with pytest.raises(NoticeError, match="at most 2 addresses"):
        compose_batch(batch(*three), None, small, profile)
    parts = split_batch(three, small)
    assert [len(p) for p in parts] == [2, 1]
    for part in parts:
        compose_batch(batch(*part), None, small, profile)


def test_a_form_pack_gives_fields_per_address_and_a_csv_of_addresses() -> None:
    profile = CATALOGUE.profiles.get("uk-online-safety")
    facts = batch(
        person("https://x.com/a/1"), person("https://x.com/a/2", "Ash Other", reference="R-2")
    )
    notice = compose_batch(facts, None, FORM, profile)
    assert not notice.is_email
    assert [label for label, _ in notice.fields] == ["A statement that the report is made in "
        "good faith and is true", "Contact details"]  # fmt: skip
    assert len(notice.address_fields) == 2
    assert ("Enough information to identify the content", "https://x.com/a/2") in (
        notice.address_fields[1]
    )
    rows = list(csv.reader(io.StringIO(notice.csv_text())))
    assert rows[0][:2] == ["Number", "Address"] and rows[0][-1] == "Reference"
    assert [row[1] for row in rows[1:]] == ["https://x.com/a/1", "https://x.com/a/2"]
    assert "Ash Other" in rows[2][2] and rows[2][-1] == "R-2"
    text = notice.plain_text()
    assert "Address 2:" in text and "Use the web form at: https://platform.example/bulk" in text
    assert "<td dir='auto'>https://x.com/a/2</td>" in notice.printable_html()


def test_five_hundred_addresses_compose_into_one_request() -> None:
    profile = CATALOGUE.profiles.get("us-take-it-down")
    facts = batch(*[person(f"https://x.com/a/{n}") for n in range(500)])
    notice = compose_batch(facts, CATALOGUE.directory.get("x"), FLAGGER, profile)
    assert "(500 addresses)" in notice.subject and "\n500. https://x.com/a/499" in notice.body


def test_each_address_of_a_sent_batch_has_its_own_clock_and_status() -> None:
    profile = CATALOGUE.profiles.get("us-take-it-down")
    facts = batch(person("https://x.com/a/1"), person("https://x.com/a/2", "Ash Other"))
    notice = compose_batch(facts, None, FLAGGER, profile)
    drafts = batch_requests(notice, facts, "x", 2, "us", "sam", "batch-7")
    assert [(r.url, r.status, r.batch_id) for r in drafts] == [
        ("https://x.com/a/1", "ready", "batch-7"),
        ("https://x.com/a/2", "ready", "batch-7"),
    ]
    assert drafts[1].facts.depicted == "Ash Other" and drafts[1].facts.acting_for
    sent = mark_sent(drafts, "sam", "2026-11-24T10:00:00+00:00", ticket="T-99")
    due = datetime.datetime(2026, 11, 26, 10, tzinfo=datetime.UTC)
    assert [deadline(r, profile.deadline_hours) for r in sent] == [due, due]
    assert {r.ticket for r in sent} == {"T-99"}
    first = move(sent[0], "refused", "sam", reason="not against our rules")
    assert (first.status, sent[1].status) == ("refused", "submitted")
    assert deadline(first, profile.deadline_hours) != deadline(sent[1], profile.deadline_hours)


def test_a_batchs_addresses_are_re_checked_and_moved_independently() -> None:
    gone = {"/a/1"}

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            if self.path in gone:
                self.answer(404, b"not here", "text/plain")
            else:
                self.answer(200, b"<!doctype html><p>still here</p>", "text/html")

    profile = CATALOGUE.profiles.get("general")
    with loopback_server(Handler) as base:
        facts = batch(person(f"{base}/a/1"), person(f"{base}/a/2"))
        notice = compose_batch(facts, None, FLAGGER, profile)
        requests = mark_sent(
            batch_requests(notice, facts, "", -1, "gb", "sam", "b1"), "sam", "2026-11-24T10:00Z"
        )

        def check_all(current: tuple) -> tuple:  # type: ignore[type-arg]
            targets = [RecheckTarget(r.url, r.page_digest) for r in current]
            results = recheck_many(targets, allow_private=True, timeout_seconds=2.0)
            return tuple(
                record_check(r, as_check(first_look(result, r.page_digest)))
                for r, result in zip(current, results, strict=True)
            )

        requests = check_all(requests)
        assert [(r.status, r.verified) for r in requests] == [
            ("removed", True),
            ("submitted", False),
        ]
        gone.clear()
        gone.add("/a/2")
        requests = check_all(requests)
        assert [r.status for r in requests] == ["reappeared", "removed"]
        assert requests[0].batch_id == requests[1].batch_id == "b1"
