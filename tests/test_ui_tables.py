"""dashboard.tables: the pure helpers behind the tables the pages show."""

from __future__ import annotations

import gc
from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard import tables, ui
from dashboard.params import Settings


def test_channel_rules_table_lists_the_default_then_each_channel_in_percent():
    conf = Settings()
    result = tables.channel_rules_table(conf, ["amazon", "web"])
    assert result["channel"].to_list() == ["*", "amazon", "web"]
    assert result["late_shipment_threshold"][0] == round(
        conf.channel_default.late_shipment_threshold * 100, 4
    )
    assert (
        tables.settings_from_form(
            conf,
            result,
            silence_days=conf.silence_days,
            receiving_buffer_days=conf.receiving_buffer_days,
            statutory_days=conf.statutory_days,
            review_cancel_rate=conf.review_cancel_rate,
            review_slip_days=conf.review_slip_days,
        )
        == conf
    )


def test_links_lead_the_table_and_quote_the_key():
    frame = pl.DataFrame({"order_id": ["#1", "a&b"], "sku": ["X 1", "Y"]})
    result = tables.with_sku_links(
        tables.with_timeline_links(frame, "timeline?week=2026-W47"), "skus?week=2026-W47"
    )
    expected = pl.DataFrame(
        {
            "sku_page": ["skus?week=2026-W47&detail=X%201", "skus?week=2026-W47&detail=Y"],
            "timeline": ["timeline?week=2026-W47&order=%231", "timeline?week=2026-W47&order=a%26b"],
            "order_id": ["#1", "a&b"],
            "sku": ["X 1", "Y"],
        }
    )
    assert_frame_equal(result, expected)
    assert tables.order_columns(result, ["sku"]) == ["timeline", "sku_page", "sku", "order_id"]


def test_order_facts_of_an_order_with_one_line_still_open():
    events = pl.DataFrame(
        {
            "event": ["ordered", "ordered", "backordered", "notice", "shipped"],
            "line_id": ["1", "2", "2", None, "1"],
            "local_date": [date(2026, 11, 2)] * 3 + [date(2026, 11, 3), date(2026, 11, 5)],
        }
    )
    facts = tables.order_facts(events)
    assert facts["lines"] == 2
    assert facts["backordered"] == 1
    assert facts["notices"] == 1
    assert facts["contacts"] == 0
    assert facts["is_open"] is True
    assert facts["days"] is None
    assert facts["state"] == "still open (last resolution so far 2026-11-05)"


def test_top20_against_previous_gives_the_quarter_before_and_the_change_in_points():
    top = pl.DataFrame(
        {
            "rank": [1, 2],
            "sku": ["A", "B"],
            **{name: [0.30, None] for name, *_ in tables.TOP20_FIGURES},
            **{f"prev_{name}": [0.25, 0.10] for name, *_ in tables.TOP20_FIGURES},
        }
    )
    result = tables.top20_against_previous(top)
    assert result.columns[:4] == ["rank", "sku", "prev_line_rate", "line_rate_change"]
    assert result["line_rate_change"][0] == pytest.approx(5.0)  # 30% - 25% = 5 points
    assert result["median_slip_days_change"][0] == pytest.approx(0.05)  # days, not points
    assert result["line_rate_change"][1] is None  # no figure this quarter: no change


def test_misses_by_days_late_are_the_misses_and_their_share():
    promise = pl.DataFrame(
        {
            "breakdown": ["total", "days_late", "days_late"],
            "group_value": [None, "1", "3"],
            "count_lines": [10, 3, 1],
            "count_hits": [6, 0, 0],
            "count_misses": [4, 3, 1],
            "hit_rate": [0.6, 0.0, 0.0],
            "mean_days_late": [1.5, 1.0, 3.0],
            "median_days_late": [1.0, 1.0, 3.0],
        }
    )
    expected = pl.DataFrame(
        {"days_late": ["1", "3"], "count_misses": [3, 1], "share_of_misses": [0.75, 0.25]}
    )
    assert_frame_equal(tables.misses_by_days_late(promise), expected)


def test_order_columns_without_the_rest_shows_only_links_and_the_listed():
    frame = pl.DataFrame({"sku_page": ["x"], "sku": ["A"], "prev_line_rate": [0.1]})
    assert tables.order_columns(frame, ["sku"], rest=False) == ["sku_page", "sku"]


def test_unavailable_text_names_the_missing_table_filter_or_column():
    assert tables.unavailable_text("needs inbound") == "the loaded exports have no inbound table"
    assert tables.unavailable_text("unavailable: needs supplier") == (
        "the loaded exports carry no supplier, so the supplier filter cannot apply"
    )
    assert tables.unavailable_text("needs canceled_at") == (
        "the loaded exports have no canceled_at column"
    )


def test_a_change_that_shows_as_zero_is_grey():
    assert tables.delta_color("+0", up_is_good=True) == "off"
    assert tables.delta_color("+0.0 pts", up_is_good=False) == "off"
    assert tables.delta_color("+$0.00") == "off"
    assert tables.delta_color(None) == "off"
    assert tables.delta_color("+0.1 pts") == "normal"
    assert tables.delta_color("-$414", up_is_good=False) == "inverse"
    assert tables.delta_arrow("+0.0 pts") == "off"
    assert tables.delta_arrow(None) == "off"
    assert tables.delta_arrow("-$414") == "auto"


def test_the_startup_objects_are_frozen_once(monkeypatch):
    # After the first page run of a process, the objects alive then leave the collector's
    # reach (Streamlit's full collection after every rerun no longer walks them); a later
    # run freezes nothing more.
    monkeypatch.setattr(ui, "_startup_frozen", False)
    gc.unfreeze()
    try:
        ui.freeze_startup_objects()
        frozen = gc.get_freeze_count()
        assert frozen > 1000
        later = [[i] for i in range(1000)]
        ui.freeze_startup_objects()
        assert gc.get_freeze_count() == frozen
        assert later
    finally:
        gc.unfreeze()
