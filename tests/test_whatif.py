"""What-if replay: hand-computed cases, one per rule of docs/whatif.md, and properties."""

from __future__ import annotations

from datetime import date

import polars as pl
from polars.testing import assert_frame_equal

from dashboard import whatif
from dashboard.whatif import Rule, Scenario

Q3 = {"from_date": date(2026, 7, 1), "to_date": date(2026, 10, 1)}


def line(order_id, sku, backordered_qty, backordered_at, resolved_at=None, **extra):
    """A backordered line; resolved_at ships it (canceled=True cancels it instead)."""
    canceled = extra.pop("canceled", False)
    return {
        "order_id": order_id,
        "line_id": extra.pop("line_id", "1"),
        "ordered_at": backordered_at,
        "sku": sku,
        "qty": str(extra.pop("qty", backordered_qty)),
        "unit_price": str(extra.pop("unit_price", 10)),
        "backordered_qty": str(backordered_qty),
        "backordered_at": backordered_at,
        "shipped_at": None if canceled else resolved_at,
        "canceled_at": resolved_at if canceled else None,
        **extra,
    }


def sku(name, family="F", **extra):
    return {"sku": name, "family": family, "price": "20", "unit_cost": "10", **extra}


def accepted(result) -> dict[str, bool]:
    return {
        f"{r['order_id']}/{r['line_id']}": r["accepted"] for r in result.lines.iter_rows(named=True)
    }


def test_cap_reached_exactly_is_accepted(make_db):
    con = make_db(
        {
            "order_lines": [
                line("1", "A", 3, "2026-07-02T10:00:00Z"),
                line("2", "A", 2, "2026-07-03T10:00:00Z"),  # 3 + 2 = 5 = cap: accepted
                line("3", "A", 1, "2026-07-04T10:00:00Z"),  # 5 + 1 > 5: blocked
            ]
        }
    )
    result = whatif.replay(con, Scenario(cap_default=5, **Q3))
    assert accepted(result) == {"1/1": True, "2/1": True, "3/1": False}


def test_resolution_at_the_same_instant_frees_room_first(make_db):
    con = make_db(
        {
            "order_lines": [
                line("1", "A", 3, "2026-07-02T10:00:00Z", resolved_at="2026-07-05T10:00:00Z"),
                line("2", "A", 3, "2026-07-05T10:00:00Z"),  # line 1 ships at this instant
                line("3", "A", 1, "2026-07-05T10:00:00Z"),  # same instant, after order 2: 3+1>3
            ]
        }
    )
    result = whatif.replay(con, Scenario(cap_default=3, **Q3))
    assert accepted(result) == {"1/1": True, "2/1": True, "3/1": False}


def test_ties_walk_in_order_id_then_line_id_as_text(make_db):
    t = "2026-07-02T10:00:00Z"
    con = make_db(
        {
            "order_lines": [
                line("2", "A", 1, t),
                line("10", "A", 1, t, line_id="2"),
                line("10", "A", 1, t, line_id="1"),
            ]
        }
    )
    # "10" < "2": order 10 line 1, then order 10 line 2, then order 2. Cap 2.
    result = whatif.replay(con, Scenario(cap_default=2, **Q3))
    assert accepted(result) == {"2/1": False, "10/2": True, "10/1": True}


def test_ineligible_sku_is_blocked_and_its_units_never_count(make_db):
    con = make_db(
        {
            "order_lines": [
                line("1", "CHEAP", 1, "2026-07-02T10:00:00Z"),
                line("2", "DEAR", 1, "2026-07-02T10:00:00Z"),
            ],
            "skus": [sku("CHEAP", price="5", unit_cost="1"), sku("DEAR")],
        }
    )
    scenario = Scenario(unit_price=Rule(True, 10.0), **Q3)
    result = whatif.replay(con, scenario)
    assert accepted(result) == {"1/1": False, "2/1": True}
    features = result.skus.select("sku", "unit_price", "unit_price_pass", "eligible")
    expected = pl.DataFrame(
        {
            "sku": ["CHEAP", "DEAR"],
            "unit_price": [5.0, 20.0],
            "unit_price_pass": [False, True],
            "eligible": [False, True],
        }
    )
    assert_frame_equal(features, expected)


def test_feature_that_cannot_be_computed_passes_and_is_flagged_unknown(make_db):
    con = make_db(
        {
            "order_lines": [
                line("1", "NEW", 1, "2026-07-02T10:00:00Z"),  # no inbound history at all
                line("2", "OLD", 1, "2026-07-02T10:00:00Z"),  # one receipt in the window
            ],
            "inbound": [
                {
                    "po_id": "P1",
                    "sku": "OLD",
                    "qty": "10",
                    "created_at": "2026-01-01T00:00:00Z",
                    "supplier_eta": "2026-01-20",
                    "received_at": "2026-01-25T00:00:00Z",
                }
            ],
        }
    )
    # Window 2025-07-01..2026-07-01 = 365 days: OLD has 1 x 90 / 365 receipts per 90 days.
    scenario = Scenario(replenishment_frequency=Rule(True, 0.5), **Q3)
    result = whatif.replay(con, scenario)
    assert accepted(result) == {"1/1": True, "2/1": False}
    features = result.skus.select(
        "sku",
        "receipts_per_90_days",
        "replenishment_frequency_unknown",
        "lead_time_variability_unknown",
        "median_slip_days",
        "eligible",
    )
    expected = pl.DataFrame(
        {
            "sku": ["NEW", "OLD"],
            "receipts_per_90_days": [None, 90 / 365],
            "replenishment_frequency_unknown": [True, False],
            "lead_time_variability_unknown": [True, True],  # one receipt: needs 2
            "median_slip_days": [None, 5.0],
            "eligible": [True, False],
        }
    )
    assert_frame_equal(features, expected)


