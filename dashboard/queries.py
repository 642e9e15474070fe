"""Run the SQL files of queries/ with bound parameters; say what a figure needs.

A metric is one file `queries/<name>.sql` and one function `<name>` (see dashboard/metrics/).
The file opens with a comment block (question, grain, parameters, inputs) that pages show as
the metric's definition. Parameters are DuckDB named parameters (`$from_date`); `run` binds
only the ones a file uses, so every file can draw on the same set:

- `$from_date`, `$to_date` (DATE): the period [from, to); `$as_of` (DATE)
- `$channels`, `$suppliers`, `$families`, `$skus` (VARCHAR[] or NULL): the filters
- `$tz`, `$silence_days`, `$receiving_buffer_days`, `$statutory_days`, `$review_cancel_rate`,
  `$review_slip_days`, `$channel_rules` (see Settings.bound)
- anything a metric function adds itself.

Unavailable figures. A figure whose inputs are missing is never 0: its column holds the text
`unavailable: needs <column>` (or `... needs <table>`), and a metric missing what all of its
figures need returns one row `{"unavailable": "needs <column>"}`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from dashboard import store
from dashboard.params import Filters, Period, Settings

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"
PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
UNAVAILABLE = "unavailable: "

# Attributes a filter needs: the first present source wins.
FILTER_SOURCES = {
    "channel": ["order_lines.channel"],
    "family": ["skus.family"],
    "supplier": ["skus.supplier", "inbound.supplier"],
    "sku": ["order_lines.sku"],
}


@functools.cache
def sql_text(name: str) -> str:
    path = QUERIES_DIR / f"{name}.sql"
    if not path.exists():
        raise FileNotFoundError(f"no query file {path}")
    return path.read_text(encoding="utf-8")


def definition(name: str) -> str:
    """The opening comment block of queries/<name>.sql, as plain text."""
    lines = []
    for line in sql_text(name).splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].removeprefix(" "))
    return "\n".join(lines).strip()


def run(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, object]) -> pl.DataFrame:
    """Run queries/<name>.sql, binding the `$parameters` it uses from `params`."""
    sql = sql_text(name)
    used = dict.fromkeys(PARAM.findall(_strip_comments(sql)))
    missing = [p for p in used if p not in params]
    if missing:
        raise KeyError(f"{name}.sql needs parameters {missing}")
    return con.sql(sql, params={p: params[p] for p in used}).pl()


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def base_params(
    period: Period, filters: Filters, settings: Settings, as_of: date | None
) -> dict[str, object]:
    return {
        "from_date": period.from_date,
        "to_date": period.to_date,
        "as_of": as_of or period.as_of,
        **filters.bound(),
        **settings.bound(),
    }


def missing_input(present: dict[str, set[str]], needs: Sequence[str]) -> str | None:
    """The first of `needs` ("table" or "table.column") the loaded data lacks, by its name."""
    for need in needs:
        table, _, column = need.partition(".")
        if table not in present:
            return table
        if column and column not in present[table]:
            return column
    return None


def missing_filter_input(present: dict[str, set[str]], filters: Filters) -> str | None:
    for attribute, sources in FILTER_SOURCES.items():
        if getattr(filters, attribute) and all(missing_input(present, [s]) for s in sources):
            return attribute
    return None


def mark_unavailable(
    frame: pl.DataFrame, present: dict[str, set[str]], needs: dict[str, Sequence[str]]
) -> pl.DataFrame:
    """`frame` with each column of `needs` whose inputs the data lacks replaced by the text
    `unavailable: needs <column>`."""
    for figure, figure_needs in needs.items():
        reason = missing_input(present, figure_needs)
        if reason and figure in frame.columns:
            frame = frame.with_columns(pl.lit(f"{UNAVAILABLE}needs {reason}").alias(figure))
    return frame


def unavailable(reason: str) -> pl.DataFrame:
    return pl.DataFrame({"unavailable": [f"needs {reason}"]})


def is_unavailable(frame: pl.DataFrame) -> str | None:
    """The reason a whole metric is unavailable, or None."""
    if frame.columns == ["unavailable"] and frame.height == 1:
        return frame.item()
    return None


def unavailable_figures(frame: pl.DataFrame) -> dict[str, str]:
    """Figure column -> `needs <column>`, for the figures marked unavailable."""
    out = {}
    for name, dtype in frame.schema.items():
        if dtype == pl.String and frame.height:
            first = frame[name][0]
            if isinstance(first, str) and first.startswith(UNAVAILABLE):
                out[name] = first.removeprefix(UNAVAILABLE)
    return out


MetricFn = Callable[..., pl.DataFrame]
REGISTRY: dict[str, MetricFn] = {}


def metric(needs: Sequence[str] = (), figures: dict[str, Sequence[str]] | None = None):
    """Declare a metric function: what all its figures need, and what single figures need.

    The function receives (con, period, filters, settings, as_of) and returns a frame; the
    decorator checks the inputs first, so the body only computes.
    """

    def wrap(fn: MetricFn) -> MetricFn:
        @functools.wraps(fn)
        def run_metric(
            con: duckdb.DuckDBPyConnection,
            period: Period,
            filters: Filters | None = None,
            settings: Settings | None = None,
            as_of: date | None = None,
            **extra,
        ) -> pl.DataFrame:
            filters = filters or Filters()
            settings = settings or Settings()
            present = store.presence(con)
            reason = missing_input(present, needs) or missing_filter_input(present, filters)
            if reason:
                return unavailable(reason)
            frame = fn(con, period, filters, settings, as_of, **extra)
            return mark_unavailable(frame, present, figures or {})

        run_metric.needs = tuple(needs)
        run_metric.figures = dict(figures or {})
        REGISTRY[fn.__name__] = run_metric
        return run_metric

    return wrap
