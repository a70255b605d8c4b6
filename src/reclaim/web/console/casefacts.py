"""A case's facts for removal requests, kept once on the case and pre-filled into batches.

The person shown (as the platform should know them), the authority the helpline acts on, what
the content shows, and the two statements are the same for every batch a case's addresses go
in: they are kept on the case, sealed with the helpline's data key under a name bound to the
case (``case-facts:<id>``), changed on the case's "Facts for removal requests" page, and
offered in every batch form, where they can still be changed for that batch alone.
"""

import dataclasses
import json

from django.http import HttpRequest

from reclaim.web.console import keys
from reclaim.web.console.batches import CaseFacts
from reclaim.web.console.cases import open_case
from reclaim.web.console.models import Case, StaffMember
from reclaim.web.console.permissions import Action


def facts_of(case: Case) -> CaseFacts:
    """Return the facts kept on ``case`` (empty ones when none were kept)."""
    if not case.sealed_facts:
        return CaseFacts()
    values = json.loads(keys.unseal(case.helpline, case.sealed_facts, _name(case)))
    known = {f.name for f in dataclasses.fields(CaseFacts)}
    return CaseFacts(**{k: v for k, v in values.items() if k in known})


def initial(case: Case) -> dict[str, object]:
    """Return the facts kept on ``case`` as a form's initial values."""
    return dataclasses.asdict(facts_of(case))


def read(request: HttpRequest, number: str) -> tuple[Case, CaseFacts]:
    """Return case ``number`` and its facts, for the page that changes them (audited)."""
    case = open_case(request, number, Action.VIEW_CASE, target="facts")
    return case, facts_of(case)


def save(request: HttpRequest, number: str, facts: CaseFacts) -> Case:
    """Keep ``facts`` on case ``number`` (sealed, audited); return the case."""

    def change(case: Case, member: StaffMember) -> dict[str, str]:
        encoded = json.dumps(dataclasses.asdict(facts)).encode()
        case.sealed_facts = keys.seal(case.helpline, encoded, _name(case))
        case.save(update_fields=["sealed_facts"])
        return {"event": "facts for removal requests changed"}

    return open_case(request, number, Action.EDIT_CASE, target="facts", change=change)


def _name(case: Case) -> bytes:
    # Bound to the case: facts copied to another case's row do not open.
    return b"case-facts:%d" % case.pk
