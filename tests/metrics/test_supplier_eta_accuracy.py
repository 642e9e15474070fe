"""supplier_eta_accuracy: hand-computed cases, one per rule of its definition (metrics.md)."""

import polars as pl
from polars.testing import assert_frame_equal

from dashboard.metrics import supplier_eta_accuracy
from dashboard.params import Filters, Period

W47 = Period.week("2026-W47")  # 2026-11-16 .. 2026-11-22
COLUMNS = [
    "breakdown",
    "group_value",
    "count_received",
    "count_on_time",
    "on_time_rate",
    "mean_slip_days",
    "median_slip_days",
]


def receipt(po_id, supplier, supplier_eta, received_at, sku="A"):
    return {
        "po_id": po_id,
        "sku": sku,
        "supplier": supplier,
        "qty": "10",
        "supplier_eta": supplier_eta,
        "received_at": received_at,
    }


def lines():
    return [{"order_id": "1", "ordered_at": "2026-11-01T12:00:00Z", "sku": "A", "qty": "1"}]


def test_on_time_rate_and_median_slip(make_db):
    con = make_db(
        {
            "order_lines": lines(),
            "inbound": [
                receipt("P1", "X", "2026-11-18", "2026-11-18T10:00:00Z"),  # on the ETA: on time
                receipt("P2", "X", "2026-11-17", "2026-11-20T10:00:00Z"),  # 3 days late
                receipt("P3", "Y", "2026-11-25", "2026-11-22T10:00:00Z"),  # 3 early, last day
                receipt("P4", "Y", "2026-11-20", "2026-11-21T10:00:00Z"),  # 1 day late
                receipt("P5", "Y", "2026-11-20", "2026-11-23T10:00:00Z"),  # after the week
                receipt("P6", "Y", "2026-11-20", None),  # in transit
            ],
        }
    )
    result = supplier_eta_accuracy(con, W47).select(COLUMNS)
    # Slips 0, 3, -3, 1: median of -3,0,1,3 = (0 + 1) / 2; X and Y tie on 2, X first by name.
    expected = pl.DataFrame(
        {
            "breakdown": ["total", "supplier", "supplier"],
            "group_value": [None, "X", "Y"],
            "count_received": [4, 2, 2],
            "count_on_time": [2, 1, 1],
            "on_time_rate": [0.5, 0.5, 0.5],
            "mean_slip_days": [0.25, 1.5, -1.0],
            "median_slip_days": [0.5, 1.5, -1.0],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_supplier_falls_back_to_skus(make_db):
    con = make_db(
        {
            "order_lines": lines(),
            "skus": [{"sku": "B", "supplier": "Z"}],
            "inbound": [receipt("P1", None, "2026-11-18", "2026-11-19T10:00:00Z", sku="B")],
        }
    )
    result = supplier_eta_accuracy(con, W47).select("breakdown", "group_value", "count_on_time")
    # The receipt names no supplier: the sku's supplier Z from skus is used; 1 day late.
    expected = pl.DataFrame(
        {"breakdown": ["total", "supplier"], "group_value": [None, "Z"], "count_on_time": [0, 0]}
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_week_boundary_uses_store_time_zone(make_db):
    con = make_db(
        {
            "order_lines": lines(),
            "inbound": [
                # 2026-11-23 04:00 UTC is 2026-11-22 in New York: in W47, 2 days late.
                receipt("P1", "X", "2026-11-20", "2026-11-23T04:00:00Z"),
                # 2026-11-16 03:00 UTC is 2026-11-15 in New York: before W47.
                receipt("P2", "X", "2026-11-20", "2026-11-16T03:00:00Z"),
            ],
        },
        timezone="America/New_York",
    )
    result = supplier_eta_accuracy(con, W47).select(COLUMNS).head(1)
    expected = pl.DataFrame(
        {
            "breakdown": ["total"],
            "group_value": [None],
            "count_received": [1],
            "count_on_time": [0],
            "on_time_rate": [0.0],
            "mean_slip_days": [2.0],
            "median_slip_days": [2.0],
        },
        schema_overrides={"group_value": pl.String},
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_nothing_received_gives_empty_rate_not_zero(make_db):
    con = make_db({"order_lines": lines(), "inbound": [receipt("P1", "X", "2026-11-20", None)]})
    result = supplier_eta_accuracy(con, W47).select(COLUMNS)
    expected = pl.DataFrame(
        {
            "breakdown": ["total"],
            "group_value": [None],
            "count_received": [0],
            "count_on_time": [0],
            "on_time_rate": [None],
            "mean_slip_days": [None],
            "median_slip_days": [None],
        },
        schema_overrides={
            "group_value": pl.String,
            "on_time_rate": pl.Float64,
            "mean_slip_days": pl.Float64,
            "median_slip_days": pl.Float64,
        },
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_without_inbound_or_received_at_is_unavailable(make_db):
    no_inbound = make_db({"order_lines": lines()})
    assert_frame_equal(
        supplier_eta_accuracy(no_inbound, W47), pl.DataFrame({"unavailable": ["needs inbound"]})
    )
    rows = [{k: v for k, v in receipt("P1", "X", "2026-11-20", None).items() if k != "received_at"}]
    no_received_at = make_db({"order_lines": lines(), "inbound": rows})
    assert_frame_equal(
        supplier_eta_accuracy(no_received_at, W47),
        pl.DataFrame({"unavailable": ["needs received_at"]}),
    )


def test_supplier_filter(make_db):
    con = make_db(
        {
            "order_lines": lines(),
            "inbound": [
                receipt("P1", "X", "2026-11-18", "2026-11-18T10:00:00Z"),
                receipt("P2", "Y", "2026-11-17", "2026-11-20T10:00:00Z"),  # 3 days late
            ],
        }
    )
    result = supplier_eta_accuracy(con, W47, Filters(supplier=("Y",))).select(
        "breakdown", "group_value", "count_received", "median_slip_days"
    )
    expected = pl.DataFrame(
        {
            "breakdown": ["total", "supplier"],
            "group_value": [None, "Y"],
            "count_received": [1, 1],
            "median_slip_days": [3.0, 3.0],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)
