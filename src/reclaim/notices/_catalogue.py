"""The directory and the profiles together, and the choices they make for one address."""

from dataclasses import dataclass
from pathlib import Path

from reclaim.content import ContentError
from reclaim.notices._directory import PURPOSES, Directory, Platform, Route, load_directory
from reclaim.notices._profiles import Profile, Profiles, load_profiles

FOLDER = "removals"


@dataclass(frozen=True)
class Plan:
    """For one address: the platform (None if unknown), its routes best first, the profile."""

    platform: Platform | None
    routes: tuple[Route, ...]
    profile: Profile


@dataclass(frozen=True)
class Catalogue:
    """The platform directory and the legal profiles, checked against each other."""

    directory: Directory
    profiles: Profiles

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
    return Catalogue(directory, profiles)


def _route_profiles(platform: Platform) -> list[str]:
    return [p for route in platform.routes for p in route.profiles]
