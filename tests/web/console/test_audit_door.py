"""No console page shows or changes case data without an audit entry: every URL pattern of the
console is requested as a member allowed everything, and each request must add exactly one
entry. A pattern added later is walked too (a GET to each), and a test below shows the walk
finds a page that reads a case without the door."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import URLPattern, clear_url_caches, path

from reclaim.referrals import MEDIA_TYPE
from reclaim.web.console import audit, keys
from reclaim.web.console import urls as console_urls
from reclaim.web.console.access import member_required
from reclaim.web.console.models import AuditEntry, Case, CaseAddress, Referral, StaffMember

from .fixtures import address, case, helpline, member, signed_in
from .referral_files import Made, make

# No member yet (sign-in, an invitation), or only the member's own factors (their password, their
# security keys: adding and removing one is audited all the same).
NO_CASE_DATA = {
    *("sign-in", "sign-out", "password", "invitation", "enrol", "sign-in-key"),
    *("sign-in-key-verify", "account", "key-options", "key-add", "key-remove"),
    "language",  # the reader's language, kept in a cookie
}


@dataclass
class World:
    everyone: StaffMember  # caseworker, supervisor and administrator at once
    colleague: StaffMember
    case: Case
    address: CaseAddress
    shared: Case  # a case made by a survivor's referral, for the pages of what was shared
    picture: str  # the shared picture's item id
    another: Made  # a second referral, for the import page


@pytest.fixture
def world(tmp_path: Path) -> World:
    line = helpline()
    everyone = member(line, "lead", "caseworker", "supervisor", "administrator")
    colleague = member(line, "kim", "caseworker")
    item = case(line, "2020-000001", assigned_to=colleague)
    made = make(tmp_path / "one", line)
    url = f"/helplines/{line.slug}/api/v1/referrals"
    answer = Client().generic("POST", url, made.body, content_type=MEDIA_TYPE)
    assert answer.status_code == 201, answer.content
    shared = Case.objects.get(pk=Referral.objects.get(referral_id=made.shared.id).case_id)
    another = make(tmp_path / "two", line)
    return World(
        everyone, colleague, item, address(item, "https://example.com/a"), shared, made.picture,
        another,
    )  # fmt: skip


def url_of(pattern: URLPattern, world: World) -> str:
    route = str(pattern.pattern)
    referral = str(pattern.name).startswith("referral-")
    values = {
        "<str:number>": (world.shared if referral else world.case).number,
        "<str:item>": world.picture,
        "<int:address>": str(world.address.pk),
        "<int:member>": str(world.colleague.pk),
        "<slug:platform>/<slug:profile>": "reddit/uk-online-safety",  # a batch page
        "<int:notification>": "0",
    }
    for placeholder, value in values.items():
        route = route.replace(placeholder, value)
    assert "<" not in route, f"the walk does not know how to fill {route}"
    return "/console/" + route


# What each page that takes a form is sent (in this order: the colleague is invited again,
# then deactivated last).
POSTS: dict[str, Callable[[World], dict[str, Any]]] = {
    "new-case": lambda w: {
        "source": "phone",
        "contact_method": "none",
        "contact_safe": "no",
        "country": "gb",
        "under_18": "no",
        "summary": "what happened",
        "pasted": "https://example.com/b",
    },
    "assign": lambda w: {"member": w.everyone.pk},
    "claim": lambda w: {},
    "release": lambda w: {},
    "staff": lambda w: {"username": "new-person", "roles": ["caseworker"]},
    "settings": lambda w: {"retention_months": 6, "reveals_per_hour": 10},
    "roles": lambda w: {"roles": ["caseworker", "supervisor"]},
    "invite": lambda w: {},
    "deactivate": lambda w: {},
    "referral-reveal": lambda w: {},
    "referral-import": lambda w: {"file": SimpleUploadedFile("r.reclaim-referral", w.another.body)},
    "read-notification": lambda w: {},
    "audit-verify": lambda w: {},
    "case-facts": lambda w: {"depicted": "A. N. Other", "authority": "their written consent"},
}


def entries() -> int:
    return AuditEntry.objects.count()


def unaudited(world: World) -> list[str]:
    """Return each request to a console page that did not add exactly one audit entry."""
    client = signed_in(world.everyone)
    found = []
    patterns = [p for p in console_urls.urlpatterns if isinstance(p, URLPattern)]
    names = [p.name for p in patterns if p.name not in NO_CASE_DATA]
    by_name = {p.name: p for p in patterns}
    for name in names:
        before = entries()
        response = client.get(url_of(by_name[name], world))
        if response.status_code == 405:
            if name not in POSTS:
                found.append(f"{name}: takes no GET, and the walk has no form to send it")
            continue
        if response.status_code >= 400 or entries() - before != 1:
            found.append(f"GET {name}: {response.status_code}, {entries() - before} entries")
    for name, data in POSTS.items():
        before = entries()
        response = client.post(url_of(by_name[name], world), data(world))
        if response.status_code >= 400 or entries() - before != 1:
            found.append(f"POST {name}: {response.status_code}, {entries() - before} entries")
    return found


def test_every_console_page_adds_exactly_one_audit_entry(world: World) -> None:
    assert unaudited(world) == []
    assert audit.verify(world.case.helpline) == []


def test_the_walk_covers_every_console_pattern() -> None:
    names = {p.name for p in console_urls.urlpatterns if isinstance(p, URLPattern)}
    assert set(POSTS) <= names
    assert {"queue", "case", "claim", "assign", "release", "new-case"} <= names


@member_required
def peek(request: HttpRequest, number: str) -> HttpResponse:
    """A page written without the door: it reads a case directly."""
    found = Case.objects.get(number=number)
    return HttpResponse(keys.unseal_text(found.helpline, found.sealed_summary))


@pytest.fixture
def rogue_page() -> Iterator[None]:
    # Added to the list the console's resolver already holds, and taken out again after.
    rogue = path("cases/<str:number>/peek/", peek, name="peek")
    console_urls.urlpatterns.append(rogue)
    clear_url_caches()
    yield
    console_urls.urlpatterns.remove(rogue)
    clear_url_caches()


def test_the_walk_finds_a_page_that_reads_a_case_without_the_door(
    world: World, rogue_page: None
) -> None:
    client: Client = signed_in(world.everyone)
    assert client.get("/console/cases/2020-000001/peek/").content == b"what happened in 2020-000001"
    assert unaudited(world) == ["GET peek: 200, 0 entries"]
