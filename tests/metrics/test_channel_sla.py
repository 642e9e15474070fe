"""channel_sla: hand-computed cases, one per rule of its definition (metrics.md)."""

import polars as pl
from polars.testing import assert_frame_equal

from dashboard.metrics.controls import channel_sla
from dashboard.params import ChannelRules, Filters, Period, Settings

W47 = Period.week("2026-W47")  # as of D = 2026-11-22: late window 10-24..11-22, cancel 11-16..


def line(order_id, ordered, shipped=None, canceled=None, promise=None, reason=None, **extra):
    """Dates as local days; times at noon UTC."""
    return {
        "order_id": order_id,
        "ordered_at": f"{ordered}T12:00:00Z",
        "sku": "A",
        "qty": "1",
        "channel": extra.pop("channel", "web"),
        "promised_ship_date": promise,
        "shipped_at": f"{shipped}T12:00:00Z" if shipped else None,
        "canceled_at": f"{canceled}T12:00:00Z" if canceled else None,
        "cancel_reason": reason,
    }


LATE = [
    "channel",
    "late_shipment_orders",
    "late_shipment_denominator",
    "late_shipment_rate",
    "late_shipment_headroom",
    "late_shipment_over",
]
CANCEL = [
    "channel",
    "seller_cancel_orders",
    "seller_cancel_denominator",
    "seller_cancel_rate",
    "seller_cancel_headroom",
    "seller_cancel_over",
]


def test_late_shipment_rate(make_db):
    con = make_db(
        {
            "order_lines": [
                line("on_promise", "2026-11-10", shipped="2026-11-14", promise="2026-11-14"),
                line("after_promise", "2026-11-10", shipped="2026-11-15", promise="2026-11-14"),
                line("on_handling", "2026-11-10", shipped="2026-11-12"),  # 11-10 + 2 days
                line("after_handling", "2026-11-10", shipped="2026-11-13"),
                line("open_line", "2026-11-10", shipped="2026-11-11"),
                line("open_line", "2026-11-10"),  # not all resolved: out
                line("all_canceled", "2026-11-10", canceled="2026-11-12"),  # none shipped: out
                line("d_minus_30", "2026-10-20", shipped="2026-10-23"),  # before the window
                line("d_minus_29", "2026-10-20", shipped="2026-10-24"),  # in, late
                line("after_d", "2026-11-10", shipped="2026-11-23"),  # not resolved by D
            ]
        }
    )
    result = channel_sla(con, W47).select(LATE)
    # late: after_promise, after_handling, d_minus_29 of 5 orders; threshold 4%.
    expected = pl.DataFrame(
        {
            "channel": ["web"],
            "late_shipment_orders": [3],
            "late_shipment_denominator": [5],
            "late_shipment_rate": [3 / 5],
            "late_shipment_headroom": [0.04 - 3 / 5],
            "late_shipment_over": [True],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)
    # No order placed in the 7 days ending D: the cancel rate is empty, not 0.
    cancel = channel_sla(con, W47).select(CANCEL)
    expected_cancel = pl.DataFrame(
        {
            "channel": ["web"],
            "seller_cancel_orders": [0],
            "seller_cancel_denominator": [0],
            "seller_cancel_rate": [None],
            "seller_cancel_headroom": [None],
            "seller_cancel_over": [None],
        }
    )
    assert_frame_equal(cancel, expected_cancel, check_dtypes=False)


def test_seller_cancel_rate(make_db):
    con = make_db(
        {
            "order_lines": [
                line("customer", "2026-11-16", canceled="2026-11-17", reason="customer_request"),
                line("no_reason", "2026-11-16", canceled="2026-11-17"),  # empty reason counts
                line("d_minus_7", "2026-11-15", canceled="2026-11-16", reason="backorder_delay"),
                line("open", "2026-11-22"),
                line("after_d", "2026-11-20", canceled="2026-11-23", reason="unavailable"),
            ]
        }
    )
    result = channel_sla(con, W47).select(CANCEL)
    # 4 orders placed 11-16..11-22; no_reason is the only seller cancel by D: 1/4 > 2.5%.
    expected = pl.DataFrame(
        {
            "channel": ["web"],
            "seller_cancel_orders": [1],
            "seller_cancel_denominator": [4],
            "seller_cancel_rate": [1 / 4],
            "seller_cancel_headroom": [0.025 - 1 / 4],
            "seller_cancel_over": [True],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_order_belongs_to_each_channel_with_its_rules(make_db):
    con = make_db(
        {
            "order_lines": [
                line("mixed", "2026-11-10", shipped="2026-11-13", channel="web"),
                line("mixed", "2026-11-10", shipped="2026-11-13", channel="amazon"),
                line("mixed", "2026-11-10", channel="amazon", canceled="2026-11-11"),
            ]
        }
    )
    amazon = ChannelRules(handling_days=3, late_shipment_threshold=0.01)
    settings = Settings(channel_overrides=(("amazon", amazon),))
    result = channel_sla(con, W47, settings=settings).select(LATE)
    # amazon: 3 handling days, shipped 11-13 = 11-10 + 3, on time; web: default 2, late.
    expected = pl.DataFrame(
        {
            "channel": ["amazon", "web"],
            "late_shipment_orders": [0, 1],
            "late_shipment_denominator": [1, 1],
            "late_shipment_rate": [0.0, 1.0],
            "late_shipment_headroom": [0.01, 0.04 - 1.0],
            "late_shipment_over": [False, True],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)
    web_only = channel_sla(con, W47, Filters(channel=("web",)), settings).select(LATE)
    assert_frame_equal(web_only, expected.slice(1), check_dtypes=False)


def test_without_promise_column_handling_days_judge(make_db):
    rows = [
        {
            k: v
            for k, v in line("1", "2026-11-10", shipped="2026-11-13").items()
            if k != "promised_ship_date"
        }
    ]
    con = make_db({"order_lines": rows})
    result = channel_sla(con, W47).select(LATE)
    # 11-13 > 11-10 + 2: late.
    expected = pl.DataFrame(
        {
            "channel": ["web"],
            "late_shipment_orders": [1],
            "late_shipment_denominator": [1],
            "late_shipment_rate": [1.0],
            "late_shipment_headroom": [0.04 - 1.0],
            "late_shipment_over": [True],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_without_cancel_reason_seller_cancels_are_unavailable(make_db):
    rows = [
        {
            k: v
            for k, v in line("1", "2026-11-20", canceled="2026-11-21").items()
            if k != "cancel_reason"
        }
    ]
    con = make_db({"order_lines": rows})
    result = channel_sla(con, W47).select("channel", "seller_cancel_rate", "seller_cancel_over")
    # A cancel may have been the customer's: without reasons the rate is not shown as 100%.
    needs = "unavailable: needs cancel_reason"
    expected = pl.DataFrame(
        {"channel": ["web"], "seller_cancel_rate": [needs], "seller_cancel_over": [needs]}
    )
    assert_frame_equal(result, expected)


def test_order_date_is_local(make_db):
    # 2026-11-16 03:00 UTC is 2026-11-15 in New York: placed 7 days before D, outside.
    con = make_db(
        {
            "order_lines": [
                {**line("early", "2026-11-16"), "ordered_at": "2026-11-16T03:00:00Z"},
                {**line("late", "2026-11-16"), "ordered_at": "2026-11-16T06:00:00Z"},
            ]
        },
        timezone="America/New_York",
    )
    result = channel_sla(con, W47).select("seller_cancel_denominator")
    expected = pl.DataFrame({"seller_cancel_denominator": [1]})
    assert_frame_equal(result, expected, check_dtypes=False)
