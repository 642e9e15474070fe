"""backorder_rate: hand-computed cases, one per rule of its definition (metrics.md)."""

from datetime import date

import polars as pl
from polars.testing import assert_frame_equal

from dashboard.metrics import backorder_rate
from dashboard.params import Filters, Period

W47 = Period.week("2026-W47")  # 2026-11-16 .. 2026-11-22


def line(order_id, sku, qty, backordered_qty, ordered_at="2026-11-17T12:00:00Z", **extra):
    return {
        "order_id": order_id,
        "ordered_at": ordered_at,
        "sku": sku,
        "qty": str(qty),
        "backordered_qty": str(backordered_qty),
        "channel": extra.pop("channel", "web"),
        **extra,
    }


def test_lines_units_orders_and_ranking(make_db):
    con = make_db(
        {
            "order_lines": [
                line("1", "A", 2, 2),
                line("1", "B", 1, 0),
                line("2", "B", 3, 1),
                line("3", "C", 1, 0),
                line("4", "A", 1, 0),
            ]
        }
    )
    result = backorder_rate(con, W47).select(
        "sku", "count_lines", "count_backordered_lines", "line_rate", "unit_rate", "order_rate"
    )
    # A and B tie on backordered lines (1 each); A has more backordered units (2 > 1).
    expected = pl.DataFrame(
        {
            "sku": [None, "A", "B", "C"],
            "count_lines": [5, 2, 2, 1],
            "count_backordered_lines": [2, 1, 1, 0],
            "line_rate": [2 / 5, 1 / 2, 1 / 2, 0.0],
            "unit_rate": [3 / 8, 2 / 3, 1 / 4, 0.0],
            "order_rate": [2 / 4, 1 / 2, 1 / 2, 0.0],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_week_boundary_uses_store_time_zone(make_db):
    # 2026-11-23 04:00 UTC is still Sunday 2026-11-22 in New York: inside W47.
    # 2026-11-16 03:00 UTC is Sunday 2026-11-15 in New York: outside W47.
    con = make_db(
        {
            "order_lines": [
                line("1", "A", 1, 1, ordered_at="2026-11-23T04:00:00Z"),
                line("2", "A", 1, 0, ordered_at="2026-11-16T03:00:00Z"),
            ]
        },
        timezone="America/New_York",
    )
    total = backorder_rate(con, W47).row(0, named=True)
    assert (total["count_lines"], total["line_rate"]) == (1, 1.0)


def test_empty_period_gives_empty_rate_not_zero(make_db):
    con = make_db({"order_lines": [line("1", "A", 1, 1)]})
    result = backorder_rate(con, Period.week("2026-W40"))
    # No line ordered in W40: counts are 0, every rate has no denominator (null).
    expected = pl.DataFrame(
        {
            "sku": [None],
            "count_lines": [0],
            "count_backordered_lines": [0],
            "units": [0],
            "backordered_units": [0],
            "count_orders": [0],
            "count_backordered_orders": [0],
            "line_rate": [None],
            "unit_rate": [None],
            "order_rate": [None],
        },
        schema_overrides={
            "sku": pl.String,
            "line_rate": pl.Float64,
            "unit_rate": pl.Float64,
            "order_rate": pl.Float64,
        },
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_without_backordered_qty_column_is_unavailable(make_db):
    rows = [{k: v for k, v in line("1", "A", 1, 0).items() if k != "backordered_qty"}]
    con = make_db({"order_lines": rows})
    result = backorder_rate(con, W47)
    assert result.to_dicts() == [{"unavailable": "needs backordered_qty"}]


def test_channel_filter_and_unknown_attribute(make_db):
    con = make_db(
        {
            "order_lines": [
                line("1", "A", 1, 1, channel="amazon"),
                line("2", "A", 1, 0, channel="web"),
            ]
        }
    )
    amazon = backorder_rate(con, W47, Filters(channel=("amazon",)))
    assert amazon["line_rate"][0] == 1.0
    # No skus table, no inbound: nothing carries a family.
    assert backorder_rate(con, W47, Filters(family=("F",)))["unavailable"][0] == "needs family"


def test_period_as_of_is_last_day():
    assert W47.as_of == date(2026, 11, 22)


def test_skus_tied_on_lines_and_units_rank_by_sku(make_db):
    con = make_db(
        {
            "order_lines": [
                line("1", "B", 2, 1),
                line("2", "A", 3, 1),
                line("3", "C", 1, 1),
                line("3", "C", 1, 0),
            ]
        }
    )
    result = backorder_rate(con, W47).select("sku", "count_backordered_lines", "backordered_units")
    # A, B and C each have 1 backordered line of 1 unit: sku ascending breaks the tie.
    expected = pl.DataFrame(
        {
            "sku": [None, "A", "B", "C"],
            "count_backordered_lines": [3, 1, 1, 1],
            "backordered_units": [3, 1, 1, 1],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_family_and_supplier_filters(make_db):
    con = make_db(
        {
            "order_lines": [
                line("1", "A", 1, 1),
                line("2", "B", 1, 0),
                line("3", "C", 1, 1),
            ],
            "skus": [
                {"sku": "A", "family": "Lamps", "supplier": "X"},
                {"sku": "B", "family": "Lamps", "supplier": "Y"},
                {"sku": "C", "family": "Rugs", "supplier": "Y"},
            ],
        }
    )
    lamps = backorder_rate(con, W47, Filters(family=("Lamps",))).select("sku", "line_rate")
    # Lamps: A (backordered) and B (not): 1 of 2 lines.
    expected_lamps = pl.DataFrame({"sku": [None, "A", "B"], "line_rate": [0.5, 1.0, 0.0]})
    assert_frame_equal(lamps, expected_lamps)
    supplier_y = backorder_rate(con, W47, Filters(supplier=("Y",))).select("sku", "line_rate")
    # Supplier Y: B (not backordered) and C (backordered).
    expected_y = pl.DataFrame({"sku": [None, "C", "B"], "line_rate": [0.5, 1.0, 0.0]})
    assert_frame_equal(supplier_y, expected_y)
