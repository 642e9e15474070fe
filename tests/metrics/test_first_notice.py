"""first_notice: hand-computed cases, one per rule of its definition (metrics.md)."""

import polars as pl
from polars.testing import assert_frame_equal

from dashboard.metrics.controls import first_notice
from dashboard.params import Filters, Period

W47 = Period.week("2026-W47")  # 2026-11-16 .. 2026-11-22, as of Sunday 2026-11-22


def line(order_id, backordered_at="2026-11-17T10:00:00Z", backordered_qty=1, channel="web"):
    return {
        "order_id": order_id,
        "ordered_at": backordered_at,
        "sku": "A",
        "qty": "1",
        "backordered_qty": str(backordered_qty),
        "channel": channel,
    }


def notice(order_id, sent_at, kind="backorder_notice"):
    return {"order_id": order_id, "sent_at": sent_at, "kind": kind}


FIGURES = ["lines", "notified", "median_hours", "share_within_24h", "never_notified"]


def test_hours_to_first_qualifying_notice(make_db):
    con = make_db(
        {
            "order_lines": [
                line("1"),
                line("2"),
                line("3"),
                line("4"),
                line("5", backordered_qty=0),
            ],
            "notices": [
                # 1: exactly 24 h later counts as within 24 h; the later eta_update is not first.
                notice("1", "2026-11-18T10:00:00Z"),
                notice("1", "2026-11-18T09:00:00Z", kind="shipped"),
                notice("1", "2026-11-19T10:00:00Z", kind="eta_update"),
                # 2: a notice before backordered_at does not count; the options_offer 30 h on does.
                notice("2", "2026-11-17T09:00:00Z"),
                notice("2", "2026-11-18T16:00:00Z", kind="options_offer"),
                # 3: only an apology, and a notice after the as-of day: never notified.
                notice("3", "2026-11-17T11:00:00Z", kind="apology"),
                notice("3", "2026-11-23T00:30:00Z"),
                # 5 is not backordered; 4 has no notice at all.
                notice("5", "2026-11-17T11:00:00Z"),
            ],
        }
    )
    result = first_notice(con, W47).filter(pl.col("channel").is_null()).select(FIGURES)
    # hours: line 1 = 24, line 2 = 30; median of two = 27; within 24 h: line 1 of 4 lines.
    expected = pl.DataFrame(
        {
            "lines": [4],
            "notified": [2],
            "median_hours": [27.0],
            "share_within_24h": [1 / 4],
            "never_notified": [2],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_period_and_as_of_use_store_time_zone(make_db):
    # 2026-11-23 04:00 UTC is 2026-11-22 23:00 in New York: backordered inside W47.
    # The notice 30 minutes later is still 2026-11-22 locally: by the as-of day.
    # 2026-11-16 03:00 UTC is 2026-11-15 in New York: outside W47.
    con = make_db(
        {
            "order_lines": [
                line("1", backordered_at="2026-11-23T04:00:00Z"),
                line("2", backordered_at="2026-11-16T03:00:00Z"),
            ],
            "notices": [notice("1", "2026-11-23T04:30:00Z")],
        },
        timezone="America/New_York",
    )
    result = first_notice(con, W47).filter(pl.col("channel").is_null()).select(FIGURES)
    expected = pl.DataFrame(
        {
            "lines": [1],
            "notified": [1],
            "median_hours": [0.5],
            "share_within_24h": [1.0],
            "never_notified": [0],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_no_backordered_lines_gives_empty_median_and_share(make_db):
    con = make_db({"order_lines": [line("1")], "notices": [notice("1", "2026-11-17T11:00:00Z")]})
    result = first_notice(con, Period.week("2026-W40")).select(FIGURES)
    # Only the total row: no lines, so no channel rows; median and share are empty, not 0.
    expected = pl.DataFrame(
        {
            "lines": [0],
            "notified": [0],
            "median_hours": [None],
            "share_within_24h": [None],
            "never_notified": [0],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_without_notices_table_notice_figures_are_unavailable(make_db):
    con = make_db({"order_lines": [line("1"), line("2")]})
    result = first_notice(con, W47).filter(pl.col("channel").is_null()).select(FIGURES)
    # Lines are still counted; everything about notices is unavailable, never 0.
    needs = "unavailable: needs notices"
    expected = pl.DataFrame(
        {
            "lines": [2],
            "notified": [needs],
            "median_hours": [needs],
            "share_within_24h": [needs],
            "never_notified": [needs],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_per_channel_rows_and_channel_filter(make_db):
    con = make_db(
        {
            "order_lines": [
                line("1", channel="web"),
                line("2", channel="amazon"),
                line("3", channel="amazon"),
            ],
            "notices": [
                notice("1", "2026-11-17T12:00:00Z"),  # 2 h
                notice("2", "2026-11-18T12:00:00Z"),  # 26 h
                notice("3", "2026-11-17T14:00:00Z"),  # 4 h
            ],
        }
    )
    result = first_notice(con, W47).select("channel", *FIGURES)
    # Total: hours 2, 26, 4 -> median 4; within 24 h: 2 of 3.
    expected = pl.DataFrame(
        {
            "channel": [None, "amazon", "web"],
            "lines": [3, 2, 1],
            "notified": [3, 2, 1],
            "median_hours": [4.0, 15.0, 2.0],
            "share_within_24h": [2 / 3, 1 / 2, 1.0],
            "never_notified": [0, 0, 0],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)

    amazon = first_notice(con, W47, Filters(channel=("amazon",))).select("channel", *FIGURES)
    # Only the amazon lines remain: hours 26 and 4, median 15.
    expected_amazon = pl.DataFrame(
        {
            "channel": [None, "amazon"],
            "lines": [2, 2],
            "notified": [2, 2],
            "median_hours": [15.0, 15.0],
            "share_within_24h": [1 / 2, 1 / 2],
            "never_notified": [0, 0],
        }
    )
    assert_frame_equal(amazon, expected_amazon, check_dtypes=False)
