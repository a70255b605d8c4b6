import datetime
from pathlib import Path

import pytest

from reclaim.content import ContentError, load_library, under_18_listing
from reclaim.languages import LANGUAGE_CODES


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_loads_every_document_in_every_language(tree: Path) -> None:
    library = load_library(tree)
    for code in LANGUAGE_CODES:
        document = library.document("guide", "keeping-evidence", code)
        assert document.language == code
        assert document.sources[0].url == "https://www.victimsupport.org.uk/"
        assert document.last_reviewed == datetime.date(2026, 11, 23)
    assert library.document("guide", "keeping-evidence", "pl").title == "Dowody"


def test_translation_takes_sources_and_review_date_from_original(tree: Path) -> None:
    document = load_library(tree).document("plan", "shared", "ar")
    assert document.sources[0].title == "Revenge Porn Helpline"
    assert document.translation is not None and document.translation.needs_native_review
    assert not document.outdated


def test_translation_made_before_the_last_review_is_outdated(tree: Path) -> None:
    edit(tree / "plans/shared/ro.toml", "from_reviewed = 2026-11-23", "from_reviewed = 2026-01-01")
    assert load_library(tree).document("plan", "shared", "ro").outdated


@pytest.mark.parametrize("code", [code for code in LANGUAGE_CODES if code != "en"])
def test_rejects_a_missing_translation(tree: Path, code: str) -> None:
    (tree / f"guides/keeping-evidence/{code}.toml").unlink()
    with pytest.raises(ContentError, match=f"keeping-evidence/{code}.toml: missing"):
        load_library(tree)


def test_rejects_a_translation_with_a_missing_list_item(tree: Path) -> None:
    edit(tree / "guides/keeping-evidence/ur.toml", '"Datę.", ', "")
    with pytest.raises(ContentError, match="must match the original"):
        load_library(tree)


def test_rejects_a_translation_that_changes_a_link_target(tree: Path) -> None:
    edit(tree / "guides/keeping-evidence/ar.toml", "tel:+448001111", "tel:+448001112")
    with pytest.raises(ContentError, match="must match the original"):
        load_library(tree)


def test_rejects_a_document_without_sources(tree: Path) -> None:
    edit(tree / "plans/shared/en.toml", "[[sources]]", "[[other]]")
    with pytest.raises(ContentError, match="'sources' is missing"):
        load_library(tree)


def test_rejects_a_document_without_review_date(tree: Path) -> None:
    edit(tree / "plans/shared/en.toml", "last_reviewed = 2026-11-23", "")
    with pytest.raises(ContentError, match=r"plans/shared/en\.toml: 'last_reviewed' is missing"):
        load_library(tree)


def test_rejects_a_translation_without_review_metadata(tree: Path) -> None:
    edit(tree / "plans/shared/pl.toml", "[translation]", "[other]")
    with pytest.raises(ContentError, match=r"needs a \[translation\] table"):
        load_library(tree)


def test_rejects_an_unknown_key_naming_the_place(tree: Path) -> None:
    edit(tree / "guides/keeping-evidence/en.toml", 'type = "list"', 'type = "list"\ncolour = "red"')
    with pytest.raises(ContentError, match=r"sections\[1\] blocks\[2\].*colour"):
        load_library(tree)


def test_rejects_an_unknown_block_type(tree: Path) -> None:
    edit(tree / "guides/keeping-evidence/en.toml", 'type = "paragraph"', 'type = "video"')
    with pytest.raises(ContentError, match="unknown block type 'video'"):
        load_library(tree)


def test_rejects_a_javascript_link(tree: Path) -> None:
    edit(tree / "guides/keeping-evidence/en.toml", "tel:+448001111", "javascript:alert")
    with pytest.raises(ContentError, match="javascript:alert"):
        load_library(tree)


def test_rejects_a_link_to_a_page_that_does_not_exist(tree: Path) -> None:
    for code in LANGUAGE_CODES:
        edit(tree / f"plans/shared/{code}.toml", "guide:keeping-evidence", "guide:nowhere")
    with pytest.raises(ContentError, match="links to guide:nowhere"):
        load_library(tree)


def test_rejects_a_folder_the_index_does_not_list(tree: Path) -> None:
    (tree / "guides/stray").mkdir()
    with pytest.raises(ContentError, match="must list each folder"):
        load_library(tree)


