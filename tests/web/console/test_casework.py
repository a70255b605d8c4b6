"""Intake by phone, email or chat with pasted addresses; the case page; hand-over; claims."""

import re

from django.db import connection

from reclaim.web.console import keys
from reclaim.web.console.models import AuditEntry, Case, CaseAddress, Helpline, StaffMember

from .fixtures import address, case, helpline, member, signed_in

PASTE = """From her messages:
https://www.reddit.com/r/example/comments/abc123/
www.reddit.com/r/example/comments/abc123/  (the same one again)
hxxps://pornhub[.]com/view_video.php?viewkey=abc
and a site we do not know: https://unknown-site.example.net/p/1.
nothing here
"""


def intake(**changes: str) -> dict[str, str]:
    form = {
        "source": "phone",
        "contact_method": "phone",
        "contact": "07700 900456",
        "contact_safe": "yes",
        "country": "gb",
        "under_18": "no",
        "summary": "Shared by an ex-partner on two sites",
        "pasted": PASTE,
    }
    return {**form, **changes}


def test_a_case_opened_at_intake_keeps_each_pasted_address_once_recognised(
    line: Helpline, sam: StaffMember
) -> None:
    response = signed_in(sam).post("/console/cases/new/", intake())
    assert response.status_code == 200, response.content.decode()[:2000]
    page = response.content.decode()
    opened = Case.objects.get()
    assert opened.number.endswith("-000001") and opened.assigned_to == sam
    assert "Addresses recognised: 3." in page and "Repeats, each kept once: 1." in page
    assert "Line 6:" in page and "nothing here" in page
    kept = {a.url: a for a in CaseAddress.objects.filter(case=opened)}
    assert len(kept) == 3
    reddit = next(a for url, a in kept.items() if "reddit" in url)
    assert reddit.platform == "reddit" and reddit.profile and reddit.route
    unknown = next(a for url, a in kept.items() if "unknown-site" in url)
    assert unknown.platform == "" and unknown.status == CaseAddress.Status.TO_SEND
    assert AuditEntry.objects.get().action == "open case"


def test_what_was_typed_at_intake_is_not_in_the_database_in_plaintext(
    line: Helpline, sam: StaffMember
) -> None:
    signed_in(sam).post("/console/cases/new/", intake())
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM console_case")
        rows = repr(cursor.fetchall())
    assert "ex-partner" not in rows and "900456" not in rows
    opened = Case.objects.get()
    assert keys.unseal_text(line, opened.sealed_summary) == "Shared by an ex-partner on two sites"


def test_case_numbers_follow_each_other_and_are_never_given_twice(
    line: Helpline, sam: StaffMember
) -> None:
    client = signed_in(sam)
    client.post("/console/cases/new/", intake(pasted=""))
    client.post("/console/cases/new/", intake(pasted=""))
    first, second = Case.objects.order_by("pk")
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    second.delete()
    client.post("/console/cases/new/", intake(pasted=""))
    assert Case.objects.order_by("pk").last().number.endswith("-000003")  # type: ignore[union-attr]


def test_under_18_routes_to_the_under_18_services(line: Helpline, sam: StaffMember) -> None:
    page = signed_in(sam).post("/console/cases/new/", intake(under_18="yes")).content.decode()
    assert Case.objects.get().under_18
    assert "This case takes no images or videos" in page
    assert 'class="under-18-services"' in page and "<li><a href=" in page


def test_intake_asks_for_what_is_missing(line: Helpline, sam: StaffMember) -> None:
    response = signed_in(sam).post("/console/cases/new/", intake(summary="", under_18=""))
    assert response.status_code == 400 and Case.objects.count() == 0


def test_a_contact_that_is_not_safe_is_never_shown_as_usable(
    line: Helpline, sam: StaffMember
) -> None:
    made = case(line, "2020-000001", contact_safe=False, assigned_to=sam)
    page = signed_in(sam).get(f"/console/cases/{made.number}/").content.decode()
    assert "Not safe to contact" in page and "07700 900123" not in page
    made.contact_safe = True
    made.save()
    assert "07700 900123" in signed_in(sam).get(f"/console/cases/{made.number}/").content.decode()


