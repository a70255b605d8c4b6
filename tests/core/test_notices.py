"""Removal requests: the directory and profiles, composing, the status model, the store."""

import dataclasses
import datetime
import re
from pathlib import Path

import pytest

from reclaim.content import ContentError
from reclaim.locker import Locker
from reclaim.notices import (
    FACTS,
    MOVES,
    STATUSES,
    Check,
    DuplicateRequestError,
    LockerRequestStore,
    MemoryRequestStore,
    MissingElementsError,
    RequestFacts,
    TrackingError,
    Under18RequestError,
    add,
    compose,
    deadline,
    get,
    is_overdue,
    load_catalogue,
    missing_elements,
    move,
    new_request,
    next_steps,
    record_check,
    revise,
)
from reclaim.notices._tracking import ENDED

from ..lockers import SHARED_PASSPHRASE, copy_locker

CONTENT = Path(__file__).resolve().parents[2] / "content"
CATALOGUE = load_catalogue(CONTENT)
COMPLETE = RequestFacts(
    locations=("https://x.com/someone/status/1",),
    description="A photo of me in a post by @someone.",
    signer="Jo Example",
    signed_on="2026-11-24",
    email="safe.address@example.org",
    consent_statement=True,
    accuracy_statement=True,
    intimate_statement=True,
)
# The elements each profile must hold, as the laws list them: a TAKE IT DOWN Act request's four
# (47 U.S.C. 223a), a UK intimate image content report's five (Crime and Policing Bill, amendment
# agreed in the House of Lords on 16 April 2026), a DSA notice's four (Article 16(2)(a) to (d)).
RESEARCH_ELEMENTS = {
    "us-take-it-down": ["signature", "identification", "good-faith", "contact"],
    "uk-intimate-image-report": [
        "intimate-declaration",
        "reporter-declaration",
        "truth-declaration",
        "identification",
        "contact",
    ],
    "eu-dsa": ["explanation", "identification", "notifier", "accuracy"],
}


def test_every_profile_has_sources_a_review_date_and_known_facts() -> None:
    for profile in CATALOGUE.profiles.profiles:
        assert profile.sources and profile.last_reviewed < profile.review_by
        assert profile.elements, profile.id
        assert all(need in FACTS for e in profile.elements for need in e.needs)


def test_profiles_hold_the_elements_the_research_lists() -> None:
    for profile_id, expected in RESEARCH_ELEMENTS.items():
        assert [e.id for e in CATALOGUE.profiles.get(profile_id).elements] == expected


def test_profiles_cite_the_laws_their_elements_come_from() -> None:
    cited = {
        "us-take-it-down": "USC-prelim-title47-section223a",
        "uk-intimate-image-report": "Crime and Policing Bill",
        "eu-dsa": "eur-lex.europa.eu/eli/reg/2022/2065",
    }
    for profile_id, source in cited.items():
        sources = CATALOGUE.profiles.get(profile_id).sources
        assert any(source in text for text in sources), profile_id
    assert [len(RESEARCH_ELEMENTS[profile_id]) for profile_id in cited] == [4, 5, 4]


def test_deadlines_follow_the_research_table() -> None:
    assert CATALOGUE.profiles.get("us-take-it-down").deadline_hours == 48
    assert CATALOGUE.profiles.get("uk-intimate-image-report").deadline_hours == 48
    assert CATALOGUE.profiles.get("eu-dsa").deadline_hours is None
    assert CATALOGUE.directory.get("discord").review_hours == 48


def test_every_platform_has_a_source_a_check_date_and_unique_domains() -> None:
    domains = [d for p in CATALOGUE.directory.platforms for d in p.domains]
    assert len(domains) == len(set(domains))
    for platform in CATALOGUE.directory.platforms:
        assert platform.source.startswith("https://") and platform.last_checked


def test_a_repeated_domain_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "removals"
    folder.mkdir()
    (folder / "profiles.toml").write_text((CONTENT / "removals/profiles.toml").read_text())
    text = (CONTENT / "removals/platforms.toml").read_text()
    (folder / "platforms.toml").write_text(text.replace('"tumblr.com"', '"x.com"'))
    with pytest.raises(ContentError, match=r"the domain 'x\.com' appears more than once"):
        load_catalogue(tmp_path)


