"""A helpline's own routes (a platform's trusted-flagger routes): loaded, checked, preferred."""

from pathlib import Path

import pytest

from reclaim.content import ContentError
from reclaim.notices import load_catalogue, load_directory, recognise_addresses

CONTENT = Path(__file__).resolve().parents[2] / "content"
PUBLIC = CONTENT / "removals" / "platforms.toml"
# Made up for the tests: no platform gave these routes to anyone.
ROUTES = """
organisation = "example-helpline"

[[platform]]
id = "reddit"

[[platform.route]]
kind = "email"
purpose = "trusted-flagger"
address = "flagger-desk@reddit.example"
batch = true
batch_limit = 200
source = "Enrolment letter from the platform, 2 March 2026 (case file 12)"

[[platform]]
id = "video-example"
name = "Example Video"
domains = ["video.example"]
who_may_report = "anyone"
answers_to = ["eu-dsa"]
stopncii = false
take_it_down = false
source = "https://video.example/help"
last_checked = 2026-11-01
verified = false

[[platform.route]]
kind = "form"
purpose = "trusted-flagger"
url = "https://video.example/partners/report"
batch = true
source = "https://video.example/partners"
"""


@pytest.fixture
def routes(tmp_path: Path) -> Path:
    path = tmp_path / "routes.toml"
    path.write_text(ROUTES)
    return path


def test_the_public_directory_offers_nobody_an_enrolled_route() -> None:
    for platform in load_directory(PUBLIC).platforms:
        for route in platform.routes:
            assert route.who == "anyone" and route.purpose != "trusted-flagger"


def test_the_helpline_gets_its_own_route_first(routes: Path) -> None:
    catalogue = load_catalogue(CONTENT, extra=routes)
    plan = catalogue.plan("https://www.reddit.com/r/a", "gb", "example-helpline")
    first = plan.routes[0]
    assert (first.purpose, first.address, first.batch, first.batch_limit) == (
        "trusted-flagger",
        "flagger-desk@reddit.example",
        True,
        200,
    )
    assert first.enrolled == ("example-helpline",) and first.source.startswith("Enrolment")
    assert [r.purpose for r in plan.routes[1:]] == ["intimate-image"]  # the public one still


def test_no_one_else_is_offered_the_helplines_route(routes: Path) -> None:
    catalogue = load_catalogue(CONTENT, extra=routes)
    for organisation in ("", "another-helpline"):
        plan = catalogue.plan("https://www.reddit.com/r/a", "gb", organisation)
        assert [r.purpose for r in plan.routes] == ["intimate-image"]


def test_public_routes_keep_their_place_and_every_language_has_the_added_route(
    routes: Path,
) -> None:
    public = load_catalogue(CONTENT).directory.get("reddit")
    catalogue = load_catalogue(CONTENT, extra=routes)
    merged = catalogue.directory.get("reddit")
    assert merged.routes[: len(public.routes)] == public.routes
    for code in ("ar", "pl"):
        translated = catalogue.in_language(code).directory.get("reddit")
        assert translated.routes[-1] == merged.routes[-1]
        assert len(translated.routes) == len(merged.routes)


def test_a_platform_only_the_helpline_knows_is_recognised(routes: Path) -> None:
    catalogue = load_catalogue(CONTENT, extra=routes)
    (address,) = recognise_addresses(
        "https://video.example/v/1", catalogue, "de", "example-helpline"
    ).addresses
    assert address.plan.platform is not None and address.plan.platform.id == "video-example"
    assert address.plan.routes[0].url == "https://video.example/partners/report"
    assert address.plan.profile.id == "eu-dsa"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('source = "Enrolment letter from the platform, 2 March 2026 (case file 12)"\n', ""),
         "an enrolled route needs 'source'"),
        (('batch = true\nbatch_limit = 200', 'batch_limit = 200'), "'batch_limit' needs batch"),
        (('batch = true\nbatch_limit', 'who = "anyone"\nbatch = true\nbatch_limit'),
         "'who' is not set here"),
        (('domains = ["video.example"]', 'domains = ["x.com"]'), "the domain 'x.com'"),
        (('organisation = "example-helpline"', ""), "'organisation' is missing"),
        (('id = "reddit"\n', 'id = "reddit"\nname = "Reddit"\n'), "unknown key"),
    ],
)  # fmt: skip
def test_a_broken_routes_file_is_refused_naming_the_rule(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = tmp_path / "routes.toml"
    assert change[0] in ROUTES
    path.write_text(ROUTES.replace(*change))
    with pytest.raises(ContentError, match=message):
        load_directory(PUBLIC, extra=path)


def test_a_public_trusted_flagger_route_must_be_for_enrolled_organisations_with_a_source(
    tmp_path: Path,
) -> None:
    text = PUBLIC.read_text()
    route = (
        '\n[[platform.route]]\nkind = "email"\npurpose = "trusted-flagger"\n'
        'address = "desk@tiktok.example"\n'
    )
    anchor = 'id = "tiktok"'
    assert anchor in text
    at = text.index("[[platform]]", text.index(anchor))
    for extra, message in [
        ("", "who = 'enrolled'"),
        ('who = "enrolled"\n', "needs 'source'"),
        ('who = "enrolled"\nsource = "a letter"\n', "https://"),
    ]:
        path = tmp_path / "platforms.toml"
        path.write_text(text[:at] + route + extra + "\n" + text[at:])
        with pytest.raises(ContentError, match=message):
            load_directory(path)
