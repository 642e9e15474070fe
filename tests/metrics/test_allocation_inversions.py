"""allocation_inversions: hand-computed cases, one per rule of its definition (metrics.md)."""

import polars as pl
from polars.testing import assert_frame_equal

from dashboard.metrics.controls import allocation_inversions, allocation_inversions_lines
from dashboard.params import Filters, Period

W47 = Period.week("2026-W47")  # 2026-11-16 .. 2026-11-22


def line(order_id, sku, qty, backordered_qty, ordered_at, shipped_at=None, canceled_at=None):
    return {
        "order_id": order_id,
        "ordered_at": ordered_at,
        "sku": sku,
        "qty": str(qty),
        "backordered_qty": str(backordered_qty),
        "channel": "amazon" if order_id == "b1" else "web",
        "shipped_at": shipped_at,
        "canceled_at": canceled_at,
    }


LINES = [
    # waiting all period
    line("a1", "S", 1, 1, "2026-11-10T10:00:00Z", shipped_at="2026-11-25T10:00:00Z"),
    # older than a1; ships exactly when b1 ships: not waiting at that t
    line("a2", "S", 1, 1, "2026-11-09T10:00:00Z", shipped_at="2026-11-18T12:00:00Z"),
    # canceled an hour before b1 ships
    line("a3", "S", 1, 1, "2026-11-12T10:00:00Z", canceled_at="2026-11-18T11:00:00Z"),
    # backordered after b1 was ordered, before b2 was ordered; still open
    line("a4", "S", 1, 1, "2026-11-18T10:00:00Z"),
    line("b1", "S", 2, 0, "2026-11-17T09:00:00Z", shipped_at="2026-11-18T12:00:00Z"),
    line("b2", "S", 3, 0, "2026-11-19T09:00:00Z", shipped_at="2026-11-20T12:00:00Z"),
    # ships after the period
    line("b3", "S", 4, 0, "2026-11-19T09:00:00Z", shipped_at="2026-11-23T01:00:00Z"),
    line("a5", "T", 1, 1, "2026-11-15T10:00:00Z"),
    line("b4", "T", 1, 0, "2026-11-16T10:00:00Z", shipped_at="2026-11-16T12:00:00Z"),
]


def receipt(po_id, sku, received_at):
    return {
        "po_id": po_id,
        "sku": sku,
        "qty": "10",
        "supplier_eta": "2026-11-01",
        "received_at": received_at,
    }


INBOUND = [
    receipt("P0", "S", "2026-11-01T12:00:00Z"),
    receipt("P1", "S", "2026-11-18T12:00:00Z"),  # received exactly when b1 ships: counts
    receipt("P10", "S", "2026-11-20T08:00:00Z"),  # same time as P9: "P9" > "P10" as text
    receipt("P9", "S", "2026-11-20T08:00:00Z"),
]

COLUMNS = ["breakdown", "sku", "po_id", "lines_passed_over", "units_shipped_ahead", "pairs"]


def test_pairs_per_sku_and_per_receipt(make_db):
    con = make_db({"order_lines": LINES, "inbound": INBOUND})
    result = allocation_inversions(con, W47).select(COLUMNS)
    # Pairs: (a1, b1), (a1, b2), (a4, b2), (a5, b4). a2 ships at b1's t, a3 is canceled
    # before it, a4 was backordered after b1 was ordered, b3 ships after the period.
    # b1 -> P1 (received at t), b2 -> P9 (tie with P10), b4 -> no receipt of T.
    expected = pl.DataFrame(
        {
            "breakdown": ["total", "sku", "sku", "receipt", "receipt", "receipt"],
            "sku": [None, "S", "T", "S", "S", "T"],
            "po_id": [None, None, None, "P9", "P1", None],
            "lines_passed_over": [3, 2, 1, 2, 1, 1],
            "units_shipped_ahead": [6, 5, 1, 3, 2, 1],
            "pairs": [4, 3, 1, 2, 1, 1],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_queue_lists_each_pair(make_db):
    con = make_db({"order_lines": LINES, "inbound": INBOUND})
    result = allocation_inversions_lines(con, W47).select(
        "order_id", "passed_by_order_id", "waiting_days", "po_id"
    )
    # waiting_days = local date of t - A's backordered date: 20-10, 18-10, 20-18, 16-15.
    expected = pl.DataFrame(
        {
            "order_id": ["a1", "a1", "a4", "a5"],
            "passed_by_order_id": ["b2", "b1", "b2", "b4"],
            "waiting_days": [10, 8, 2, 1],
            "po_id": ["P9", "P1", "P9", None],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_without_inbound_receipts_are_unavailable(make_db):
    con = make_db({"order_lines": LINES})
    result = allocation_inversions(con, W47).select(COLUMNS)
    needs = "unavailable: needs inbound"
    expected = pl.DataFrame(
        {
            "breakdown": ["total", "sku", "sku"],
            "sku": [None, "S", "T"],
            "po_id": [needs, needs, needs],
            "lines_passed_over": [3, 2, 1],
            "units_shipped_ahead": [6, 5, 1],
            "pairs": [4, 3, 1],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_channel_filter_removes_both_sides(make_db):
    con = make_db({"order_lines": LINES, "inbound": INBOUND})
    result = allocation_inversions(con, W47, Filters(channel=("web",))).select(COLUMNS)
    # b1 is an amazon line: (a1, b1) goes; 3 pairs remain, a1 and a4 over S by b2.
    expected = pl.DataFrame(
        {
            "breakdown": ["total", "sku", "sku", "receipt", "receipt"],
            "sku": [None, "S", "T", "S", "T"],
            "po_id": [None, None, None, "P9", None],
            "lines_passed_over": [3, 2, 1, 2, 1],
            "units_shipped_ahead": [4, 3, 1, 3, 1],
            "pairs": [3, 2, 1, 2, 1],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_shipment_time_in_period_is_local(make_db):
    # 2026-11-23 04:00 UTC is 2026-11-22 23:00 in New York: t is inside W47.
    con = make_db(
        {
            "order_lines": [
                line("a", "S", 1, 1, "2026-11-20T10:00:00Z"),
                line("b", "S", 2, 0, "2026-11-21T10:00:00Z", shipped_at="2026-11-23T04:00:00Z"),
            ],
            "inbound": [],
        },
        timezone="America/New_York",
    )
    result = allocation_inversions(con, W47).select(COLUMNS)
    expected = pl.DataFrame(
        {
            "breakdown": ["total", "sku", "receipt"],
            "sku": [None, "S", "S"],
            "po_id": [None, None, None],
            "lines_passed_over": [1, 1, 1],
            "units_shipped_ahead": [2, 2, 2],
            "pairs": [1, 1, 1],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_no_pairs_gives_zero_counts(make_db):
    con = make_db({"order_lines": LINES, "inbound": INBOUND})
    result = allocation_inversions(con, Period.week("2026-W40")).select(COLUMNS)
    # Counts of an empty set are 0 (they are counts, not rates).
    expected = pl.DataFrame(
        {
            "breakdown": ["total"],
            "sku": [None],
            "po_id": [None],
            "lines_passed_over": [0],
            "units_shipped_ahead": [0],
            "pairs": [0],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False, check_column_order=True)
