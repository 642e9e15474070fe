"""promise_hit_rate: hand-computed cases, one per rule of its definition (metrics.md)."""

import polars as pl
from polars.testing import assert_frame_equal

from dashboard.metrics import promise_hit_rate
from dashboard.params import Filters, Period

W47 = Period.week("2026-W47")  # 2026-11-16 .. 2026-11-22
SKUS = [{"sku": "S1", "supplier": "X"}, {"sku": "S2", "supplier": "Y"}]
COLUMNS = [
    "breakdown",
    "group_value",
    "count_lines",
    "count_hits",
    "count_misses",
    "hit_rate",
    "mean_days_late",
    "median_days_late",
]


def line(order_id, sku, shipped_at, promised_ship_date, backordered_qty=1):
    return {
        "order_id": order_id,
        "ordered_at": "2026-11-01T12:00:00Z",
        "sku": sku,
        "qty": "1",
        "backordered_qty": str(backordered_qty),
        "promised_ship_date": promised_ship_date,
        "shipped_at": shipped_at,
    }


def test_hits_misses_suppliers_and_days_late(make_db):
    con = make_db(
        {
            "order_lines": [
                line(
                    "A", "S1", "2026-11-18T10:00:00Z", "2026-11-18"
                ),  # hit: shipped on the promise
                line("B", "S1", "2026-11-20T10:00:00Z", "2026-11-19"),  # 1 day late
                line("C", "S2", "2026-11-22T12:00:00Z", "2026-11-18"),  # 4 late, on the last day
                line("D", "S2", "2026-11-23T10:00:00Z", "2026-11-18"),  # shipped after the period
                line("E", "S2", "2026-11-19T10:00:00Z", None),  # no promise: not judged
                line("F", "S1", "2026-11-19T10:00:00Z", "2026-11-10", 0),  # not backordered
                line("G", "S2", "2026-11-21T10:00:00Z", "2026-11-20"),  # 1 day late
                line("H", "S2", "2026-11-22T10:00:00Z", "2026-11-16"),  # 6 days late
            ],
            "skus": SKUS,
        }
    )
    result = promise_hit_rate(con, W47).select(COLUMNS)
    # Misses late by 1, 4, 1, 6: mean 3, median of 1,1,4,6 = (1 + 4) / 2.
    # Y (3 lines) ranks before X (2 lines); then days late 1, 4, 6 ascending.
    expected = pl.DataFrame(
        {
            "breakdown": ["total", "supplier", "supplier", "days_late", "days_late", "days_late"],
            "group_value": [None, "Y", "X", "1", "4", "6"],
            "count_lines": [5, 3, 2, 2, 1, 1],
            "count_hits": [1, 0, 1, 0, 0, 0],
            "count_misses": [4, 3, 1, 2, 1, 1],
            "hit_rate": [1 / 5, 0.0, 1 / 2, 0.0, 0.0, 0.0],
            "mean_days_late": [3.0, 11 / 3, 1.0, 1.0, 4.0, 6.0],
            "median_days_late": [2.5, 4.0, 1.0, 1.0, 4.0, 6.0],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_week_boundary_uses_store_time_zone(make_db):
    con = make_db(
        {
            "order_lines": [
                # 2026-11-23 03:00 UTC is 2026-11-22 in New York: in W47, on its promise day.
                line("A", "S1", "2026-11-23T03:00:00Z", "2026-11-22"),
                # 2026-11-16 04:00 UTC is 2026-11-15 in New York: before W47.
                line("B", "S1", "2026-11-16T04:00:00Z", "2026-11-01"),
            ],
            "skus": SKUS,
        },
        timezone="America/New_York",
    )
    result = promise_hit_rate(con, W47).select(COLUMNS)
    expected = pl.DataFrame(
        {
            "breakdown": ["total", "supplier"],
            "group_value": [None, "X"],
            "count_lines": [1, 1],
            "count_hits": [1, 1],
            "count_misses": [0, 0],
            "hit_rate": [1.0, 1.0],
            "mean_days_late": [None, None],
            "median_days_late": [None, None],
        },
        schema_overrides={"mean_days_late": pl.Float64, "median_days_late": pl.Float64},
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_nothing_shipped_gives_empty_rate_not_zero(make_db):
    # No skus and no inbound: no supplier is known, so there are no supplier rows at all.
    con = make_db({"order_lines": [line("A", "S1", "2026-11-10T10:00:00Z", "2026-11-09")]})
    result = promise_hit_rate(con, W47).select(COLUMNS)
    expected = pl.DataFrame(
        {
            "breakdown": ["total"],
            "group_value": [None],
            "count_lines": [0],
            "count_hits": [0],
            "count_misses": [0],
            "hit_rate": [None],
            "mean_days_late": [None],
            "median_days_late": [None],
        },
        schema_overrides={
            "group_value": pl.String,
            "hit_rate": pl.Float64,
            "mean_days_late": pl.Float64,
            "median_days_late": pl.Float64,
        },
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_without_promised_ship_date_is_unavailable(make_db):
    rows = [
        {
            k: v
            for k, v in line("A", "S1", "2026-11-18T10:00:00Z", None).items()
            if k != "promised_ship_date"
        }
    ]
    con = make_db({"order_lines": rows})
    result = promise_hit_rate(con, W47)
    expected = pl.DataFrame({"unavailable": ["needs promised_ship_date"]})
    assert_frame_equal(result, expected)


def test_supplier_filter(make_db):
    con = make_db(
        {
            "order_lines": [
                line("A", "S1", "2026-11-18T10:00:00Z", "2026-11-17"),  # X, 1 day late
                line("B", "S2", "2026-11-18T10:00:00Z", "2026-11-18"),  # Y, hit
            ],
            "skus": SKUS,
        }
    )
    result = promise_hit_rate(con, W47, Filters(supplier=("X",))).select(
        "breakdown", "group_value", "count_lines", "hit_rate"
    )
    # Only supplier X's line remains: one miss.
    expected = pl.DataFrame(
        {
            "breakdown": ["total", "supplier", "days_late"],
            "group_value": [None, "X", "1"],
            "count_lines": [1, 1, 1],
            "hit_rate": [0.0, 0.0, 0.0],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)
