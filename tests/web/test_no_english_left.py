"""No English left on a page in another language: every page of the site, side by side.

Each page is rendered in English and in Arabic, Polish, Romanian and Urdu through Django's test
client. What a person sees (text, and the attributes a browser shows or reads aloud) is cut
into pieces; a piece with a Latin letter that is the same on the English page and on the other
is a leak, unless it is a name or a code in ALLOWED below.

Content that declares another language with ``lang`` (the request written to a platform, in
English; each language's own name in the switcher) is not the page's language by design: it is
left out, and only the places listed in DECLARED may do that.
"""

import dataclasses
import datetime
import io
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pyrage
import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils import translation
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.languages import LANGUAGE_CODES, ORIGINAL_LANGUAGE
from reclaim.locker import Incident
from reclaim.notices import (
    AbuseContact,
    Check,
    HostingReport,
    LockerRequestStore,
    RemovalRequest,
    RequestFacts,
    move,
    new_request,
    record_check,
)
from reclaim.referrals import Selection, make_referral, referral_helpline, referral_helplines
from reclaim.web.protection.views import ELIGIBLE
from reclaim.web.removals.services import PERSON, catalogue
from reclaim.web.safety import errors
from reclaim.web.sharing import services as sharing
from reclaim.web.support.content import page_paths
from tests.web.conftest import personal_locker
from tests.web.console import fixtures as console_fixtures
from tests.web.console.fixtures import signed_in
from tests.web.console.pages import SIGN_IN, ConsolePages, console_rows
from tests.web.helpline_standin import directory_file

OTHERS = [code for code in LANGUAGE_CODES if code != ORIGINAL_LANGUAGE]
# Names and codes that stay as they are in every language. Organisations, services and
# platforms keep their own names (docs/content.md); the rest is what the person typed in this
# test, shown back as typed, and technical codes.
ALLOWED = {
    # The product, and organisations named in the support content's links.
    "Reclaim",
    "CEOP",
    "FTC",
    "eSafety",
    "My Support Space",
    "Take It Down",
    "Report Remove",
    "StopNCII.org",
    "Take It Down (NCMEC)",
    "Internet Watch Foundation",
    "Childline Report Remove",
    # Helplines: the services' own names (content/helplines/directory.toml).
    "Revenge Porn Helpline",
    "Victim Support Supportline",
    "Relay UK",
    "SignLive",
    "My Support Space (Victim Support)",
    "Childline",
    "Report Remove (Childline and IWF)",
    "CEOP Safety Centre",
    "Rape Crisis 24/7 Support Line",
    "National Domestic Abuse Helpline",
    "Men's Advice Line",
    "Galop",
    "Samaritans",
    "Victim Support Scotland",
    "You & Co (Victim Support)",
    "Hotline.ie",
    "CCRI Image Abuse Helpline",
    "NCMEC CyberTipline",
    "eSafety Commissioner",
    "Cybertip.ca and NeedHelpNow.ca",
    "Netsafe",
    # Platforms: their own names (content/removals/platforms.toml), as the pages here show them.
    "X (Twitter)",
    "Reddit",
    "Cloudflare",
    "Test Helpline",  # a helpline that takes referrals, from this test's directory file
    # What this test typed, shown back as typed.
    "posted without asking",
    "They said it breaks no rule",
    "TICKET-7",
    "a note I wrote",
    "Example Registrar",  # what the registries answered, shown as they answered
    "Example Hosting",
    "message.txt",
}
# Words that are spelled the same in English and in that language (countries, "Start").
SAME_WORD = {
    "pl": {"Australia", "Austria", "Estonia", "Malta", "Start", "administrator"},
    "ro": {"Australia", "Austria", "Bulgaria", "Canada", "Estonia", "Malta", "Slovenia",
           "Incident", "administrator", "Contact", "Total"},
}  # fmt: skip
# Where content may declare another language: (tag, class) of the element carrying ``lang``.
DECLARED = {
    ("ul", "sources"),  # a page's sources: pages in English, cited by their own titles
    ("a", ""),  # each language's own name in the language switcher
    ("article", "printable-request"),  # the request itself, written in English
    ("textarea", "request-text"),  # the request's parts and whole text, to copy
    ("span", "request-text"),  # its subject line
    ("ul", "helper-details"),  # the registries' own answers, for a helper
    ("button", ""),  # each language's own name in the console's language switcher
    ("td", "record"),  # an audit entry's target and detail, as recorded (the log's own words)
}
_LATIN = re.compile(r"[A-Za-z]")
_ONLY_CODE = re.compile(  # addresses, emails, numbers, sizes, hashes, codes, time zones
    r"(https?://\S*|www\.\S+|\S+@\S+|[\w.-]+\.(com|org|uk|gov|ie|au|nz|ca|test|net)\S*"
    r"|[\d\s+().:/,–-]+|\(?HTTP \d+\)?|\d+(\.\d+)? ?[KMG]?B|…|PDQ|PDF|JSON|ZIP|WACZ|PIN"
    r"|SHA-(256|512)|[0-9a-f ]{16,}|\(?UTC([+-]\d\d:\d\d)?\)?|[a-z]+/[a-z0-9.+-]+"
    r"|[A-Z][A-Za-z]+/[A-Za-z_ /+-]+)"  # media types; the time zone database's own names
)
_VISIBLE_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")
_SKIPPED = {"script", "style", "template"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}  # fmt: skip


