"""A case's facts for removal requests are kept on the case, sealed, changed on the case's
page, and filled into every batch form for that case."""

import re
from pathlib import Path

from reclaim.web.console import casefacts
from reclaim.web.console.models import AuditEntry, Case

from .caseclients import whole_database
from .fixtures import member
from .test_batches import PROFILE, line_with_cases, routes, signed_in

__all__ = ["routes"]  # the fixture, used by name
FACTS = {
    "depicted": "Jo Example-Person",
    "authority": "written consent given to us by phone",
    "description": "Two photos in a thread",
    "consent_statement": "on",
}


def test_facts_are_kept_sealed_on_the_case_and_filled_into_batches(routes: Path) -> None:
    _line, sam, first, _second = line_with_cases()
    client = signed_in(sam)
    page = client.get(f"/console/cases/{first.number}/").content.decode()
    assert f"/console/cases/{first.number}/facts/" in page
    answer = client.post(f"/console/cases/{first.number}/facts/", FACTS)
    assert answer.status_code == 302
    entry = AuditEntry.objects.latest("seq")
    assert (entry.action, entry.target, entry.case_id) == ("edit case", "facts", first.pk)
    database = whole_database()
    assert b"Jo Example-Person" not in database and b"by phone" not in database

    kept = casefacts.facts_of(Case.objects.get(pk=first.pk))
    assert (kept.depicted, kept.consent_statement, kept.intimate_statement) == (
        "Jo Example-Person", True, False,
    )  # fmt: skip
    shown = client.get(f"/console/cases/{first.number}/facts/").content.decode()
    assert 'value="Jo Example-Person"' in shown

    batch = client.get(f"/console/batches/reddit/{PROFILE}/").content.decode()
    [tag] = re.findall(rf'<input[^>]*name="c{first.pk}-depicted"[^>]*>', batch)
    assert 'value="Jo Example-Person"' in tag
    assert batch.count("Jo Example-Person") == 1, "the other case's form stays empty"


def test_facts_copied_to_another_case_do_not_open_and_a_colleague_cannot_change_them() -> None:
    line, sam, first, second = line_with_cases()
    signed_in(sam).post(f"/console/cases/{first.number}/facts/", FACTS)
    sealed = Case.objects.get(pk=first.pk).sealed_facts
    Case.objects.filter(pk=second.pk).update(sealed_facts=sealed)
    try:
        casefacts.facts_of(Case.objects.get(pk=second.pk))
    except Exception as error:  # SealError: what matters is that it does not open
        assert "Seal" in type(error).__name__
    else:
        raise AssertionError("facts moved to another case opened")
    kim = member(line, "kim", "caseworker")  # the cases are sam's
    assert signed_in(kim).post(f"/console/cases/{first.number}/facts/", FACTS).status_code == 404
