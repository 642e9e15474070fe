"""weekly_review: 13 weeks of headlines in one pass, computed by hand for W45..W47.

Store time zone America/New_York: 2026-11-16T03:00Z is Sunday 2026-11-15 22:00 there (W46),
2026-11-23T03:00Z is Sunday 2026-11-22 22:00 (W47).
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard.metrics import (
    backorder_age,
    backorder_cancel_rate,
    backorder_rate,
    promise_hit_rate,
    split_shipment_cost,
    supplier_eta_accuracy,
    support_contact_rate,
    weekly_review,
    weekly_review_changes,
)
from dashboard.params import Filters, Period

TZ = "America/New_York"
W47 = Period.week("2026-W47")  # 2026-11-16 .. 2026-11-22

LINE_COLUMNS = (
    "order_id",
    "line_id",
    "ordered_at",
    "sku",
    "qty",
    "unit_price",
    "channel",
    "backordered_qty",
    "promised_ship_date",
    "shipped_at",
    "shipment_id",
    "canceled_at",
    "cancel_reason",
)


def line(order_id, line_id, ordered_at, sku, backordered_qty, **extra):
    row = dict.fromkeys(LINE_COLUMNS)
    row.update(
        order_id=order_id,
        line_id=line_id,
        ordered_at=ordered_at,
        sku=sku,
        qty=str(extra.pop("qty", 1)),
        unit_price="10",
        channel=extra.pop("channel", "web"),
        backordered_qty=str(backordered_qty),
        **extra,
    )
    return row


def shipment(shipment_id, order_id, shipped_at, shipping_cost, handling_cost=None):
    return {
        "shipment_id": shipment_id,
        "order_id": order_id,
        "shipped_at": shipped_at,
        "shipping_cost": shipping_cost,
        "handling_cost": handling_cost,
    }


def inbound(po_id, sku, supplier_eta, received_at):
    return {
        "po_id": po_id,
        "sku": sku,
        "qty": "5",
        "supplier_eta": supplier_eta,
        "received_at": received_at,
    }


def contact(contact_id, order_id, created_at="2026-11-18T15:00:00Z"):
    return {"contact_id": contact_id, "order_id": order_id, "created_at": created_at}


TABLES = {
    "order_lines": [
        # o2: ordered W44, never resolved: 13 days old on Nov 8, 20 on Nov 15, 27 on Nov 22.
        line("o2", "1", "2026-10-26T15:00:00Z", "A", 1),
        # o1: ordered W45, open across Sundays Nov 8 and Nov 15, ships W47 before its promise.
        line(
            "o1",
            "1",
            "2026-11-02T15:00:00Z",
            "A",
            1,
            promised_ship_date="2026-11-20",
            shipped_at="2026-11-19T15:00:00Z",
            shipment_id="S2",
        ),
        # o3: W46; the backordered line is canceled late on Sunday Nov 15, local time.
        line(
            "o3",
            "1",
            "2026-11-10T15:00:00Z",
            "B",
            2,
            qty=2,
            promised_ship_date="2026-11-12",
            canceled_at="2026-11-16T03:00:00Z",
            cancel_reason="backorder_delay",
        ),
        line("o3", "2", "2026-11-10T15:00:00Z", "C", 0, shipped_at="2026-11-11T15:00:00Z"),
        # o4: Sunday Nov 22 22:00 local: in W47.
        line("o4", "1", "2026-11-23T03:00:00Z", "C", 0),
        # o5: W47, ships after its promise (a miss).
        line(
            "o5",
            "1",
            "2026-11-17T15:00:00Z",
            "B",
            1,
            promised_ship_date="2026-11-18",
            shipped_at="2026-11-20T15:00:00Z",
            shipment_id="S3",
        ),
        # o6: W47 split order: in-stock line first (S4), backordered line later (S5, extra).
        line("o6", "1", "2026-11-16T15:00:00Z", "A", 0, shipped_at="2026-11-16T18:00:00Z"),
        line(
            "o6",
            "2",
            "2026-11-16T15:00:00Z",
            "B",
            1,
            promised_ship_date="2026-11-25",
            shipped_at="2026-11-21T15:00:00Z",
            shipment_id="S5",
        ),
        # o7: W47, split without a backorder: its extra shipment is not backorder-caused.
        line("o7", "1", "2026-11-17T15:00:00Z", "C", 0, shipped_at="2026-11-17T16:00:00Z"),
        line("o7", "2", "2026-11-17T15:00:00Z", "C", 0, shipped_at="2026-11-18T16:00:00Z"),
    ],
    "shipments": [
        shipment("S1", "o3", "2026-11-11T15:00:00Z", "5"),
        shipment("S2", "o1", "2026-11-19T15:00:00Z", "6", "1"),
        shipment("S3", "o5", "2026-11-20T15:00:00Z", "6"),
        shipment("S4", "o6", "2026-11-16T18:00:00Z", "4"),
        shipment("S5", "o6", "2026-11-21T15:00:00Z", "7", "2"),
        shipment("S6", "o7", "2026-11-17T16:00:00Z", "3"),
        shipment("S7", "o7", "2026-11-18T16:00:00Z", "3"),
    ],
    "inbound": [
        inbound("P1", "A", "2026-11-10", "2026-11-11T15:00:00Z"),  # late, W46
        inbound("P2", "B", "2026-11-20", "2026-11-19T15:00:00Z"),  # early, W47
        inbound("P3", "C", "2026-11-18", "2026-11-18T15:00:00Z"),  # on its eta, W47
        inbound("P4", "C", "2026-11-18", None),  # in transit
    ],
    "contacts": [
        contact("C1", "o1"),
        contact("C2", "o1"),
        contact("C3", "o3"),
        contact("C4", "o2"),  # still open: not in any week
        contact("C5", "o7"),  # no backorder
    ],
}

FIGURES = [
    "week",
    "week_as_of",
    "count_lines",
    "line_rate",
    "open_backordered_lines",
    "share_aged_15_plus",
    "promise_hit_rate",
    "supplier_on_time_rate",
    "cancel_rate",
    "backorder_split_cost",
    "contacts_per_backordered_order",
]


def test_last_four_weeks_by_hand(make_db):
    con = make_db(TABLES, timezone=TZ)
    result = weekly_review(con, W47).select(FIGURES).tail(4)
    expected = pl.DataFrame(
        {
            "week": ["2026-W44", "2026-W45", "2026-W46", "2026-W47"],
            "week_as_of": [date(2026, 11, 1), date(2026, 11, 8), date(2026, 11, 15), W47.as_of],
            "count_lines": [1, 1, 2, 6],
            "line_rate": [1.0, 1.0, 1 / 2, 2 / 6],
            # Nov 1: o2. Nov 8: o1, o2. Nov 15: o1 (13 days), o2 (20); o3 canceled that day.
            # Nov 22: o2 (27 days).
            "open_backordered_lines": [1, 2, 2, 1],
            "share_aged_15_plus": [0.0, 0.0, 1 / 2, 1.0],
            "promise_hit_rate": [None, None, None, 2 / 3],  # o1 hit, o5 miss, o6 hit
            "supplier_on_time_rate": [None, None, 0.0, 1.0],
            "cancel_rate": [None, None, 1.0, 0.0],  # W46: o3; W47: o1, o5, o6 shipped
            "backorder_split_cost": [0.0, 0.0, 0.0, 9.0],  # S5: 7 + 2
            "contacts_per_backordered_order": [None, None, 1.0, 2 / 3],  # W47: o1, o5, o6
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_thirteen_weeks_oldest_first(make_db):
    con = make_db(TABLES, timezone=TZ)
    result = weekly_review(con, W47).select("week", "week_as_of", "count_lines").head(2)
    expected = pl.DataFrame(
        {
            "week": ["2026-W35", "2026-W36"],
            "week_as_of": [date(2026, 8, 30), date(2026, 9, 6)],
            "count_lines": [0, 0],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)
    assert weekly_review(con, W47).height == 13


def test_earlier_as_of_cuts_the_last_week(make_db):
    # As of Thursday Nov 19: o1 shipped that day; o5 (2 days) and o6's line 2 (3 days) are
    # still open; o2 is 24 days old.
    con = make_db(TABLES, timezone=TZ)
    result = weekly_review(con, W47, as_of=date(2026, 11, 19)).select(
        "week", "week_as_of", "open_backordered_lines", "share_aged_15_plus"
    )
    expected = pl.DataFrame(
        {
            "week": ["2026-W46", "2026-W47"],
            "week_as_of": [date(2026, 11, 15), date(2026, 11, 19)],
            "open_backordered_lines": [2, 3],
            "share_aged_15_plus": [1 / 2, 1 / 3],
        }
    )
    assert_frame_equal(result.tail(2), expected, check_dtypes=False)


def test_sku_filter(make_db):
    con = make_db(TABLES, timezone=TZ)
    result = weekly_review(con, W47, Filters(sku=("B",))).select(FIGURES[2:]).tail(1)
    # W47 lines of B: o5, o6/2, both backordered; only o6 is split, and its extra
    # shipment stays (filters keep whole orders' shipments). Inbound of B: P2 on time.
    expected = pl.DataFrame(
        {
            "count_lines": [2],
            "line_rate": [1.0],
            "open_backordered_lines": [0],
            "share_aged_15_plus": [None],
            "promise_hit_rate": [1 / 2],
            "supplier_on_time_rate": [1.0],
            "cancel_rate": [0.0],
            "backorder_split_cost": [9.0],
            "contacts_per_backordered_order": [0.0],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_missing_inputs_mark_single_headlines(make_db):
    tables = {k: v for k, v in TABLES.items() if k != "contacts"}
    tables["order_lines"] = [
        {k: v for k, v in row.items() if k != "canceled_at"} for row in TABLES["order_lines"]
    ]
    con = make_db(tables, timezone=TZ)
    result = weekly_review(con, W47).select(
        "line_rate", "open_backordered_lines", "cancel_rate", "contacts_per_backordered_order"
    )
    assert result.row(-1) == (
        2 / 6,
        "unavailable: needs canceled_at",
        "unavailable: needs canceled_at",
        "unavailable: needs canceled_at",
    )


def test_changes_this_week_last_week_and_direction(make_db):
    con = make_db(TABLES, timezone=TZ)
    result = weekly_review_changes(weekly_review(con, W47)).select(
        "headline", "this_week", "last_week", "change", "verdict"
    )
    expected = pl.DataFrame(
        {
            "headline": [
                "line_rate",
                "open_backordered_lines",
                "share_aged_15_plus",
                "promise_hit_rate",
                "supplier_on_time_rate",
                "cancel_rate",
                "backorder_split_cost",
                "contacts_per_backordered_order",
            ],
            "this_week": [2 / 6, 1.0, 1.0, 2 / 3, 1.0, 0.0, 9.0, 2 / 3],
            "last_week": [1 / 2, 2.0, 1 / 2, None, 0.0, 1.0, 0.0, 1.0],
            "change": [2 / 6 - 1 / 2, -1.0, 1 / 2, None, 1.0, -1.0, 9.0, 2 / 3 - 1],
            "verdict": [
                "better",
                "better",
                "worse",
                None,
                "better",
                "better",
                "worse",
                "better",
            ],
        }
    )
    assert_frame_equal(result, expected)


def test_changes_of_unavailable_headline(make_db):
    tables = {k: v for k, v in TABLES.items() if k != "inbound"}
    con = make_db(tables, timezone=TZ)
    changes = weekly_review_changes(weekly_review(con, W47))
    result = changes.filter(pl.col("headline") == "supplier_on_time_rate").select(
        "this_week", "change", "unavailable"
    )
    expected = pl.DataFrame(
        {"this_week": [None], "change": [None], "unavailable": ["needs inbound"]},
        schema={"this_week": pl.Float64, "change": pl.Float64, "unavailable": pl.String},
    )
    assert_frame_equal(result, expected)


def single_week_headlines(con, week: Period, filters: Filters | None = None) -> dict:
    """Each headline from its own weekly check, for one week."""
    age = backorder_age(con, week, filters)
    by_bucket = dict(zip(age["bucket"], age["share_of_lines"], strict=True))
    return {
        "week": str(week),
        "line_rate": backorder_rate(con, week, filters)["line_rate"][0],
        "open_backordered_lines": age.filter(pl.col("bucket") == "total")["count_lines"][0],
        "share_aged_15_plus": by_bucket["15+"],
        "promise_hit_rate": promise_hit_rate(con, week, filters)["hit_rate"][0],
        "supplier_on_time_rate": supplier_eta_accuracy(con, week, filters)["on_time_rate"][0],
        "cancel_rate": backorder_cancel_rate(con, week, filters)["cancel_rate"][0],
        "backorder_split_cost": float(
            split_shipment_cost(con, week, filters)["backorder_split_cost"][0]
        ),
        "contacts_per_backordered_order": support_contact_rate(con, week, filters)[
            "contacts_per_order"
        ][0],
    }


@pytest.mark.parametrize("filters", [None, Filters(channel=("amazon",))])
def test_each_headline_equals_its_weekly_check(demo_con, filters):
    weeks = [W47]
    for _ in range(12):
        weeks.insert(0, weeks[0].previous())
    expected = pl.DataFrame([single_week_headlines(demo_con, week, filters) for week in weeks])
    result = (
        weekly_review(demo_con, W47, filters)
        .select(expected.columns)
        .with_columns(pl.col("backorder_split_cost").cast(pl.Float64))
    )
    assert_frame_equal(result, expected, check_dtypes=False, check_exact=True)
