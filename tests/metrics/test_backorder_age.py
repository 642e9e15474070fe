"""backorder_age and backorder_age_lines: hand-computed cases, one per rule (metrics.md)."""

from datetime import date, timedelta

import hypothesis.strategies as st
import polars as pl
from hypothesis import HealthCheck, given, settings
from polars.testing import assert_frame_equal

from dashboard.metrics import backorder_age, backorder_age_lines
from dashboard.params import Filters, Period

W47 = Period.week("2026-W47")  # 2026-11-16 .. 2026-11-22; as of Sunday 2026-11-22
BUCKETS = ["0-3", "4-7", "8-14", "15+", "total"]


def line(order_id, backordered_at, backordered_qty=1, **extra):
    return {
        "order_id": order_id,
        "ordered_at": backordered_at,
        "sku": extra.get("sku", "A"),
        "qty": "5",
        "channel": extra.get("channel", "web"),
        "backordered_qty": str(backordered_qty),
        "backordered_at": backordered_at,
        "promised_ship_date": extra.get("promised_ship_date"),
        "shipped_at": extra.get("shipped_at"),
        "canceled_at": extra.get("canceled_at"),
    }


def buckets_case():
    return [
        line("1", "2026-11-22T10:00:00Z", 2),  # age 0, backordered on D itself
        line("2", "2026-11-19T10:00:00Z", promised_ship_date="2026-11-10"),  # age 3, 12 overdue
        line("3", "2026-11-18T10:00:00Z"),  # age 4, no promise: never overdue
        line("4", "2026-11-08T10:00:00Z", 3, promised_ship_date="2026-11-21"),  # age 14, 1 overdue
        line("5", "2026-11-07T10:00:00Z", promised_ship_date="2026-11-22"),  # age 15, due on D
        line("6", "2026-11-20T10:00:00Z", shipped_at="2026-11-22T23:00:00Z"),  # shipped on D
        line(
            "7", "2026-11-20T10:00:00Z", canceled_at="2026-11-23T01:00:00Z"
        ),  # age 2, canceled after D
        line("8", "2026-11-20T10:00:00Z", 0),  # not backordered
        line("9", "2026-11-23T00:30:00Z"),  # backordered after D
    ]


