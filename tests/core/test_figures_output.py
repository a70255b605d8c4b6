"""Charts as SVG and tables as CSV: parseable, accessible, escaped, the numbers of the table."""

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from reclaim.figures import (
    CSV_MARKS,
    LABEL_CHARS,
    AddressCounts,
    Chart,
    ChartWords,
    Figures,
    FiguresError,
    Mark,
    Month,
    Table,
    address_counts,
    bar_chart,
    build_figures,
    case_counts,
    month_chart,
    removal_times,
    to_csv,
)
from tests.core.figures_data import AS_OF, addresses, cases

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '</text><script>alert(1)</script><text x="0">'
ADDRESSES = addresses(400, seed=7) + addresses(3, seed=8)


@pytest.fixture(scope="module")
def figures() -> Figures:
    found = [*ADDRESSES]
    found[0] = type(found[0])(HOSTILE, "gb", found[0].reported_at)
    return build_figures(
        case_counts(cases(200, 7)),
        address_counts(found, AS_OF),
        removal_times(found),
        {"gb": "United Kingdom", "ie": "Éire & co"},
    )


def parsed(chart: Chart) -> ET.Element:
    return ET.fromstring(chart.svg)  # noqa: S314 (our own output, the thing under test)


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if "bar" in rect.get("class", "").split()]


def texts(root: ET.Element) -> list[str]:
    return ["".join(text.itertext()) for text in root.iter(f"{SVG}text")]


def charts(figures: Figures) -> list[Chart]:
    named = {"title": "Addresses removed", "description": "By platform, all years."}
    return [
        bar_chart(figures.addresses_by_platform, "removed", chart_id="by-platform", **named),
        bar_chart(
            figures.addresses_by_country, "reported", chart_id="by-country", rtl=True, **named
        ),
        bar_chart(figures.removal_times, "median_hours", chart_id="times", **named),
        month_chart(figures.cases_by_month, "opened", chart_id="cases", **named),
        month_chart(figures.addresses_by_month, "removed", chart_id="months", **named),
    ]


def test_every_chart_is_an_image_named_by_its_title_and_description(figures: Figures) -> None:
    for chart in charts(figures):
        root = parsed(chart)
        assert root.get("role") == "img"
        title_id, desc_id = root.get("aria-labelledby", "").split()
        assert root.find(f"{SVG}title").get("id") == title_id  # type: ignore[union-attr]
        assert root.find(f"{SVG}desc").get("id") == desc_id  # type: ignore[union-attr]
        assert root.find(f"{SVG}title").text == "Addresses removed"  # type: ignore[union-attr]


def test_one_bar_per_row_and_hidden_values_drawn_apart(figures: Figures) -> None:
    for chart in charts(figures):
        root, rows = parsed(chart), chart.table_rows()
        assert len(bars(root)) == len(rows) == len(chart.table.data_rows) > 0
        dashed = [bar for bar in bars(root) if "hidden" in bar.get("class", "")]
        assert len(dashed) == sum(1 for _, cell in rows if not cell.shown)
        assert all(bar.get("stroke-dasharray") and bar.get("fill") == "none" for bar in dashed)
    assert any(not cell.shown for chart in charts(figures) for _, cell in chart.table_rows())


def test_a_bar_chart_says_each_value_or_why_it_is_hidden(figures: Figures) -> None:
    chart = charts(figures)[0]
    said = texts(parsed(chart))
    for label, cell in chart.table_rows():
        assert label in said
        if cell.shown:
            assert f"{cell.value:,}" in said
    words = {cell.mark for _, cell in chart.table_rows()}
    assert Mark.FEWER_THAN_5 in words and "fewer than 5" in said


def test_a_month_chart_has_a_key_for_hidden_months(figures: Figures) -> None:
    chart = charts(figures)[3]
    assert any(not cell.shown for _, cell in chart.table_rows())
    assert ChartWords().hidden_key in texts(parsed(chart))


def test_labels_from_content_are_escaped(figures: Figures) -> None:
    chart = charts(figures)[0]
    root = parsed(chart)
    assert HOSTILE in texts(root)
    assert not [element for element in root.iter() if element.tag.endswith("script")]
    assert "Éire & co" in texts(parsed(charts(figures)[1]))