def test_rejects_invalid_toml_naming_the_file(tree: Path) -> None:
    (tree / "plans/shared/en.toml").write_text("title = ")
    with pytest.raises(ContentError, match=r"plans/shared/en\.toml: not valid TOML"):
        load_library(tree)


def test_helplines_carry_descriptions_in_every_language(tree: Path) -> None:
    library = load_library(tree)
    childline = library.helplines_in("gb")[0]
    assert childline.name == "Childline"
    assert childline.description("ur") == "For children (ur)."
    assert library.helpline_translations["ar"].needs_native_review
    assert library.countries() == ["gb"]


def test_helplines_translate_their_areas_and_names_that_describe_them(tree: Path) -> None:
    library = load_library(tree)
    childline, police = library.helplines_in("gb")
    assert police.name_in("pl") == "Police (pl)" and police.name_in("en") == "Police"
    assert childline.name_in("ar") == "Childline", "a service's own name is not translated"
    assert childline.area_in("ur") == "UK (ur)" and childline.area_in("en") == "UK"


def test_rejects_a_translation_that_leaves_an_area_out(tree: Path) -> None:
    edit(tree / "helplines/ro.toml", '"UK" = "UK (ro)"\n', "")
    with pytest.raises(ContentError, match=r"ro\.toml \(areas\): 'UK' is missing"):
        load_library(tree)


def test_rejects_a_helpline_without_a_description(tree: Path) -> None:
    edit(tree / "helplines/pl.toml", '[police-gb]\ndescription = "Emergencies (pl)."\n', "")
    with pytest.raises(ContentError, match="no description for helpline 'police-gb'"):
        load_library(tree)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('dial = "+448001111"', 'dial = "08001111"', "dial must look like"),
        ('country = "gb"', 'country = "GBR"', "two-letter code"),
        ('audience = "under-18"', 'audience = "kids"', "audience must be one of"),
        ("last_checked = 2026-11-01", 'last_checked = "soon"', "'last_checked' has the wrong type"),
        ('source = "https://www.childline.org.uk/"', 'source = "http://x.org"', "https://"),
        (
            "verified = false\n",
            'verified = false\nhours = [{ days = "weekdays", opens = "09:00",'
            ' closes = "17:00" }]\n',
            "days must be one of",
        ),
    ],
)
def test_rejects_a_helpline_with_a_bad_field(tree: Path, old: str, new: str, message: str) -> None:
    edit(tree / "helplines/directory.toml", old, new)
    with pytest.raises(ContentError, match=message):
        load_library(tree)


def test_under_18_services_are_helplines_in_the_order_the_file_gives(tree: Path) -> None:
    edit(tree / "under18.toml", '["childline"]', '["police-gb", "childline"]')
    edit(
        tree / "helplines/directory.toml",
        'dial = "999"\n',
        'dial = "999"\nwebsite = "https://p.uk/"\n',
    )
    under_18 = load_library(tree).under_18
    assert [service.id for service in under_18.services] == ["police-gb", "childline"]
    assert under_18.services[1].description("pl") == "For children (pl)."
    assert under_18.sources[0].url == "https://www.childline.org.uk/"
    assert (
        under_18_listing(tree) == "Police: https://p.uk/; Childline: https://www.childline.org.uk/"
    )


@pytest.mark.parametrize(
    ("path", "old", "new", "message"),
    [
        ("under18.toml", '["childline"]', '["nobody"]', "'nobody' is not a helpline"),
        ("under18.toml", '["childline"]', '["childline", "childline"]', "names a helpline twice"),
        ("under18.toml", '["childline"]', "[]", "non-empty list"),
        ("under18.toml", "last_reviewed = 2026-12-02\n", "", "'last_reviewed' is missing"),
        ("helplines/directory.toml", '"under-18"', '"adults"', "is for adults, not under-18s"),
        ("helplines/directory.toml", 'website = "https://www.childline.org.uk/"\n', "", "website"),
    ],
)
def test_rejects_a_bad_under_18_list(
    tree: Path, path: str, old: str, new: str, message: str
) -> None:
    edit(tree / path, old, new)
    with pytest.raises(ContentError, match=message):
        load_library(tree)


def test_rejects_a_missing_under_18_file(tree: Path) -> None:
    (tree / "under18.toml").unlink()
    with pytest.raises(ContentError, match=r"under18\.toml: missing"):
        load_library(tree)
