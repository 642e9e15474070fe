"""hygiene: hand-computed cases, one per rule of its definition (metrics.md)."""

import polars as pl
from polars.testing import assert_frame_equal

from dashboard.metrics.controls import hygiene, hygiene_lines
from dashboard.params import Filters, Period, Settings

W47 = Period.week("2026-W47")  # 2026-11-16 .. 2026-11-22


def line(order_id, sku="A", backordered_at="2026-11-17T10:00:00Z", backordered_qty=1, **extra):
    return {
        "order_id": order_id,
        "ordered_at": backordered_at,
        "sku": sku,
        "qty": str(max(backordered_qty, 1)),
        "backordered_qty": str(backordered_qty),
        "channel": extra.pop("channel", "web"),
        "backorder_reason": extra.pop("backorder_reason", "supplier_delay"),
        "promised_ship_date": extra.pop("promised_ship_date", "2026-11-30"),
        "supplier_eta": extra.pop("supplier_eta", "2026-11-27"),
        "shipped_at": extra.pop("shipped_at", None),
        "canceled_at": extra.pop("canceled_at", None),
    }


def sku(name, backorder_eligible=None, oversell_cap=None):
    return {"sku": name, "backorder_eligible": backorder_eligible, "oversell_cap": oversell_cap}


SKUS = [sku("A", "true"), sku("B", "false"), sku("C")]

CHECK_LINES = [
    line("ok"),  # promise 11-30 >= eta 11-27 + 2
    line("blank", backorder_reason="  ", promised_ship_date=None),
    line("no_reason", backorder_reason=None, promised_ship_date="2026-11-28"),  # < 11-29
    line("buffer_exact", promised_ship_date="2026-11-29"),  # = eta + 2: not flagged
    line("ineligible", sku="B"),
    line("eligible_empty", sku="C"),
    line("not_in_skus", sku="D"),
    line("in_stock", backordered_qty=0, backorder_reason=None),
    line("before", backordered_at="2026-11-15T10:00:00Z", backorder_reason=None),
]

SUMMARY = [
    "lines",
    "no_reason",
    "no_reason_share",
    "no_promise",
    "no_promise_share",
    "promise_without_buffer",
    "promise_without_buffer_share",
    "ineligible_accepted",
    "ineligible_accepted_share",
    "over_cap",
]


def test_each_check_over_backordered_lines_in_period(make_db):
    con = make_db({"order_lines": CHECK_LINES, "skus": SKUS})
    result = hygiene(con, W47).select(SUMMARY)
    # 7 backordered lines in W47 ("in_stock" is not backordered, "before" is outside).
    expected = pl.DataFrame(
        {
            "lines": [7],
            "no_reason": [2],  # blank, no_reason
            "no_reason_share": [2 / 7],
            "no_promise": [1],  # blank
            "no_promise_share": [1 / 7],
            "promise_without_buffer": [1],  # no_reason: 11-28 < 11-27 + 2
            "promise_without_buffer_share": [1 / 7],
            "ineligible_accepted": [1],  # B only: empty C and absent D are not flagged
            "ineligible_accepted_share": [1 / 7],
            "over_cap": [0],  # no caps
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)

    queue = hygiene_lines(con, W47).select("order_id", "failed_checks")
    expected_queue = pl.DataFrame(
        {
            "order_id": ["blank", "ineligible", "no_reason"],
            "failed_checks": [
                "no_reason, no_promise",
                "ineligible_accepted",
                "no_reason, promise_without_buffer",
            ],
        }
    )
    assert_frame_equal(queue, expected_queue)


def test_receiving_buffer_setting(make_db):
    con = make_db({"order_lines": CHECK_LINES, "skus": SKUS})
    result = hygiene(con, W47, settings=Settings(receiving_buffer_days=3)).select(
        "promise_without_buffer"
    )
    # eta 11-27 + 3 = 11-30: 11-28 and 11-29 fall short; 11-30 ("ok") does not.
    expected = pl.DataFrame({"promise_without_buffer": [2]})
    assert_frame_equal(result, expected, check_dtypes=False)


def test_over_cap_walk_ties_and_resolutions(make_db):
    con = make_db(
        {
            "order_lines": [
                line("k1", "K", "2026-11-10T10:00:00Z", 2),  # open: outstanding
                # shipped exactly at k10's and k9's backordered_at: not outstanding for them
                line("k2", "K", "2026-11-12T10:00:00Z", 5, shipped_at="2026-11-17T10:00:00Z"),
                line("k9", "K", "2026-11-17T10:00:00Z", 1),
                line("k10", "K", "2026-11-17T10:00:00Z", 1),
            ],
            "skus": [sku("K", "true", "3")],
        }
    )
    result = hygiene_lines(con, W47).select("order_id", "outstanding_units", "failed_checks")
    # Same backordered_at: "k10" < "k9" as text, so k10 comes first: 2 + 1 = 3, not over 3;
    # then k9: 2 + 1 + 1 = 4 > 3.
    expected = pl.DataFrame(
        {"order_id": ["k9"], "outstanding_units": [4], "failed_checks": ["over_cap"]}
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_over_cap_walk_counts_every_channel(make_db):
    con = make_db(
        {
            "order_lines": [
                line("amazon1", "K", "2026-11-17T10:00:00Z", 2, channel="amazon"),
                line("web1", "K", "2026-11-18T10:00:00Z", 1, channel="web"),
            ],
            "skus": [sku("K", "true", "2")],
        }
    )
    result = hygiene(con, W47, Filters(channel=("web",))).select("lines", "over_cap")
    # Only web1 is judged, but amazon1's 2 units are outstanding: 2 + 1 = 3 > 2.
    expected = pl.DataFrame({"lines": [1], "over_cap": [1]})
    assert_frame_equal(result, expected, check_dtypes=False)


def test_missing_inputs_are_unavailable_not_flagged(make_db):
    rows = [
        {k: v for k, v in row.items() if k not in ("promised_ship_date",)} for row in CHECK_LINES
    ]
    con = make_db({"order_lines": rows})
    result = hygiene(con, W47).select(
        "lines", "no_reason", "no_promise", "promise_without_buffer", "ineligible_accepted"
    )
    expected = pl.DataFrame(
        {
            "lines": [7],
            "no_reason": ["2"],
            "no_promise": ["unavailable: needs promised_ship_date"],
            "promise_without_buffer": ["unavailable: needs promised_ship_date"],
            "ineligible_accepted": ["unavailable: needs skus"],
        }
    )
    assert_frame_equal(result.cast({"no_reason": pl.String}), expected, check_dtypes=False)
    # The queue judges only what it can: nothing is flagged for a missing promise.
    queue = hygiene_lines(con, W47).select("order_id", "no_promise", "failed_checks")
    expected_queue = pl.DataFrame(
        {
            "order_id": ["blank", "no_reason"],
            "no_promise": [None, None],
            "failed_checks": ["no_reason", "no_reason"],
        }
    )
    assert_frame_equal(queue, expected_queue, check_dtypes=False)


def test_no_lines_gives_empty_shares(make_db):
    con = make_db({"order_lines": CHECK_LINES, "skus": SKUS})
    result = hygiene(con, Period.week("2026-W40")).select(
        "lines", "no_reason", "no_reason_share", "over_cap_share"
    )
    expected = pl.DataFrame(
        {"lines": [0], "no_reason": [0], "no_reason_share": [None], "over_cap_share": [None]}
    )
    assert_frame_equal(result, expected, check_dtypes=False)