def test_the_case_page_shows_what_happened_and_the_addresses(
    line: Helpline, sam: StaffMember
) -> None:
    made = case(line, "2020-000001")
    address(made, "https://example.com/one")
    page = signed_in(sam).get("/console/cases/2020-000001/").content.decode()
    assert "what happened in 2020-000001" in page and "https://example.com/one" in page


def test_a_case_is_handed_over_to_another_active_caseworker(
    line: Helpline, sam: StaffMember
) -> None:
    kim = member(line, "kim", "caseworker")
    gone = member(line, "gone", "caseworker", active=False)
    made = case(line, "2020-000001", assigned_to=sam)
    client = signed_in(sam)
    assert client.post("/console/cases/2020-000001/assign/", {"member": gone.pk}).status_code == 400
    assert client.post("/console/cases/2020-000001/assign/", {"member": kim.pk}).status_code == 302
    made.refresh_from_db()
    assert made.assigned_to == kim
    entry = AuditEntry.objects.get(action="assign")
    assert entry.detail == {"from": str(sam.pk), "to": str(kim.pk)}
    assert client.get("/console/cases/2020-000001/").status_code == 404, "no longer sam's"


def test_a_claim_is_visible_to_others_and_taking_it_over_is_confirmed_and_logged(
    line: Helpline, sam: StaffMember
) -> None:
    kim = member(line, "kim", "caseworker")
    made = case(line, "2020-000001")
    target = address(made, "https://example.com/one")
    claim = f"/console/cases/2020-000001/addresses/{target.pk}/claim/"
    assert signed_in(sam).post(claim).status_code == 302
    kims = signed_in(kim)
    assert "Claimed by sam since" in kims.get("/console/cases/2020-000001/").content.decode()
    asked = kims.post(claim)
    assert asked["Location"] == claim, "asked to confirm, not taken"
    target.refresh_from_db()
    assert target.claimed_by == sam
    question = kims.get(claim).content.decode()
    assert "sam has claimed it since" in question
    assert kims.post(claim, {"take_over": "on"}).status_code == 302
    target.refresh_from_db()
    assert target.claimed_by == kim
    taken = AuditEntry.objects.filter(action="claim address").order_by("seq").last()
    assert taken is not None and taken.detail == {"taken_from": str(sam.pk)}


def test_only_the_holder_or_a_supervisor_releases_a_claim(line: Helpline, sam: StaffMember) -> None:
    kim = member(line, "kim", "caseworker")
    boss = member(line, "boss", "supervisor")
    made = case(line, "2020-000001")
    target = address(made, "https://example.com/one", claimed_by=sam)
    release = f"/console/cases/2020-000001/addresses/{target.pk}/release/"
    assert signed_in(kim).post(release).status_code == 400
    assert signed_in(boss).post(release).status_code == 302
    target.refresh_from_db()
    assert target.claimed_by is None


def test_a_paste_of_thousands_of_addresses_is_taken_whole(line: Helpline, sam: StaffMember) -> None:
    urls = [f"https://www.reddit.com/r/example/comments/{n:05d}/a_long_title" for n in range(2000)]
    pasted = "\n".join(urls + urls[:10])  # more than an ordinary form's 64 KB, with repeats
    assert len(pasted) > 64 * 1024
    response = signed_in(sam).post("/console/cases/new/", intake(pasted=pasted))
    assert response.status_code == 200
    assert "Addresses recognised: 2000." in response.content.decode()
    assert CaseAddress.objects.filter(platform="reddit").count() == 2000


def test_case_page_shows_500_addresses_100_at_a_time_every_one_reachable() -> None:
    line = helpline()
    worker = member(line, "sam", "caseworker")
    item = case(line, "2026-000500", assigned_to=worker)
    CaseAddress.objects.bulk_create(
        CaseAddress(case=item, helpline=line, url=f"https://x.example/p/{n:03d}", key=str(n))
        for n in range(500)
    )
    client = signed_in(worker)
    seen: set[str] = set()
    for page in range(1, 6):
        body = client.get(f"/console/cases/{item.number}/", {"addresses": page}).content.decode()
        assert f"Addresses {page * 100 - 99} to {page * 100} of 500" in body
        assert ('rel="next"' in body) == (page < 5)
        seen |= set(re.findall(r"https://x\.example/p/\d{3}", body))
    assert len(seen) == 500
