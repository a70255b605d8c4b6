"""What to do next when a request is overdue, refused, or the content came back.

The order follows the laws: the regulator the law names (the FTC under the TAKE IT DOWN Act,
which takes reports at takeitdown.ftc.gov only after the platform was asked first; eSafety in
Australia), then those who can take the page down themselves (the host, the registrar, the
network in front of the site), then search engines, then the police.
"""

from dataclasses import dataclass

from reclaim.notices._directory import Directory, Platform
from reclaim.notices._profiles import Profile
from reclaim.notices._rdap import HostingReport
from reclaim.notices._tracking import (
    DELISTED,
    GEO_RESTRICTED,
    INFO_REQUESTED,
    NO_RESPONSE,
    REAPPEARED,
    REFUSED,
    RemovalRequest,
)

SEARCH_ENGINES = ("google-search", "microsoft")  # ids in the platform directory
CDN_PLATFORMS = {"Cloudflare": "cloudflare"}


@dataclass(frozen=True)
class Step:
    """One suggested next step, with where to take it.

    ``wording`` names the fixed words of the title and detail (for a page to show them in its
    own language, with ``name`` and ``reason`` filled in); it is "" where the words come from
    the catalogue (a regulator or the police: the profile's escalation).
    """

    kind: str  # answer, appeal, regulator, host, registrar, cdn, search, police
    title: str
    detail: str = ""
    url: str = ""
    address: str = ""
    wording: str = ""
    name: str = ""  # the host, registrar, network or search engine the step names
    reason: str = ""  # the platform's reason for refusing


def next_steps(
    request: RemovalRequest,
    profile: Profile,
    directory: Directory,
    hosting: HostingReport | None = None,
    overdue: bool = False,
) -> list[Step]:
    """Return the steps worth taking now, most useful first (empty when nothing is due)."""
    if request.status == INFO_REQUESTED:
        title = "Answer the platform's question, then mark the request sent again"
        return [Step("answer", title, wording="answer")]
    stuck = overdue or request.status in (NO_RESPONSE, REFUSED, REAPPEARED, GEO_RESTRICTED)
    steps: list[Step] = []
    if request.status in (REFUSED, GEO_RESTRICTED):
        steps.append(_appeal(request))
    if request.status == DELISTED or stuck:
        steps += [
            Step("regulator", e.name, e.when, url=e.url)
            for e in profile.escalations
            if e.id != "police"
        ]
        seen_cdn = next((c.cdn for c in reversed(request.checks) if c.cdn), "")
        steps += _hosting_steps(hosting, directory, seen_cdn)
        steps += [_search_step(directory.get(i)) for i in SEARCH_ENGINES if _known(directory, i)]
        police = [e for e in profile.escalations if e.id == "police"]
        steps += [Step("police", e.name, e.when) for e in police]
    return steps


def _appeal(request: RemovalRequest) -> Step:
    if request.status == GEO_RESTRICTED:
        return Step(
            "appeal",
            "Ask again: hiding it in some countries is not a removal",
            "A court in British Columbia held that geo-blocking does not comply (Re X Corp., "
            "2025 BCCRT 1228). Ask for it to be removed everywhere.",
            wording="geo-restricted",
        )
    reason = next((e.reason for e in reversed(request.events) if e.reason), "")
    detail = f"Their reason: {reason}" if reason else ""
    return Step("appeal", "Appeal the platform's decision", detail, wording="appeal", reason=reason)


def _hosting_steps(
    hosting: HostingReport | None, directory: Directory, seen_cdn: str
) -> list[Step]:
    if hosting is None:
        found = [
            Step(
                "host",
                "Find who hosts the site",
                "Look up the host and the registrar.",
                wording="find-host",
            )
        ]
        return [*_cdn_steps(seen_cdn, directory), *found]
    return [*_cdn_steps(hosting.cdn or seen_cdn, directory), *_holder_steps(hosting)]


def _cdn_steps(cdn_name: str, directory: Directory) -> list[Step]:
    if not cdn_name:
        return []
    platform_id = CDN_PLATFORMS.get(cdn_name, "")
    if _known(directory, platform_id):
        cdn = directory.get(platform_id)
        title = f"Report to {cdn.name}"
        return [Step("cdn", title, cdn.notes, cdn.routes[0].url, wording="cdn", name=cdn.name)]
    title = f"Report to {cdn_name}, the network in front of the site"
    return [Step("cdn", title, wording="unknown-cdn", name=cdn_name)]


def _holder_steps(hosting: HostingReport) -> list[Step]:
    steps = [
        Step(
            "host",
            f"Ask the host ({network.name}) to take the page down",
            "Only the holder of the server's address can take the server down.",
            address=network.email,
            wording="host",
            name=network.name,
        )
        for network in hosting.networks
    ]
    if hosting.registrar:
        steps.append(
            Step(
                "registrar",
                f"Ask the registrar ({hosting.registrar.name})",
                "A registrar can suspend the whole domain.",
                address=hosting.registrar.email,
                wording="registrar",
                name=hosting.registrar.name,
            )
        )
    return steps


def _search_step(platform: Platform) -> Step:
    route = platform.routes[0]
    title = f"Ask {platform.name} to remove it from results"
    return Step("search", title, platform.notes, route.url, wording="search", name=platform.name)


def _known(directory: Directory, platform_id: str) -> bool:
    return any(p.id == platform_id for p in directory.platforms)