def test_buckets_units_and_overdue(make_db):
    con = make_db({"order_lines": buckets_case()})
    result = backorder_age(con, W47)
    # open lines 1, 2, 7 (ages 0, 3, 2) | 3 (4) | 4 (14) | 5 (15); overdue: 2 and 4.
    expected = pl.DataFrame(
        {
            "bucket": BUCKETS,
            "count_lines": [3, 1, 1, 1, 6],
            "backordered_units": [4, 1, 3, 1, 9],
            "share_of_lines": [3 / 6, 1 / 6, 1 / 6, 1 / 6, 1.0],
            "count_overdue_lines": [1, 0, 1, 0, 2],
            "overdue_units": [1, 0, 3, 0, 4],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_lines_queue_overdue_first_then_oldest(make_db):
    con = make_db({"order_lines": buckets_case()})
    result = backorder_age_lines(con, W47).select(
        "order_id", "age_days", "bucket", "promised_ship_date", "days_overdue"
    )
    # days_overdue desc (12, 1), then the rest by age desc (15, 4, 2, 0).
    expected = pl.DataFrame(
        {
            "order_id": ["2", "4", "5", "3", "7", "1"],
            "age_days": [3, 14, 15, 4, 2, 0],
            "bucket": ["0-3", "8-14", "15+", "4-7", "0-3", "0-3"],
            "promised_ship_date": pl.Series(
                ["2026-11-10", "2026-11-21", "2026-11-22", None, None, None]
            ).str.to_date(),
            "days_overdue": [12, 1, None, None, None, None],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_lines_queue_ties_by_order_id_as_text(make_db):
    con = make_db(
        {
            "order_lines": [
                line("2", "2026-11-20T10:00:00Z"),
                line("10", "2026-11-20T10:00:00Z"),
            ]
        }
    )
    result = backorder_age_lines(con, W47).select("order_id", "line_id")
    # Same age, no promise: "10" sorts before "2" as text.
    expected = pl.DataFrame({"order_id": ["10", "2"], "line_id": ["1", "1"]})
    assert_frame_equal(result, expected)


def test_as_of_day_in_store_time_zone(make_db):
    con = make_db(
        {
            "order_lines": [
                # 2026-11-23 03:00 UTC is 2026-11-22 22:00 in New York: backordered on D, age 0.
                line("1", "2026-11-23T03:00:00Z"),
                # Shipped 2026-11-23 02:00 UTC = 2026-11-22 in New York: shipped by D, not open.
                line("2", "2026-11-10T15:00:00Z", shipped_at="2026-11-23T02:00:00Z"),
            ]
        },
        timezone="America/New_York",
    )
    result = backorder_age(con, W47).select("bucket", "count_lines")
    expected = pl.DataFrame({"bucket": BUCKETS, "count_lines": [1, 0, 0, 0, 1]})
    assert_frame_equal(result, expected, check_dtypes=False)


def test_no_open_lines_keeps_every_bucket_and_empty_share(make_db):
    con = make_db(
        {"order_lines": [line("1", "2026-11-20T10:00:00Z", shipped_at="2026-11-21T10:00:00Z")]}
    )
    result = backorder_age(con, W47).select("bucket", "count_lines", "share_of_lines")
    # Nothing open: every bucket is 0 lines, and the share has no denominator (null, not 0).
    expected = pl.DataFrame(
        {"bucket": BUCKETS, "count_lines": [0] * 5, "share_of_lines": [None] * 5},
        schema_overrides={"share_of_lines": pl.Float64},
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_without_canceled_at_is_unavailable(make_db):
    rows = [{k: v for k, v in line("1", "2026-11-20T10:00:00Z").items() if k != "canceled_at"}]
    con = make_db({"order_lines": rows})
    result = backorder_age(con, W47)
    expected = pl.DataFrame({"unavailable": ["needs canceled_at"]})
    assert_frame_equal(result, expected)
    assert_frame_equal(backorder_age_lines(con, W47), expected)


def test_without_promised_ship_date_overdue_is_unavailable(make_db):
    rows = [
        {k: v for k, v in line("1", "2026-11-20T10:00:00Z").items() if k != "promised_ship_date"}
    ]
    con = make_db({"order_lines": rows})
    result = backorder_age(con, W47).select("bucket", "count_lines", "count_overdue_lines")
    # The open line still counts; overdue needs the promise column, so it says so.
    expected = pl.DataFrame(
        {
            "bucket": BUCKETS,
            "count_lines": [1, 0, 0, 0, 1],
            "count_overdue_lines": ["unavailable: needs promised_ship_date"] * 5,
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_family_filter(make_db):
    con = make_db(
        {
            "order_lines": [
                line("1", "2026-11-20T10:00:00Z", sku="A"),
                line("2", "2026-11-20T10:00:00Z", sku="B"),
                line("3", "2026-11-01T10:00:00Z", sku="B"),
            ],
            "skus": [{"sku": "A", "family": "Lamps"}, {"sku": "B", "family": "Rugs"}],
        }
    )
    result = backorder_age(con, W47, Filters(family=("Rugs",))).select("bucket", "count_lines")
    # Only sku B's lines: order 2 (age 2) and order 3 (age 21).
    expected = pl.DataFrame({"bucket": BUCKETS, "count_lines": [1, 0, 0, 1, 2]})
    assert_frame_equal(result, expected, check_dtypes=False)


def day(offset):
    return (date(2026, 11, 22) + timedelta(days=offset)).isoformat()


generated_lines = st.lists(
    st.tuples(
        st.integers(-30, 2),  # backordered day, relative to D = 2026-11-22
        st.one_of(st.none(), st.integers(0, 20)),  # days to resolution
        st.booleans(),  # canceled rather than shipped
        st.integers(0, 3),  # backordered_qty
        st.one_of(st.none(), st.integers(-20, 10)),  # promised ship date relative to D
    ),
    max_size=12,
)


@given(generated_lines)
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_buckets_agree_with_the_lines_queue(make_db, rows):
    lines = []
    for i, (backordered, resolved, canceled, qty, promised) in enumerate(rows):
        at = f"{day(backordered)}T12:00:00Z"
        done = None if resolved is None else f"{day(backordered + resolved)}T12:00:00Z"
        lines.append(
            line(
                str(i),
                at,
                qty,
                promised_ship_date=None if promised is None else day(promised),
                shipped_at=None if canceled else done,
                canceled_at=done if canceled else None,
            )
        )
    con = make_db({"order_lines": lines or [line("x", day(0), 0)]})
    queue = backorder_age_lines(con, W47)
    expected = pl.DataFrame(
        [
            {
                "bucket": bucket,
                "count_lines": queue.filter(pl.col("bucket") == bucket).height,
                "backordered_units": queue.filter(pl.col("bucket") == bucket)[
                    "backordered_qty"
                ].sum(),
                "count_overdue_lines": queue.filter(
                    (pl.col("bucket") == bucket) & pl.col("days_overdue").is_not_null()
                ).height,
            }
            for bucket in BUCKETS[:4]
        ]
    )
    result = backorder_age(con, W47).filter(pl.col("bucket") != "total").select(expected.columns)
    # Each bucket is exactly the queue's lines of that bucket, whatever the history.
    assert_frame_equal(result, expected, check_dtypes=False)