def test_charts_fetch_nothing_run_nothing_and_scale(figures: Figures) -> None:
    for chart in charts(figures):
        root = parsed(chart)
        assert root.get("viewBox", "").startswith("0 0 400 ")
        assert root.get("width") == "100%" and root.get("height") is None
        lowered = chart.svg.lower()
        for banned in ("<script", "href", "url(", "@import", "@font-face", "px", "onload"):
            assert banned not in lowered.replace(HOSTILE.lower(), "")


def test_numbers_stay_left_to_right_on_a_right_to_left_page(figures: Figures) -> None:
    root = parsed(charts(figures)[1])
    by_text = {"".join(t.itertext()): t for t in root.iter(f"{SVG}text")}
    united = by_text["United Kingdom"]
    assert united.get("direction") == "rtl" and float(united.get("x", 0)) > 300
    for _, cell in charts(figures)[1].table_rows():
        if cell.shown:
            number = by_text[f"{cell.value:,}"]
            assert number.get("direction") == "ltr" and number.get("unicode-bidi") == "embed"


def test_words_come_in_the_page_language(figures: Figures) -> None:
    words = ChartWords(fewer_than_5="أقل من 5", number=lambda n: f"{n:.0f}")
    chart = bar_chart(
        figures.addresses_by_platform,
        "removed",
        title="t",
        description="d",
        chart_id="ar",
        words=words,
    )
    assert "أقل من 5" in texts(parsed(chart))


def test_a_chart_id_that_is_not_an_id_is_refused(figures: Figures) -> None:
    with pytest.raises(FiguresError):
        bar_chart(
            figures.addresses_by_platform,
            "removed",
            title="t",
            description="d",
            chart_id='x" onload="alert(1)',
        )


def read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_round_trips_every_table(figures: Figures) -> None:
    for table in figures.tables():
        rows = read(to_csv(table))
        assert rows[0] == [table.row_header, *(column.label for column in table.columns)]
        assert len(rows) == len(table.rows) + 1
        for written, row in zip(rows[1:], table.rows, strict=True):
            assert written[0].removeprefix("'") == row.label
            for text, cell in zip(written[1:], row.cells, strict=True):
                if cell.shown:
                    assert float(text) == pytest.approx(cell.value)
                else:
                    assert text == CSV_MARKS[cell.mark]


def test_csv_never_holds_a_hidden_count() -> None:
    found = addresses(3, seed=3)
    table = build_figures([], address_counts(found, AS_OF), []).addresses_by_platform
    assert all(cell.value is None for row in table.rows for cell in row.cells if not cell.shown)
    written = read(to_csv(table))
    assert {text for row in written[1:] for text in row[1:]} <= {"0", *CSV_MARKS.values()}


@pytest.mark.parametrize("label", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "＝1"])
def test_csv_text_that_looks_like_a_formula_is_kept_as_text(label: str) -> None:
    table = Table("t", "T", label, (), ())
    assert read(to_csv(table))[0][0] == "'" + label


def test_csv_numbers_are_written_as_numbers(figures: Figures) -> None:
    written = read(to_csv(figures.removal_times))
    shown = [text for row in written[1:] for text in row[1:] if not text.startswith(("<", "["))]
    assert shown and all(float(text) >= 0 and not text.startswith("'") for text in shown)


def test_csv_columns_can_be_named_in_the_page_language(figures: Figures) -> None:
    table: Table = figures.cases_by_month
    written = read(to_csv(table, {"opened": "Ouvertes", "row_header": "Mois"}))
    assert written[0][:2] == ["Mois", "Ouvertes"]


def test_titles_are_escaped_and_long_labels_cut_short(figures: Figures) -> None:
    long = AddressCounts(Month(2024, 1), "a platform " * 10, "gb", 7, 7)
    table = build_figures([], [long], []).addresses_by_platform
    chart = bar_chart(table, "removed", title=HOSTILE, description="<desc>&", chart_id="long")
    root = parsed(chart)
    assert root.find(f"{SVG}title").text == HOSTILE  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "<desc>&"  # type: ignore[union-attr]
    label = next(text for text in texts(root) if text.startswith("a platform"))
    assert label.endswith("…") and len(label) == LABEL_CHARS
    assert chart.table_rows()[0][0] == "a platform " * 10
