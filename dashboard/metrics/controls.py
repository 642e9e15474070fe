"""Communication, process and channel controls of metrics.md: one function per SQL file."""

from __future__ import annotations

import polars as pl

from dashboard import store
from dashboard.queries import base_params, metric, missing_input, run

__all__ = [
    "first_notice",
    "silent_backorders",
    "allocation_inversions",
    "allocation_inversions_lines",
]

LINE_STATE = ["order_lines.shipped_at", "order_lines.canceled_at"]


def _has(con, need: str) -> bool:
    """Whether the loaded exports carry `need` ("table" or "table.column")."""
    return missing_input(store.presence(con), [need]) is None


@metric(
    needs=["order_lines.backordered_qty"],
    figures={
        figure: ["notices"]
        for figure in (
            "notified",
            "median_hours",
            "notified_within_24h",
            "share_within_24h",
            "never_notified",
        )
    },
)
def first_notice(con, period, filters, settings, as_of) -> pl.DataFrame:
    return run(con, "first_notice", base_params(period, filters, settings, as_of))


@metric(needs=["order_lines.backordered_qty", *LINE_STATE, "notices"])
def silent_backorders(con, period, filters, settings, as_of) -> pl.DataFrame:
    params = base_params(period, filters, settings, as_of)
    params["next_update_by_present"] = _has(con, "notices.next_update_by")
    return run(con, "silent_backorders", params)


@metric(
    needs=["order_lines.backordered_qty", *LINE_STATE],
    figures={"po_id": ["inbound"], "received_at": ["inbound"]},
)
def allocation_inversions(con, period, filters, settings, as_of) -> pl.DataFrame:
    frame = run(con, "allocation_inversions", base_params(period, filters, settings, as_of))
    if not _has(con, "inbound"):
        # Without inbound there are no receipts to break down by: no receipt rows.
        frame = frame.filter(pl.col("breakdown") != "receipt")
    return frame


@metric(
    needs=["order_lines.backordered_qty", *LINE_STATE],
    figures={"po_id": ["inbound"], "received_at": ["inbound"]},
)
def allocation_inversions_lines(con, period, filters, settings, as_of) -> pl.DataFrame:
    return run(con, "allocation_inversions_lines", base_params(period, filters, settings, as_of))
