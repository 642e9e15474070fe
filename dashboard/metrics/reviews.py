"""The reviews of metrics.md: weekly_review and quarterly_top20, and the order timeline.

weekly_review and quarterly_top20 each compute every figure in one pass over the period (one
SQL file), not by calling the single metrics again per week or per sku; each figure equals the
single metric's for that week (or sku and quarter), which tests check.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from dashboard import store
from dashboard.params import Period, Settings
from dashboard.queries import UNAVAILABLE, base_params, is_unavailable, metric, run

__all__ = [
    "weekly_review",
    "weekly_review_changes",
    "quarterly_top20",
    "quarterly_top20_delayed_orders",
    "order_timeline",
]

STATE = ["order_lines.shipped_at", "order_lines.canceled_at"]


@dataclass(frozen=True)
class Headline:
    """One headline of weekly_review: its column, label, kind and which way is good."""

    column: str
    label: str
    metric: str  # the weekly check it heads
    kind: str  # "rate" (change in rate points), "count" or "money"
    up_is_good: bool


HEADLINES = (
    Headline("line_rate", "Backorder line rate", "backorder_rate", "rate", False),
    Headline("open_backordered_lines", "Open backordered lines", "backorder_age", "count", False),
    Headline("share_aged_15_plus", "Share aged 15+ days", "backorder_age", "rate", False),
    Headline("promise_hit_rate", "Promise hit rate", "promise_hit_rate", "rate", True),
    Headline(
        "supplier_on_time_rate", "Supplier on-time rate", "supplier_eta_accuracy", "rate", True
    ),
    Headline("cancel_rate", "Backorder cancel rate", "backorder_cancel_rate", "rate", False),
    Headline("backorder_split_cost", "Backorder split cost", "split_shipment_cost", "money", False),
    Headline(
        "contacts_per_backordered_order",
        "Contacts per backordered order",
        "support_contact_rate",
        "count",
        False,
    ),
)

_OPEN = ["order_lines.backordered_qty", *STATE]


@metric(
    needs=["order_lines"],
    figures={
        "count_backordered_lines": ["order_lines.backordered_qty"],
        "line_rate": ["order_lines.backordered_qty"],
        "open_backordered_lines": _OPEN,
        "count_aged_15_plus": _OPEN,
        "share_aged_15_plus": _OPEN,
        "count_promised_shipped": [
            "order_lines.backordered_qty",
            "order_lines.promised_ship_date",
            "order_lines.shipped_at",
        ],
        "count_promise_hits": [
            "order_lines.backordered_qty",
            "order_lines.promised_ship_date",
            "order_lines.shipped_at",
        ],
        "promise_hit_rate": [
            "order_lines.backordered_qty",
            "order_lines.promised_ship_date",
            "order_lines.shipped_at",
        ],
        "count_received": ["inbound", "inbound.received_at"],
        "count_on_time": ["inbound", "inbound.received_at"],
        "supplier_on_time_rate": ["inbound", "inbound.received_at"],
        "count_resolved": _OPEN,
        "count_canceled": _OPEN,
        "cancel_rate": _OPEN,
        "backorder_split_cost": ["order_lines.backordered_qty", "shipments"],
        "count_backordered_orders_resolved": [*_OPEN, "contacts"],
        "count_contacts": [*_OPEN, "contacts"],
        "contacts_per_backordered_order": [*_OPEN, "contacts"],
    },
)
def weekly_review(con, period, filters, settings, as_of) -> pl.DataFrame:
    """One row per ISO week W-12..W, oldest first; W is the week holding the period's last day.

    A week's figures are as of its Sunday, or `as_of` when that is earlier.
    """
    week = Period.week_of(period.as_of)
    params = base_params(week, filters, settings, as_of or period.as_of)
    return run(con, "weekly_review", params)


def weekly_review_changes(frame: pl.DataFrame) -> pl.DataFrame:
    """Per headline: this week (the last row), last week, the change and whether it is good.

    change = this week - last week; for rates that is in rate points as a fraction
    (0.02 = 2 points). `verdict` is "better", "worse" or "same" by `up_is_good`; null when
    either week has no figure. A headline the data cannot give carries `unavailable`
    ("needs <column>") and no values.
    """
    whole = is_unavailable(frame)
    rows = []
    for h in HEADLINES:
        row = {
            "headline": h.column,
            "label": h.label,
            "metric": h.metric,
            "kind": h.kind,
            "up_is_good": h.up_is_good,
            "this_week": None,
            "last_week": None,
            "change": None,
            "verdict": None,
            "unavailable": whole,
        }
        column = frame[h.column] if whole is None and h.column in frame.columns else None
        if column is not None and column.dtype == pl.String:
            row["unavailable"] = str(column[-1]).removeprefix(UNAVAILABLE)
        elif column is not None and frame.height >= 2:
            this_week, last_week = column[-1], column[-2]
            row["this_week"] = None if this_week is None else float(this_week)
            row["last_week"] = None if last_week is None else float(last_week)
            if this_week is not None and last_week is not None:
                change = float(this_week) - float(last_week)
                row["change"] = change
                if change == 0:
                    row["verdict"] = "same"
                else:
                    row["verdict"] = "better" if (change > 0) == h.up_is_good else "worse"
        rows.append(row)
    return pl.DataFrame(rows, schema=CHANGES_SCHEMA)


CHANGES_SCHEMA = {
    "headline": pl.String,
    "label": pl.String,
    "metric": pl.String,
    "kind": pl.String,
    "up_is_good": pl.Boolean,
    "this_week": pl.Float64,
    "last_week": pl.Float64,
    "change": pl.Float64,
    "verdict": pl.String,
    "unavailable": pl.String,
}

_TOP20_FIGURES = {
    "cancel_rate": _OPEN,
    "promise_hit_rate": [
        "order_lines.backordered_qty",
        "order_lines.promised_ship_date",
        "order_lines.shipped_at",
    ],
    "median_slip_days": ["inbound", "inbound.received_at"],
    "contacts_per_backordered_order": [*_OPEN, "contacts"],
}


@metric(
    needs=["order_lines.backordered_qty"],
    figures={
        **_TOP20_FIGURES,
        **{f"prev_{name}": needs for name, needs in _TOP20_FIGURES.items()},
        "title": ["skus.title"],
        "backorder_eligible": ["skus.backorder_eligible"],
        "oversell_cap": ["skus.oversell_cap"],
    },
)
def quarterly_top20(con, period, filters, settings, as_of) -> pl.DataFrame:
    """The top 20 skus by backordered lines ordered in the quarter holding the period's last
    day, with their figures for that quarter and the one before, and the review flag."""
    quarter = Period.quarter_of(period.as_of)
    previous = quarter.previous()
    params = base_params(quarter, filters, settings, as_of or period.as_of)
    params["prev_from_date"] = previous.from_date
    params["prev_to_date"] = previous.to_date
    return run(con, "quarterly_top20", params)


@metric(needs=["order_lines.backordered_qty", *STATE])
def quarterly_top20_delayed_orders(con, period, filters, settings, as_of) -> pl.DataFrame:
    """The five backordered orders of the quarter with the most days to their last
    resolution (open ones counted to the as-of day); ties by order_id as text."""
    quarter = Period.quarter_of(period.as_of)
    return run(
        con, "quarterly_top20_delayed_orders", base_params(quarter, filters, settings, as_of)
    )


def order_timeline(
    con: duckdb.DuckDBPyConnection, order_id: str, settings: Settings | None = None
) -> pl.DataFrame:
    """Every event of one order in time order (see queries/order_timeline.sql).

    Times show in the store time zone: `settings.timezone`, else the dataset's.
    """
    dataset = store.dataset_settings(con)
    timezone = settings.timezone if settings is not None else dataset.get("timezone", "UTC")
    frame = run(con, "order_timeline", {"order_id": str(order_id), "tz": timezone})
    return frame.drop("event_order")
