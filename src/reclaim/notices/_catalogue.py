"""The directory and the profiles together, and the choices they make for one address."""

from dataclasses import dataclass, field, replace
from pathlib import Path

from reclaim.content import ContentError, Translation
from reclaim.languages import LANGUAGE_CODES, ORIGINAL_LANGUAGE
from reclaim.notices._directory import (
    PURPOSES,
    Directory,
    Platform,
    Route,
    load_directory,
    merge_routes,
)
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

    def plan(self, url: str, country: str, organisation: str = "") -> Plan:
        """Return the platform, routes and profile for a request about ``url``.

        ``organisation`` is the helpline making the request ('' for a person): its own
        enrolled routes (a trusted-flagger route) come first, and nobody else's are offered.
        """
        platform = self.directory.recognise(url)
        profile = self.profiles.choose(country, platform)
        routes = rank_routes(platform, profile, organisation) if platform else ()
        return Plan(platform, routes, profile)


def rank_routes(platform: Platform, profile: Profile, organisation: str = "") -> tuple[Route, ...]:
    """Return the platform's routes best first for ``profile`` (and ``organisation``).

    A route enrolled to the organisation comes first (its trusted-flagger route); a route only
    enrolled organisations may use is left out for anyone else. Then a route made for this law
    (X's TAKE IT DOWN form for a US request); a route made for another law is left out; then
    by purpose (intimate-image and privacy before a general abuse desk), then in the
    directory's order.
    """
    usable = [
        r
        for r in platform.routes
        if (not r.profiles or profile.id in r.profiles) and r.usable_by(organisation)
    ]
    return tuple(
        sorted(
            usable,
            key=lambda r: (
                r.who != "enrolled",
                profile.id not in r.profiles,
                PURPOSES.index(r.purpose),
            ),
        )
    )


def load_catalogue(content_dir: Path, extra: Path | None = None) -> Catalogue:
    """Return the catalogue in ``content_dir``/removals; raise ContentError on a broken rule.

    ``extra`` is a helpline's own routes file (reclaim.notices._directory), merged over the
    public directory in the original and in every language (its routes in its own words).
    """
    folder = content_dir / FOLDER
    public = load_directory(folder / "platforms.toml")
    directory = merge_routes(public, extra) if extra else public
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
            words, translated, meta = load_translation(folder / f"{code}.toml", public, profiles)
            translations[code] = Catalogue(_with_added(words, public, directory), translated, meta)
    return Catalogue(directory, profiles, translations=translations)


def _with_added(translated: Directory, public: Directory, merged: Directory) -> Directory:
    """Return the translated directory with the routes and platforms a routes file added."""
    if merged is public:
        return translated
    words = {p.id: p for p in translated.platforms}
    platforms = []
    for platform in merged.platforms:
        own = words.get(platform.id)
        if own is None:
            platforms.append(platform)  # a platform only the helpline's file has
        else:
            added = platform.routes[len(own.routes) :]
            platforms.append(replace(own, routes=(*own.routes, *added)))
    return Directory(tuple(platforms))


def _route_profiles(platform: Platform) -> list[str]:
    return [p for route in platform.routes for p in route.profiles]
