"""quarterly_top20 and quarterly_top20_delayed_orders: hand-computed for 2026-Q3 (and Q2)."""

from __future__ import annotations

from datetime import date

import polars as pl
from polars.testing import assert_frame_equal

from dashboard.metrics import (
    backorder_cancel_rate,
    backorder_rate,
    promise_hit_rate,
    quarterly_top20,
    quarterly_top20_delayed_orders,
    supplier_eta_accuracy,
    support_contact_rate,
)
from dashboard.params import Filters, Period, Settings

Q3 = Period.quarter("2026-Q3")  # 2026-07-01 .. 2026-09-30

LINE_COLUMNS = (
    "order_id",
    "line_id",
    "ordered_at",
    "sku",
    "qty",
    "backordered_qty",
    "promised_ship_date",
    "shipped_at",
    "canceled_at",
)


def line(order_id, ordered, sku, backordered_qty, qty=1, line_id="1", **extra):
    """`ordered`, `shipped`, `canceled` are dates: the event happens at noon UTC."""
    row = dict.fromkeys(LINE_COLUMNS)
    row.update(
        order_id=order_id,
        line_id=line_id,
        ordered_at=f"{ordered}T12:00:00Z",
        sku=sku,
        qty=str(qty),
        backordered_qty=str(backordered_qty),
        promised_ship_date=extra.get("promised"),
        shipped_at=f"{extra['shipped']}T12:00:00Z" if "shipped" in extra else None,
        canceled_at=f"{extra['canceled']}T12:00:00Z" if "canceled" in extra else None,
    )
    return row


def receipt(po_id, sku, eta, received):
    return {
        "po_id": po_id,
        "sku": sku,
        "qty": "10",
        "supplier_eta": eta,
        "received_at": f"{received}T12:00:00Z",
    }


TABLES = {
    "order_lines": [
        # A: 3 backordered lines in Q3 (a miss, a cancel, one open) and one in stock.
        line("oa1", "2026-07-05", "A", 1, promised="2026-07-18", shipped="2026-07-20"),
        line("oa2", "2026-08-01", "A", 1, canceled="2026-08-10"),
        line("oa3", "2026-09-25", "A", 1),
        line("oa4", "2026-09-26", "A", 0, shipped="2026-09-27"),
        # A in Q2: a hit, and an in-stock line.
        line("oa0", "2026-05-01", "A", 1, promised="2026-05-05", shipped="2026-05-03"),
        line("oa9", "2026-05-02", "A", 0, shipped="2026-05-02"),
        # B: 2 backordered lines, 4 units; ties C on lines, wins on units.
        line("ob1", "2026-07-02", "B", 2, qty=2, promised="2026-07-08", shipped="2026-07-06"),
        line("ob1", "2026-07-02", "F", 0, line_id="2", shipped="2026-08-15"),
        line("ob2", "2026-07-03", "B", 2, qty=2, shipped="2026-07-04"),
        # C: 2 backordered lines, 2 units; one canceled.
        line("oc1", "2026-08-01", "C", 1, canceled="2026-08-05"),
        line("oc2", "2026-08-02", "C", 1, shipped="2026-08-06"),
        # D and E tie on lines and units: sku order decides.
        line("oe1", "2026-09-02", "E", 1),
        line("od1", "2026-09-01", "D", 1, shipped="2026-09-03"),
        # F: backordered only in Q2: not in Q3's list.
        line("of1", "2026-06-01", "F", 1, shipped="2026-06-05"),
    ],
    "inbound": [
        receipt("P1", "A", "2026-07-10", "2026-07-15"),  # slip 5
        receipt("P2", "A", "2026-08-01", "2026-08-02"),  # slip 1: median 3, not above 3
        receipt("P0", "A", "2026-05-10", "2026-05-08"),  # Q2: 2 days early
        receipt("P3", "B", "2026-07-01", "2026-07-05"),  # slip 4, above 3
    ],
    "contacts": [
        {"contact_id": "K1", "order_id": "oa1", "created_at": "2026-07-10T12:00:00Z"},
        {"contact_id": "K2", "order_id": "oa1", "created_at": "2026-07-12T12:00:00Z"},
        {"contact_id": "K0", "order_id": "oa0", "created_at": "2026-05-02T12:00:00Z"},
    ],
    "skus": [
        {"sku": "A", "title": "Lamp", "backorder_eligible": "true", "oversell_cap": "5"},
        {"sku": "B", "title": "Vase", "backorder_eligible": "false", "oversell_cap": None},
    ],
}

