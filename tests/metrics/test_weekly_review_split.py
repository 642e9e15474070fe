"""weekly_review's backorder split cost over its 13 weeks, by hand: the cases where an order's
first shipment or its backordered line lies outside the weeks, ties broken by shipment_id as
text, and the channel filter; each week also equals split_shipment_cost for that week.
"""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_series_equal

from dashboard.metrics import split_shipment_cost, weekly_review
from dashboard.params import Filters, Period

from .test_weekly_review import line as review_line
from .test_weekly_review import shipment

W47 = Period.week("2026-W47")  # 2026-11-16 .. 2026-11-22; the weeks start with W35 (Aug 24)


def line(order_id, ordered_at, backordered_qty, channel="web", line_id="1", **extra):
    """One line of sku A (test_weekly_review's row builder, with this file's defaults)."""
    return review_line(
        order_id, line_id, ordered_at, "A", backordered_qty, channel=channel, **extra
    )


TABLES = {
    "order_lines": [
        # o1 (amazon): first shipped before the weeks, so both later shipments are extra.
        line("o1", "2026-08-10T10:00:00Z", 1, "amazon", shipped_at="2026-10-07T10:00:00Z"),
        # o2: two shipments at the same instant: "s2-10" < "s2-9" as text, so s2-9 is extra.
        line("o2", "2026-11-01T10:00:00Z", 1, shipped_at="2026-11-10T10:00:00Z"),
        # o3: its backordered line was canceled before the weeks; it still has one.
        line("o3", "2026-07-01T10:00:00Z", 1, canceled_at="2026-07-20T10:00:00Z"),
        line("o3", "2026-07-01T10:00:00Z", 0, line_id="2", shipped_at="2026-07-02T10:00:00Z"),
        # o4: split, but no backordered line.
        line("o4", "2026-09-01T10:00:00Z", 0, shipped_at="2026-09-03T10:00:00Z"),
        # o5: first shipped in W47; its second shipment is after the as-of day.
        line("o5", "2026-11-19T10:00:00Z", 1, shipped_at="2026-11-24T10:00:00Z"),
        # o6: all three shipments in the weeks, the extra ones in two weeks.
        line("o6", "2026-09-28T10:00:00Z", 1, shipped_at="2026-10-14T10:00:00Z"),
    ],
    "shipments": [
        shipment("s1a", "o1", "2026-08-12T10:00:00Z", "3"),
        shipment("s1b", "o1", "2026-10-07T10:00:00Z", "5"),  # W41: 5
        shipment("s1c", "o1", "2026-11-18T10:00:00Z", "7", "1"),  # W47: 8
        shipment("s2-9", "o2", "2026-11-10T10:00:00Z", "100"),  # W46: 100
        shipment("s2-10", "o2", "2026-11-10T10:00:00Z", "1"),
        shipment("s3a", "o3", "2026-07-02T10:00:00Z", "2"),
        shipment("s3b", "o3", "2026-09-01T10:00:00Z", "4"),  # W36: 4
        shipment("s4a", "o4", "2026-09-02T10:00:00Z", "50"),
        shipment("s4b", "o4", "2026-09-03T10:00:00Z", "50"),  # not backorder-caused
        shipment("s5a", "o5", "2026-11-20T10:00:00Z", "3"),
        shipment("s5b", "o5", "2026-11-24T10:00:00Z", "3"),  # after W47
        shipment("s6a", "o6", "2026-09-29T10:00:00Z", "2"),
        shipment("s6b", "o6", "2026-10-01T10:00:00Z", "6"),  # W40: 6
        shipment("s6c", "o6", "2026-10-14T10:00:00Z", "8", "1"),  # W42: 9
    ],
}

WEEKS = [f"2026-W{n}" for n in range(35, 48)]


def by_week(costs: dict[str, float]) -> pl.Series:
    return pl.Series("backorder_split_cost", [costs.get(week, 0.0) for week in WEEKS])


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (
            None,
            {
                "2026-W36": 4.0,
                "2026-W40": 6.0,
                "2026-W41": 5.0,
                "2026-W42": 9.0,
                "2026-W46": 100.0,
                "2026-W47": 8.0,
            },
        ),
        (Filters(channel=("amazon",)), {"2026-W41": 5.0, "2026-W47": 8.0}),
        (
            Filters(channel=("web",)),
            {"2026-W36": 4.0, "2026-W40": 6.0, "2026-W42": 9.0, "2026-W46": 100.0},
        ),
    ],
)
def test_split_cost_by_week(make_db, filters, expected):
    con = make_db(TABLES)
    review = weekly_review(con, W47, filters)
    assert review["week"].to_list() == WEEKS
    result = review["backorder_split_cost"].cast(pl.Float64)
    assert_series_equal(result, by_week(expected))
    single = [
        float(split_shipment_cost(con, Period.week(week), filters)["backorder_split_cost"][0])
        for week in WEEKS
    ]
    assert_series_equal(result, pl.Series("backorder_split_cost", single))
