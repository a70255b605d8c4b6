"""Interface words for facts held as codes in content: situations, days, audiences.

Country names are in reclaim.web.countries, shared with the removal pages.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from reclaim.content import Helpline
from reclaim.web.countries import country_name as country_name  # the support pages use it here

# The start page's choices, in the order asked; each is the slug of a plan.
SITUATIONS: dict[str, Promise] = {
    "shared": _("Someone has shared intimate images of me"),
    "threatened": _("Someone is threatening to share images of me, or asking for money"),
    "worried": _("I am worried that someone might share images of me"),
    "not-sure-its-me": _(
        "I am not sure the image is of me (it may be fake, or someone who looks like me)"
    ),
    "under-18": _("I was under 18 in the image"),
    "helping": _("I am helping someone else"),
}

DAYS: dict[str, Promise] = {
    "mon-fri": _("Monday to Friday"),
    "mon-sat": _("Monday to Saturday"),
    "sat-sun": _("Saturday and Sunday"),
    "every-day": _("Every day"),
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}

AUDIENCES: dict[str, Promise] = {
    "adults": _("For adults"),
    "under-18": _("For children and young people under 18"),
    "young-people": _("For young people"),
    "everyone": _("For everyone"),
    "16-plus": _("For people aged 16 and over"),
}


@dataclass(frozen=True)
class HelplineView:
    """A helpline with its codes turned into words for the page."""

    entry: Helpline
    name: str
    area: str
    description: str
    audience: str
    hours: list[str]


def describe(entry: Helpline) -> HelplineView:
    """Return the helpline's name, area, description, audience and opening hours in the active
    language."""
    hours = [f"{DAYS[span.days]}, {span.opens}–{span.closes}" for span in entry.hours]
    if entry.always_open:
        hours = [str(_("Open 24 hours a day, every day"))]
    language = get_language()
    return HelplineView(
        entry=entry,
        name=entry.name_in(language),
        area=entry.area_in(language),
        description=entry.description(language),
        audience=str(AUDIENCES[entry.audience]),
        hours=hours,
    )