def test_an_entry_without_a_source_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "removals"
    folder.mkdir()
    (folder / "profiles.toml").write_text((CONTENT / "removals/profiles.toml").read_text())
    text = (CONTENT / "removals/platforms.toml").read_text()
    (folder / "platforms.toml").write_text(text.replace('source = "https://x.com/"', ""))
    text = text.replace('source = "https://help.x.com/en/rules-and-policies/us-tida"\n', "")
    (folder / "platforms.toml").write_text(text)
    with pytest.raises(ContentError, match=r"\(platform\[2\]\): 'source' is missing"):
        load_catalogue(tmp_path)


@pytest.mark.parametrize(
    ("url", "country", "platform", "profile", "route"),
    [
        ("https://x.com/a/status/1", "us", "x", "us-take-it-down", "take-it-down"),
        ("https://mobile.twitter.com/a/status/1", "gb", "x", "uk-online-safety", "intimate-image"),
        ("https://www.instagram.com/p/abc/", "de", "meta", "eu-dsa", "intimate-image"),
        ("https://cdn.discordapp.com/a/b.png", "au", "discord", "au-esafety", "intimate-image"),
        ("https://youtu.be/abc", "br", "youtube", "general", "privacy"),
        ("https://t.me/channel/5", "us", "telegram", "general", "abuse"),
    ],
)
def test_recognises_the_platform_and_picks_profile_and_route(
    url: str, country: str, platform: str, profile: str, route: str
) -> None:
    plan = CATALOGUE.plan(url, country)
    assert plan.platform is not None and plan.platform.id == platform
    assert plan.profile.id == profile
    assert plan.routes[0].purpose == route


def test_an_unknown_site_gets_the_general_profile_and_no_route() -> None:
    plan = CATALOGUE.plan("https://notx.com.example/page", "gb")
    assert plan.platform is None and plan.routes == () and plan.profile.id == "general"


def test_a_law_not_yet_in_force_is_not_chosen() -> None:
    assert CATALOGUE.plan("https://x.com/a", "gb").profile.id != "uk-intimate-image-report"


@pytest.mark.parametrize("profile", [p.id for p in CATALOGUE.profiles.profiles])
def test_each_missing_fact_is_refused_naming_its_element(profile: str) -> None:
    chosen = CATALOGUE.profiles.get(profile)
    platform = CATALOGUE.directory.get("x")
    route = platform.routes[-1]
    for element in chosen.elements:
        for need in element.needs:
            facts = _without(COMPLETE, need)
            assert element in missing_elements(facts, chosen)
            with pytest.raises(MissingElementsError, match=re.escape(element.label)):
                compose(facts, platform, route, chosen)


@pytest.mark.parametrize("profile", [p.id for p in CATALOGUE.profiles.profiles])
def test_a_complete_request_renders_every_element(profile: str) -> None:
    chosen = CATALOGUE.profiles.get(profile)
    platform = CATALOGUE.directory.get("x")
    notice = compose(COMPLETE, platform, platform.routes[0], chosen)
    text = notice.plain_text()
    assert "https://x.com/someone/status/1" in text and "safe.address@example.org" in text
    assert "/Jo Example/, the person shown in the images, on 24 November 2026" in text
    for element in chosen.elements:
        if element.statement:
            assert element.statement.split("{")[0].strip() in notice.body
    assert [label for label, _ in notice.fields] == [e.label for e in chosen.elements]
    assert "<script" not in notice.printable_html() and chosen.law in notice.body


def test_a_take_it_down_request_names_the_48_hours() -> None:
    plan = CATALOGUE.plan("https://x.com/a/status/1", "us")
    notice = compose(COMPLETE, plan.platform, plan.routes[0], plan.profile)
    assert "within 48 hours" in notice.body
    assert "help.x.com/forms/safety-and-sensitive-content/take-it-down" in notice.plain_text()


def test_an_email_route_gives_an_email_and_a_form_route_gives_fields_in_order() -> None:
    telegram = CATALOGUE.directory.get("telegram")
    notice = compose(COMPLETE, telegram, telegram.routes[0], CATALOGUE.profiles.get("general"))
    assert notice.is_email and "Send by email to: abuse@telegram.org" in notice.plain_text()
    assert "Form fields" not in notice.plain_text()
    reddit = CATALOGUE.directory.get("reddit")
    pack = compose(COMPLETE, reddit, reddit.routes[0], CATALOGUE.profiles.get("general"))
    text = pack.plain_text()
    assert text.index("Where the content is (URLs):") < text.index("Contact details:")
    assert "non-consensual intimate media" in text