def test_lead_time_variability_is_sample_std_over_mean(make_db):
    receipts = [
        ("P1", "2026-01-01T00:00:00Z", "2026-01-11T00:00:00Z"),  # 10 days
        ("P2", "2026-02-01T00:00:00Z", "2026-02-21T00:00:00Z"),  # 20 days
        ("P3", "2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z"),  # 30 days
    ]
    con = make_db(
        {
            "order_lines": [line("1", "A", 1, "2026-07-02T10:00:00Z")],
            "inbound": [
                {
                    "po_id": po,
                    "sku": "A",
                    "qty": "5",
                    "created_at": created,
                    "supplier_eta": created[:10],
                    "received_at": received,
                }
                for po, created, received in receipts
            ],
        }
    )
    features = whatif.sku_features(con, Scenario(**Q3))
    # mean 20, sample std 10: cv 0.5.
    assert features["lead_time_cv"].to_list() == [0.5]
    assert features["lead_time_variability_unknown"].to_list() == [False]


def test_sku_override_beats_family_and_empty_override_means_no_cap(make_db):
    t1, t2 = "2026-07-02T10:00:00Z", "2026-07-03T10:00:00Z"
    con = make_db(
        {
            "order_lines": [
                line("1", "A", 2, t1),
                line("2", "A", 2, t2),
                line("3", "B", 2, t1),
                line("4", "B", 2, t2),
                line("5", "C", 2, t1),
                line("6", "C", 2, t2),
                line("7", "D", 2, t1),  # other family: default cap 1
            ],
            "skus": [sku("A"), sku("B"), sku("C"), sku("D", family="G")],
        }
    )
    scenario = Scenario(
        cap_default=1,
        family_caps=(("F", 2),),
        sku_caps=(("B", None), ("C", 4)),
        **Q3,
    )
    result = whatif.replay(con, scenario)
    assert accepted(result) == {
        "1/1": True,  # A: family cap 2
        "2/1": False,
        "3/1": True,  # B: empty sku override = no cap, wins over the family's 2
        "4/1": True,
        "5/1": True,  # C: sku override 4
        "6/1": True,
        "7/1": False,  # D: default 1 < 2
    }
    caps = result.skus.select("sku", "cap")
    assert_frame_equal(
        caps,
        pl.DataFrame({"sku": ["A", "B", "C", "D"], "cap": [2, None, 4, 1]}),
        check_dtypes=False,
    )


def test_carried_in_lines_count_as_recorded_and_are_never_blocked(make_db):
    con = make_db(
        {
            "order_lines": [
                # Before the period, open until 10 July: carried in with 4 units.
                line("0", "A", 4, "2026-06-20T10:00:00Z", resolved_at="2026-07-10T10:00:00Z"),
                # Before the period and resolved before it: irrelevant.
                line("9", "A", 9, "2026-06-01T10:00:00Z", resolved_at="2026-06-02T10:00:00Z"),
                line("1", "A", 2, "2026-07-05T10:00:00Z"),  # 4 + 2 > 5: blocked
                line("2", "A", 2, "2026-07-11T10:00:00Z"),  # carried line shipped: accepted
            ]
        }
    )
    result = whatif.replay(con, Scenario(cap_default=5, **Q3))
    assert accepted(result) == {"1/1": False, "2/1": True}


def test_carried_in_line_over_cap_is_still_carried(make_db):
    con = make_db(
        {
            "order_lines": [
                line("0", "A", 7, "2026-06-20T10:00:00Z"),  # open, over the cap of 5
                line("1", "A", 1, "2026-07-05T10:00:00Z"),
            ]
        }
    )
    result = whatif.replay(con, Scenario(cap_default=5, **Q3))
    assert accepted(result) == {"1/1": False}


def test_outcome_and_recapture(make_db):
    con = make_db(
        {
            "order_lines": [
                line("1", "A", 2, "2026-07-02T10:00:00Z", qty=3, unit_price=10),
                line("2", "A", 1, "2026-07-03T10:00:00Z", qty=4, unit_price=25),
            ]
        }
    )
    result = whatif.replay(con, Scenario(cap_default=2, recapture_share=0.25, **Q3))
    expected = pl.DataFrame(
        {
            "status": ["recorded", "accepted", "blocked"],
            "lines": [2, 1, 1],
            "units": [3, 2, 1],
            # Blocked revenue is the whole line's: 4 x 25 = 100, at risk 100 x (1 - 0.25).
            "revenue": [130.0, 30.0, 100.0],
            "revenue_at_risk": [0.0, 0.0, 75.0],
        }
    )
    assert_frame_equal(whatif.outcome(result), expected, check_dtypes=False)