CANCEL = "cancel rate above threshold"
SLIP = "median supplier slip above threshold"


def test_top_skus_figures_rule_flag_and_previous_quarter(make_db):
    con = make_db(TABLES)
    result = quarterly_top20(con, Q3).drop("title", "count_lines")
    expected = pl.DataFrame(
        {
            "rank": [1, 2, 3, 4, 5],
            "sku": ["A", "B", "C", "D", "E"],
            "count_backordered_lines": [3, 2, 2, 1, 1],
            "backordered_units": [3, 4, 2, 1, 1],
            "line_rate": [3 / 4, 1.0, 1.0, 1.0, 1.0],
            "cancel_rate": [1 / 2, 0.0, 1 / 2, 0.0, None],
            "promise_hit_rate": [0.0, 1.0, None, None, None],
            "median_slip_days": [3.0, 4.0, None, None, None],
            # A: oa1 (2 contacts) and oa2 (none) resolved in Q3.
            "contacts_per_backordered_order": [1.0, 0.0, 0.0, 0.0, None],
            "backorder_eligible": [True, False, None, None, None],
            "oversell_cap": [5, None, None, None, None],
            "prev_line_rate": [1 / 2, None, None, None, None],
            "prev_cancel_rate": [0.0, None, None, None, None],
            "prev_promise_hit_rate": [1.0, None, None, None, None],
            "prev_median_slip_days": [-2.0, None, None, None, None],
            "prev_contacts_per_backordered_order": [1.0, None, None, None, None],
            "review_flag": [True, True, True, False, False],
            "review_reason": [CANCEL, SLIP, CANCEL, None, None],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_rate_on_the_threshold_is_not_flagged(make_db):
    con = make_db(TABLES)
    settings = Settings(review_cancel_rate=0.5, review_slip_days=3.5)
    result = quarterly_top20(con, Q3, settings=settings).select("sku", "review_reason")
    expected = pl.DataFrame(
        {"sku": ["A", "B", "C", "D", "E"], "review_reason": [None, SLIP, None, None, None]}
    )
    assert_frame_equal(result, expected)


def test_both_reasons_at_once(make_db):
    con = make_db(TABLES)
    settings = Settings(review_slip_days=2.0)
    result = quarterly_top20(con, Q3, settings=settings).head(1).select("sku", "review_reason")
    expected = pl.DataFrame({"sku": ["A"], "review_reason": [f"{CANCEL}; {SLIP}"]})
    assert_frame_equal(result, expected)


def test_twenty_at_most_ties_by_sku(make_db):
    rows = [line(f"o{i:02d}", "2026-08-03", f"S{i:02d}", 1) for i in range(22, 0, -1)]
    con = make_db({"order_lines": rows})
    result = quarterly_top20(con, Q3).select("rank", "sku")
    expected = pl.DataFrame(
        {"rank": list(range(1, 21)), "sku": [f"S{i:02d}" for i in range(1, 21)]}
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_filters_narrow_the_list(make_db):
    con = make_db(TABLES)
    result = quarterly_top20(con, Q3, Filters(sku=("C", "E"))).select("rank", "sku")
    expected = pl.DataFrame({"rank": [1, 2], "sku": ["C", "E"]})
    assert_frame_equal(result, expected, check_dtypes=False)


def test_missing_inbound_marks_slip(make_db):
    con = make_db({k: v for k, v in TABLES.items() if k != "inbound"})
    result = quarterly_top20(con, Q3).select("median_slip_days", "prev_median_slip_days")
    assert result.row(0) == ("unavailable: needs inbound", "unavailable: needs inbound")


def test_five_most_delayed_orders(make_db):
    # ob1: ordered Jul 2, its in-stock line ships Aug 15: 44 days. oe1: open, counted to the
    # as-of day Sep 30: 28. oa1: 15. oa2: 9. oa3: open, Sep 25 to Sep 30: 5. (oc1, oc2: 4.)
    con = make_db(TABLES)
    result = quarterly_top20_delayed_orders(con, Q3).select(
        "order_id", "ordered_date", "is_open", "last_resolved_date", "days_to_resolution"
    )
    expected = pl.DataFrame(
        {
            "order_id": ["ob1", "oe1", "oa1", "oa2", "oa3"],
            "ordered_date": [
                date(2026, 7, 2),
                date(2026, 9, 2),
                date(2026, 7, 5),
                date(2026, 8, 1),
                date(2026, 9, 25),
            ],
            "is_open": [False, True, False, False, True],
            "last_resolved_date": [
                date(2026, 8, 15),
                None,
                date(2026, 7, 20),
                date(2026, 8, 10),
                None,
            ],
            "days_to_resolution": [44, 28, 15, 9, 5],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_delayed_orders_as_of_an_earlier_day(make_db):
    # As of Aug 10: ob1's second line has not shipped yet (open: Aug 10 - Jul 2 = 39 days);
    # oa2 is canceled that day (9); orders placed after Aug 10 (oe1, od1, oa3) are left out;
    # oc1 and oc2 tie at 4 days: order_id as text decides.
    con = make_db(TABLES)
    result = quarterly_top20_delayed_orders(con, Q3, as_of=date(2026, 8, 10)).select(
        "order_id", "is_open", "days_to_resolution"
    )
    expected = pl.DataFrame(
        {
            "order_id": ["ob1", "oa1", "oa2", "oc1", "oc2"],
            "is_open": [True, False, False, False, False],
            "days_to_resolution": [39, 15, 9, 4, 4],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def single_sku_figures(con, quarter: Period, sku: str) -> dict:
    """Each figure from its own metric with the sku filter, over one quarter."""
    only = Filters(sku=(sku,))
    return {
        "line_rate": backorder_rate(con, quarter, only)["line_rate"][0],
        "cancel_rate": backorder_cancel_rate(con, quarter, only)["cancel_rate"][0],
        "promise_hit_rate": promise_hit_rate(con, quarter, only)["hit_rate"][0],
        "median_slip_days": supplier_eta_accuracy(con, quarter, only)["median_slip_days"][0],
        "contacts_per_backordered_order": support_contact_rate(con, quarter, only)[
            "contacts_per_order"
        ][0],
    }


def test_ranking_and_figures_equal_the_single_metrics(demo_con):
    result = quarterly_top20(demo_con, Q3)
    ranked = backorder_rate(demo_con, Q3).filter(
        pl.col("sku").is_not_null() & (pl.col("count_backordered_lines") > 0)
    )
    assert result["sku"].to_list() == ranked["sku"].head(20).to_list()
    # The first three and the last two of the list (every sku would take ~25 s).
    checked = result[[0, 1, 2, result.height - 2, result.height - 1]]
    rows = []
    for sku in checked["sku"]:
        row = {"sku": sku, **single_sku_figures(demo_con, Q3, sku)}
        previous = single_sku_figures(demo_con, Q3.previous(), sku)
        rows.append(row | {f"prev_{name}": value for name, value in previous.items()})
    expected = pl.DataFrame(rows)
    assert_frame_equal(
        checked.select(expected.columns), expected, check_dtypes=False, check_exact=True
    )
