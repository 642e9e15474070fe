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
    "hygiene",
    "hygiene_lines",
    "channel_sla",
    "delay_notice_compliance",
    "delay_notice_compliance_lines",
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


# hygiene: each check and the inputs it needs beyond backordered lines.
HYGIENE_CHECKS = {
    "no_reason": ["order_lines.backorder_reason"],
    "no_promise": ["order_lines.promised_ship_date"],
    "promise_without_buffer": ["order_lines.promised_ship_date", "order_lines.supplier_eta"],
    "ineligible_accepted": ["skus.backorder_eligible"],
    "over_cap": ["skus.oversell_cap", *LINE_STATE],
}


def _hygiene_params(con, period, filters, settings, as_of) -> dict[str, object]:
    """The parameters of hygiene*.sql: `$checks` lists the checks whose inputs are loaded."""
    present = store.presence(con)
    params = base_params(period, filters, settings, as_of)
    params["checks"] = [
        check for check, needs in HYGIENE_CHECKS.items() if missing_input(present, needs) is None
    ]
    return params


@metric(
    needs=["order_lines.backordered_qty"],
    figures={
        figure: needs
        for check, needs in HYGIENE_CHECKS.items()
        for figure in (check, f"{check}_share")
    },
)
def hygiene(con, period, filters, settings, as_of) -> pl.DataFrame:
    return run(con, "hygiene", _hygiene_params(con, period, filters, settings, as_of))


@metric(needs=["order_lines.backordered_qty"])
def hygiene_lines(con, period, filters, settings, as_of) -> pl.DataFrame:
    """Failing lines; a check whose inputs are not loaded is null on every row."""
    return run(con, "hygiene_lines", _hygiene_params(con, period, filters, settings, as_of))


@metric(
    needs=LINE_STATE,
    figures={
        figure: ["order_lines.cancel_reason"]
        for figure in (
            "seller_cancel_orders",
            "seller_cancel_denominator",
            "seller_cancel_rate",
            "seller_cancel_headroom",
            "seller_cancel_over",
        )
    },
)
def channel_sla(con, period, filters, settings, as_of) -> pl.DataFrame:
    return run(con, "channel_sla", base_params(period, filters, settings, as_of))


@metric(
    needs=["order_lines.backordered_qty", *LINE_STATE, "notices"],
    figures={"missed_promise_without_notice": ["order_lines.promised_ship_date"]},
)
def delay_notice_compliance(con, period, filters, settings, as_of) -> pl.DataFrame:
    return run(con, "delay_notice_compliance", base_params(period, filters, settings, as_of))


@metric(needs=["order_lines.backordered_qty", *LINE_STATE, "notices"])
def delay_notice_compliance_lines(con, period, filters, settings, as_of) -> pl.DataFrame:
    """Without promised_ship_date no line fails missed_promise_without_notice (no promise)."""
    params = base_params(period, filters, settings, as_of)
    return run(con, "delay_notice_compliance_lines", params)
