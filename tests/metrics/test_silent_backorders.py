"""silent_backorders: hand-computed cases, one per rule of its definition (metrics.md)."""

from datetime import date

import polars as pl
from polars.testing import assert_frame_equal

from dashboard.metrics.controls import silent_backorders
from dashboard.params import Filters, Period

W47 = Period.week("2026-W47")  # as of D = Sunday 2026-11-22; silence window 11-16..11-22


def line(order_id, backordered_at, shipped_at=None, canceled_at=None, channel="web"):
    return {
        "order_id": order_id,
        "ordered_at": backordered_at,
        "sku": "A",
        "qty": "1",
        "backordered_qty": "1",
        "channel": channel,
        "shipped_at": shipped_at,
        "canceled_at": canceled_at,
    }


def notice(order_id, sent_at, next_update_by=None, kind="backorder_notice"):
    return {
        "order_id": order_id,
        "sent_at": sent_at,
        "kind": kind,
        "next_update_by": next_update_by,
    }


COLUMNS = ["order_id", "age_days", "days_since_latest_notice", "rule", "partial"]


def test_no_recent_notice_boundaries(make_db):
    con = make_db(
        {
            "order_lines": [
                line("d6", "2026-11-10T12:00:00Z"),
                line("d7", "2026-11-10T12:00:00Z"),
                line("age8", "2026-11-14T12:00:00Z"),
                line("age7", "2026-11-15T12:00:00Z"),
            ],
            "notices": [
                notice("d6", "2026-11-16T12:00:00Z"),  # on D-6: inside the window
                notice("d7", "2026-11-15T12:00:00Z"),  # on D-7: outside the window
            ],
        }
    )
    result = silent_backorders(con, W47).select(COLUMNS)
    # d7: last notice 7 days ago, age 12 > 7. age8: no notice, age 8 > 7. age7: age 7 is not > 7.
    expected = pl.DataFrame(
        {
            "order_id": ["d7", "age8"],
            "age_days": [12, 8],
            "days_since_latest_notice": [7, None],
            "rule": ["no_recent_notice", "no_recent_notice"],
            "partial": [False, False],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_next_update_missed_boundaries(make_db):
    con = make_db(
        {
            "order_lines": [
                line("by_d_minus_1", "2026-11-18T12:00:00Z"),
                line("by_d", "2026-11-18T12:00:00Z"),
                line("updated_since", "2026-11-18T12:00:00Z"),
                line("both", "2026-11-01T12:00:00Z"),
            ],
            "notices": [
                notice("by_d_minus_1", "2026-11-19T12:00:00Z", "2026-11-21"),  # missed
                notice("by_d", "2026-11-19T12:00:00Z", "2026-11-22"),  # due today: not yet
                # a later notice without a next_update_by is the latest: nothing promised
                notice("updated_since", "2026-11-19T12:00:00Z", "2026-11-20"),
                notice("updated_since", "2026-11-21T12:00:00Z", kind="eta_update"),
                notice("both", "2026-11-10T12:00:00Z", "2026-11-12"),
            ],
        }
    )
    result = silent_backorders(con, W47).select(COLUMNS)
    # both: next update by 11-12 missed and nothing for 12 days, age 21.
    expected = pl.DataFrame(
        {
            "order_id": ["both", "by_d_minus_1"],
            "age_days": [21, 4],
            "days_since_latest_notice": [12, 3],
            "rule": ["both", "next_update_missed"],
            "partial": [False, False],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_only_lines_open_as_of_d(make_db):
    con = make_db(
        {
            "order_lines": [
                line("shipped", "2026-11-01T12:00:00Z", shipped_at="2026-11-22T20:00:00Z"),
                line("canceled", "2026-11-01T12:00:00Z", canceled_at="2026-11-20T20:00:00Z"),
                line("ships_later", "2026-11-01T12:00:00Z", shipped_at="2026-11-23T01:00:00Z"),
            ],
            "notices": [],
        }
    )
    result = silent_backorders(con, W47).select("order_id", "age_days", "rule")
    # Shipped or canceled by the end of D: not in the queue; shipped after D: still open.
    expected = pl.DataFrame(
        {"order_id": ["ships_later"], "age_days": [21], "rule": ["no_recent_notice"]}
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_without_next_update_by_column_rule_2_alone_and_partial(make_db):
    con = make_db(
        {
            "order_lines": [
                line("recent", "2026-11-18T12:00:00Z"),
                line("quiet", "2026-11-01T12:00:00Z"),
            ],
            "notices": [
                {"order_id": "recent", "sent_at": "2026-11-19T12:00:00Z", "kind": "eta_update"},
                {"order_id": "quiet", "sent_at": "2026-11-10T12:00:00Z", "kind": "eta_update"},
            ],
        }
    )
    result = silent_backorders(con, W47).select(COLUMNS)
    expected = pl.DataFrame(
        {
            "order_id": ["quiet"],
            "age_days": [21],
            "days_since_latest_notice": [12],
            "rule": ["no_recent_notice"],
            "partial": [True],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_notice_dates_are_local(make_db):
    # 2026-11-16 03:00 UTC is 2026-11-15 22:00 in New York: D-7, outside the window.
    con = make_db(
        {
            "order_lines": [line("1", "2026-11-10T17:00:00Z")],
            "notices": [notice("1", "2026-11-16T03:00:00Z")],
        },
        timezone="America/New_York",
    )
    result = silent_backorders(con, W47).select(COLUMNS)
    expected = pl.DataFrame(
        {
            "order_id": ["1"],
            "age_days": [12],
            "days_since_latest_notice": [7],
            "rule": ["no_recent_notice"],
            "partial": [False],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_silence_days_setting_channel_filter_and_tie_order(make_db):
    from dashboard.params import Settings

    con = make_db(
        {
            "order_lines": [
                line("2", "2026-11-17T12:00:00Z", channel="amazon"),
                line("10", "2026-11-17T12:00:00Z", channel="amazon"),
                line("3", "2026-11-17T12:00:00Z", channel="web"),
            ],
            "notices": [],
        }
    )
    settings = Settings(silence_days=3)
    result = silent_backorders(con, W47, Filters(channel=("amazon",)), settings).select(
        "order_id", "age_days", "rule"
    )
    # age 5 > 3 with no notice; equal ages sort by order_id as text: "10" < "2".
    expected = pl.DataFrame(
        {
            "order_id": ["10", "2"],
            "age_days": [5, 5],
            "rule": ["no_recent_notice", "no_recent_notice"],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)
    assert W47.as_of == date(2026, 11, 22)
