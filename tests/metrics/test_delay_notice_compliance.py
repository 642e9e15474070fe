"""delay_notice_compliance: hand-computed cases, one per rule of its definition (metrics.md)."""

from datetime import UTC, date, datetime

import polars as pl
from polars.testing import assert_frame_equal

from dashboard.metrics.controls import delay_notice_compliance, delay_notice_compliance_lines
from dashboard.params import Filters, Period, Settings

W47 = Period.week("2026-W47")  # 2026-11-16 .. 2026-11-22, as of D = 2026-11-22


def line(order_id, ordered="2026-11-10", promise=None, shipped=None, canceled=None, **extra):
    """Dates as local days; times at noon UTC."""
    return {
        "order_id": order_id,
        "ordered_at": f"{ordered}T12:00:00Z",
        "sku": "A",
        "qty": "1",
        "backordered_qty": str(extra.pop("backordered_qty", 1)),
        "channel": extra.pop("channel", "web"),
        "promised_ship_date": promise,
        "shipped_at": f"{shipped}T12:00:00Z" if shipped else None,
        "canceled_at": f"{canceled}T12:00:00Z" if canceled else None,
    }


def notice(order_id, sent, kind="eta_update", time="12:00:00Z"):
    return {"order_id": order_id, "sent_at": f"{sent}T{time}", "kind": kind}


SUMMARY = ["missed_promise_without_notice", "past_statutory_days", "second_delay"]


def summary(missed, statutory, second):
    return pl.DataFrame(
        {
            "missed_promise_without_notice": [missed],
            "past_statutory_days": [statutory],
            "second_delay": [second],
        }
    )


def test_missed_promise_without_notice(make_db):
    con = make_db(
        {
            "order_lines": [
                line("no_notice", promise="2026-11-18"),
                line("notice_on_date", promise="2026-11-18"),
                line("notice_after", promise="2026-11-18"),
                line("shipped_on_date", promise="2026-11-18", shipped="2026-11-18"),
                line("shipped_after", promise="2026-11-18", shipped="2026-11-19"),
                line("canceled_by_d", promise="2026-11-18", canceled="2026-11-20"),
                line("canceled_after_d", promise="2026-11-18", canceled="2026-11-23"),
                line("promise_before_p", promise="2026-11-15"),
                line("wrong_kind", promise="2026-11-18"),
                line("in_stock", promise="2026-11-18", backordered_qty=0),
            ],
            "notices": [
                notice("notice_on_date", "2026-11-18", "options_offer"),
                notice("notice_after", "2026-11-19"),
                notice("wrong_kind", "2026-11-17", "backorder_notice"),
            ],
        }
    )
    result = delay_notice_compliance(con, W47).select(SUMMARY)
    assert_frame_equal(result, summary(5, 0, 0), check_dtypes=False)

    queue = delay_notice_compliance_lines(con, W47).select(
        "order_id", "rule", "due_date", "days_past_due", "shipped_at"
    )
    # All due 11-18, 4 days before D; ties sort by order_id.
    expected_queue = pl.DataFrame(
        {
            "order_id": [
                "canceled_after_d",
                "no_notice",
                "notice_after",
                "shipped_after",
                "wrong_kind",
            ],
            "rule": ["missed_promise_without_notice"] * 5,
            "due_date": [date(2026, 11, 18)] * 5,
            "days_past_due": [4] * 5,
            "shipped_at": [None, None, None, datetime(2026, 11, 19, 12, tzinfo=UTC), None],
        }
    )
    assert_frame_equal(
        queue.with_columns(pl.col("shipped_at").dt.convert_time_zone("UTC")),
        expected_queue,
        check_dtypes=False,
    )