class _Visible(HTMLParser):
    """Collects the pieces of a page a person sees or hears, outside declared-language parts."""

    def __init__(self, page_language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = page_language
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.pieces: list[str] = []
        self.declared: set[tuple[str, str]] = set()

    @property
    def skipping(self) -> bool:
        return any(skipped for _, skipped in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        other = values.get("lang", self.language) not in (self.language, "")
        if other and not self.skipping and tag != "html":
            self.declared.add((tag, values.get("class", "").split(" ")[0]))
        skipped = tag in _SKIPPED or (other and tag != "html")
        if not (self.skipping or skipped):
            self.pieces += [values[name] for name in _VISIBLE_ATTRIBUTES if name in values]
            kind = values.get("type", "")
            if tag == "input" and kind in ("submit", "button", "reset"):
                self.pieces.append(values.get("value", ""))
        if tag not in _VOID:
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.pieces.append(data)


def visible_pieces(html: str, language: str) -> tuple[set[str], set[tuple[str, str]]]:
    """Return the page's visible pieces (cut at " · " and line ends), and where it declares
    another language."""
    parser = _Visible(language)
    parser.feed(html)
    pieces = set()
    for text in parser.pieces:
        for piece in re.split(r"\s+·\s+|\n", text):
            piece = " ".join(piece.split()).removesuffix(" – Reclaim").strip(" :·")
            if piece:
                pieces.add(piece)
    return pieces, parser.declared


def is_leak(piece: str, language: str) -> bool:
    """Return whether a piece found on both pages is English a person should not see."""
    if piece in ALLOWED or piece in SAME_WORD.get(language, ()):
        return False
    return bool(_LATIN.search(piece)) and not _ONLY_CODE.fullmatch(piece)


# The pages -------------------------------------------------------------------------------


def _request_rows(data_dir: Path) -> tuple[str, dict[str, str]]:
    """Put incidents, a file and requests (draft, ready, one with history) in the locker."""
    box = personal_locker(data_dir)
    incident = box.add_incident(
        Incident("shared", "posted without asking", urls=("https://x.com/a/status/1",))
    ).id
    young = Incident(
        "shared", "posted without asking", urls=("https://x.com/c/status/3",), under_18=True
    )
    ids = {"under-18": box.add_incident(young).id}
    item = box.add(io.BytesIO(b"You said you would post it."), "message.txt", "text/plain",
                   incident=incident).id  # fmt: skip
    store = LockerRequestStore(box)
    facts = RequestFacts(
        locations=("https://www.reddit.com/r/a/comments/1/",),
        signer="Jo Example",
        email="jo.safe@example.org",
        signed_on="2026-11-20",
        consent_statement=True,
        accuracy_statement=True,
        intimate_statement=True,
    )
    plan = catalogue().plan(facts.locations[0], "de")
    ready = new_request(facts.locations[0], facts, "reddit", 0, plan.profile.id, "de", PERSON)
    ready = move(ready, "ready", PERSON, note="every element is present")
    draft_facts = RequestFacts(locations=("https://x.com/a/status/1",))
    draft = new_request(draft_facts.locations[0], draft_facts, "x", 1, "us-take-it-down", "us",
                        PERSON, incident_id=incident)  # fmt: skip
    told = dataclasses.replace(facts, locations=("https://unknown.test/p/1",))
    history = new_request(told.locations[0], told, "", -1, "general", "gb", PERSON,
                          recipient="abuse@host.test")  # fmt: skip
    history = _with_history(history)
    hosted = new_request("https://hosted.test/p/9", told, "", -1, "general", "gb", PERSON,
                         recipient="abuse@host.test")  # fmt: skip
    hosted = _hosted(hosted)
    for made in (ready, draft, history, hosted):
        store.save(made, "made")
    ids |= {"item": item, "ready": ready.id, "draft": draft.id, "history": history.id}
    ids["hosted"] = hosted.id
    return incident, ids


def _with_history(request: RemovalRequest) -> RemovalRequest:
    """A request sent, refused, taken further, refused again, and seen still there."""
    made = move(request, "ready", PERSON, note="every element is present")
    made = move(
        made, "submitted", PERSON, note="sent by email to abuse@host.test", ticket="TICKET-7"
    )
    made = move(made, "refused", PERSON, reason="They said it breaks no rule")
    made = move(made, "escalated", PERSON, escalated_to="host", note="a note I wrote")
    made = move(made, "refused", PERSON, reason="They said it breaks no rule")
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    return record_check(made, Check(now, "present", 200, "", 1, False))


def _hosted(request: RemovalRequest) -> RemovalRequest:
    """A request with no answer, about a site whose host, registrar and CDN were looked up."""
    made = move(request, "ready", PERSON, note="to be sent to abuse@host.test")
    made = move(made, "submitted", PERSON)
    made = move(made, "no-response", PERSON)
    registrar = AbuseContact("registrar", "Example Registrar", "abuse@registrar.test", "", "")
    network = AbuseContact("network", "Example Hosting", "abuse@hosting.test", "", "")
    report = HostingReport("hosted.test", ("192.0.2.1",), registrar, (network,), "Cloudflare", ())
    seen = Check(made.events[-1].at_utc, "changed", 200, "", 0, False)
    return dataclasses.replace(record_check(made, seen), hosting=dataclasses.asdict(report))


def locker_paths(code: str, incident: str, ids: dict[str, str]) -> list[str]:
    """Return the locker, protection and removal pages to read, in ``code``."""
    locker = f"/{code}/locker/"
    requests = f"{locker}requests/"
    return [
        f"{locker}case/",
        f"{locker}incidents/new/",
        f"{locker}incidents/{incident}/",
        f"{locker}incidents/{incident}/correct/",
        f"{locker}evidence/upload/",
        f"{locker}evidence/message/",
        f"{locker}evidence/capture/",
        f"{locker}items/{ids['item']}/",
        f"{locker}export/",
        requests,
        f"{requests}new/",
        f"{requests}new/?incident={incident}",
        f"{requests}new/?incident={ids['under-18']}",  # the services for under-18s instead
        f"{requests}{ids['draft']}/",
        f"{requests}{ids['draft']}/edit/",
        f"{requests}{ids['ready']}/",
        f"{requests}{ids['ready']}/edit/",
        f"{requests}{ids['ready']}/print/",
        f"{requests}{ids['history']}/",
        f"{requests}{ids['hosted']}/",
        f"{locker}helplines/",
        f"{locker}helplines/ask/",
        f"{locker}helplines/{ids['referral']}/",
        f"{locker}helplines/{ids['referral']}/stop/",
        f"/{code}/protect/",
        f"/{code}/protect/hash/",
        f"/{code}/protect/case/",
        f"/{code}/no-such-page/",
    ]


# Step two of a new request, for sites in the directory and one it does not know; a request
# with a problem in its form; a second request for an address already asked about.
COMPOSED = [
    ({"step": "start", "url": "https://www.reddit.com/r/b/comments/2/", "country": "gb"}, 200),
    ({"step": "start", "url": "https://x.com/b/status/2", "country": "us"}, 200),
    ({"step": "start", "url": "https://www.instagram.com/p/abc/", "country": "pl"}, 200),
    ({"step": "start", "url": "https://nowhere.test/p/2", "country": "au"}, 200),
    ({"url": "https://www.reddit.com/r/a/comments/1/", "country": "de", "action": "ready"}, 400),
    ({"url": "https://www.reddit.com/r/a/comments/1/", "country": "de", "route": "0",
      "signer": "Jo Example", "action": "ready"}, 409),
]  # fmt: skip


def _referral_rows(data_dir: Path, settings: SettingsWrapper, ids: dict[str, str]) -> None:
    """Name a helpline that takes referrals and keep, in the locker, a referral made for it
    as a file not sent yet (no helpline is reached: the pages only show it)."""
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    helpline = directory_file(data_dir, "https://reclaim.helpline.test", recipient)
    settings.REFERRAL_DIRECTORY = helpline
    chosen = referral_helpline(referral_helplines((), helpline), "test-helpline")
    output = sharing.referral_file("personal", "new")
    output.parent.mkdir(parents=True)
    made = make_referral(personal_locker(data_dir), chosen, Selection(items=(ids["item"],)), output)
    output.rename(sharing.referral_file("personal", made.id))
    ids["referral"] = made.id


def _shared(incident: str, ids: dict[str, str]) -> list[tuple[dict[str, object], int]]:
    """The confirmation page, and media refused where someone was under 18."""
    chosen = {"helpline": "test-helpline", "incidents": [incident], "items": [ids["item"]],
              "message": "posted without asking", "contact_method": "email", "days": "30",
              "contact_address": "jo.safe@example.org", "contact_safe": "yes"}  # fmt: skip
    return [
        ({**chosen, "under_18": "no", "action": "check"}, 200),
        ({**chosen, "under_18": "yes", "action": "check"}, 400),
    ]


def _pages(client: Client, code: str, incident: str, ids: dict[str, str]) -> Iterator[str]:
    """Yield every page, as HTML, in ``code``."""
    for path in [*page_paths(code), *locker_paths(code, incident, ids)]:
        response = client.get(path)
        expected = 404 if path.endswith("/no-such-page/") else 200
        assert response.status_code == expected, (path, response.status_code)
        yield response.content.decode()
    for posted, expected in COMPOSED:
        response = client.post(f"/{code}/locker/requests/new/write/", posted)
        assert response.status_code == expected, (posted, response.status_code)
        yield response.content.decode()
    for shared, expected in _shared(incident, ids):
        response = client.post(f"/{code}/locker/helplines/ask/", shared)
        assert response.status_code == expected, (shared, response.status_code)
        yield response.content.decode()
    yield _server_error(code)


def _server_error(code: str) -> str:
    with translation.override(code):
        request = RequestFactory().get(f"/{code}/")
        request.LANGUAGE_CODE = code
        return str(errors.server_error(request).content.decode())


def _read(
    pages: Callable[[str], Iterator[str]], code: str
) -> tuple[list[set[str]], set[tuple[str, str]]]:
    found: list[set[str]] = []
    declared: set[tuple[str, str]] = set()
    for html in pages(code):
        pieces, places = visible_pieces(html, code)
        found.append(pieces)
        declared |= places
    return found, declared


@pytest.mark.django_db
def test_no_english_is_left_on_any_page_in_another_language(
    client: Client, open_locker: None, data_dir: Path, settings: SettingsWrapper
) -> None:
    incident, ids = _request_rows(data_dir)
    _referral_rows(data_dir, settings, ids)
    session = client.session
    session[ELIGIBLE] = True  # the three questions answered: the hashing page opens
    session.save()

    def pages(code: str) -> Iterator[str]:
        return _pages(client, code, incident, ids)

    english, _ = _read(pages, ORIGINAL_LANGUAGE)
    leaks: dict[str, set[str]] = {}
    for code in OTHERS:
        found, declared = _read(pages, code)
        assert declared <= DECLARED, f"{code}: another language declared at {declared - DECLARED}"
        assert len(found) == len(english)
        for original, other in zip(english, found, strict=True):
            leaks.setdefault(code, set()).update(p for p in original & other if is_leak(p, code))
    listed = [f"{code}: {piece!r}" for code in OTHERS for piece in sorted(leaks[code])]
    assert not listed, "English left on pages in another language:\n" + "\n".join(listed)


def test_a_leak_is_english_shown_on_both_pages_and_names_and_codes_are_not() -> None:
    english, _ = visible_pieces(
        '<p>Overdue <a lang="pl">Polski</a><input type="submit" value="Save"> · Reddit</p>'
        "<p>https://x.com/a · 0345 6000 459 · (HTTP 404)</p>",
        "en",
    )
    assert english == {
        "Overdue",
        "Save",
        "Reddit",
        "https://x.com/a",
        "0345 6000 459",
        "(HTTP 404)",
    }
    assert [piece for piece in sorted(english) if is_leak(piece, "pl")] == ["Overdue", "Save"]


# The helpline console ------------------------------------------------------------------------
# Staff choose their language once (a cookie); pages keep their addresses. Checked in every
# language the site has.
# What the console's rows hold, shown as typed or made (usernames, case numbers, a note, a task,
# what happened, the referral's message, incident and file), the helpline's public key, and
# codes from the platform directory that the console shows as codes (platform, law and route
# ids, which the queue's platform filter takes as typed). Not yet in words: the summary a
# referral's case is given when it arrives (referrals.py writes it once, in English) and the
# survivor's incident kind ("shared"); see the report of the console's translation.
CONSOLE_ALLOWED = {
    "ada", "sam", "gone", "new", "ada · Test Helpline", "Called back at 6pm.", "Send the batch",
    "what happened in RPH-0001", "what happened in RPH-0002", "astronaut.png",
    "Please help me get these taken down; my ex posted them.",
    "Posted on a forum without my consent",
    "https://x.com/a/status/1 (draft)", "text/plain; charset=utf-8",
    "example", "reddit", "x", "general", "uk-intimate-image-report", "uk-online-safety",
    "unknown site", "intimate-image (form)", "intimate-image (in-app)",
    "intimate-image (form: https://www.reddit.com/report)",
}  # fmt: skip
_CONSOLE_CODES = re.compile(r"RPH-[\w-]+|ada, \d{4}-\d\d-\d\d \d\d:\d\d|age1[a-z0-9]+")


def _console_pages(pages: ConsolePages, code: str) -> Iterator[str]:
    """Yield every console page, as HTML, in ``code``: signed out, then signed in."""
    for client, listed in ((Client(), SIGN_IN), (signed_in(pages.boss), pages.pages(code))):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
        for page in listed:
            if page.posted is None:
                response = client.get(page.path)
                assert response.status_code == page.status, (page.name, response.status_code)
            else:
                response = client.post(page.path, page.posted)
                assert response.status_code in (200, 400), (page.name, response.status_code)
            yield response.content.decode()


@pytest.mark.django_db
def test_no_english_is_left_on_console_pages_in_any_language(
    tmp_path: Path, settings: SettingsWrapper
) -> None:
    settings.SERVICE = True
    settings.HELPLINE_SECRET = console_fixtures.HELPLINE_SECRET
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    pages = console_rows(tmp_path)

    def read(code: str) -> Iterator[str]:
        return _console_pages(pages, code)

    english, _ = _read(read, ORIGINAL_LANGUAGE)
    listed = []
    for code in OTHERS:
        found, declared = _read(read, code)
        assert declared <= DECLARED, f"{code}: another language declared at {declared - DECLARED}"
        assert len(found) == len(english) == len(SIGN_IN) + len(pages.pages(code))
        leaks = set()
        for original, other in zip(english, found, strict=True):
            leaks |= {
                p for p in original & other
                if p not in CONSOLE_ALLOWED and not _CONSOLE_CODES.fullmatch(p)
            }  # fmt: skip
        listed += sorted(f"{code}: {piece}" for piece in leaks if is_leak(piece, code))
    assert not listed, "English left on console pages:\n" + "\n".join(listed)
