"""The app through its router (AppTest): every page runs, and the figures it shows are the
metric functions' figures for the same week, period and filters.

One small demo database (3,000 orders) is generated and imported once per session, the way a
user builds it (`dashboard demo`). The settings test works on its own copy.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from builders import reading
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from dashboard import settings, store, ui
from dashboard.metrics import reviews
from dashboard.params import Filters, Period, Settings
from dashboard.serve import build_demo

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard" / "app.py")
PAGES = ["weekly", "skus", "promises", "costs", "quarterly", "timeline", "data", "settings"]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    return build_demo(tmp_path_factory.mktemp("app-demo"))


@pytest.fixture
def db(demo_db, monkeypatch) -> Path:
    monkeypatch.setenv("DASHBOARD_DB", str(demo_db))
    return demo_db


@pytest.fixture
def con(db):
    with reading(db) as cursor:
        yield cursor


def run_app(query: dict | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if query:
        at.query_params.update(query)
    at.run()
    if page:
        at.switch_page(f"../pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def url_values(at: AppTest, key: str) -> list[str]:
    value = at.query_params[key]
    return list(value) if isinstance(value, list | tuple) else [value]


def metric(at: AppTest, label: str):
    found = [m for m in at.metric if m.label == label]
    assert found, f"no card {label!r} among {[m.label for m in at.metric]}"
    return found[0]


def frame_shown(at: AppTest, *columns: str):
    """The first table shown that has all of `columns`."""
    found = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert found, f"no table with {columns}"
    return found[0]


def latest_week(con) -> Period:
    ((last,),) = con.execute("select max(ordered_date) from order_lines").fetchall()
    return Period.week(ui.default_week(date(2000, 1, 1), last))


def headline_values(con, week: Period, filters: Filters) -> dict[str, str]:
    review = reviews.weekly_review(con, week, filters, settings.load(store.db_path()))
    changes = reviews.weekly_review_changes(review)
    return {
        ui.SHORT_LABELS.get(r["headline"], r["label"]): ui.fmt(
            r["this_week"], ui.headline_unit(r["headline"], r["kind"])
        )
        for r in changes.iter_rows(named=True)
    }


# ---------------------------------------------------------------------------- every page


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_through_the_router(db, page):
    at = run_app(page=page)
    assert at.title[0].value  # a page title is shown
    assert not at.exception


def test_landing_page_is_the_weekly_review_of_the_last_complete_week(db, con):
    at = run_app()
    assert at.title[0].value == "Weekly review"
    assert at.selectbox(key="week").value == latest_week(con).label
    assert url_values(at, "week") == [latest_week(con).label]


# ---------------------------------------------------------------------------- weekly review


def test_weekly_cards_equal_weekly_review(db, con):
    at = run_app()
    week = latest_week(con)
    expected = headline_values(con, week, Filters())
    shown = {label: metric(at, label).value for label in expected}
    assert shown == expected
    rate = reviews.weekly_review(con, week)["line_rate"][-1]
    assert metric(at, "Backorder line rate").value == f"{rate:.1%}"


def test_weekly_card_delta_is_the_change_coloured_by_whether_it_is_good(db, con):
    at = run_app()
    week = latest_week(con)
    changes = reviews.weekly_review_changes(reviews.weekly_review(con, week))
    for row in changes.filter(pl.col("change").is_not_null() & (pl.col("change") != 0)).rows(
        named=True
    ):
        label = ui.SHORT_LABELS.get(row["headline"], row["label"])
        card = metric(at, label)
        unit = ui.headline_unit(row["headline"], row["kind"])
        assert card.delta == ui.fmt_change(row["change"], unit)
        good = row["verdict"] == "better"
        assert card.proto.color == (Metric.MetricColor.GREEN if good else Metric.MetricColor.RED)
        up = row["change"] > 0
        assert card.proto.direction == (
            Metric.MetricDirection.UP if up else Metric.MetricDirection.DOWN
        )
    line_rate = changes.filter(pl.col("headline") == "line_rate").row(0, named=True)
    assert metric(at, "Backorder line rate").delta == f"{line_rate['change'] * 100:+.1f} pts"


def test_channel_filter_in_the_url_changes_the_weekly_figures(db, con):
    week = latest_week(con)
    at = run_app({"week": week.label, "channel": "amazon"})
    assert at.multiselect(key="channel").value == ["amazon"]
    expected = headline_values(con, week, Filters(channel=("amazon",)))
    unfiltered = headline_values(con, week, Filters())
    assert expected != unfiltered
    assert {label: metric(at, label).value for label in expected} == expected


def test_week_in_the_url_is_the_week_shown(db, con):
    week = latest_week(con).previous().previous()
    at = run_app({"week": week.label})
    assert at.selectbox(key="week").value == week.label
    assert {label: metric(at, label).value for label in headline_values(con, week, Filters())} == (
        headline_values(con, week, Filters())
    )


def test_filter_set_in_the_sidebar_is_written_to_the_url(db, con):
    at = run_app()
    ((family,),) = con.execute("select min(family) from sku_attributes").fetchall()
    at.multiselect(key="family").select(family).run()
    assert not at.exception
    assert url_values(at, "family") == [family]


def test_queues_equal_their_metrics_and_link_to_the_timeline(db, con):
    at = run_app()
    week = latest_week(con)
    conf = settings.load(db)
    silent = reviews_metric("silent_backorders", con, week, conf)
    shown = frame_shown(at, "rule", "days_since_latest_notice")
    assert list(shown["order_id"]) == silent["order_id"].to_list()
    assert all(link.startswith(f"timeline?week={week.label}&order=") for link in shown["timeline"])
    first = silent["order_id"][0]
    assert shown["timeline"].iloc[0].endswith("order=" + first.replace("#", "%23"))
    overdue = reviews_metric("backorder_age_lines", con, week, conf).filter(
        pl.col("days_overdue").is_not_null()
    )
    open_queue(at, "Overdue backorders")
    assert list(frame_shown(at, "days_overdue", "bucket")["order_id"]) == (
        overdue["order_id"].to_list()
    )


def open_queue(at: AppTest, title: str) -> None:
    """Open the queue tab named `title` (its label without the count), as a click does."""
    at.session_state["queue"] = title
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert [t.label for t in at.tabs if t.label.startswith(title)], [t.label for t in at.tabs]


def test_only_the_open_queue_is_drawn_and_stays_open_in_another_week(db, con):
    at = run_app()
    week = latest_week(con)
    conf = settings.load(db)
    labels = [t.label for t in at.tabs]
    failures = reviews_metric("hygiene_lines", con, week, conf)
    assert f"Hygiene failures ({failures.height:,})" in labels
    assert not [m for m in at.metric if m.label == "No backorder reason"]  # hygiene's cards
    open_queue(at, "Hygiene failures")
    assert metric(at, "No backorder reason")
    assert not [m for m in at.metric if m.label == "Silent backordered lines"]
    at.selectbox(key="week").set_value(week.previous().label).run()
    assert not at.exception
    earlier = reviews_metric("hygiene_lines", con, week.previous(), conf)
    assert earlier.height != failures.height  # so the tab's label changes with the week
    assert f"Hygiene failures ({earlier.height:,})" in [t.label for t in at.tabs]
    assert metric(at, "No backorder reason")


def reviews_metric(name, con, period, conf, filters=None):
    from dashboard import metrics

    return getattr(metrics, name)(con, period, filters or Filters(), conf)


# ---------------------------------------------------------------------------- other pages


def test_skus_table_equals_backorder_rate_and_search_narrows_it(db, con):
    at = run_app(page="skus")
    week = latest_week(con)
    rate = reviews_metric("backorder_rate", con, week, settings.load(db))
    by_sku = rate.filter(pl.col("sku").is_not_null())
    shown = frame_shown(at, "sku", "order_rate")
    assert list(shown["sku"]) == by_sku["sku"].to_list()
    assert list(shown["count_backordered_lines"]) == by_sku["count_backordered_lines"].to_list()
    total = rate.filter(pl.col("sku").is_null()).row(0, named=True)
    assert metric(at, "Backorder line rate").value == ui.fmt(total["line_rate"], "pct")
    needle = by_sku["sku"][0][:3]
    at.text_input(key="sku_search").input(needle).run()
    narrowed = frame_shown(at, "sku", "order_rate")
    assert len(narrowed) == by_sku.filter(pl.col("sku").str.contains(needle, literal=True)).height


def test_sku_drill_down_from_the_url(db, con):
    week = latest_week(con)
    rate = reviews_metric("backorder_rate", con, week, settings.load(db))
    sku = rate.filter(pl.col("sku").is_not_null())["sku"][0]
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"week": week.label, "detail": sku})
    at.switch_page("../pages/skus.py").run()
    assert not at.exception
    assert at.selectbox(key="detail").value == sku
    rule = frame_shown(at, "sku", "oversell_cap", "lead_time_days")
    assert list(rule["sku"]) == [sku]


def test_promises_cards_equal_the_metrics(db, con):
    at = run_app(page="promises")
    week = latest_week(con)
    conf = settings.load(db)
    promise = reviews_metric("promise_hit_rate", con, week, conf)
    eta = reviews_metric("supplier_eta_accuracy", con, week, conf)
    assert metric(at, "Promise hit rate").value == ui.fmt(ui.total_row(promise)["hit_rate"], "pct")
    assert metric(at, "Supplier on-time rate").value == ui.fmt(
        ui.total_row(eta)["on_time_rate"], "pct"
    )


def test_costs_cards_equal_the_metrics(db, con):
    at = run_app(page="costs")
    week = latest_week(con)
    conf = settings.load(db)
    cancels = ui.total_row(reviews_metric("backorder_cancel_rate", con, week, conf))
    split = ui.total_row(reviews_metric("split_shipment_cost", con, week, conf))
    assert metric(at, "Backorder cancel rate").value == ui.fmt(cancels["cancel_rate"], "pct")
    assert metric(at, "Lost revenue").value == ui.fmt(cancels["lost_revenue"], "money")
    assert metric(at, "Split cost").value == ui.fmt(split["split_cost"], "money")


def test_quarterly_table_equals_quarterly_top20_and_thresholds_move_the_flags(db, con):
    at = run_app(page="quarterly")
    quarter = Period.quarter(at.selectbox(key="quarter").value)
    conf = settings.load(db)
    top = reviews.quarterly_top20(con, quarter, Filters(), conf)
    shown = frame_shown(at, "sku", "review_flag")
    assert list(shown["sku"]) == top["sku"].to_list()
    assert list(shown["review_flag"]) == top["review_flag"].to_list()
    # Regression: an unflagged row's "Why flagged" (null) showed the word None; every table
    # now shows a missing value as an empty cell.
    assert top["review_reason"].null_count() > 0
    assert all(d.proto.HasField("placeholder") for d in at.dataframe)
    assert {d.proto.placeholder for d in at.dataframe} == {""}
    assert metric(at, "Flagged for review").value == str(top["review_flag"].sum())
    # The table fits a laptop: Q-1 is not on screen but in the downloads and in the fold below.
    table = next(d for d in at.dataframe if "review_flag" in d.value.columns)
    assert [c for c in table.proto.column_order if c.startswith("prev_")] == []
    assert set(top.columns) <= set(table.value.columns)
    against = frame_shown(at, "line_rate_change")
    expected = (top["line_rate"] - top["prev_line_rate"]) * 100
    assert list(against["line_rate_change"]) == pytest.approx(expected.to_list(), nan_ok=True)
    at.number_input(key="flag_cancel").set_value(100.0).run()
    at.number_input(key="flag_slip").set_value(90.0).run()
    assert metric(at, "Flagged for review").value == "0"


def test_order_timeline_from_the_url_equals_order_timeline(db, con):
    order_id = con.execute(
        "select order_id from order_lines where backordered_qty > 0 order by order_id limit 1"
    ).fetchall()[0][0]
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"order": order_id})
    at.switch_page("../pages/timeline.py").run()
    assert not at.exception
    assert at.text_input(key="order").value == order_id
    events = reviews.order_timeline(con, order_id, settings.load(db))
    shown = frame_shown(at, "event", "detail")
    assert list(shown["event"]) == events["event"].to_list()
    assert "backordered" in list(shown["event"])


def test_unknown_order_says_so(db):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"order": "no-such-order"})
    at.switch_page("../pages/timeline.py").run()
    assert not at.exception
    assert any("No order no-such-order" in i.value.replace("\\", "") for i in at.info)


def test_data_page_shows_rows_per_table(db, con):
    at = run_app(page="data")
    shown = frame_shown(at, "table_name", "rows")
    rows = dict(zip(shown["table_name"], shown["rows"], strict=True))
    ((lines,),) = con.execute("select count(*) from order_lines").fetchall()
    assert rows["order_lines"] == lines
    imports = frame_shown(at, "reconciles", "rows_read")
    assert imports["reconciles"].all()


def test_saving_a_setting_changes_the_figures_that_use_it(tmp_path, demo_db, monkeypatch):
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(demo_db, copy)
    monkeypatch.setenv("DASHBOARD_DB", str(copy))
    at = run_app(page="settings")
    at.number_input(key="silence_days").set_value(3)
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert not at.exception
    assert settings.load(copy).silence_days == 3
    at.switch_page("../pages/weekly.py").run()
    assert not at.exception
    with reading(copy) as cursor:
        week = latest_week(cursor)
        silent3 = reviews_metric("silent_backorders", cursor, week, Settings(silence_days=3))
        silent7 = reviews_metric("silent_backorders", cursor, week, Settings(silence_days=7))
    assert silent3.height != silent7.height
    assert metric(at, "Silent backordered lines").value == f"{silent3.height:,}"


def test_empty_database_points_to_the_data_page(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "empty.duckdb"))
    at = run_app()
    assert any("No orders are loaded yet" in i.value for i in at.info)


# ---------------------------------------------------------------------------- downloads


def test_neutralise_prefixes_formula_like_text_only():
    frame = pl.DataFrame(
        {
            "text": ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "plain", None, "a=b"],
            "number": [-1, 2, 3, 4, 5, 6, 7, 8],
        }
    )
    result = ui.neutralise(frame)
    expected = pl.DataFrame(
        {
            "text": ["'=1+1", "'+cmd", "'-2", "'@SUM(A1)", "'\tx", "plain", None, "a=b"],
            "number": [-1, 2, 3, 4, 5, 6, 7, 8],
        }
    )
    assert result.equals(expected)


def test_csv_and_xlsx_downloads_carry_no_formula():
    frame = pl.DataFrame({"order_id": ['=HYPERLINK("x")', "100"], "qty": [1, -2]})
    csv = ui.to_csv(frame).decode()
    assert csv.splitlines()[1].startswith("\"'=HYPERLINK")
    assert csv.splitlines()[2] == "100,-2"
    xlsx = zipfile.ZipFile(io.BytesIO(ui.to_xlsx(frame, "t")))
    sheet = xlsx.read("xl/worksheets/sheet1.xml").decode()
    strings = xlsx.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet
    assert "'=HYPERLINK" in strings


def test_timestamps_and_decimals_export(db, con):
    week = latest_week(con)
    frame = reviews_metric("backorder_age_lines", con, week, settings.load(db))
    assert frame.schema["backordered_at"].time_zone  # zoned in, plain out
    assert ui.to_csv(frame).count(b"\n") == frame.height + 1
    assert ui.to_xlsx(frame, "open lines")[:2] == b"PK"


def test_default_week_is_the_last_complete_week():
    sunday, wednesday = date(2026, 11, 22), date(2026, 11, 25)
    assert ui.default_week(date(2026, 1, 1), sunday) == "2026-W47"
    assert ui.default_week(date(2026, 1, 1), wednesday) == "2026-W47"
    assert ui.default_week(date(2026, 11, 24), wednesday) == "2026-W48"  # only one week


PARTIAL_LINES = [
    {
        "order_id": f"A{n}",
        "ordered_at": f"2026-11-{10 + n % 7:02d}T10:00:00+00:00",
        "sku": f"SKU-{n % 3}",
        "qty": "2",
        "backordered_qty": "1" if n % 2 else "0",
        "shipped_at": f"2026-11-{12 + n % 7:02d}T10:00:00+00:00" if n % 3 else None,
        "channel": "web" if n % 2 else "amazon",
    }
    for n in range(12)
]


@pytest.mark.parametrize("page", PAGES)
def test_a_partial_export_says_what_is_missing_on_every_page(page, make_db, tmp_path, monkeypatch):
    # order_lines without canceled_at or unit_price; no other table
    make_db({"order_lines": PARTIAL_LINES}).close()
    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "fixture0.duckdb"))
    at = run_app(page=page)
    warnings = [w.value for w in at.warning]
    if page in ("weekly", "promises", "costs", "quarterly"):
        assert any("have no canceled_at column" in w or "have no" in w for w in warnings), warnings
    assert not any("Unavailable: the loaded exports have no 0" in w for w in warnings)


def test_weekly_cards_name_the_missing_column(make_db, tmp_path, monkeypatch):
    make_db({"order_lines": PARTIAL_LINES}).close()
    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "fixture0.duckdb"))
    at = run_app({"week": "2026-W46"})
    line_rate = metric(at, "Backorder line rate")
    assert line_rate.value.endswith("%")  # needs only backordered_qty: available
    cancel = metric(at, "Backorder cancel rate")
    assert cancel.value == "unavailable"
    assert "canceled_at" in cancel.proto.delta_description
    assert any("have no canceled_at column" in w.value for w in at.warning)


def test_demo_button_loads_the_demo_into_an_empty_database(tmp_path, monkeypatch):
    db = tmp_path / "empty.duckdb"
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    at = run_app(page="data")
    at.number_input(key="demo_orders").set_value(1000)
    next(b for b in at.button if b.label == "Load the demo data").click().run(timeout=300)
    assert not at.exception, [e.message for e in at.exception]
    assert any("Import landed" in s.value for s in at.success)
    with reading(db) as cursor:
        ((orders,),) = cursor.execute("select count(distinct order_id) from order_lines").fetchall()
    assert orders == 1000
    loaded = frame_shown(at, "table_name", "rows")
    assert dict(zip(loaded["table_name"], loaded["rows"], strict=True))["order_lines"] > 1000
    assert next(b for b in at.button if b.label == "Load the demo data").disabled