def test_past_statutory_days(make_db):
    con = make_db(
        {
            "order_lines": [
                line("day_30_first", ordered="2026-10-17"),  # 10-17 + 30 = 11-16
                line("offered", ordered="2026-10-17"),
                line("before_p", ordered="2026-10-16"),  # 11-15
                line("shipped_on_date", ordered="2026-10-20", shipped="2026-11-19"),
                line("shipped_after", ordered="2026-10-20", shipped="2026-11-20"),
                line("day_30_last", ordered="2026-10-23"),  # 11-22
                # the order's ordered_at is its earliest line: 10-17, not this line's 10-25
                line("order_date", ordered="2026-10-17", backordered_qty=0),
                line("order_date", ordered="2026-10-25"),
            ],
            "notices": [
                notice("offered", "2026-11-21", "options_offer"),
                notice("day_30_last", "2026-11-01"),  # an eta_update is not an offer
            ],
        }
    )
    result = delay_notice_compliance(con, W47).select(SUMMARY)
    # day_30_first, shipped_after, day_30_last, order_date.
    assert_frame_equal(result, summary(0, 4, 0), check_dtypes=False)

    settings = Settings(statutory_days=31)
    result_31 = delay_notice_compliance(con, W47, settings=settings).select(SUMMARY)
    # 31 days: order dates 10-16..10-22 -> day_30_first, before_p, order_date; shipped_after
    # is now due 11-20 and shipped that day: compliant.
    assert_frame_equal(result_31, summary(0, 3, 0), check_dtypes=False)


def test_second_delay(make_db):
    con = make_db(
        {
            "order_lines": [
                line("second_in_p"),
                line("second_in_p", backordered_qty=1),
                line("third_in_p"),
                line("second_before_p"),
                line("only_one"),
                line("canceled", canceled="2026-11-19"),
            ],
            "notices": [
                notice("second_in_p", "2026-11-10"),
                notice("second_in_p", "2026-11-17"),
                notice("third_in_p", "2026-11-17"),
                notice("third_in_p", "2026-11-18"),
                notice("third_in_p", "2026-11-19"),
                notice("second_before_p", "2026-11-01"),
                notice("second_before_p", "2026-11-08"),
                notice("second_before_p", "2026-11-17"),
                notice("only_one", "2026-11-17"),
                notice("only_one", "2026-11-17", "options_offer"),
                notice("canceled", "2026-11-10"),
                notice("canceled", "2026-11-17"),
            ],
        }
    )
    result = delay_notice_compliance(con, W47).select(SUMMARY)
    # Orders: second_in_p (2nd on 11-17), third_in_p (2nd on 11-18); canceled has no line left.
    assert_frame_equal(result, summary(0, 0, 2), check_dtypes=False)
    queue = delay_notice_compliance_lines(con, W47).select("order_id", "line_id", "due_date")
    expected_queue = pl.DataFrame(
        {
            "order_id": ["second_in_p", "second_in_p", "third_in_p"],
            "line_id": ["1", "2", "1"],
            "due_date": [date(2026, 11, 17), date(2026, 11, 17), date(2026, 11, 18)],
        }
    )
    assert_frame_equal(queue, expected_queue)


def test_notice_date_is_local(make_db):
    # 2026-11-19 03:00 UTC is 2026-11-18 22:00 in New York: on the promised date, in time.
    con = make_db(
        {
            "order_lines": [line("1", promise="2026-11-18")],
            "notices": [notice("1", "2026-11-19", time="03:00:00Z")],
        },
        timezone="America/New_York",
    )
    result = delay_notice_compliance(con, W47).select(SUMMARY)
    assert_frame_equal(result, summary(0, 0, 0), check_dtypes=False)


def test_without_promise_column_missed_promise_is_unavailable(make_db):
    rows = [
        {k: v for k, v in line(order_id, ordered="2026-10-17").items() if k != "promised_ship_date"}
        for order_id in ("1", "2")
    ]
    con = make_db({"order_lines": rows, "notices": []})
    result = delay_notice_compliance(con, W47).select(SUMMARY)
    expected = pl.DataFrame(
        {
            "missed_promise_without_notice": ["unavailable: needs promised_ship_date"],
            "past_statutory_days": [2],
            "second_delay": [0],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_without_notices_table_is_unavailable(make_db):
    con = make_db({"order_lines": [line("1", promise="2026-11-18")]})
    result = delay_notice_compliance(con, W47)
    expected = pl.DataFrame({"unavailable": ["needs notices"]})
    assert_frame_equal(result, expected)


def test_channel_filter(make_db):
    con = make_db(
        {
            "order_lines": [
                line("1", promise="2026-11-18", channel="web"),
                line("2", promise="2026-11-18", channel="amazon"),
            ],
            "notices": [],
        }
    )
    result = delay_notice_compliance(con, W47, Filters(channel=("amazon",))).select(SUMMARY)
    assert_frame_equal(result, summary(1, 0, 0), check_dtypes=False)
