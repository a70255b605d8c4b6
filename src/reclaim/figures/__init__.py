"""A helpline's statistics for funders and regulators, with no personal data in them.

- Input, either per record (``CaseRecord``, ``AddressRecord``: no names, no addresses, no
  free text) folded by ``case_counts``, ``address_counts`` and ``removal_times``, or the same
  counted rows (``CaseCounts``, ``AddressCounts``, ``RemovalTimes``) straight from a database's
  GROUP BY.
- ``build_figures`` makes every table (cases by month; addresses by month, platform and
  country; time to removal by platform) and the yearly summaries (also as a table,
  ``Figures.years``), with counts from 1 to 4 and anything that would reveal them hidden
  (``_suppression`` states the rule; docs/figures.md explains it). ``percentiles`` is the one
  percentile method (numpy's default).
- ``bar_chart`` and ``month_chart`` draw a table's column as an accessible SVG string;
  ``to_csv`` writes any table as CSV, hidden values as marks, safe to open in a spreadsheet.
"""

from reclaim.figures._charts import LABEL_CHARS, Chart, ChartWords, bar_chart, month_chart
from reclaim.figures._export import CSV_MARKS, to_csv
from reclaim.figures._quantiles import percentiles
from reclaim.figures._records import (
    OUTCOMES,
    AddressCounts,
    AddressRecord,
    CaseCounts,
    CaseRecord,
    FiguresError,
    Month,
    RemovalTimes,
    address_counts,
    case_counts,
    removal_times,
)
from reclaim.figures._suppression import SMALLEST_SHOWN, Line, Mark, exposed_counts, suppress
from reclaim.figures._tables import (
    ADDRESS_COLUMNS,
    CASE_COLUMNS,
    COUNT,
    HOURS,
    PARTS,
    PERCENT,
    ROW,
    SUBTOTAL,
    TIME_COLUMNS,
    TOTAL,
    YEAR_COLUMNS,
    Cell,
    Column,
    Figures,
    Row,
    Table,
    YearSummary,
    build_figures,
    english,
    share,
)

__all__ = [
    "ADDRESS_COLUMNS",
    "CASE_COLUMNS",
    "COUNT",
    "CSV_MARKS",
    "HOURS",
    "LABEL_CHARS",
    "OUTCOMES",
    "PARTS",
    "PERCENT",
    "ROW",
    "SMALLEST_SHOWN",
    "SUBTOTAL",
    "TIME_COLUMNS",
    "TOTAL",
    "YEAR_COLUMNS",
    "AddressCounts",
    "AddressRecord",
    "CaseCounts",
    "CaseRecord",
    "Cell",
    "Chart",
    "ChartWords",
    "Column",
    "Figures",
    "FiguresError",
    "Line",
    "Mark",
    "Month",
    "RemovalTimes",
    "Row",
    "Table",
    "YearSummary",
    "address_counts",
    "bar_chart",
    "build_figures",
    "case_counts",
    "english",
    "exposed_counts",
    "month_chart",
    "percentiles",
    "removal_times",
    "share",
    "suppress",
    "to_csv",
]
