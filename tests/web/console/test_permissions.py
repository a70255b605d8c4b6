"""The permission matrix, role by role and action by action, on every kind of case; the pages
each role reaches; and nothing of one helpline reachable from another (404, never 403)."""

from dataclasses import dataclass

import pytest
from django.test import Client

from reclaim.web.console.models import Case, CaseAddress, StaffMember
from reclaim.web.console.permissions import Action, covers

from .fixtures import address, case, helpline, member, signed_in

A = Action
CASEWORK = {A.VIEW_QUEUE, A.VIEW_CASE, A.EDIT_CASE, A.ASSIGN, A.CLAIM_ADDRESS, A.WRITE_NOTES,
            A.READ_NOTES, A.REVEAL_MEDIA, A.SEND_BATCH, A.CLOSE_CASE}  # fmt: skip
# The matrix as the issue states it, written out again here rather than read from the code.
EXPECTED = {
    "caseworker": CASEWORK,
    "supervisor": CASEWORK | {A.DELETE_CASE, A.READ_AUDIT, A.VIEW_STATISTICS},
    "administrator": {A.VIEW_STATISTICS, A.MANAGE_STAFF, A.MANAGE_SETTINGS},
}
CASE_ACTIONS = set(A) - {A.VIEW_QUEUE, A.VIEW_STATISTICS, A.MANAGE_STAFF, A.MANAGE_SETTINGS}
# Which kinds of case each role sees: unassigned, their own, a colleague's, another helpline's.
SEES = {
    "caseworker": {"unassigned", "own"},
    "supervisor": {"unassigned", "own", "colleague's"},
    "administrator": set(),
}


@dataclass
class Line:
    members: dict[str, StaffMember]
    cases: dict[str, Case]
    addresses: dict[str, CaseAddress]


@pytest.fixture
def line() -> Line:
    here, there = helpline("here"), helpline("there")
    members = {role: member(here, role, role) for role in EXPECTED}
    members["caseworker and administrator"] = member(here, "both", "caseworker", "administrator")
    colleague = member(here, "colleague", "caseworker")
    stranger = member(there, "stranger", "caseworker", "supervisor")
    cases = {
        "unassigned": case(here, "2020-000001"),
        "own": case(here, "2020-000002", assigned_to=members["caseworker"]),
        "colleague's": case(here, "2020-000003", assigned_to=colleague),
        "another helpline's": case(there, "2020-000009", assigned_to=stranger),
    }
    addresses = {kind: address(item, f"https://example.com/{kind}") for kind, item in cases.items()}
    return Line(members, cases, addresses)


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_may_take_exactly_its_actions_on_the_cases_it_sees(line: Line, role: str) -> None:
    person = line.members[role]
    for kind, item in line.cases.items():
        # Supervisors "own" every case in the sense of seeing it; the table says which they see.
        for action in CASE_ACTIONS:
            expected = action in EXPECTED[role] and kind in SEES[role]
            assert covers(person, item, action) == expected, (role, kind, action)


def test_an_administrator_who_is_also_a_caseworker_works_cases_as_a_caseworker(
    line: Line,
) -> None:
    both = line.members["caseworker and administrator"]
    assert covers(both, line.cases["unassigned"], A.VIEW_CASE)
    assert not covers(both, line.cases["colleague's"], A.VIEW_CASE)
    assert not covers(both, line.cases["unassigned"], A.DELETE_CASE)


def test_a_deactivated_member_may_do_nothing(line: Line) -> None:
    person = line.members["supervisor"]
    person.active = False
    assert not any(covers(person, item, action) for item in line.cases.values() for action in A)


# Pages, role by role -----------------------------------------------------------------------