def test_a_representative_states_their_authority() -> None:
    facts = dataclasses.replace(COMPLETE, acting_for=True, depicted="Sam Example")
    profile = CATALOGUE.profiles.get("general")
    x = CATALOGUE.directory.get("x")
    with pytest.raises(MissingElementsError, match="on whose authority"):
        compose(facts, x, x.routes[-1], profile)
    authorised = dataclasses.replace(facts, authority="their written authorisation of 2026-11-20")
    body = compose(authorised, x, x.routes[-1], profile).body
    assert "I am Jo Example, acting for Sam Example: their written authorisation" in body
    assert "intimate image of Sam Example" in body


def test_how_to_find_it_goes_with_the_addresses_in_a_form_pack() -> None:
    reddit = CATALOGUE.directory.get("reddit")
    pack = compose(COMPLETE, reddit, reddit.routes[0], CATALOGUE.profiles.get("general"))
    where = dict(pack.fields)["Where the content is (URLs)"]
    assert where.endswith("How to find it: A photo of me in a post by @someone.")
    bare = dataclasses.replace(COMPLETE, description="")
    plain = compose(bare, reddit, reddit.routes[0], CATALOGUE.profiles.get("general"))
    assert dict(plain.fields)["Where the content is (URLs)"] == "https://x.com/someone/status/1"


def test_a_request_not_yet_sent_can_be_changed_and_the_change_is_recorded() -> None:
    draft = new_request("https://x.com/a", COMPLETE, "x", 0, "us-take-it-down", "us", "person")
    changed = revise(draft, dataclasses.replace(COMPLETE, phone="0100"), "person", recipient="")
    assert changed.facts.phone == "0100" and changed.status == "draft"
    assert (changed.events[-1].by, changed.events[-1].note) == ("person", "details changed")
    sent = move(move(changed, "ready", "person"), "submitted", "person")
    with pytest.raises(TrackingError, match="can no longer be changed"):
        revise(sent, COMPLETE, "person")
    with pytest.raises(Under18RequestError):
        revise(draft, dataclasses.replace(COMPLETE, under_18=True), "person")


def test_under_18_gets_no_request_and_is_routed() -> None:
    facts = dataclasses.replace(COMPLETE, under_18=True)
    x = CATALOGUE.directory.get("x")
    with pytest.raises(Under18RequestError, match=r"takeitdown\.ncmec\.org"):
        compose(facts, x, x.routes[0], CATALOGUE.profiles.get("general"))
    with pytest.raises(Under18RequestError, match=r"iwf\.org\.uk"):
        new_request("https://x.com/a", facts, "x", 0, "general", "gb", "person")


def _request(url: str = "https://x.com/a/status/1", platform: str = "x") -> object:
    return new_request(url, COMPLETE, platform, 0, "us-take-it-down", "us", "person")


def test_statuses_move_only_as_the_model_allows_and_every_change_is_recorded() -> None:
    request = new_request("https://x.com/a", COMPLETE, "x", 0, "us-take-it-down", "us", "person")
    with pytest.raises(TrackingError, match="draft cannot become removed"):
        move(request, "removed", "person")
    request = move(request, "ready", "person")
    request = move(request, "submitted", "person")
    request = move(request, "acknowledged", "person", ticket="T-123")
    with pytest.raises(TrackingError, match="reason"):
        move(request, "refused", "person")
    refused = move(request, "refused", "caseworker Ann", reason="not against our rules")
    assert refused.ticket == "T-123"
    assert [(e.status, e.by) for e in refused.events] == [
        ("draft", "person"),
        ("ready", "person"),
        ("submitted", "person"),
        ("acknowledged", "person"),
        ("refused", "caseworker Ann"),
    ]
    with pytest.raises(TrackingError, match="who it went to"):
        move(refused, "escalated", "person")
    escalated = move(refused, "escalated", "person", escalated_to="regulator")
    closed = move(escalated, "withdrawn", "person")
    with pytest.raises(TrackingError, match="start a new one"):
        move(closed, "submitted", "person")


def test_every_status_is_reachable_and_every_move_names_a_status() -> None:
    reachable = {"draft"} | {s for targets in MOVES.values() for s in targets} | set(ENDED)
    assert reachable == set(STATUSES)
    assert set(MOVES) == set(STATUSES)


