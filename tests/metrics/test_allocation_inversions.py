"""allocation_inversions: hand-computed cases, one per rule of its definition (metrics.md)."""

import random
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard.metrics.controls import allocation_inversions, allocation_inversions_lines
from dashboard.params import Filters, Period

W47 = Period.week("2026-W47")  # 2026-11-16 .. 2026-11-22


def line(order_id, sku, qty, backordered_qty, ordered_at, shipped_at=None, canceled_at=None):
    return {
        "order_id": order_id,
        "ordered_at": ordered_at,
        "sku": sku,
        "qty": str(qty),
        "backordered_qty": str(backordered_qty),
        "channel": "amazon" if order_id == "b1" else "web",
        "shipped_at": shipped_at,
        "canceled_at": canceled_at,
    }


LINES = [
    # waiting all period
    line("a1", "S", 1, 1, "2026-11-10T10:00:00Z", shipped_at="2026-11-25T10:00:00Z"),
    # older than a1; ships exactly when b1 ships: not waiting at that t
    line("a2", "S", 1, 1, "2026-11-09T10:00:00Z", shipped_at="2026-11-18T12:00:00Z"),
    # canceled an hour before b1 ships
    line("a3", "S", 1, 1, "2026-11-12T10:00:00Z", canceled_at="2026-11-18T11:00:00Z"),
    # backordered after b1 was ordered, before b2 was ordered; still open
    line("a4", "S", 1, 1, "2026-11-18T10:00:00Z"),
    line("b1", "S", 2, 0, "2026-11-17T09:00:00Z", shipped_at="2026-11-18T12:00:00Z"),
    line("b2", "S", 3, 0, "2026-11-19T09:00:00Z", shipped_at="2026-11-20T12:00:00Z"),
    # ships after the period
    line("b3", "S", 4, 0, "2026-11-19T09:00:00Z", shipped_at="2026-11-23T01:00:00Z"),
    line("a5", "T", 1, 1, "2026-11-15T10:00:00Z"),
    line("b4", "T", 1, 0, "2026-11-16T10:00:00Z", shipped_at="2026-11-16T12:00:00Z"),
]


def receipt(po_id, sku, received_at):
    return {
        "po_id": po_id,
        "sku": sku,
        "qty": "10",
        "supplier_eta": "2026-11-01",
        "received_at": received_at,
    }


INBOUND = [
    receipt("P0", "S", "2026-11-01T12:00:00Z"),
    receipt("P1", "S", "2026-11-18T12:00:00Z"),  # received exactly when b1 ships: counts
    receipt("P10", "S", "2026-11-20T08:00:00Z"),  # same time as P9: "P9" > "P10" as text
    receipt("P9", "S", "2026-11-20T08:00:00Z"),
]

COLUMNS = ["breakdown", "sku", "po_id", "lines_passed_over", "units_shipped_ahead", "pairs"]


