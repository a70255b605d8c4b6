"""A pasted list of addresses: found, normalised, folded, planned, and nothing typed lost."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reclaim.notices import find_addresses, load_catalogue, normalise_address, recognise_addresses

CONTENT = Path(__file__).resolve().parents[2] / "content"
CATALOGUE = load_catalogue(CONTENT)


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("https://x.com/someone/status/1", "https://x.com/someone/status/1"),
        ("HTTPS://X.COM/Someone/status/1", "https://x.com/Someone/status/1"),  # path keeps case
        ("x.com/someone", "https://x.com/someone"),
        ("http://example.org", "http://example.org/"),
        ("<https://x.com/a>", "https://x.com/a"),
        ("https://x.com/a#reply-2", "https://x.com/a"),
        ("https://x.com:443/a", "https://x.com/a"),
        ("http://x.com:80/a", "http://x.com/a"),
        ("https://x.com:8443/a", "https://x.com:8443/a"),
        ("https://X.com./a", "https://x.com/a"),
        ("https://user:secret@x.com/a", "https://x.com/a"),
        ("https://x.com/a?b=1&c=2", "https://x.com/a?b=1&c=2"),
        ("Bücher.example/Straße", "https://xn--bcher-kva.example/Stra%C3%9Fe"),
        ("https://xn--bcher-kva.example/Stra%C3%9Fe", "https://xn--bcher-kva.example/Stra%C3%9Fe"),
        ("пример.рф", "https://xn--e1afmkfd.xn--p1ai/"),
        ("hxxps://bad-site[.]example/v/1", "https://bad-site.example/v/1"),
        ("https://en.wikipedia.org/wiki/Film_(2001)", "https://en.wikipedia.org/wiki/Film_(2001)"),
        ("http://203.0.113.9/a", "http://203.0.113.9/a"),
        ("https://[2001:db8::1]:8080/a", "https://[2001:db8::1]:8080/a"),
    ],
)
def test_an_address_is_written_one_way(typed: str, written: str) -> None:
    assert normalise_address(typed) == written


@pytest.mark.parametrize(
    "typed",
    ["ftp://x.com/a", "jo@example.org", "https://a!b.com/", "https://x.com:99999/", "v1.2", ""],
)
def test_what_is_not_a_web_address_is_not_one(typed: str) -> None:
    assert list(find_addresses(typed)) == []


def test_addresses_are_found_inside_sentences_without_their_punctuation() -> None:
    line = "Seen on x.com/a, then (reddit.com/r/b) and at <https://t.co/c>. Email jo@mail.example"
    assert list(find_addresses(line)) == [
        "https://x.com/a",
        "https://reddit.com/r/b",
        "https://t.co/c",
    ]


def test_a_file_name_in_a_sentence_is_not_an_address() -> None:
    assert list(find_addresses("they sent photo.jpg and notes.pdf, see x.com/photo.jpg")) == [
        "https://x.com/photo.jpg"
    ]


def test_repeats_are_folded_with_their_count_and_first_line() -> None:
    text = "https://www.reddit.com/r/a\n\nx.com/b\n  WWW.REDDIT.COM/r/a#top  \n<https://x.com/b>.\n"
    pasted = recognise_addresses(text, CATALOGUE, "gb")
    assert [(a.url, a.line, a.count) for a in pasted.addresses] == [
        ("https://www.reddit.com/r/a", 1, 2),
        ("https://x.com/b", 3, 2),
    ]
    assert pasted.repeats == 2


def test_each_address_gets_its_platform_route_and_profile() -> None:
    pasted = recognise_addresses("https://x.com/a\nhttps://unheard-of.example/v/1", CATALOGUE, "us")
    x, unknown = pasted.addresses
    assert x.plan.platform is not None and x.plan.platform.id == "x"
    assert x.plan.profile.id == "us-take-it-down"
    assert x.plan.routes[0].purpose == "take-it-down"
    assert not unknown.is_known and unknown.plan.routes == ()
    assert unknown.plan.profile.id == "general"
    assert pasted.unknown_hosts() == ("unheard-of.example",)
    assert set(pasted.by_platform()) == {"x", ""}


def test_lines_without_an_address_come_back_with_their_number() -> None:
    text = "Links from Sam:\nx.com/a\n\nthe one on the forum was deleted\n   \nftp://x.com/b"
    pasted = recognise_addresses(text, CATALOGUE, "gb")
    assert [(line.line, line.text) for line in pasted.other_lines] == [
        (1, "Links from Sam:"),
        (4, "the one on the forum was deleted"),
        (6, "ftp://x.com/b"),
    ]


def test_without_a_country_the_general_profile_applies() -> None:
    (address,) = recognise_addresses("x.com/a", CATALOGUE).addresses
    assert address.plan.profile.id == "general"


# Property tests: addresses made from parts, decorated the ways people paste them.
LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
ENDING = st.sampled_from(["com", "org", "example", "co.uk", "xn--p1ai"])
PATH = st.text("abcdefghijklmnopqrstuvwxyzABC0123456789-_~/=&", max_size=20)


@st.composite
def address(draw: st.DrawFn) -> str:
    host = ".".join(draw(st.lists(LABEL, min_size=1, max_size=3))) + "." + draw(ENDING)
    return f"https://{host}/{draw(PATH)}"


@st.composite
def decorated(draw: st.DrawFn, url: str) -> str:
    scheme, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    if draw(st.booleans()):
        host = host.upper()
    if draw(st.booleans()):
        host += ":443"
    text = (f"{scheme}://" if draw(st.booleans()) else "") + host + "/" + path
    if draw(st.booleans()):
        text += "#" + draw(LABEL)
    if draw(st.booleans()):
        text = f"<{text}>"
    return draw(st.sampled_from(["", " ", "\t"])) + text + draw(st.sampled_from(["", ".", ","]))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_decoration_folds_to_one_address_seen_as_often_as_pasted(data: st.DataObject) -> None:
    urls = data.draw(st.lists(address(), min_size=1, max_size=8, unique_by=normalise_address))
    picks = data.draw(st.lists(st.sampled_from(urls), min_size=1, max_size=30))
    lines = [data.draw(decorated(url)) for url in picks]
    pasted = recognise_addresses("\n".join(lines), CATALOGUE, "gb")
    expected = {normalise_address(url): picks.count(url) for url in picks}
    assert {a.url: a.count for a in pasted.addresses} == expected
    for found in pasted.addresses:
        first = next(i for i, url in enumerate(picks, 1) if normalise_address(url) == found.url)
        assert found.line == first
    assert pasted.other_lines == ()


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=200))
def test_every_line_is_either_an_address_or_given_back(text: str) -> None:
    pasted = recognise_addresses(text, CATALOGUE, "gb")
    given_back = {line.line for line in pasted.other_lines}
    for number, line in enumerate(text.splitlines(), 1):
        holds = bool(list(find_addresses(line)))
        assert (number in given_back) == (not holds and bool(line.strip()))


@settings(max_examples=80, deadline=None)
@given(st.one_of(address(), st.text(max_size=60)))
def test_writing_an_address_one_way_twice_changes_nothing(text: str) -> None:
    once = normalise_address(text)
    assert normalise_address(once) == once