def _submitted(at: str, profile: str = "us-take-it-down") -> object:
    request = new_request("https://x.com/a", COMPLETE, "x", 0, profile, "us", "person")
    request = move(move(request, "ready", "person"), "submitted", "person", at_utc=at)
    return request


def test_the_take_it_down_clock_is_48_hours_from_the_request() -> None:
    request = _submitted("2026-11-20T10:00:00+00:00")
    due = deadline(request, 48)
    assert due == datetime.datetime(2026, 11, 22, 10, tzinfo=datetime.UTC)
    assert is_overdue(request, due, datetime.datetime(2026, 11, 22, 10, 1, tzinfo=datetime.UTC))
    assert not is_overdue(request, due, datetime.datetime(2026, 11, 22, 9, tzinfo=datetime.UTC))
    acknowledged = move(request, "acknowledged", "person", at_utc="2026-11-21T10:00:00+00:00")
    assert deadline(acknowledged, 48) == due, "an acknowledgement does not restart the clock"


def test_without_a_legal_clock_the_follow_up_interval_applies() -> None:
    request = _submitted("2026-11-20T10:00:00+00:00", "general")
    assert deadline(request, None) == datetime.datetime(2026, 11, 27, 10, tzinfo=datetime.UTC)
    assert deadline(request, None, review_hours=48).day == 22  # Discord's own 48 hours
    removed = move(request, "removed", "person")
    assert deadline(removed, None) is None


def _check(outcome: str, confirmed: bool, code: int | None = 404) -> Check:
    return Check("2026-11-23T10:00:00+00:00", outcome, code, "", 0, confirmed)


def test_a_removal_is_verified_only_by_a_re_check_and_reappearing_reopens() -> None:
    request = _submitted("2026-11-20T10:00:00+00:00")
    said_removed = move(request, "removed", "person", note="the platform emailed")
    assert not said_removed.verified
    still_there = record_check(said_removed, _check("present", False, 200))
    assert not still_there.verified and still_there.status == "removed"
    gone = record_check(still_there, _check("gone", True))
    assert gone.verified and gone.events[-1].by == "re-check"
    back = record_check(gone, _check("present", False, 200))
    assert back.status == "reappeared" and not back.verified
    steps = next_steps(back, CATALOGUE.profiles.get("us-take-it-down"), CATALOGUE.directory)
    assert [s.kind for s in steps][:2] == ["regulator", "host"]
    assert "takeitdown.ftc.gov" in steps[0].url and steps[-1].kind == "police"


def test_a_re_check_that_finds_it_gone_before_any_answer_marks_it_removed() -> None:
    request = record_check(_submitted("2026-11-20T10:00:00+00:00"), _check("gone", True, 410))
    assert request.status == "removed" and request.verified
    assert record_check(request, _check("unreachable", False, None)).status == "removed"


def test_a_geo_restriction_is_not_a_removal() -> None:
    request = move(_submitted("2026-11-20T10:00:00+00:00"), "geo-restricted", "person")
    steps = next_steps(request, CATALOGUE.profiles.get("eu-dsa"), CATALOGUE.directory)
    assert steps[0].kind == "appeal" and "2025 BCCRT 1228" in steps[0].detail
    assert any(s.kind == "search" and "6302812" in s.url for s in steps)


@pytest.mark.parametrize("make_store", ["memory", "locker"])
def test_one_open_request_per_address_and_platform(make_store: str, tmp_path: Path) -> None:
    store = (
        MemoryRequestStore()
        if make_store == "memory"
        else LockerRequestStore(copy_locker(tmp_path / "l", SHARED_PASSPHRASE)[0])
    )
    first = new_request("https://x.com/a/", COMPLETE, "x", 0, "general", "gb", "person")
    add(store, first)
    again = new_request("https://X.com/a", COMPLETE, "x", 0, "general", "gb", "person")
    with pytest.raises(DuplicateRequestError, match="already an open request"):
        add(store, again)
    other_platform = new_request("https://x.com/a", COMPLETE, "", -1, "general", "gb", "person")
    add(store, other_platform)
    withdrawn = move(first, "withdrawn", "person")
    store.save(withdrawn, "withdrawn")
    add(store, again)
    assert get(store, withdrawn.id) == withdrawn
    assert [r.id for r in store.all()] == [first.id, other_platform.id, again.id]