PAGES = {
    # page: (caseworker, supervisor, administrator, caseworker and administrator)
    "/console/": (200, 200, 403, 200),
    "/console/cases/new/": (200, 200, 403, 200),
    "/console/cases/2020-000001/": (200, 200, 404, 200),
    "/console/cases/2020-000002/": (200, 200, 404, 404),
    "/console/cases/2020-000003/": (404, 200, 404, 404),
    "/console/cases/2020-000009/": (404, 404, 404, 404),
    "/console/staff/": (403, 403, 200, 200),
    "/console/settings/": (403, 403, 200, 200),
    "/console/statistics/": (403, 200, 200, 200),
    "/console/statistics/export/?table=addresses_by_platform": (403, 200, 200, 200),
}
ROLES_IN_ORDER = ("caseworker", "supervisor", "administrator", "caseworker and administrator")


@pytest.mark.parametrize("role", ROLES_IN_ORDER)
def test_each_role_reaches_exactly_its_pages(line: Line, role: str) -> None:
    client = signed_in(line.members[role])
    column = ROLES_IN_ORDER.index(role)
    got = {page: client.get(page).status_code for page in PAGES}
    assert got == {page: codes[column] for page, codes in PAGES.items()}


def queue_numbers(client: Client, view: str = "cases") -> set[str]:
    page = client.get(f"/console/?view={view}&status=").content.decode()
    return {n for n in ("2020-000001", "2020-000002", "2020-000003", "2020-000009") if n in page}


def test_the_queue_shows_each_role_only_the_cases_it_sees(line: Line) -> None:
    caseworker, supervisor = line.members["caseworker"], line.members["supervisor"]
    both = line.members["caseworker and administrator"]
    assert queue_numbers(signed_in(caseworker)) == {"2020-000001", "2020-000002"}
    assert queue_numbers(signed_in(supervisor)) == {"2020-000001", "2020-000002", "2020-000003"}
    assert queue_numbers(signed_in(both)) == {"2020-000001"}
    assert queue_numbers(signed_in(caseworker), "addresses") == {"2020-000001", "2020-000002"}


# Between helplines (IDOR) ------------------------------------------------------------------


def test_another_helplines_case_and_addresses_answer_404_to_every_action(line: Line) -> None:
    client = signed_in(line.members["supervisor"])
    theirs = line.addresses["another helpline's"]
    mine = line.cases["unassigned"].number
    attempts = [
        client.get("/console/cases/2020-000009/"),
        client.post(
            "/console/cases/2020-000009/assign/", {"member": line.members["caseworker"].pk}
        ),
        client.post(f"/console/cases/2020-000009/addresses/{theirs.pk}/claim/"),
        client.get(f"/console/cases/2020-000009/addresses/{theirs.pk}/claim/"),
        # Their address under one of my case numbers is no more found.
        client.post(f"/console/cases/{mine}/addresses/{theirs.pk}/claim/"),
        client.post(f"/console/cases/{mine}/addresses/{theirs.pk}/release/"),
    ]
    assert [response.status_code for response in attempts] == [404] * len(attempts)
    theirs.refresh_from_db()
    assert theirs.claimed_by is None


def test_a_case_cannot_be_handed_to_another_helplines_member(line: Line) -> None:
    client = signed_in(line.members["supervisor"])
    stranger = StaffMember.objects.get(user__username="stranger")
    response = client.post("/console/cases/2020-000001/assign/", {"member": stranger.pk})
    assert response.status_code == 400
    assert Case.objects.get(number="2020-000001", helpline__slug="here").assigned_to is None


def test_another_helplines_member_cannot_be_managed(line: Line) -> None:
    client = signed_in(line.members["administrator"])
    stranger = StaffMember.objects.get(user__username="stranger")
    for what in ("roles", "deactivate", "invite"):
        response = client.post(f"/console/staff/{stranger.pk}/{what}/", {"roles": ["caseworker"]})
        assert response.status_code == 404, what
    stranger.refresh_from_db()
    assert stranger.active and stranger.supervisor


def test_an_administrator_sees_no_case_content(line: Line) -> None:
    client = signed_in(line.members["administrator"])
    for page in ("/console/staff/", "/console/settings/"):
        content = client.get(page).content.decode()
        assert "what happened in" not in content and "2020-00000" not in content
