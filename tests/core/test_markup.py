import pytest

from reclaim.content import LinkTarget, MarkupError, parse_target, to_html


def resolve(target: LinkTarget) -> str:
    return f"/en/{target.kind}/{target.value}/"


def test_escapes_html_in_text() -> None:
    assert to_html("<script>alert(1)</script> & more", resolve) == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"
    )


def test_renders_strong_and_links() -> None:
    html = to_html("Call **now**: [Childline](tel:+448001111) or [read](guide:coping).", resolve)
    assert html == (
        'Call <strong>now</strong>: <a href="tel:+448001111" rel="noreferrer noopener" dir="ltr">'
        'Childline</a> or <a href="/en/guide/coping/">read</a>.'
    )


def test_phone_numbers_read_left_to_right_on_right_to_left_pages() -> None:
    html = to_html("[08 08 16 89 111](tel:+448081689111)", resolve)
    assert html.endswith('dir="ltr">08 08 16 89 111</a>')
    assert "dir=" not in to_html("[x](https://stopncii.org/)", resolve)


def test_external_links_send_no_referrer() -> None:
    assert 'rel="noreferrer noopener"' in to_html("[x](https://stopncii.org/)", resolve)


def test_link_words_are_escaped() -> None:
    assert "&lt;b&gt;" in to_html("[<b>](guide:coping)", resolve)


@pytest.mark.parametrize(
    "raw",
    [
        "javascript:alert(1)",
        "http://example.org/",
        "data:text/html,hi",
        "tel:08001111",
        "guide:Not_A_Slug",
        "helplines:gbr",
        "mailto:nobody",
        "ftp://example.org",
    ],
)
def test_rejects_unsafe_or_unknown_targets(raw: str) -> None:
    with pytest.raises(MarkupError):
        parse_target(raw)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("https://www.iwf.org.uk/", "url"),
        ("tel:+443456000459", "tel"),
        ("mailto:help@revengepornhelpline.org.uk", "mailto"),
        ("plan:under-18", "plan"),
        ("helplines:", "helplines"),
        ("helplines:nz", "helplines"),
    ],
)
def test_accepts_allowed_targets(raw: str, kind: str) -> None:
    assert parse_target(raw).kind == kind