def test_the_locker_keeps_requests_sealed_with_each_change_in_its_custody_log(
    tmp_path: Path,
) -> None:
    box, _ = copy_locker(tmp_path / "l", SHARED_PASSPHRASE)
    store = LockerRequestStore(box)
    request = new_request("https://x.com/a", COMPLETE, "x", 0, "general", "gb", "person")
    add(store, request)
    store.save(move(request, "ready", "person"), "ready")
    raw = b"".join(p.read_bytes() for p in (tmp_path / "l/requests").iterdir())
    assert b"x.com" not in raw and b"Jo Example" not in raw
    reopened = LockerRequestStore(Locker.open(tmp_path / "l", SHARED_PASSPHRASE))
    assert reopened.all()[0].status == "ready"
    actions = [(e.action, e.details.get("status")) for e in box.custody()[-2:]]
    assert actions == [("request-added", "draft"), ("request-changed", "ready")]


def _without(facts: RequestFacts, need: str) -> RequestFacts:
    empty = {
        "locations": (),
        "signer": "",
        "signed_on": "",
        "email": "",
        "consent_statement": False,
        "accuracy_statement": False,
        "intimate_statement": False,
        "description": "",
        "depicted": "",
    }
    if need == "contact":
        return dataclasses.replace(facts, email="", phone="", postal="")
    if need == "authority":
        return dataclasses.replace(facts, acting_for=True, depicted="Sam", authority="")
    return dataclasses.replace(facts, **{need: empty[need]})


def test_a_cdn_seen_by_a_re_check_is_a_next_step() -> None:
    request = move(_submitted("2026-11-20T10:00:00+00:00", "general"), "no-response", "person")
    seen = dataclasses.replace(_check("present", False, 200), cdn="Cloudflare")
    request = record_check(request, seen)
    steps = next_steps(request, CATALOGUE.profiles.get("general"), CATALOGUE.directory)
    cdn = next(s for s in steps if s.kind == "cdn")
    assert "cloudflare.com/abuse" in cdn.url and "Lumen" in cdn.detail
    assert [s.kind for s in steps].index("cdn") < [s.kind for s in steps].index("search")


# The catalogue's words in other languages ---------------------------------------------------


@pytest.mark.parametrize("code", ["ar", "pl", "ro", "ur"])
def test_every_language_has_its_own_words_for_the_laws_and_platforms(code: str) -> None:
    shown = CATALOGUE.in_language(code)
    assert shown.translation is not None and shown.translation.native_review
    for original, words in zip(CATALOGUE.profiles.profiles, shown.profiles.profiles, strict=True):
        assert words.name != original.name and words.clock != original.clock
        for element, label in zip(original.elements, words.elements, strict=True):
            assert label.label != element.label and label.needs == element.needs
        assert [e.name for e in words.escalations] != [e.name for e in original.escalations]
    for original_platform, platform in zip(
        CATALOGUE.directory.platforms, shown.directory.platforms, strict=True
    ):
        assert platform.notes != original_platform.notes or not platform.notes
        for route, translated in zip(original_platform.routes, platform.routes, strict=True):
            assert (
                translated.where != route.where or not route.where
            ) and translated.url == route.url


def test_the_request_itself_keeps_the_law_and_statements_as_they_go_to_the_platform() -> None:
    shown = CATALOGUE.in_language("ar").profiles.get("us-take-it-down")
    original = CATALOGUE.profiles.get("us-take-it-down")
    assert shown.law == original.law and shown.deadline_hours == 48
    assert [e.statement for e in shown.elements] == [e.statement for e in original.elements]
    assert CATALOGUE.in_language("en") is CATALOGUE


def test_a_translation_that_leaves_out_an_element_label_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "removals"
    folder.mkdir()
    for path in (CONTENT / "removals").glob("*.toml"):
        (folder / path.name).write_text(path.read_text())
    text = (folder / "pl.toml").read_text()
    (folder / "pl.toml").write_text(re.sub(r"\ngood-faith = .*\n", "\n", text))
    with pytest.raises(ContentError, match=r"pl\.toml \(elements\): the label of element 'good-f"):
        load_catalogue(tmp_path)


def test_next_steps_name_their_wording_for_a_page_in_another_language() -> None:
    request = move(_submitted("2026-11-01T10:00:00+00:00"), "refused", "you", reason="no rule")
    steps = next_steps(request, CATALOGUE.profiles.get("us-take-it-down"), CATALOGUE.directory)
    appeal = steps[0]
    assert (appeal.wording, appeal.reason) == ("appeal", "no rule")
    assert {s.wording for s in steps if s.kind in ("regulator", "police")} == {""}
