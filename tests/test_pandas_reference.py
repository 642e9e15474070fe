"""The pandas reference of the benchmark (benchmarks/pandas_reference.py) equals our metrics.

The benchmark asserts, at every size, that the pandas reference and our metric functions give
the same weekly figures; these tests check that assertion itself: on literal rows against
values computed by hand (so neither side can be wrong in the same way unnoticed), on a small
generated history for several weeks, and that `compare` reports a difference when there is one.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

from dashboard.params import Period

ROOT = Path(__file__).resolve().parent.parent
W47 = Period.week("2026-W47")  # 2026-11-16 .. 2026-11-22, as of the Sunday


def _load_reference():
    spec = importlib.util.spec_from_file_location(
        "pandas_reference", ROOT / "benchmarks" / "pandas_reference.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


ref_module = _load_reference()


def line(order_id, line_id, ordered_at, sku, qty, price, bo, **extra):
    row = {
        "order_id": order_id,
        "line_id": line_id,
        "ordered_at": ordered_at,
        "sku": sku,
        "qty": str(qty),
        "unit_price": price,
        "channel": "web",
        "backordered_qty": bo,
        "promised_ship_date": None,
        "shipped_at": None,
        "canceled_at": None,
        "cancel_reason": None,
    }
    row.update(extra)
    return row


def ship(shipment_id, order_id, shipped_at, cost, handling=None):
    return {
        "shipment_id": shipment_id,
        "order_id": order_id,
        "shipped_at": shipped_at,
        "shipping_cost": cost,
        "handling_cost": handling,
    }


def contact(contact_id, order_id, created_at):
    return {"contact_id": contact_id, "order_id": order_id, "created_at": created_at}


# One case per rule of the five figures (metrics.md); the comments give the hand computation.
TABLES = {
    "order_lines": [
        # Order 1 starts in W46: its W47 line counts as a line, the order is not a W47 order.
        line(
            "1",
            "1",
            "2026-11-13T10:00:00Z",
            "A",
            2,
            "10",
            "2",
            shipped_at="2026-11-18T09:00:00Z",
            promised_ship_date="2026-11-18",
        ),  # hit (same day)
        line("1", "2", "2026-11-17T10:00:00Z", "B", 1, "5", "0", shipped_at="2026-11-17T15:00:00Z"),
        line(
            "2",
            "1",
            "2026-11-16T00:30:00Z",
            "A",
            1,
            "10",
            "1",
            shipped_at="2026-11-20T12:00:00Z",
            promised_ship_date="2026-11-18",
        ),  # 2 days late
        line(
            "2",
            "2",
            "2026-11-16T00:30:00Z",
            "B",
            3,
            None,
            "1",
            canceled_at="2026-11-19T08:00:00Z",
            cancel_reason="backorder_delay",
        ),  # revenue 0
        line(
            "3",
            "1",
            "2026-11-17T09:00:00Z",
            "C",
            2,
            "7.5",
            "2",
            canceled_at="2026-11-22T23:59:59Z",
            cancel_reason="customer_request",
        ),  # lost 15
        line(
            "3", "2", "2026-11-17T09:00:00Z", "A", 1, "10", "0", shipped_at="2026-11-17T10:00:00Z"
        ),
        line(
            "4",
            "1",
            "2026-11-18T09:00:00Z",
            "B",
            1,
            "5",
            "1",
            shipped_at="2026-11-21T10:00:00Z",
            promised_ship_date="2026-11-18",
        ),  # 3 days late
        line(
            "5",
            "1",
            "2026-11-18T09:00:00Z",
            "C",
            4,
            "2",
            None,  # empty = not backordered
            shipped_at="2026-11-18T12:00:00Z",
        ),
        line(
            "6", "1", "2026-11-19T09:00:00Z", "D", 1, "12", "1", promised_ship_date="2026-11-20"
        ),  # open
        line(
            "7",
            "1",
            "2026-11-05T09:00:00Z",
            "A",
            1,
            "10",
            "1",
            canceled_at="2026-11-23T01:00:00Z",
            cancel_reason="other",
        ),  # resolved in W48
        line(
            "8", "1", "2026-11-04T09:00:00Z", "D", 1, "12", "0", shipped_at="2026-11-22T20:00:00Z"
        ),
        line(
            "9", "1", "2026-11-10T09:00:00Z", "C", 1, "7.5", "1", shipped_at="2026-11-19T09:00:00Z"
        ),  # no promise: not in the hit rate
    ],  # fmt: skip
    "shipments": [
        ship("S1a", "1", "2026-11-13T12:00:00Z", "5", "1"),
        ship("S1b", "1", "2026-11-17T15:00:00Z", "4"),  # extra in W47: 4
        ship("S1c", "1", "2026-11-18T09:00:00Z", "6", "0.5"),  # extra: 6.5
        ship("S2a", "2", "2026-11-20T12:00:00Z", "3", "1"),
        ship("S3b", "3", "2026-11-17T10:00:00Z", "2.5"),  # tie on time: S3a first, S3b extra
        ship("S3a", "3", "2026-11-17T10:00:00Z", "2", "0.25"),
        ship("S4a", "4", "2026-11-21T10:00:00Z", "3"),
        ship("S4b", "4", "2026-11-23T10:00:00Z", "3"),  # after the as-of day: does not count
        ship("S8a", "8", "2026-11-22T20:00:00Z", "4"),
        ship("S8b", "8", "2026-11-22T20:00:01Z", "1", "1"),  # extra, order not backordered: 2
        ship("S99a", "99", "2026-11-18T09:00:00Z", "9"),  # order 99 has no line: ignored
        ship("S99b", "99", "2026-11-19T09:00:00Z", "9"),
    ],
    "contacts": [
        contact("C1", "2", "2026-11-18T10:00:00Z"),
        contact("C2", "2", "2026-12-01T10:00:00Z"),  # after the week: still counts
        contact("C3", "8", "2026-11-10T10:00:00Z"),
        contact("C4", "6", "2026-11-19T10:00:00Z"),
        contact("C5", "4", "2026-11-21T10:00:00Z"),
        contact("C6", "99", "2026-11-21T10:00:00Z"),
    ],
}

EXPECTED_BY_SKU = {
    # sku: lines, backordered lines, units, backordered units, orders, backordered orders
    None: (8, 5, 14, 6, 5, 4),  # W47 orders 2, 3, 4, 5, 6; all but 5 have a backordered line
    "B": (3, 2, 5, 2, 2, 2),
    "C": (2, 1, 6, 2, 2, 1),
    "A": (2, 1, 2, 1, 2, 1),  # A and D tie on lines and units: sku order
    "D": (1, 1, 1, 1, 1, 1),
}

EXPECTED = {
    "promise.lines": 3,
    "promise.hits": 1,
    "promise.hit_rate": 1 / 3,
    "promise.mean_days_late": 2.5,
    "promise.median_days_late": 2.5,
    "cancel.resolved": 6,  # lines 1-1, 2-1, 2-2, 3-1, 4-1, 9-1
    "cancel.canceled": 2,
    "cancel.rate": 2 / 6,
    "cancel.lost_revenue": 15.0,
    "split.extra_shipments": 4,  # S1b, S1c, S3b, S8b
    "split.cost": 4 + 6.5 + 2.5 + 2,
    "split.backorder_cost": 4 + 6.5 + 2.5,
    "split.first_shipped_orders": 4,  # orders 2, 3, 4, 8
    "split.split_orders": 2,  # 3 and 8 (4's second shipment is after the as-of day)
    "split.split_rate": 0.5,
    "split.revenue": 25 + 25 + 12,  # all lines of orders 1, 3, 8
    "split.share_of_revenue": 15 / 62,
    "contacts.backordered_orders": 5,  # 1, 2, 3, 4, 9 (6 is open, 7 resolved in W48)
    "contacts.backordered_contacts": 3,
    "contacts.per_backordered_order": 0.6,
    "contacts.repeated_share": 0.2,
    "contacts.baseline_orders": 2,  # 5 and 8
    "contacts.baseline_contacts": 1,
    "contacts.per_baseline_order": 0.5,
    "contacts.lift": 1.2,
}


@pytest.fixture
def con(make_db):
    return make_db(TABLES)


def test_reference_matches_hand_computed_figures(con):
    ref = ref_module.compute(ref_module.read_tables(con), W47)
    by_sku = {
        row["sku"]: tuple(int(row[c]) for c in ref_module.BY_SKU_COLUMNS[1:7])
        for row in ref.by_sku.to_dict("records")
    }
    assert list(by_sku) == list(EXPECTED_BY_SKU)
    assert by_sku == EXPECTED_BY_SKU
    assert ref.by_sku["line_rate"].iloc[0] == 5 / 8
    assert ref.by_sku["order_rate"].iloc[0] == 4 / 5
    assert set(ref.figures) == set(EXPECTED)
    for key, value in EXPECTED.items():
        assert ref.figures[key] == pytest.approx(value, abs=1e-12), key


def test_reference_equals_our_metrics_on_literal_rows(con):
    ref = ref_module.compute(ref_module.read_tables(con), W47)
    assert ref_module.compare(ref, ref_module.ours(con, W47)) == []


def test_empty_week_gives_empty_rates_on_both_sides(con):
    week = Period.week("2026-W30")
    ref = ref_module.compute(ref_module.read_tables(con), week)
    assert ref.figures["promise.hit_rate"] is None
    assert ref.figures["contacts.lift"] is None
    assert math.isnan(ref.by_sku["line_rate"].iloc[0])
    # sums over no lines are 0 and order counts 0 on both sides; only the rates are empty
    assert ref_module.compare(ref, ref_module.ours(con, week)) == []


def test_compare_reports_a_difference(con):
    ref = ref_module.compute(ref_module.read_tables(con), W47)
    ours = ref_module.ours(con, W47)
    ours.figures["cancel.rate"] += 1e-6
    ours.by_sku.loc[1, "count_lines"] += 1
    diffs = ref_module.compare(ref, ours)
    assert len(diffs) == 2
    assert any(d.startswith("cancel.rate") for d in diffs)
    assert any(d.startswith("backorder_rate[B].count_lines") for d in diffs)


@pytest.fixture(scope="module")
def generated_db(tmp_path_factory) -> Path:
    from dashboard import demo, importer

    folder = tmp_path_factory.mktemp("reference")
    files = demo.generate(folder / "csv", orders=4_000, seed=11)
    db = folder / "dashboard.duckdb"
    importer.import_paths(
        list(files.values()), db, timezone=demo.DEMO_TIMEZONE, currency=demo.DEMO_CURRENCY
    )
    return db


@pytest.mark.parametrize("week", ["2026-W47", "2026-W40", "2026-W20"])
def test_reference_equals_our_metrics_on_generated_history(generated_db, week):
    from dashboard import store

    period = Period.week(week)
    ref = ref_module.weekly_core(generated_db, period)
    with store.connect(generated_db) as con:
        assert ref_module.compare(ref, ref_module.ours(con, period)) == []
    assert ref.figures["cancel.resolved"] > 0
