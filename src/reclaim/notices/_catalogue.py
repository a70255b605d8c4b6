"""The directory and the profiles together, and the choices they make for one address."""

from dataclasses import dataclass, field
from pathlib import Path

from reclaim.content import ContentError, Translation
from reclaim.languages import LANGUAGE_CODES, ORIGINAL_LANGUAGE
from reclaim.notices._directory import PURPOSES, Directory, Platform, Route, load_directory
from reclaim.notices._profiles import Profile, Profiles, load_profiles
from reclaim.notices._translations import load_translation

FOLDER = "removals"


@dataclass(frozen=True)
class Plan:
    """For one address: the platform (None if unknown), its routes best first, the profile."""

    platform: Platform | None
    routes: tuple[Route, ...]
    profile: Profile


@dataclass(frozen=True)
class Catalogue:
    """The platform directory and the legal profiles, checked against each other.

    ``translations`` hold the same catalogue with the words a person reads in each other
    language (``in_language``); a request is always composed from the original.
    """

    directory: Directory
    profiles: Profiles
    translation: Translation | None = None  # None for the original
    translations: dict[str, "Catalogue"] = field(default_factory=dict, compare=False)

    def in_language(self, language: str) -> "Catalogue":
        """Return the catalogue with its words in ``language`` (the original if none)."""
        return self.translations.get(language, self)

    def plan(self, url: str, country: str) -> Plan:
        """Return the platform, routes and profile for a request about ``url``."""
        platform = self.directory.recognise(url)
        profile = self.profiles.choose(country, platform)
        return Plan(platform, rank_routes(platform, profile) if platform else (), profile)


def rank_routes(platform: Platform, profile: Profile) -> tuple[Route, ...]:
    """Return the platform's routes best first for ``profile``.

    A route made for this law comes first (X's TAKE IT DOWN form for a US request); a route
    made for another law is left out; then by purpose (intimate-image and privacy before a
    general abuse desk), then in the directory's order.
    """
    usable = [r for r in platform.routes if not r.profiles or profile.id in r.profiles]
    return tuple(
        sorted(
            usable,
            key=lambda r: (profile.id not in r.profiles, PURPOSES.index(r.purpose)),
        )
    )


def load_catalogue(content_dir: Path) -> Catalogue:
    """Return the catalogue in ``content_dir``/removals; raise ContentError on a broken rule."""
    folder = content_dir / FOLDER
    directory = load_directory(folder / "platforms.toml")
    profiles = load_profiles(folder / "profiles.toml")
    known = {p.id for p in profiles.profiles}
    for platform in directory.platforms:
        unknown = [p for p in (*platform.answers_to, *_route_profiles(platform)) if p not in known]
        if unknown:
            raise ContentError(
                f"{folder / 'platforms.toml'} ({platform.id}): unknown profile(s) "
                f"{', '.join(sorted(set(unknown)))}"
            )
    translations = {}
    for code in LANGUAGE_CODES:
        if code != ORIGINAL_LANGUAGE:
            words = load_translation(folder / f"{code}.toml", directory, profiles)
            translations[code] = Catalogue(*words)
    return Catalogue(directory, profiles, translations=translations)


def _route_profiles(platform: Platform) -> list[str]:
    return [p for route in platform.routes for p in route.profiles]
