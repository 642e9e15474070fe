"""split_shipment_cost: hand-computed cases, one per rule of its definition (metrics.md)."""

import polars as pl
from polars.testing import assert_frame_equal

from dashboard.metrics import split_shipment_cost
from dashboard.params import Filters, Period

W47 = Period.week("2026-W47")  # 2026-11-16 .. 2026-11-22


def line(order_id, qty, unit_price, backordered_qty=0, channel="web"):
    return {
        "order_id": order_id,
        "ordered_at": "2026-11-01T12:00:00Z",
        "sku": "A",
        "qty": str(qty),
        "unit_price": unit_price,
        "channel": channel,
        "backordered_qty": str(backordered_qty),
    }


def shipment(shipment_id, order_id, shipped_at, shipping_cost, handling_cost=None):
    return {
        "shipment_id": shipment_id,
        "order_id": order_id,
        "shipped_at": shipped_at,
        "shipping_cost": shipping_cost,
        "handling_cost": handling_cost,
    }


def main_case():
    return {
        "order_lines": [
            line("A", 2, "10", 1),  # backordered order; revenue 20 + 5
            line("A", 1, "5"),
            line("B", 1, "30", channel="amazon"),  # revenue 30
            line("C", 1, "10"),
            line("D", 1, "10"),
        ],
        "shipments": [
            shipment("a1", "A", "2026-11-10T10:00:00Z", "5", "1"),  # first, before the week
            shipment("a2", "A", "2026-11-18T10:00:00Z", "7", "1"),  # extra in W47: 8
            # Same instant: "b10" < "b2" as text, so b10 is first and b2 (3) is the extra one.
            shipment("b10", "B", "2026-11-17T10:00:00Z", "4", "0"),
            shipment("b2", "B", "2026-11-17T10:00:00Z", "3"),
            shipment("b3", "B", "2026-11-23T10:00:00Z", "9"),  # after the as-of day: ignored
            shipment("c1", "C", "2026-11-22T20:00:00Z", "6"),  # first, on the as-of day
            shipment("c2", "C", "2026-11-24T10:00:00Z", "6"),  # after the as-of day: ignored
            shipment("d1", "D", "2026-11-05T10:00:00Z", "6"),
            shipment("d2", "D", "2026-11-06T10:00:00Z", "6"),  # extra, but before the week
        ],
    }


COLUMNS = [
    "split_cost",
    "backorder_split_cost",
    "count_extra_shipments",
    "count_orders_first_shipped",
    "count_split_orders",
    "split_rate",
    "split_revenue",
    "share_of_revenue",
]


def test_split_cost_rate_and_share(make_db):
    con = make_db(main_case())
    result = split_shipment_cost(con, W47).select(COLUMNS)
    # Extra in W47: a2 (7 + 1) and b2 (3 + 0) = 11, of which A's 8 is backorder-caused.
    # First shipped in W47: B and C; B has 2 shipments by Sunday, C one. Revenue A + B = 55.
    expected = pl.DataFrame(
        {
            "split_cost": [11.0],
            "backorder_split_cost": [8.0],
            "count_extra_shipments": [2],
            "count_orders_first_shipped": [2],
            "count_split_orders": [1],
            "split_rate": [0.5],
            "split_revenue": [55.0],
            "share_of_revenue": [11 / 55],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_week_boundary_uses_store_time_zone(make_db):
    con = make_db(
        {
            "order_lines": [line("E", 1, "10")],
            "shipments": [
                # 2026-11-16 04:00 UTC is 2026-11-15 in New York: the first, before W47.
                shipment("e1", "E", "2026-11-16T04:00:00Z", "5"),
                # 2026-11-23 03:00 UTC is 2026-11-22 in New York: the extra one, in W47.
                shipment("e2", "E", "2026-11-23T03:00:00Z", "2"),
            ],
        },
        timezone="America/New_York",
    )
    result = split_shipment_cost(con, W47).select(
        "split_cost", "count_orders_first_shipped", "split_rate"
    )
    # No order's first shipment is in W47: the split rate has no denominator.
    expected = pl.DataFrame(
        {"split_cost": [2.0], "count_orders_first_shipped": [0], "split_rate": [None]},
        schema_overrides={"split_rate": pl.Float64},
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_no_shipments_in_week_gives_zero_money_and_empty_rates(make_db):
    con = make_db(
        {
            "order_lines": [line("D", 1, "10")],
            "shipments": [shipment("d1", "D", "2026-11-05T10:00:00Z", "6")],
        }
    )
    result = split_shipment_cost(con, W47).select(COLUMNS)
    expected = pl.DataFrame(
        {
            "split_cost": [0.0],
            "backorder_split_cost": [0.0],
            "count_extra_shipments": [0],
            "count_orders_first_shipped": [0],
            "count_split_orders": [0],
            "split_rate": [None],
            "split_revenue": [0.0],
            "share_of_revenue": [None],
        },
        schema_overrides={"split_rate": pl.Float64, "share_of_revenue": pl.Float64},
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_without_shipments_table_is_unavailable(make_db):
    con = make_db({"order_lines": [line("A", 1, "10")]})
    result = split_shipment_cost(con, W47)
    assert_frame_equal(result, pl.DataFrame({"unavailable": ["needs shipments"]}))


def test_without_unit_price_share_is_unavailable(make_db):
    tables = main_case()
    tables["order_lines"] = [
        {k: v for k, v in row.items() if k != "unit_price"} for row in tables["order_lines"]
    ]
    con = make_db(tables)
    result = split_shipment_cost(con, W47).select("split_cost", "share_of_revenue")
    expected = pl.DataFrame(
        {"split_cost": [11.0], "share_of_revenue": ["unavailable: needs unit_price"]}
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_channel_filter_keeps_orders_with_a_line(make_db):
    con = make_db(main_case())
    result = split_shipment_cost(con, W47, Filters(channel=("web",))).select(
        "split_cost", "count_orders_first_shipped", "split_revenue"
    )
    # Order B (amazon) drops out with its shipments: only A's extra (8); C is first shipped.
    expected = pl.DataFrame(
        {"split_cost": [8.0], "count_orders_first_shipped": [1], "split_revenue": [25.0]}
    )
    assert_frame_equal(result, expected, check_dtypes=False)
