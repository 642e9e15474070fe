"""backorder_cancel_rate: hand-computed cases, one per rule of its definition (metrics.md)."""

import polars as pl
from polars.testing import assert_frame_equal

from dashboard.metrics import backorder_cancel_rate
from dashboard.params import Filters, Period

W47 = Period.week("2026-W47")  # 2026-11-16 .. 2026-11-22
SKUS = [{"sku": "S1", "supplier": "X"}, {"sku": "S2", "supplier": "Y"}]
COLUMNS = [
    "breakdown",
    "group_value",
    "count_resolved",
    "count_canceled",
    "cancel_rate",
    "lost_revenue",
]


def line(order_id, sku, backorder_reason=None, backordered_qty=1, **extra):
    return {
        "order_id": order_id,
        "ordered_at": "2026-11-01T12:00:00Z",
        "sku": sku,
        "qty": str(extra.get("qty", 1)),
        "unit_price": extra.get("unit_price"),
        "channel": extra.get("channel", "web"),
        "backordered_qty": str(backordered_qty),
        "backorder_reason": backorder_reason,
        "shipped_at": extra.get("shipped_at"),
        "canceled_at": extra.get("canceled_at"),
        "cancel_reason": extra.get("cancel_reason"),
    }


def main_case():
    return [
        line("1", "S1", "supplier_delay", shipped_at="2026-11-18T10:00:00Z", unit_price="9"),
        line(
            "2",
            "S1",
            "supplier_delay",
            qty=2,
            unit_price="10",
            canceled_at="2026-11-19T10:00:00Z",
            cancel_reason="backorder_delay",
        ),  # lost 2 x 10
        line(
            "3",
            "S2",
            "inbound_shortage",
            unit_price="5",
            canceled_at="2026-11-22T12:00:00Z",
            cancel_reason="customer_request",
        ),  # canceled on the last day; lost 5
        line("4", "S2", "inbound_shortage", shipped_at="2026-11-20T10:00:00Z"),
        line(
            "5", "S2", "inbound_shortage", canceled_at="2026-11-23T10:00:00Z", cancel_reason="fraud"
        ),  # after the week
        line("6", "S2", None, 0, canceled_at="2026-11-19T10:00:00Z", cancel_reason="fraud"),
        line(
            "7", "S1", None, canceled_at="2026-11-21T10:00:00Z", cancel_reason="backorder_delay"
        ),  # no price: lost 0
    ]


