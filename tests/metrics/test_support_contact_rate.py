"""support_contact_rate: hand-computed cases, one per rule of its definition (metrics.md)."""

import polars as pl
from polars.testing import assert_frame_equal

from dashboard.metrics import support_contact_rate
from dashboard.params import Filters, Period

W47 = Period.week("2026-W47")  # 2026-11-16 .. 2026-11-22
COLUMNS = [
    "count_backordered_orders",
    "count_backordered_contacts",
    "contacts_per_order",
    "count_repeated_orders",
    "repeated_share",
    "count_baseline_orders",
    "count_baseline_contacts",
    "baseline_contacts_per_order",
    "lift",
]


def line(order_id, backordered_qty=0, shipped_at=None, canceled_at=None, channel="web"):
    return {
        "order_id": order_id,
        "ordered_at": "2026-11-01T12:00:00Z",
        "sku": "A",
        "qty": "1",
        "channel": channel,
        "backordered_qty": str(backordered_qty),
        "shipped_at": shipped_at,
        "canceled_at": canceled_at,
    }


def contacts(order_id, count, created_at="2026-11-12T10:00:00Z"):
    return [
        {"contact_id": f"{order_id}-{i}", "order_id": order_id, "created_at": created_at}
        for i in range(count)
    ]


def test_contacts_per_order_repeated_and_lift(make_db):
    con = make_db(
        {
            "order_lines": [
                line("O1", 1, shipped_at="2026-11-18T10:00:00Z"),
                line("O1", 0),  # an open in-stock line does not hold a backordered order back
                line("O2", 1, shipped_at="2026-11-10T10:00:00Z"),
                line("O2", 1, canceled_at="2026-11-22T20:00:00Z"),  # latest, on the last day
                line("O3", 1, shipped_at="2026-11-18T10:00:00Z"),
                line("O3", 1),  # still open: not resolved
                line("O4", 1, shipped_at="2026-11-23T10:00:00Z"),  # resolved after the week
                line("O5", 1, shipped_at="2026-11-20T10:00:00Z"),
                line("B1", 0, shipped_at="2026-11-17T10:00:00Z"),
                line("B2", 0, shipped_at="2026-11-17T10:00:00Z"),
                line("B2", 0),  # baseline needs every line resolved
                line("B3", 0, shipped_at="2026-11-19T10:00:00Z"),
            ],
            "contacts": [
                *contacts("O1", 1),
                {"contact_id": "late", "order_id": "O1", "created_at": "2026-12-01T10:00:00Z"},
                *contacts("O2", 1),
                *contacts("O3", 5),
                *contacts("B1", 1),
                *contacts("B2", 3),
            ],
        }
    )
    result = support_contact_rate(con, W47).select(COLUMNS)
    # Backordered orders resolved in W47: O1 (2 contacts, one after the week), O2 (1), O5 (0).
    # Baseline: B1 (1), B3 (0). Lift = (3 / 3) / (1 / 2).
    expected = pl.DataFrame(
        {
            "count_backordered_orders": [3],
            "count_backordered_contacts": [3],
            "contacts_per_order": [1.0],
            "count_repeated_orders": [1],
            "repeated_share": [1 / 3],
            "count_baseline_orders": [2],
            "count_baseline_contacts": [1],
            "baseline_contacts_per_order": [0.5],
            "lift": [2.0],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_week_boundary_uses_store_time_zone(make_db):
    con = make_db(
        {
            "order_lines": [
                # 2026-11-23 04:00 UTC is 2026-11-22 in New York: resolved in W47.
                line("O1", 1, shipped_at="2026-11-23T04:00:00Z"),
                # 2026-11-16 04:00 UTC is 2026-11-15 in New York: before W47.
                line("B1", 0, shipped_at="2026-11-16T04:00:00Z"),
            ],
            "contacts": contacts("O1", 2),
        },
        timezone="America/New_York",
    )
    result = support_contact_rate(con, W47).select(
        "count_backordered_orders", "contacts_per_order", "count_baseline_orders", "lift"
    )
    # No baseline order: the baseline and the lift have no denominator (null, not 0).
    expected = pl.DataFrame(
        {
            "count_backordered_orders": [1],
            "contacts_per_order": [2.0],
            "count_baseline_orders": [0],
            "lift": [None],
        },
        schema_overrides={"lift": pl.Float64},
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_no_resolved_orders_gives_empty_ratios(make_db):
    con = make_db({"order_lines": [line("O1", 1)], "contacts": contacts("O1", 1)})
    result = support_contact_rate(con, W47).select(COLUMNS)
    expected = pl.DataFrame(
        {
            "count_backordered_orders": [0],
            "count_backordered_contacts": [0],
            "contacts_per_order": [None],
            "count_repeated_orders": [0],
            "repeated_share": [None],
            "count_baseline_orders": [0],
            "count_baseline_contacts": [0],
            "baseline_contacts_per_order": [None],
            "lift": [None],
        },
        schema_overrides={
            c: pl.Float64
            for c in ["contacts_per_order", "repeated_share", "baseline_contacts_per_order", "lift"]
        },
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_without_contacts_or_canceled_at_is_unavailable(make_db):
    no_contacts = make_db({"order_lines": [line("O1", 1, shipped_at="2026-11-18T10:00:00Z")]})
    assert_frame_equal(
        support_contact_rate(no_contacts, W47), pl.DataFrame({"unavailable": ["needs contacts"]})
    )
    rows = [
        {
            k: v
            for k, v in line("O1", 1, shipped_at="2026-11-18T10:00:00Z").items()
            if k != "canceled_at"
        }
    ]
    no_canceled_at = make_db({"order_lines": rows, "contacts": contacts("O1", 1)})
    assert_frame_equal(
        support_contact_rate(no_canceled_at, W47),
        pl.DataFrame({"unavailable": ["needs canceled_at"]}),
    )


def test_channel_filter_judges_orders_on_their_kept_lines(make_db):
    con = make_db(
        {
            "order_lines": [
                line("O1", 1, shipped_at="2026-11-18T10:00:00Z", channel="web"),
                line("O1", 1, channel="amazon"),  # open backordered line on another channel
            ],
            "contacts": contacts("O1", 2),
        }
    )
    everything = support_contact_rate(con, W47).select("count_backordered_orders")
    web = support_contact_rate(con, W47, Filters(channel=("web",))).select(
        "count_backordered_orders", "count_backordered_contacts"
    )
    # Whole order: one backordered line is open, so it is not resolved. On web alone it is.
    assert_frame_equal(
        everything, pl.DataFrame({"count_backordered_orders": [0]}), check_dtypes=False
    )
    assert_frame_equal(
        web,
        pl.DataFrame({"count_backordered_orders": [1], "count_backordered_contacts": [2]}),
        check_dtypes=False,
    )