def test_pairs_per_sku_and_per_receipt(make_db):
    con = make_db({"order_lines": LINES, "inbound": INBOUND})
    result = allocation_inversions(con, W47).select(COLUMNS)
    # Pairs: (a1, b1), (a1, b2), (a4, b2), (a5, b4). a2 ships at b1's t, a3 is canceled
    # before it, a4 was backordered after b1 was ordered, b3 ships after the period.
    # b1 -> P1 (received at t), b2 -> P9 (tie with P10), b4 -> no receipt of T.
    expected = pl.DataFrame(
        {
            "breakdown": ["total", "sku", "sku", "receipt", "receipt", "receipt"],
            "sku": [None, "S", "T", "S", "S", "T"],
            "po_id": [None, None, None, "P9", "P1", None],
            "lines_passed_over": [3, 2, 1, 2, 1, 1],
            "units_shipped_ahead": [6, 5, 1, 3, 2, 1],
            "pairs": [4, 3, 1, 2, 1, 1],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_queue_lists_each_passed_over_line(make_db):
    con = make_db({"order_lines": LINES, "inbound": INBOUND})
    result = allocation_inversions_lines(con, W47).select(
        "order_id",
        "first_passed_at",
        "passed_by_order_id",
        "waiting_days",
        "lines_shipped_ahead",
        "units_shipped_ahead",
        "po_id",
    )
    # One row per line passed over (pairs (a1, b1), (a1, b2), (a4, b2), (a5, b4)).
    # a1: first passed by b1 at 11-18 12:00 (receipt P1), 18-10 = 8 days; b1 and b2 ahead,
    # 2 + 3 units. a4: b2 only (b1 was ordered before a4 was backordered), P9, 20-18 = 2.
    # a5: b4, no receipt of T, 16-15 = 1. By waiting_days desc.
    expected = pl.DataFrame(
        {
            "order_id": ["a1", "a4", "a5"],
            "first_passed_at": [
                datetime(2026, 11, 18, 12, tzinfo=UTC),
                datetime(2026, 11, 20, 12, tzinfo=UTC),
                datetime(2026, 11, 16, 12, tzinfo=UTC),
            ],
            "passed_by_order_id": ["b1", "b2", "b4"],
            "waiting_days": [8, 2, 1],
            "lines_shipped_ahead": [2, 1, 1],
            "units_shipped_ahead": [5, 3, 1],
            "po_id": ["P1", "P9", None],
        },
        # the store's time zone, as DuckDB names it
        schema_overrides={"first_passed_at": pl.Datetime("us", "Etc/UTC")},
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_queue_first_line_on_equal_shipped_at_is_least_order_id_as_text(make_db):
    rows = [
        line("a", "S", 1, 1, "2026-11-16T10:00:00Z"),
        line("2", "S", 1, 0, "2026-11-17T10:00:00Z", shipped_at="2026-11-18T10:00:00Z"),
        line("10", "S", 4, 0, "2026-11-17T11:00:00Z", shipped_at="2026-11-18T10:00:00Z"),
        # shipped before it was ordered (bad data): passes over a, backordered before t
        line("x", "S", 2, 0, "2026-11-19T10:00:00Z", shipped_at="2026-11-17T10:00:00Z"),
        # shipped before it was ordered, and before c was backordered: not a pair with c
        line("c", "S", 1, 1, "2026-11-17T12:00:00Z", canceled_at="2026-11-18T10:00:00Z"),
        # ordered exactly when a was backordered (not after): never a pair with a
        line("e", "S", 5, 0, "2026-11-16T10:00:00Z", shipped_at="2026-11-16T12:00:00Z"),
        # e passes over z
        line("z", "S", 1, 1, "2026-11-15T10:00:00Z", shipped_at="2026-11-16T13:00:00Z"),
    ]
    con = make_db({"order_lines": rows, "inbound": []})
    queue = allocation_inversions_lines(con, W47).select(
        "order_id", "passed_by_order_id", "lines_shipped_ahead", "units_shipped_ahead"
    )
    # a: x at 11-17 10:00 first, then "10" and "2" at 11-18 10:00 (e was ordered when a was
    # backordered: not after). c is canceled at that instant (not waiting) and x shipped
    # before c was backordered: c is never passed over. z: e only.
    expected = pl.DataFrame(
        {
            "order_id": ["a", "z"],
            "passed_by_order_id": ["x", "e"],
            "lines_shipped_ahead": [3, 1],
            "units_shipped_ahead": [7, 5],
        }
    )
    assert_frame_equal(queue, expected, check_dtypes=False)
    rows[3] = line("x", "S", 2, 0, "2026-11-19T10:00:00Z", shipped_at="2026-11-19T09:00:00Z")
    queue = allocation_inversions_lines(make_db({"order_lines": rows, "inbound": []}), W47)
    # x now ships after "10" and "2": on equal shipped_at "10" < "2" as text.
    assert queue["passed_by_order_id"].to_list() == ["10", "e"]


def test_without_inbound_receipts_are_unavailable(make_db):
    con = make_db({"order_lines": LINES})
    result = allocation_inversions(con, W47).select(COLUMNS)
    needs = "unavailable: needs inbound"
    expected = pl.DataFrame(
        {
            "breakdown": ["total", "sku", "sku"],
            "sku": [None, "S", "T"],
            "po_id": [needs, needs, needs],
            "lines_passed_over": [3, 2, 1],
            "units_shipped_ahead": [6, 5, 1],
            "pairs": [4, 3, 1],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_channel_filter_removes_both_sides(make_db):
    con = make_db({"order_lines": LINES, "inbound": INBOUND})
    result = allocation_inversions(con, W47, Filters(channel=("web",))).select(COLUMNS)
    # b1 is an amazon line: (a1, b1) goes; 3 pairs remain, a1 and a4 over S by b2.
    expected = pl.DataFrame(
        {
            "breakdown": ["total", "sku", "sku", "receipt", "receipt"],
            "sku": [None, "S", "T", "S", "T"],
            "po_id": [None, None, None, "P9", None],
            "lines_passed_over": [3, 2, 1, 2, 1],
            "units_shipped_ahead": [4, 3, 1, 3, 1],
            "pairs": [3, 2, 1, 2, 1],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_shipment_time_in_period_is_local(make_db):
    # 2026-11-23 04:00 UTC is 2026-11-22 23:00 in New York: t is inside W47.
    con = make_db(
        {
            "order_lines": [
                line("a", "S", 1, 1, "2026-11-20T10:00:00Z"),
                line("b", "S", 2, 0, "2026-11-21T10:00:00Z", shipped_at="2026-11-23T04:00:00Z"),
            ],
            "inbound": [],
        },
        timezone="America/New_York",
    )
    result = allocation_inversions(con, W47).select(COLUMNS)
    expected = pl.DataFrame(
        {
            "breakdown": ["total", "sku", "receipt"],
            "sku": [None, "S", "S"],
            "po_id": [None, None, None],
            "lines_passed_over": [1, 1, 1],
            "units_shipped_ahead": [2, 2, 2],
            "pairs": [1, 1, 1],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_no_pairs_gives_zero_counts(make_db):
    con = make_db({"order_lines": LINES, "inbound": INBOUND})
    result = allocation_inversions(con, Period.week("2026-W40")).select(COLUMNS)
    # Counts of an empty set are 0 (they are counts, not rates).
    expected = pl.DataFrame(
        {
            "breakdown": ["total"],
            "sku": [None],
            "po_id": [None],
            "lines_passed_over": [0],
            "units_shipped_ahead": [0],
            "pairs": [0],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False, check_column_order=True)


# ---- randomized: the fast figures against a plain enumeration of the pairs


def random_history(seed: int) -> tuple[list[dict], list[dict]]:
    """Small histories on a 6-hour grid (many equal instants), with lines shipped before
    they were ordered, lines both shipped and canceled, and receipts at equal times."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 8, tzinfo=UTC)

    def instant() -> datetime:
        return start + timedelta(hours=6 * rng.randrange(80))

    rows = []
    for order in range(rng.randrange(20, 60)):
        for _ in range(rng.choice([1, 1, 2])):
            ordered = instant()
            backordered = rng.random() < 0.5
            shipped = rng.random() < 0.7
            rows.append(
                {
                    "order_id": str(order),
                    "ordered_at": ordered.isoformat(),
                    "sku": rng.choice("STU"),
                    "qty": str(rng.randrange(1, 5)),
                    "backordered_qty": "1" if backordered else "0",
                    "backordered_at": (
                        (ordered + timedelta(hours=6 * rng.randrange(3))).isoformat()
                        if backordered
                        else None
                    ),
                    "shipped_at": (
                        (ordered + timedelta(hours=6 * rng.randrange(-2, 40))).isoformat()
                        if shipped
                        else None
                    ),
                    "canceled_at": instant().isoformat() if rng.random() < 0.2 else None,
                }
            )
    inbound = [
        {
            "po_id": rng.choice(["P1", "P10", "P9", "P2"]) + sku,
            "sku": sku,
            "qty": "5",
            "received_at": instant().isoformat(),
        }
        for sku in "ST"
        for _ in range(rng.randrange(4))
    ]
    return rows, inbound


def enumerated(rows: list[dict], inbound: list[dict], period: Period):
    """Summary and queue from every pair, straight from the definition (UTC dates)."""
    ts = pl.Datetime("us", "Etc/UTC")
    lines = pl.DataFrame(rows).with_columns(
        pl.col("ordered_at", "backordered_at", "shipped_at", "canceled_at")
        .str.to_datetime(time_zone="UTC")
        .cast(ts),
        pl.col("qty", "backordered_qty").cast(pl.Int64),
        line_id=pl.int_range(pl.len()).over("order_id").add(1).cast(pl.String),
    )
    a = lines.filter(pl.col("backordered_qty") > 0).select(
        "sku", "order_id", "line_id", "backordered_at", "shipped_at", "canceled_at"
    )
    b = lines.filter(
        pl.col("shipped_at").dt.date().is_between(period.from_date, period.to_date, "left")
    ).select(
        "sku",
        b_order=pl.col("order_id"),
        b_line=pl.col("line_id"),
        b_ordered=pl.col("ordered_at"),
        b_qty=pl.col("qty"),
        t=pl.col("shipped_at"),
    )
    receipts = pl.DataFrame(
        inbound, schema={"po_id": pl.String, "sku": pl.String, "received_at": pl.String}
    ).with_columns(pl.col("received_at").str.to_datetime(time_zone="UTC").cast(ts))
    # each B's receipt: the latest received_at <= t, ties by the greatest po_id
    b_receipt = (
        b.join(receipts, on="sku", how="left")
        .filter(pl.col("received_at") <= pl.col("t"))
        .sort("received_at", "po_id")
        .group_by("b_order", "b_line", maintain_order=True)
        .agg(pl.col("po_id", "received_at").last())
    )
    b = b.join(b_receipt, on=["b_order", "b_line"], how="left")
    pairs = a.join(b, on="sku").filter(
        pl.col("b_ordered") > pl.col("backordered_at"),
        pl.col("backordered_at") <= pl.col("t"),
        pl.col("shipped_at").is_null() | (pl.col("shipped_at") > pl.col("t")),
        pl.col("canceled_at").is_null() | (pl.col("canceled_at") > pl.col("t")),
    )
    per = []
    pairs = pairs.with_columns(everything=pl.lit(0))  # the total's one group
    for breakdown, keys in (
        ("total", ["everything"]),
        ("sku", ["sku"]),
        ("receipt", ["sku", "po_id"]),
    ):
        passed_over = pairs.unique([*keys, "order_id", "line_id"])
        ahead = pairs.unique([*keys, "b_order", "b_line"])
        part = (
            passed_over.group_by(keys)
            .agg(lines_passed_over=pl.len())
            .join(
                ahead.group_by(keys).agg(
                    units_shipped_ahead=pl.col("b_qty").sum(),
                    received_at=pl.col("received_at").first(),
                ),
                on=keys,
                nulls_equal=True,
            )
            .join(pairs.group_by(keys).agg(pairs=pl.len()), on=keys, nulls_equal=True)
        )
        part = part.with_columns(
            sku=part["sku"] if "sku" in keys else None,
            po_id=part["po_id"] if "po_id" in keys else None,
        )
        per.append(
            part.with_columns(breakdown=pl.lit(breakdown)).sort(
                ["lines_passed_over", "units_shipped_ahead", "sku", "po_id"],
                descending=[True, True, False, False],
                nulls_last=True,
            )
        )
    summary = pl.concat(per, how="diagonal_relaxed").select(
        "breakdown",
        pl.col("sku").cast(pl.String),
        pl.col("po_id").cast(pl.String),
        pl.when(pl.col("breakdown") == "receipt").then(pl.col("received_at")).cast(ts),
        pl.col("lines_passed_over", "units_shipped_ahead", "pairs").cast(pl.Int64),
    )
    queue = (
        pairs.sort("t", "b_order", "b_line")
        .group_by("order_id", "line_id", maintain_order=True)
        .agg(
            first_passed_at=pl.col("t").first(),
            passed_by_order_id=pl.col("b_order").first(),
            passed_by_line_id=pl.col("b_line").first(),
            waiting_days=(pl.col("t").dt.date() - pl.col("backordered_at").dt.date())
            .first()
            .dt.total_days(),
            lines_shipped_ahead=pl.len(),
            units_shipped_ahead=pl.col("b_qty").sum(),
            po_id=pl.col("po_id").first(),
            received_at=pl.col("received_at").first(),
        )
        .sort("waiting_days", "order_id", "line_id", descending=[True, False, False])
    )
    return summary, queue


@pytest.mark.parametrize("seed", range(4))
def test_fast_figures_equal_pair_enumeration(make_db, seed):
    rows, inbound = random_history(seed)
    con = make_db({"order_lines": rows, "inbound": inbound})
    for period in (W47, Period(date(2026, 11, 10), date(2026, 11, 30))):
        summary, queue = enumerated(rows, inbound, period)
        assert summary["pairs"][0] > 0
        assert_frame_equal(
            allocation_inversions(con, period).with_columns(
                pl.col("lines_passed_over", "units_shipped_ahead", "pairs").cast(pl.Int64)
            ),
            summary,
        )
        assert_frame_equal(
            allocation_inversions_lines(con, period)
            .drop("sku", "backordered_at", "resolved_at")
            .with_columns(pl.col("lines_shipped_ahead", "units_shipped_ahead").cast(pl.Int64)),
            queue.with_columns(pl.col("lines_shipped_ahead").cast(pl.Int64)),
        )
