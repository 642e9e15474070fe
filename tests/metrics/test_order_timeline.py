"""order_timeline: every kind of event of one order, in time order, in the store time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
from polars.testing import assert_frame_equal

from dashboard.metrics import order_timeline
from dashboard.params import Settings


def line(line_id, sku, qty, backordered_qty, **extra):
    row = {
        "order_id": "X1",
        "line_id": line_id,
        "ordered_at": "2026-11-16T10:00:00Z",
        "sku": sku,
        "qty": str(qty),
        "channel": "web",
        "backordered_qty": str(backordered_qty),
        "backorder_reason": None,
        "promised_ship_date": None,
        "supplier_eta": None,
        "shipped_at": None,
        "shipment_id": None,
        "canceled_at": None,
        "cancel_reason": None,
    }
    row.update(extra)
    return row


TABLES = {
    "order_lines": [
        line(
            "1",
            "A",
            2,
            2,
            backorder_reason="supplier_delay",
            promised_ship_date="2026-11-25",
            supplier_eta="2026-11-22",
            shipped_at="2026-11-24T09:00:00Z",
            shipment_id="S2",
        ),
        line("2", "B", 1, 0, shipped_at="2026-11-16T23:30:00Z", shipment_id="S1"),
        line("3", "C", 1, 1, canceled_at="2026-11-20T12:00:00Z", cancel_reason="backorder_delay"),
        {**line("1", "A", 1, 0), "order_id": "X2"},
    ],
    "notices": [
        {
            "notice_id": "N2",
            "order_id": "X1",
            "sent_at": "2026-11-19T08:00:00Z",
            "kind": "eta_update",
            "next_update_by": None,
        },
        {
            "notice_id": "N1",
            "order_id": "X1",
            "sent_at": "2026-11-16T11:00:00Z",
            "kind": "backorder_notice",
            "next_update_by": "2026-11-19",
        },
        {
            "notice_id": "N9",
            "order_id": "X2",
            "sent_at": "2026-11-16T11:00:00Z",
            "kind": "shipped",
            "next_update_by": None,
        },
    ],
    "contacts": [
        {
            "contact_id": "K1",
            "order_id": "X1",
            "created_at": "2026-11-18T15:00:00Z",
            "topic": "wismo",
        }
    ],
    "shipments": [
        {
            "shipment_id": "S2",
            "order_id": "X1",
            "shipped_at": "2026-11-24T09:00:00Z",
            "shipping_cost": "6",
            "handling_cost": None,
            "carrier": None,
        },
        {
            "shipment_id": "S1",
            "order_id": "X1",
            "shipped_at": "2026-11-16T23:30:00Z",
            "shipping_cost": "5.5",
            "handling_cost": "1",
            "carrier": "UPS",
        },
    ],
}


def utc(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def test_every_event_in_time_order(make_db):
    con = make_db(TABLES, timezone="Europe/Berlin")
    result = order_timeline(con, "X1").with_columns(pl.col("event_at").dt.convert_time_zone("UTC"))
    expected = pl.DataFrame(
        {
            "event_at": [
                utc(11, 16, 10),
                utc(11, 16, 10),
                utc(11, 16, 10),
                utc(11, 16, 11),
                utc(11, 16, 23, 30),
                utc(11, 16, 23, 30),
                utc(11, 18, 15),
                utc(11, 19, 8),
                utc(11, 20, 12),
                utc(11, 24, 9),
                utc(11, 24, 9),
            ],
            # Berlin is UTC+1 in November: 23:30 UTC is the next day there.
            "local_time": [
                datetime(2026, 11, 16, 11),
                datetime(2026, 11, 16, 11),
                datetime(2026, 11, 16, 11),
                datetime(2026, 11, 16, 12),
                datetime(2026, 11, 17, 0, 30),
                datetime(2026, 11, 17, 0, 30),
                datetime(2026, 11, 18, 16),
                datetime(2026, 11, 19, 9),
                datetime(2026, 11, 20, 13),
                datetime(2026, 11, 24, 10),
                datetime(2026, 11, 24, 10),
            ],
            "local_date": [
                date(2026, 11, 16),
                date(2026, 11, 16),
                date(2026, 11, 16),
                date(2026, 11, 16),
                date(2026, 11, 17),
                date(2026, 11, 17),
                date(2026, 11, 18),
                date(2026, 11, 19),
                date(2026, 11, 20),
                date(2026, 11, 24),
                date(2026, 11, 24),
            ],
            "event": [
                "ordered",
                "backordered",
                "backordered",
                "notice",
                "shipment",
                "shipped",
                "contact",
                "notice",
                "canceled",
                "shipment",
                "shipped",
            ],
            "line_id": [None, "1", "3", None, None, "2", None, None, "3", None, "1"],
            "sku": [None, "A", "C", None, None, "B", None, None, "C", None, "A"],
            "qty": [4, 2, 1, None, None, 1, None, None, 1, None, 2],
            "ref": [None, None, None, "N1", "S1", "S1", "K1", "N2", None, "S2", "S2"],
            "detail": [
                "3 lines, 4 units, channel web",
                "2 of 2 units backordered; reason supplier_delay; promised ship 2026-11-25; "
                "supplier eta 2026-11-22",
                "1 of 1 units backordered",
                "backorder_notice; next update by 2026-11-19",
                "shipping 5.50; handling 1.00; carrier UPS",
                "qty 1",
                "wismo",
                "eta_update",
                "reason backorder_delay",
                "shipping 6.00",
                "qty 2",
            ],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_settings_time_zone_and_unknown_order(make_db):
    con = make_db(TABLES, timezone="Europe/Berlin")
    result = order_timeline(con, "X1", Settings(timezone="UTC")).select("local_time").head(1)
    expected = pl.DataFrame({"local_time": [datetime(2026, 11, 16, 10)]})
    assert_frame_equal(result, expected)
    assert order_timeline(con, "nope").height == 0
