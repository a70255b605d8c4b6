"""Legal profiles: what a removal request must contain under one law, and its clock."""

import datetime
from dataclasses import dataclass
from pathlib import Path

from reclaim.content import ContentError, Table
from reclaim.notices._directory import Platform

# The facts a request is made from (reclaim.notices.RequestFacts); an element needs some of them.
FACTS = (
    "locations",
    "description",
    "depicted",
    "signer",
    "authority",
    "signed_on",
    "contact",
    "email",
    "consent_statement",
    "accuracy_statement",
    "intimate_statement",
)
PLACEHOLDERS = ("{depicted}", "{signer}", "{authority}")
ANY_COUNTRY = "*"


@dataclass(frozen=True)
class Element:
    """One thing a valid request must contain, and the facts it is made from."""

    id: str
    label: str
    needs: tuple[str, ...]
    statement: str = ""


@dataclass(frozen=True)
class Escalation:
    """Somewhere to go when the platform does not act: a regulator, an appeal, the police."""

    id: str
    name: str
    when: str
    url: str = ""


@dataclass(frozen=True)
class Profile:
    """A law or scheme a request is made under: its elements, clock, escalations, sources."""

    id: str
    name: str
    law: str
    countries: tuple[str, ...]
    in_force: bool
    basis: str
    clock: str
    elements: tuple[Element, ...]
    escalations: tuple[Escalation, ...]
    sources: tuple[str, ...]
    last_reviewed: datetime.date
    review_by: datetime.date
    deadline_hours: int | None = None
    in_force_from: datetime.date | None = None

    def covers(self, country: str) -> bool:
        """Return whether this profile applies to a person in ``country`` (ISO 3166 alpha-2)."""
        return self.in_force and (ANY_COUNTRY in self.countries or country in self.countries)


@dataclass(frozen=True)
class Profiles:
    """Every legal profile, and the rule that picks one for a request."""

    profiles: tuple[Profile, ...]

    def get(self, profile_id: str) -> Profile:
        """Return the profile with this id; raise KeyError if there is none."""
        for profile in self.profiles:
            if profile.id == profile_id:
                return profile
        raise KeyError(profile_id)

    def choose(self, country: str, platform: Platform | None) -> Profile:
        """Return the profile for a person in ``country`` asking ``platform`` (None: unknown).

        Among the profiles in force where the person is that the platform answers to, the one
        with a legal clock wins (it gives the person a deadline to hold the platform to);
        otherwise the general profile, under the platform's own rules.
        """
        answers_to = platform.answers_to if platform else ()
        candidates = [
            p
            for p in self.profiles
            if p.covers(country.lower()) and ANY_COUNTRY not in p.countries and p.id in answers_to
        ]
        candidates.sort(key=lambda p: (p.deadline_hours is None, p.deadline_hours or 0))
        return candidates[0] if candidates else self.get("general")


def load_profiles(path: Path) -> Profiles:
    """Return the profiles in ``path``; raise ContentError naming the first broken rule."""
    table = Table.read(path)
    escalations = {e.id: e for e in map(_escalation, table.tables("escalation"))}
    profiles = tuple(_profile(entry, escalations) for entry in table.tables("profile"))
    table.done()
    ids = [p.id for p in profiles]
    if len(set(ids)) != len(ids):
        raise ContentError(f"{path}: a profile id appears more than once")
    if "general" not in ids:
        raise ContentError(f"{path}: the 'general' profile is missing (it is the fallback)")
    return Profiles(profiles)


def _profile(table: Table, escalations: dict[str, Escalation]) -> Profile:
    named = table.strings("escalations")
    unknown = [name for name in named if name not in escalations]
    if unknown:
        raise table.error(f"unknown escalation(s): {', '.join(unknown)}")
    profile = Profile(
        id=table.slug("id"),
        name=table.text("name"),
        law=table.text("law"),
        countries=table.strings("countries"),
        in_force=table.flag("in_force"),
        basis=table.choice("basis", ("law", "practice")),
        clock=table.text("clock"),
        elements=tuple(_element(e) for e in table.tables("element")),
        escalations=tuple(escalations[name] for name in named),
        sources=table.strings("sources"),
        last_reviewed=table.date("last_reviewed"),
        review_by=table.date("review_by"),
        deadline_hours=table.optional_integer("deadline_hours"),
        in_force_from=table.optional_date("in_force_from"),
    )
    if profile.review_by <= profile.last_reviewed:
        raise table.error("'review_by' must come after 'last_reviewed'")
    element_ids = [e.id for e in profile.elements]
    if len(set(element_ids)) != len(element_ids):
        raise table.error("an element id appears more than once")
    table.done()
    return profile


def _element(table: Table) -> Element:
    element = Element(
        id=table.slug("id"),
        label=table.text("label"),
        needs=table.strings("needs"),
        statement=table.text("statement", default=""),
    )
    unknown = [fact for fact in element.needs if fact not in FACTS]
    if unknown:
        raise table.error(f"unknown fact(s) {', '.join(unknown)}: known are {', '.join(FACTS)}")
    leftover = element.statement
    for placeholder in PLACEHOLDERS:
        leftover = leftover.replace(placeholder, "")
    if "{" in leftover or "}" in leftover:
        raise table.error(f"the statement may only use {', '.join(PLACEHOLDERS)}")
    table.done()
    return element


def _escalation(table: Table) -> Escalation:
    escalation = Escalation(
        id=table.slug("id"),
        name=table.text("name"),
        when=table.text("when"),
        url=table.text("url", default=""),
    )
    if escalation.url and not escalation.url.startswith("https://"):
        raise table.error("'url' must be an https:// address")
    table.done()
    return escalation
