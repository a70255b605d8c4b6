"""Country names: every country content names has one, and the removal form offers exactly the
countries of the legal profiles."""

from django.utils import translation

from reclaim.web.countries import COUNTRY_NAMES
from reclaim.web.removals.forms import SOMEWHERE_ELSE, StartForm, country_choices
from reclaim.web.removals.services import catalogue
from reclaim.web.support.content import library


def _profile_countries() -> set[str]:
    profiles = catalogue().profiles.profiles
    return {code for p in profiles if p.in_force for code in p.countries if code != "*"}


def test_every_country_content_names_has_a_name() -> None:
    named = set(COUNTRY_NAMES)
    assert _profile_countries() <= named
    assert set(library().countries()) <= named


def test_the_removal_form_offers_the_profiles_countries_then_somewhere_else() -> None:
    with translation.override("en"):  # not whatever language an earlier test left active
        choices = country_choices()
    assert {code for code, _ in choices[:-1]} == _profile_countries()
    assert len(choices) == len(_profile_countries()) + 1 > 20
    assert choices[-1] == (SOMEWHERE_ELSE, "Somewhere else")
    names = [name for _, name in choices[:-1]]
    assert names == sorted(names, key=str.casefold)


def test_the_removal_form_names_countries_in_the_page_language() -> None:
    with translation.override("pl"):
        field = StartForm().fields["country"]
        choices = dict(field.choices)  # type: ignore[attr-defined]  # a ChoiceField's
    assert choices["de"] == "Niemcy" and choices["gb"] == "Wielka Brytania"
    assert choices[SOMEWHERE_ELSE] != "Somewhere else"
