"""The weekly checks of metrics.md: one function per queries/<metric>.sql.

Each function runs its SQL file; the `@metric` decorator first checks the inputs (`needs`: what
every figure needs; `figures`: what a single figure column needs). Line state needs both
order_lines.shipped_at and order_lines.canceled_at. Frames with a `breakdown` column drop the
rows of a breakdown whose attribute no loaded export carries (see `_drop_breakdowns`), so an
absent column never shows as an "empty" group.
"""

from __future__ import annotations

import polars as pl

from dashboard import store
from dashboard.queries import base_params, metric, missing_input, run

__all__ = [
    "backorder_rate",
    "backorder_age",
    "backorder_age_lines",
    "promise_hit_rate",
    "supplier_eta_accuracy",
    "backorder_cancel_rate",
    "split_shipment_cost",
    "support_contact_rate",
]

LINE_STATE = ["order_lines.shipped_at", "order_lines.canceled_at"]
SUPPLIER_SOURCES = ["skus.supplier", "inbound.supplier"]


def _drop_breakdowns(con, frame: pl.DataFrame, sources: dict[str, list[str]]) -> pl.DataFrame:
    """Drop the rows of each breakdown none of whose source columns is loaded."""
    present = store.presence(con)
    absent = [
        breakdown
        for breakdown, columns in sources.items()
        if all(missing_input(present, [column]) for column in columns)
    ]
    if not absent or "breakdown" not in frame.columns:
        return frame
    return frame.filter(~pl.col("breakdown").is_in(absent))


@metric(
    needs=["order_lines.backordered_qty"],
    figures={"unit_rate": ["order_lines.qty"]},
)
def backorder_rate(con, period, filters, settings, as_of) -> pl.DataFrame:
    return run(con, "backorder_rate", base_params(period, filters, settings, as_of))


@metric(
    needs=["order_lines.backordered_qty", *LINE_STATE],
    figures={
        "count_overdue_lines": ["order_lines.promised_ship_date"],
        "overdue_units": ["order_lines.promised_ship_date"],
    },
)
def backorder_age(con, period, filters, settings, as_of) -> pl.DataFrame:
    return run(con, "backorder_age", base_params(period, filters, settings, as_of))


@metric(
    needs=["order_lines.backordered_qty", *LINE_STATE],
    figures={"days_overdue": ["order_lines.promised_ship_date"]},
)
def backorder_age_lines(con, period, filters, settings, as_of) -> pl.DataFrame:
    return run(con, "backorder_age_lines", base_params(period, filters, settings, as_of))


@metric(
    needs=[
        "order_lines.backordered_qty",
        "order_lines.promised_ship_date",
        "order_lines.shipped_at",
    ],
)
def promise_hit_rate(con, period, filters, settings, as_of) -> pl.DataFrame:
    frame = run(con, "promise_hit_rate", base_params(period, filters, settings, as_of))
    return _drop_breakdowns(con, frame, {"supplier": SUPPLIER_SOURCES})


@metric(needs=["inbound", "inbound.received_at"])
def supplier_eta_accuracy(con, period, filters, settings, as_of) -> pl.DataFrame:
    frame = run(con, "supplier_eta_accuracy", base_params(period, filters, settings, as_of))
    return _drop_breakdowns(con, frame, {"supplier": SUPPLIER_SOURCES})


@metric(
    needs=["order_lines.backordered_qty", *LINE_STATE],
    figures={"lost_revenue": ["order_lines.unit_price"]},
)
def backorder_cancel_rate(con, period, filters, settings, as_of) -> pl.DataFrame:
    frame = run(con, "backorder_cancel_rate", base_params(period, filters, settings, as_of))
    return _drop_breakdowns(
        con,
        frame,
        {
            "cancel_reason": ["order_lines.cancel_reason"],
            "backorder_reason": ["order_lines.backorder_reason"],
            "supplier": SUPPLIER_SOURCES,
        },
    )


@metric(
    needs=["shipments"],
    figures={
        "backorder_split_cost": ["order_lines.backordered_qty"],
        "split_revenue": ["order_lines.unit_price"],
        "share_of_revenue": ["order_lines.unit_price"],
    },
)
def split_shipment_cost(con, period, filters, settings, as_of) -> pl.DataFrame:
    return run(con, "split_shipment_cost", base_params(period, filters, settings, as_of))


@metric(needs=["order_lines.backordered_qty", *LINE_STATE, "contacts"])
def support_contact_rate(con, period, filters, settings, as_of) -> pl.DataFrame:
    return run(con, "support_contact_rate", base_params(period, filters, settings, as_of))
