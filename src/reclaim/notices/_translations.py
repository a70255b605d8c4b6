"""The catalogue's words in other languages: what a person reads about a law or a platform.

``content/removals/<lang>.toml`` translates the words shown to the person: a profile's name,
clock and element labels, an escalation's name and when to use it, a platform's notes (and its
name where it is a description), and a route's steps and where-to-tap words. What goes to the
platform (the law as the request names it, the statements the request makes) is never
translated: the request is written in English, the language platforms' abuse teams read.
"""

from dataclasses import replace
from pathlib import Path

from reclaim.content import Table, Translation, read_translation_meta
from reclaim.notices._directory import Directory, FormField, Platform, Route
from reclaim.notices._profiles import Element, Escalation, Profile, Profiles


def load_translation(
    path: Path, directory: Directory, profiles: Profiles
) -> tuple[Directory, Profiles, Translation]:
    """Return the directory and profiles with the words of ``path``; raise ContentError if it
    leaves out or adds anything the original has (or has not)."""
    table = Table.read(path, "missing (the removal pages exist in every language)")
    meta = read_translation_meta(table)
    words = _section(table, "escalation")
    escalations = {e.id: _escalation(e, _entry(words, e.id)) for e in _all_escalations(profiles)}
    words.done()
    words = _section(table, "profile")
    translated = Profiles(
        tuple(_profile(p, _entry(words, p.id), escalations) for p in profiles.profiles)
    )
    words.done()
    words = _section(table, "platform")
    platforms = tuple(_platform(p, _entry(words, p.id)) for p in directory.platforms)
    words.done()
    table.done()
    return Directory(platforms), translated, meta


def _section(table: Table, key: str) -> Table:
    found = table.table(key)
    if found is None:
        raise table.error(f"a [{key}.…] table is missing")
    return found


def _entry(section: Table, entry_id: str) -> Table:
    found = section.table(entry_id)
    if found is None:
        raise section.error(f"'{entry_id}' is missing: every entry is translated")
    return found


def _all_escalations(profiles: Profiles) -> list[Escalation]:
    found = {e.id: e for p in profiles.profiles for e in p.escalations}
    return list(found.values())


def _escalation(escalation: Escalation, words: Table) -> Escalation:
    translated = replace(escalation, name=words.text("name"), when=words.text("when"))
    words.done()
    return translated


def _profile(profile: Profile, words: Table, escalations: dict[str, Escalation]) -> Profile:
    labels = words.table("elements")
    if labels is None:
        raise words.error("'elements' is missing: each element's label, by its id")
    elements = tuple(_element(element, labels) for element in profile.elements)
    labels.done()
    translated = replace(
        profile,
        name=words.text("name"),
        clock=words.text("clock"),
        elements=elements,
        escalations=tuple(escalations[e.id] for e in profile.escalations),
    )
    words.done()
    return translated


def _element(element: Element, labels: Table) -> Element:
    if not labels.has(element.id):
        raise labels.error(f"the label of element '{element.id}' is missing")
    return replace(element, label=labels.text(element.id))


def _platform(platform: Platform, words: Table) -> Platform:
    name = words.text("name", default=platform.name)  # a service's own name stays as it is
    notes = words.text("notes") if platform.notes else ""
    routes = words.tables("route", required=False)
    if len(routes) != len(platform.routes):
        raise words.error(f"'route' needs one entry for each of the {len(platform.routes)} routes")
    translated = replace(
        platform,
        name=name,
        notes=notes,
        routes=tuple(_route(r, w) for r, w in zip(platform.routes, routes, strict=True)),
    )
    words.done()
    return translated


def _route(route: Route, words: Table) -> Route:
    where = words.text("where") if route.where else ""
    steps = words.strings("steps") if route.steps else ()
    if len(steps) != len(route.steps):
        raise words.error(f"'steps' needs {len(route.steps)} steps, as the original has")
    labels = words.strings("fields") if route.fields else ()
    if len(labels) != len(route.fields):
        raise words.error(f"'fields' needs {len(route.fields)} labels, in the form's order")
    fields = tuple(FormField(label, f.fact) for label, f in zip(labels, route.fields, strict=True))
    words.done()
    return replace(route, where=where, steps=steps, fields=fields)
