"""A helpline's built figures as JSON, to keep between counts (models.FiguresSnapshot).

The figures are built by reclaim.figures from counted rows and are already suppressed: what
is kept holds no personal data, only the published tables (each cell its value, or why it is
hidden). ``to_json`` and ``from_json`` are exact inverses: ``from_json(to_json(f)) == f``.
"""

from typing import Any

from reclaim import figures

Json = dict[str, Any]


def to_json(built: figures.Figures) -> Json:
    """Return ``built`` as plain JSON values."""
    tables = {
        table.key: _table(table)
        for table in (
            built.cases_by_month,
            built.addresses_by_platform,
            built.addresses_by_country,
            built.addresses_by_month,
            built.removal_times,
        )
    }
    summaries = [
        {
            "year": s.year,
            "cells": [
                _cell(c)
                for c in (
                    s.cases_opened,
                    s.addresses_reported,
                    s.addresses_removed,
                    s.share_removed,
                    s.share_within_clock,
                )
            ],
        }
        for s in built.summaries
    ]
    return {"tables": tables, "summaries": summaries}


def from_json(data: Json) -> figures.Figures:
    """Return the figures ``to_json`` wrote."""
    tables = {key: _read_table(value) for key, value in data["tables"].items()}
    summaries = tuple(
        figures.YearSummary(s["year"], *(_read_cell(c) for c in s["cells"]))
        for s in data["summaries"]
    )
    return figures.Figures(summaries=summaries, **tables)


def _cell(cell: figures.Cell) -> list[Any]:
    return [cell.value, str(cell.mark)]


def _read_cell(data: list[Any]) -> figures.Cell:
    return figures.Cell(data[0], figures.Mark(data[1]))


def _table(table: figures.Table) -> Json:
    return {
        "key": table.key,
        "title": table.title,
        "row_header": table.row_header,
        "columns": [[c.key, c.label, c.unit] for c in table.columns],
        "rows": [[r.key, r.label, r.kind, [_cell(c) for c in r.cells]] for r in table.rows],
    }


def _read_table(data: Json) -> figures.Table:
    return figures.Table(
        key=data["key"],
        title=data["title"],
        row_header=data["row_header"],
        columns=tuple(figures.Column(*column) for column in data["columns"]),
        rows=tuple(
            figures.Row(key, label, tuple(_read_cell(c) for c in cells), kind)
            for key, label, kind, cells in data["rows"]
        ),
    )