def test_rate_lost_revenue_and_breakdowns(make_db):
    con = make_db({"order_lines": main_case(), "skus": SKUS})
    result = backorder_cancel_rate(con, W47).select(COLUMNS)
    # Resolved in W47: 1, 2, 3, 4, 7; canceled 2, 3, 7.
    # By cancel reason the denominator stays 5 (0.4 + 0.2 = 0.6); the others divide in-group.
    # backorder_reason ties on 1 canceled: lost revenue 20, 5, 0 orders them.
    expected = pl.DataFrame(
        {
            "breakdown": ["total"]
            + ["cancel_reason"] * 2
            + ["backorder_reason"] * 3
            + ["supplier"] * 2
            + ["sku"] * 2,
            "group_value": [
                None,
                "backorder_delay",
                "customer_request",
                "supplier_delay",
                "inbound_shortage",
                None,
                "X",
                "Y",
                "S1",
                "S2",
            ],
            "count_resolved": [5, 5, 5, 2, 2, 1, 3, 2, 3, 2],
            "count_canceled": [3, 2, 1, 1, 1, 1, 2, 1, 2, 1],
            "cancel_rate": [0.6, 0.4, 0.2, 0.5, 0.5, 1.0, 2 / 3, 0.5, 2 / 3, 0.5],
            "lost_revenue": [25.0, 20.0, 5.0, 20.0, 5.0, 0.0, 20.0, 5.0, 20.0, 5.0],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_week_boundary_uses_store_time_zone(make_db):
    con = make_db(
        {
            "order_lines": [
                # 2026-11-23 04:00 UTC is 2026-11-22 in New York: resolved in W47.
                line("1", "S1", "other", shipped_at="2026-11-23T04:00:00Z"),
                # 2026-11-16 04:00 UTC is 2026-11-15 in New York: before W47.
                line("2", "S1", "other", canceled_at="2026-11-16T04:00:00Z", cancel_reason="other"),
            ]
        },
        timezone="America/New_York",
    )
    result = backorder_cancel_rate(con, W47).filter(pl.col("breakdown") == "total").select(COLUMNS)
    expected = pl.DataFrame(
        {
            "breakdown": ["total"],
            "group_value": [None],
            "count_resolved": [1],
            "count_canceled": [0],
            "cancel_rate": [0.0],
            "lost_revenue": [0.0],
        },
        schema_overrides={"group_value": pl.String},
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_nothing_resolved_gives_empty_rate_and_zero_money(make_db):
    con = make_db({"order_lines": [line("1", "S1", "other")]})
    result = backorder_cancel_rate(con, W47).select(COLUMNS)
    # No resolved line: the rate has no denominator (null); lost revenue sums nothing (0).
    expected = pl.DataFrame(
        {
            "breakdown": ["total"],
            "group_value": [None],
            "count_resolved": [0],
            "count_canceled": [0],
            "cancel_rate": [None],
            "lost_revenue": [0.0],
        },
        schema_overrides={"group_value": pl.String, "cancel_rate": pl.Float64},
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_without_canceled_at_is_unavailable(make_db):
    rows = [
        {
            k: v
            for k, v in line("1", "S1", shipped_at="2026-11-18T10:00:00Z").items()
            if k != "canceled_at"
        }
    ]
    con = make_db({"order_lines": rows})
    result = backorder_cancel_rate(con, W47)
    assert_frame_equal(result, pl.DataFrame({"unavailable": ["needs canceled_at"]}))


def test_missing_columns_mark_their_figure_or_breakdown(make_db):
    dropped = {"unit_price", "cancel_reason", "backorder_reason"}
    rows = [{k: v for k, v in row.items() if k not in dropped} for row in main_case()]
    con = make_db({"order_lines": rows})
    result = backorder_cancel_rate(con, W47).select(COLUMNS)
    # No price column: lost revenue is unavailable, not 0. No reason columns and no supplier
    # source: those breakdowns are left out rather than shown as one "empty reason" group.
    expected = pl.DataFrame(
        {
            "breakdown": ["total", "sku", "sku"],
            "group_value": [None, "S1", "S2"],
            "count_resolved": [5, 3, 2],
            "count_canceled": [3, 2, 1],
            "cancel_rate": [0.6, 2 / 3, 0.5],
            "lost_revenue": ["unavailable: needs unit_price"] * 3,
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_channel_filter(make_db):
    con = make_db(
        {
            "order_lines": [
                line("1", "S1", "other", channel="amazon", canceled_at="2026-11-18T10:00:00Z"),
                line("2", "S1", "other", channel="web", shipped_at="2026-11-18T10:00:00Z"),
            ]
        }
    )
    result = backorder_cancel_rate(con, W47, Filters(channel=("amazon",)))
    total = result.filter(pl.col("breakdown") == "total").select("count_resolved", "cancel_rate")
    # Only the amazon line is left, and it was canceled.
    expected = pl.DataFrame({"count_resolved": [1], "cancel_rate": [1.0]})
    assert_frame_equal(total, expected, check_dtypes=False)


def test_cancel_reason_rates_add_up_to_the_total_rate(make_db):
    con = make_db({"order_lines": main_case(), "skus": SKUS})
    result = (
        backorder_cancel_rate(con, W47)
        .filter(pl.col("breakdown").is_in(["total", "cancel_reason"]))
        .group_by(pl.col("breakdown") == "total")
        .agg(pl.col("cancel_rate").sum(), pl.col("lost_revenue").sum().cast(pl.Float64))
        .sort("breakdown")
        .drop("breakdown")
    )
    # backorder_delay 2/5 + customer_request 1/5 = the total 3/5; lost 20 + 5 = 25.
    expected = pl.DataFrame({"cancel_rate": [0.6, 0.6], "lost_revenue": [25.0, 25.0]})
    assert_frame_equal(result, expected)
