"""What the data holds, as plain listings: filter options, loaded tables, the import log and
rejects, one SKU's rule and purchase orders; and the weeks and quarters the data covers.

Each listing runs a `queries/catalog_*.sql` file through `queries.run` (bound parameters) on a
DuckDB connection. No streamlit here: dashboard/ui.py caches these per database version.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import polars as pl

from dashboard import queries, store
from dashboard.params import Period

SKU_RULE_COLUMNS = (
    "sku",
    "title",
    "family",
    "supplier",
    "backorder_eligible",
    "oversell_cap",
    "lead_time_days",
    "seasonal",
    "price",
    "unit_cost",
)


def _values(con: duckdb.DuckDBPyConnection, name: str) -> list:
    return queries.run(con, name, {}).to_series().to_list()


def filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """What the filters can choose from, the data's first and last order day, presence and the
    dataset settings (time zone, currency)."""
    days = queries.run(con, "catalog_order_days", {}).row(0, named=True)
    return {
        "present": store.presence(con),
        "first_day": days["first_day"],
        "last_day": days["last_day"],
        "channel": _values(con, "catalog_channels"),
        "supplier": _values(con, "catalog_suppliers"),
        "family": _values(con, "catalog_families"),
        "sku": _values(con, "catalog_skus"),
        "dataset": store.dataset_settings(con),
    }


def loaded_tables(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Rows and date range per canonical table, whether it was imported, and the columns the
    loaded exports carry."""
    present = store.presence(con)
    frame = queries.run(con, "catalog_loaded_tables", {})
    return frame.with_columns(
        pl.col("table_name")
        .map_elements(
            lambda t: "loaded" if t in present else "not imported", return_dtype=pl.String
        )
        .alias("status"),
        pl.col("table_name")
        .map_elements(lambda t: ", ".join(sorted(present.get(t, ()))), return_dtype=pl.String)
        .alias("columns"),
    )


def import_log(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The import log, newest first, with reconciles = rows read = loaded + rejected + blank."""
    return queries.run(con, "catalog_import_log", {})


def rejects(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The rejected values of the imports, newest file first."""
    return queries.run(con, "catalog_rejects", {})


def sku_rule(con: duckdb.DuckDBPyConnection, sku: str) -> pl.DataFrame:
    """The skus row of one SKU (eligible, cap, lead time...), the columns the exports carry."""
    present = store.presence(con)
    if "skus" not in present:
        return queries.unavailable("skus")
    frame = queries.run(con, "catalog_sku_rule", {"sku": sku})
    return frame.select(c for c in SKU_RULE_COLUMNS if c in present["skus"])


def sku_inbound(con: duckdb.DuckDBPyConnection, sku: str, period: Period) -> pl.DataFrame:
    """The SKU's purchase orders received in the period or still open: ETA, receipt, slip."""
    if "inbound" not in store.presence(con):
        return queries.unavailable("inbound")
    return queries.run(
        con,
        "catalog_sku_inbound",
        {"sku": sku, "from_date": period.from_date, "to_date": period.to_date},
    )


# ---------------------------------------------------------------------------- weeks, quarters


def weeks_in_data(first: date | None, last: date | None) -> list[str]:
    """ISO weeks from the first to the last order day, newest first."""
    if first is None or last is None:
        return []
    out = []
    day = Period.week_of(last).from_date
    stop = Period.week_of(first).from_date
    while day >= stop:
        out.append(Period.week_of(day).label)
        day -= timedelta(days=7)
    return out


def default_week(first: date | None, last: date | None) -> str | None:
    """The last complete ISO week in the data, else the week of the latest order."""
    if last is None or first is None:
        return None
    week = Period.week_of(last)
    if last == week.as_of:  # the latest order is on a Sunday: its week is complete
        return week.label
    before = week.previous()
    if before.to_date > first:
        return before.label
    return week.label


def quarters_in_data(first: date | None, last: date | None) -> list[str]:
    if first is None or last is None:
        return []
    out = []
    q = Period.quarter_of(last)
    while q.to_date > first:
        out.append(q.label)
        q = q.previous()
    return out


def default_quarter(first: date | None, last: date | None) -> str | None:
    """The last complete quarter in the data, else the quarter of the latest order."""
    if first is None or last is None:
        return None
    q = Period.quarter_of(last)
    if last == q.as_of:
        return q.label
    before = q.previous()
    return before.label if before.to_date > first else q.label
