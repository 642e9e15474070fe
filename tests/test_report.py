"""`dashboard report`: the JSON has every registered metric and is valid JSON; the weekly pack
is one self-contained HTML file that escapes export text."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import polars as pl
import pytest

from dashboard import cli, report
from dashboard.params import Period
from dashboard.queries import REGISTRY, definition

W47 = Period.week("2026-W47")  # 2026-11-16 .. 2026-11-22
PLANTED = '<script>alert("x")</script>'


def line(order_id, sku, backordered_qty, ordered_at, **extra):
    return {
        "order_id": order_id,
        "line_id": "1",
        "ordered_at": ordered_at,
        "sku": sku,
        "qty": "1",
        "unit_price": "12.5",
        "channel": "web",
        "backordered_qty": str(backordered_qty),
        "promised_ship_date": extra.get("promised_ship_date"),
        "shipped_at": extra.get("shipped_at"),
        "shipment_id": None,
        "canceled_at": None,
        "cancel_reason": None,
    }


TABLES = {
    "order_lines": [
        # Open since Nov 2, promised Nov 10: silent (no notice for 20 days) and overdue.
        line(
            f"#1<b>{PLANTED}", PLANTED, 1, "2026-11-02T15:00:00Z", promised_ship_date="2026-11-10"
        ),
        line("#2", "A", 1, "2026-11-17T15:00:00Z", shipped_at="2026-11-19T15:00:00Z"),
        line("#3", "A", 0, "2026-11-18T15:00:00Z", shipped_at="2026-11-18T18:00:00Z"),
    ],
    "notices": [
        {
            "notice_id": "N1",
            "order_id": "#2",
            "sent_at": "2026-11-17T16:00:00Z",
            "kind": "backorder_notice",
            "next_update_by": None,
        }
    ],
    "skus": [
        {"sku": PLANTED, "title": f"Lamp {PLANTED}", "backorder_eligible": "true"},
        {"sku": "A", "title": "Vase", "backorder_eligible": "true"},
    ],
}


def test_json_has_every_registered_metric_and_is_valid_json(make_db):
    con = make_db(TABLES, timezone="America/New_York")
    data = report.report_json(con, W47)
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert sorted(data["metrics"]) == sorted(REGISTRY)
    assert all(data["metrics"][n]["definition"] == definition(n) for n in REGISTRY)
    assert data["period"] == {
        "label": "2026-W47",
        "from_date": "2026-11-16",
        "to_date": "2026-11-23",
        "as_of": "2026-11-22",
    }
    assert data["dataset"]["timezone"] == "America/New_York"


def test_json_keeps_unavailable_text_and_empty_rates(make_db):
    con = make_db(TABLES, timezone="America/New_York")
    metrics = report.report_json(con, W47)["metrics"]
    # No inbound export: the whole metric is unavailable, by its missing table.
    assert metrics["supplier_eta_accuracy"]["rows"] == [{"unavailable": "needs inbound"}]
    assert metrics["supplier_eta_accuracy"]["unavailable"] == "needs inbound"
    review = metrics["weekly_review"]
    first, last = review["rows"][0], review["rows"][-1]
    assert (first["week"], first["week_start"], first["line_rate"]) == (
        "2026-W35",
        "2026-08-24",
        None,
    )
    assert last["supplier_on_time_rate"] == "unavailable: needs inbound"
    assert review["unavailable_figures"]["contacts_per_backordered_order"] == "needs contacts"
    assert (last["week"], last["line_rate"], last["open_backordered_lines"]) == ("2026-W47", 0.5, 1)


def test_reviews_run_for_the_week_and_quarter_of_the_as_of_day(make_db):
    con = make_db(TABLES, timezone="America/New_York")
    metrics = report.report_json(con, Period.quarter("2026-Q4"))["metrics"]
    # 2026-12-31 is the Thursday of ISO week 2026-W53.
    assert metrics["weekly_review"]["period"]["label"] == "2026-W53"
    assert metrics["quarterly_top20"]["period"]["label"] == "2026-Q4"
    assert metrics["backorder_rate"]["period"]["label"] == "2026-Q4"
    top = pl.DataFrame(metrics["quarterly_top20"]["rows"]).select("sku", "title", "line_rate")
    assert top.to_dicts() == [
        {"sku": PLANTED, "title": f"Lamp {PLANTED}", "line_rate": 1.0},
        {"sku": "A", "title": "Vase", "line_rate": 0.5},
    ]


def test_json_has_the_timelines_of_the_delayed_orders(make_db):
    con = make_db(TABLES, timezone="America/New_York")
    data = report.report_json(con, W47)
    delayed = [row["order_id"] for row in data["metrics"]["quarterly_top20_delayed_orders"]["rows"]]
    assert delayed == [f"#1<b>{PLANTED}", "#2"]
    events = [e["event"] for e in data["delayed_order_timelines"]["#2"]]
    assert events == ["ordered", "backordered", "notice", "shipped"]


class Resources(HTMLParser):
    """Every src and href attribute, and the text of the title element."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.links += [value or "" for name, value in attrs if name in ("src", "href")]


def test_weekly_pack_is_one_offline_file_that_escapes_export_text(make_db):
    con = make_db(TABLES, timezone="America/New_York")
    page = report.weekly_pack_html(con, W47)
    parser = Resources()
    parser.feed(page)
    assert [link for link in parser.links if link.startswith(("http:", "https:", "//"))] == []
    assert "<title>Weekly backorder pack 2026-W47</title>" in page
    assert "America/New_York" in page and "USD" in page
    # plotly.js once, inline; the trend chart uses it.
    assert page.count("Plotly.newPlot") == 1
    assert parser.tags.count("script") == 2
    # The planted sku shows in the silent and overdue queues, escaped, never as a tag.
    assert PLANTED not in page
    assert page.count(html_escaped(PLANTED)) >= 2
    assert "@media print" in page


def html_escaped(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def test_cli_report_prints_json_and_writes_the_pack(tmp_path, capsys, monkeypatch):
    from builders import build_db

    db = tmp_path / "shop.duckdb"
    build_db(db, TABLES, timezone="America/New_York").close()
    assert cli.main(["--db", str(db), "report", "--week", "2026-W47"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["metrics"]["weekly_review"]["period"]["label"] == "2026-W47"
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--db", str(db), "report", "--week", "2026-W47", "--format", "html"]) == 0
    assert "Weekly backorder pack 2026-W47" in (tmp_path / "weekly-pack-2026-W47.html").read_text()


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (None, "rate", "no data"),
        (0.1234, "rate", "12.3%"),
        (1234.5, "money", "1,234.50 USD"),
        (3.0, "count", "3"),
        (0.75, "count", "0.75"),
        (True, "count", "yes"),
    ],
)
def test_format_value(value, kind, text):
    assert report.format_value(value, kind, "USD") == text


@pytest.mark.parametrize(
    ("change", "kind", "text"),
    [(-0.098, "rate", "-9.8 pts"), (100.0, "count", "+100"), (-44.94, "money", "-44.94 USD")],
)
def test_format_change(change, kind, text):
    assert report.format_change(change, kind, "USD") == text
