"""The importer on hand-written exports (tests/fixtures/exports/): every expected value below
was worked out by hand from the fixture files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard import store
from dashboard.importer import import_paths

EXPORTS = Path(__file__).parent / "fixtures" / "exports"


def run(db: Path, *names: str, **options):
    return import_paths([EXPORTS / name for name in names], db, **options)


def query(db: Path, sql: str) -> pl.DataFrame:
    """Rows as text (timestamps in UTC), so expected frames are plain literals."""
    con = store.connect(db)
    try:
        con.execute("set TimeZone = 'UTC'")
        return con.sql(f"select columns(*)::varchar from ({sql})").pl()
    finally:
        con.close()


def frame(columns: str, *rows: tuple) -> pl.DataFrame:
    names = columns.split()
    return pl.DataFrame([list(r) for r in rows], schema={n: pl.String for n in names}, orient="row")


def counts(report) -> list[tuple]:
    return [
        (
            Path(f.file).name,
            f.status,
            f.rows_read,
            f.rows_loaded,
            f.rows_rejected,
            f.rows_blank,
            f.rows_inserted,
            f.rows_replaced,
        )
        for f in report.files
    ]


LINE_COLUMNS = (
    "order_id line_id ordered_at sku qty unit_price channel customer_id backordered_qty "
    "backordered_at shipped_at canceled_at"
)
LINE_SQL = f"select {LINE_COLUMNS.replace(' ', ', ')} from order_lines order by order_id, line_id"


# --- Shopify -------------------------------------------------------------------------------


def test_shopify_export_gives_one_row_per_line_item_with_order_fields_filled(tmp_path):
    db = tmp_path / "db.duckdb"
    run(db, "shopify/orders_export_1.csv")
    result = query(db, LINE_SQL)
    expected = frame(
        LINE_COLUMNS,
        # 2 x 24.00 with a 4.00 line discount: 22.0000 per unit; second row takes the order's
        # Created at, Email, Source and Fulfilled at; its empty sku takes Lineitem name.
        ("#1001", "1", "2021-05-13 09:01:13+00", "APR-01", "2", "22.0000", "web",
         "ana@example.com", "0", None, "2021-05-14 07:30:00+00", None),
        ("#1001", "2", "2021-05-13 09:01:13+00", "Tea Towel Set", "1", "12.5000", "web",
         "ana@example.com", "0", None, "2021-05-14 07:30:00+00", None),
        # partial order: the fulfilled line has no Fulfilled at yet; the pending line is a
        # backorder of its whole qty since the order was placed.
        ("#1002", "1", "2021-05-15 16:45:00+00", "MUG-02", "1", "9.0000", "web",
         "bo@example.com", "0", None, None, None),
        ("#1002", "2", "2021-05-15 16:45:00+00", "BWL-03", "3", "19.0000", "web",
         "bo@example.com", "3", "2021-05-15 16:45:00+00", None, None),
        # unfulfilled (not partial): pending is not a backorder
        ("#1003", "1", "2021-05-19 06:00:00+00", "APR-01", "2", "24.0000", "pos",
         "cy@example.com", "0", None, None, None),
        # cancelled, no Source: channel direct
        ("#1004", "1", "2021-05-17 07:15:00+00", "MUG-02", "1", "9.0000", "direct",
         "dee@example.com", "0", None, None, "2021-05-18 08:00:00+00"),
    )  # fmt: skip
    assert_frame_equal(result, expected)


def test_shopify_report_counts_sku_from_name_and_source_rows(tmp_path):
    db = tmp_path / "db.duckdb"
    report = run(db, "shopify/orders_export_1.csv")
    assert counts(report) == [("orders_export_1.csv", "loaded", 6, 6, 0, 0, 6, 0)]
    assert report.files[0].notes == [
        "1 lines without Lineitem sku took their Lineitem name as sku",
        "1 fulfilled lines have no Fulfilled at (their order is not fully fulfilled): "
        "shipped_at left empty, so they count as open",
        "currency EUR",
    ]
    # the first order's Notes span two lines: the next record is still row 3
    result = query(db, "select order_id, line_id, _source_row from order_lines order by 3")
    expected = frame(
        "order_id line_id _source_row",
        ("#1001", "1", "2"), ("#1001", "2", "3"), ("#1002", "1", "4"), ("#1002", "2", "5"),
        ("#1003", "1", "6"), ("#1004", "1", "7"),
    )  # fmt: skip
    assert_frame_equal(result, expected)
    assert query(db, "select key, value from dataset where key = 'currency'").rows() == [
        ("currency", "EUR")
    ]


def test_shopify_later_export_of_fulfilled_order_keeps_the_backorder(tmp_path):
    db = tmp_path / "db.duckdb"
    run(db, "shopify/orders_export_1.csv")
    report = run(db, "shopify/orders_export_2.csv")
    # #1002 (2 lines) and #1003 replaced, #1005 (2 lines) new
    assert counts(report) == [("orders_export_2.csv", "loaded", 5, 5, 0, 0, 2, 3)]
    result = query(db, LINE_SQL)
    expected = frame(
        LINE_COLUMNS,
        ("#1001", "1", "2021-05-13 09:01:13+00", "APR-01", "2", "22.0000", "web",
         "ana@example.com", "0", None, "2021-05-14 07:30:00+00", None),
        ("#1001", "2", "2021-05-13 09:01:13+00", "Tea Towel Set", "1", "12.5000", "web",
         "ana@example.com", "0", None, "2021-05-14 07:30:00+00", None),
        ("#1002", "1", "2021-05-15 16:45:00+00", "MUG-02", "1", "9.0000", "web",
         "bo@example.com", "0", None, "2021-05-24 12:00:00+00", None),
        # fulfilled now; the backorder seen in the first export stays in the history
        ("#1002", "2", "2021-05-15 16:45:00+00", "BWL-03", "3", "19.0000", "web",
         "bo@example.com", "3", "2021-05-15 16:45:00+00", "2021-05-24 12:00:00+00", None),
        ("#1003", "1", "2021-05-19 06:00:00+00", "APR-01", "2", "24.0000", "pos",
         "cy@example.com", "0", None, "2021-05-21 08:00:00+00", None),
        ("#1004", "1", "2021-05-17 07:15:00+00", "MUG-02", "1", "9.0000", "direct",
         "dee@example.com", "0", None, None, "2021-05-18 08:00:00+00"),
        ("#1005", "1", "2021-05-26 10:00:00+00", "APR-01", "1", "24.0000", "web",
         "eve@example.com", "0", None, None, None),
        ("#1005", "2", "2021-05-26 10:00:00+00", "Gift Card", "2", "25.0000", "web",
         "eve@example.com", "2", "2021-05-26 10:00:00+00", None, None),
    )  # fmt: skip
    assert_frame_equal(result, expected)


def test_shopify_export_with_two_currencies_is_refused(tmp_path):
    report = run(tmp_path / "db.duckdb", "multi/orders_export_mixed_currency.csv")
    assert not report.ok
    assert report.files[0].message == (
        "several currencies in Currency: CAD, USD; a dataset holds one currency: split the "
        "export by currency"
    )


def test_shopify_export_in_another_currency_than_the_dataset_is_refused(tmp_path):
    db = tmp_path / "db.duckdb"
    report = run(db, "shopify/orders_export_1.csv", currency="USD")
    assert counts(report) == [("orders_export_1.csv", "refused", 0, 0, 0, 0, 0, 0)]
    assert report.files[0].message == "currency EUR in Currency, but the dataset's currency is USD"
    assert query(db, "select count(*) as n from order_lines").rows() == [("0",)]


# --- overlapping exports -------------------------------------------------------------------


def test_overlapping_exports_later_export_wins(tmp_path):
    db = tmp_path / "db.duckdb"
    first = run(db, "overlap/order_lines_2026-11-16.csv")
    second = run(db, "overlap/order_lines_2026-11-20.csv")
    assert counts(first) == [("order_lines_2026-11-16.csv", "loaded", 4, 4, 0, 0, 4, 0)]
    # 000124 and 000123 changed, 000125 identical, 000126 twice in the file (later row wins,
    # the earlier counts as replaced): 1 inserted, 4 replaced.
    assert counts(second) == [("order_lines_2026-11-20.csv", "loaded", 5, 5, 0, 0, 1, 4)]
    result = query(
        db,
        "select order_id, line_id, qty, shipped_at, canceled_at, _import_id, _source_row "
        "from order_lines order by order_id, line_id",
    )
    expected = frame(
        "order_id line_id qty shipped_at canceled_at _import_id _source_row",
        ("000123", "1", "2", "2026-11-18 10:00:00+00", None, "2", "5"),
        ("000123", "2", "1", "2026-11-11 15:00:00+00", None, "1", "3"),
        ("000124", "1", "1", None, "2026-11-19 12:00:00+00", "2", "2"),
        ("000125", "1", "4", "2026-11-14 09:00:00+00", None, "1", "5"),  # identical: kept
        ("000126", "1", "2", None, None, "2", "6"),
    )
    assert_frame_equal(result, expected)


def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    db = tmp_path / "db.duckdb"
    run(db, "shopify/orders_export_1.csv", "overlap/order_lines_2026-11-16.csv")
    before = query(db, "select * from order_lines order by order_id, line_id")
    report = run(db, "shopify/orders_export_1.csv", "overlap/order_lines_2026-11-16.csv")
    after = query(db, "select * from order_lines order by order_id, line_id")
    assert_frame_equal(after, before)
    assert [(c[6], c[7]) for c in counts(report)] == [(0, 6), (0, 4)]
    assert report.files[1].notes == ["4 of the replaced rows were identical to the stored ones"]


# --- encodings and separators --------------------------------------------------------------


def test_utf8_with_byte_order_mark(tmp_path):
    db = tmp_path / "db.duckdb"
    run(db, "encodings/order_lines_bom.csv")
    result = query(db, "select order_id, sku, qty from order_lines order by order_id")
    expected = frame("order_id sku qty", ("#13527", "MUG-02", "1"), ("#13528", "APR-01", "2"))
    assert_frame_equal(result, expected)


def test_utf16_tab_separated_from_excel(tmp_path):
    db = tmp_path / "db.duckdb"
    report = run(db, "encodings/skus_excel_unicode.txt")
    assert report.files[0].notes == ["read as utf-16", "separator tab"]
    result = query(db, "select sku, title, family, supplier, price from skus order by sku")
    expected = frame(
        "sku title family supplier price",
        ("CAF-01", "Cafetière 1 l", "Küche", "Müller GmbH", "34.9000"),
        ("TAS-02", "Tasse «Ökö»", "Küche", "Müller GmbH", "8.5000"),
    )
    assert_frame_equal(result, expected)


def test_latin1_with_accents_and_semicolons(tmp_path):
    db = tmp_path / "db.duckdb"
    report = run(db, "encodings/skus_latin1.csv")
    assert report.files[0].notes == ["read as latin-1", "separator ';'"]
    result = query(db, "select sku, title, family, supplier, price from skus order by sku")
    expected = frame(
        "sku title family supplier price",
        ("CRE-01", "Crème brûlée set", "Cuisine", "Société Générale de Poterie", "24.9000"),
        ("PAE-02", "Paellera 40 cm", "Cocina", "Cerámica Española", "39.0000"),
    )
    assert_frame_equal(result, expected)


def test_cp1252_from_excel_on_windows(tmp_path):
    db = tmp_path / "db.duckdb"
    run(db, "encodings/skus_cp1252.csv")
    result = query(db, "select sku, title, supplier, price from skus")
    expected = frame(
        "sku title supplier price", ("TEE-01", "“Earl Grey” tin – 100 g", "Épicerie Fine", "7.9000")
    )
    assert_frame_equal(result, expected)


def test_tab_separated_shipments(tmp_path):
    db = tmp_path / "db.duckdb"
    run(db, "encodings/shipments_tabs.tsv")
    result = query(db, "select * exclude (_import_id) from shipments order by shipment_id")
    expected = frame(
        "shipment_id order_id shipped_at shipping_cost handling_cost carrier shipped_date "
        "_source_row",
        ("S-1", "000123", "2026-11-11 15:00:00+00", "5.9000", "1.2000", "DHL", "2026-11-11", "2"),
        ("S-2", "000125", "2026-11-14 09:00:00+00", "4.5000", None, "UPS", "2026-11-14", "3"),
    )
    assert_frame_equal(result, expected)


def test_quoted_newlines_and_quotes_stay_in_one_record(tmp_path):
    db = tmp_path / "db.duckdb"
    report = run(db, "encodings/contacts_quoted.csv")
    assert counts(report) == [("contacts_quoted.csv", "loaded", 2, 2, 0, 0, 2, 0)]
    result = query(db, "select contact_id, order_id, topic, _source_row from contacts order by 1")
    expected = frame(
        "contact_id order_id topic _source_row",
        ("C-1", "000123", "wismo", "2"),
        ("C-2", "000124", "cancel_request", "3"),
    )
    assert_frame_equal(result, expected)


# --- Excel dates, blank rows, day-first ----------------------------------------------------


def test_excel_us_dates_without_seconds_and_trailing_blank_rows(tmp_path):
    db = tmp_path / "db.duckdb"
    report = run(db, "excel/order_lines_excel_us.csv")
    assert counts(report) == [("order_lines_excel_us.csv", "loaded", 7, 4, 0, 3, 4, 0)]
    result = query(
        db, "select order_id, line_id, ordered_at, channel from order_lines order by 1, 2"
    )
    expected = frame(
        "order_id line_id ordered_at channel",
        ("5001", "1", "2017-10-02 10:56:00+00", "web"),
        ("5001", "2", "2017-10-02 10:56:00+00", "web"),
        ("5002", "1", "2017-10-13 08:05:00+00", "ebay"),
        ("5003", "1", "2017-11-01 17:40:00+00", "direct"),
    )
    assert_frame_equal(result, expected)


def test_day_first_when_a_day_above_12_occurs_in_the_column(tmp_path):
    db = tmp_path / "db.duckdb"
    report = run(db, "eu_dates/order_lines_eu.csv")
    assert report.files[0].notes == []
    result = query(
        db, "select order_id, ordered_at, promised_ship_date from order_lines order by 1"
    )
    expected = frame(
        "order_id ordered_at promised_ship_date",
        ("E1", "2017-10-02 10:56:00+00", "2017-10-15"),
        ("E2", "2017-10-13 08:05:00+00", "2017-10-20"),
        ("E3", "2017-10-03 09:00:00+00", "2017-11-03"),
    )
    assert_frame_equal(result, expected)


def test_ambiguous_day_month_reads_month_first_and_says_so(tmp_path):
    db = tmp_path / "db.duckdb"
    report = run(db, "eu_dates/order_lines_ambiguous.csv")
    assert report.files[0].notes == [
        "ordered_at: day and month both <= 12 throughout, read as month first (US, 10/2/2017 = "
        "October 2); give a mapping format to read day first"
    ]
    result = query(db, "select order_id, ordered_at from order_lines order by 1")
    expected = frame(
        "order_id ordered_at", ("A1", "2017-03-04 10:00:00+00"), ("A2", "2017-05-06 11:00:00+00")
    )
    assert_frame_equal(result, expected)


# --- refusals and rejects ------------------------------------------------------------------


def test_missing_required_column_refuses_the_file_and_names_the_closest_match(tmp_path):
    db = tmp_path / "db.duckdb"
    report = run(db, "missing_column")
    assert not report.ok
    assert counts(report) == [
        ("order_lines_no_qty.csv", "refused", 0, 0, 0, 0, 0, 0),
        ("shipments.csv", "loaded", 1, 1, 0, 0, 1, 0),
    ]
    assert report.files[0].message == (
        "missing required column for order_lines: qty (closest: 'quantity'). "
        "Columns found: order_id, ordered_at, sku, quantity"
    )
    assert query(db, "select shipment_id from shipments").rows() == [("S-9",)]
    assert query(db, "select count(*) from order_lines").rows() == [("0",)]


REJECT_SQL = (
    "select row, column_name, value, reason from rejects where file like '%{}' order by row, 2"
)


def test_bad_order_line_values_are_rejected_cell_by_cell(tmp_path):
    db = tmp_path / "db.duckdb"
    report = run(db, "bad_values/order_lines_bad.csv")
    # 7 rows: B6 loads; rows 4, 5, 6 and 7 have two bad cells each but count once
    assert counts(report) == [("order_lines_bad.csv", "loaded", 7, 1, 6, 0, 1, 0)]
    result = query(db, REJECT_SQL.format("order_lines_bad.csv"))
    expected = frame(
        "row column_name value reason",
        ("2", "qty", "0", "expected an integer >= 1"),
        ("3", "qty", "2.5", "expected an integer >= 1"),
        ("4", "ordered_at", "yesterday",
         "expected a timestamp like 2026-11-21 14:30 or 2026-11-21T14:30:00Z"),
        ("4", "unit_price", "abc", "expected a number >= 0"),
        ("5", "backordered_qty", "5", "backordered_qty 5 > qty 3"),
        ("5", "promised_ship_date", "2026-11-31", "expected a date like 2026-11-21"),
        ("6", "canceled_at", "2026-11-05T08:00:00Z", "both shipped_at and canceled_at set"),
        ("6", "sku", None, "required value missing"),
        ("7", "backordered_qty", "-1", "expected an integer >= 0"),
        ("7", "unit_price", "-2", "expected a number >= 0"),
    )  # fmt: skip
    assert_frame_equal(result, expected)
    # "1,024.50" is a US thousands separator
    assert query(db, "select order_id, unit_price from order_lines").rows() == [("B6", "1024.5000")]


def test_bad_boolean_integer_and_decimal_values_in_skus(tmp_path):
    db = tmp_path / "db.duckdb"
    run(db, "bad_values/skus_bad.csv")
    result = query(db, REJECT_SQL.format("skus_bad.csv"))
    expected = frame(
        "row column_name value reason",
        ("3", "seasonal", "maybe", "expected true or false (also yes/no, 1/0)"),
        ("4", "oversell_cap", "-1", "expected an integer >= 0"),
        ("5", "lead_time_days", "two weeks", "expected an integer >= 0"),
        ("5", "price", "ten", "expected a number >= 0"),
    )
    assert_frame_equal(result, expected)
    result = query(db, "select sku, seasonal, backorder_eligible, oversell_cap from skus")
    assert_frame_equal(result, frame("sku seasonal backorder_eligible oversell_cap",
                                     ("S1", "true", "true", "5")))  # fmt: skip


def test_bad_dates_and_timestamps_in_inbound_and_qty_received_default(tmp_path):
    db = tmp_path / "db.duckdb"
    run(db, "bad_values/inbound_bad.csv")
    result = query(db, REJECT_SQL.format("inbound_bad.csv"))
    expected = frame(
        "row column_name value reason",
        ("3", "supplier_eta", "soon", "expected a date like 2026-11-21"),
        ("4", "received_at", "last week",
         "expected a timestamp like 2026-11-21 14:30 or 2026-11-21T14:30:00Z"),
    )  # fmt: skip
    assert_frame_equal(result, expected)
    result = query(db, "select po_id, qty, received_at, qty_received, received_date from inbound")
    expected = frame(
        "po_id qty received_at qty_received received_date",
        ("PO-1", "10", "2026-10-16 11:00:00+00", "10", "2026-10-16"),
    )
    assert_frame_equal(result, expected)


def test_malformed_lines_are_rejected_with_their_row(tmp_path):
    db = tmp_path / "db.duckdb"
    report = run(db, "malformed/contacts_malformed.csv")
    assert counts(report) == [("contacts_malformed.csv", "loaded", 5, 3, 2, 0, 3, 0)]
    assert report.files[0].notes == [
        "topic: 1 rows with codes outside the contract, kept: 'other\\ntopic' (1)"
    ]
    result = query(db, REJECT_SQL.format("contacts_malformed.csv"))
    expected = frame(
        "row column_name value reason",
        ("4", None, "K2,000124,2026-11-16T11:30:00Z",
         "malformed line: Expected Number of Columns: 4 Found: 3"),
        ("5", None, 'K3,"000125","2026-11-16T12:00:00Z",complaint,extra',
         "malformed line: Expected Number of Columns: 4 Found: 5"),
    )  # fmt: skip
    assert_frame_equal(result, expected)
    result = query(db, "select contact_id, _source_row from contacts order by 2")
    expected = frame("contact_id _source_row", ("K1", "2"), ("K4", "3"), ("K5", "6"))
    assert_frame_equal(result, expected)


# --- mapping files -------------------------------------------------------------------------


def test_mapping_file_next_to_the_export_is_applied(tmp_path):
    db = tmp_path / "db.duckdb"
    report = run(db, "mapping", timezone="Europe/Berlin")
    assert counts(report) == [("shop_orders.csv", "loaded", 4, 4, 0, 0, 4, 0)]
    assert report.files[0].source_kind == "mapping"
    result = query(
        db,
        "select order_id, line_id, ordered_at, ordered_date, sku, qty, unit_price, channel, "
        "backordered_qty, backordered_at, shipped_at from order_lines order by 1, 2",
    )
    expected = frame(
        "order_id line_id ordered_at ordered_date sku qty unit_price channel backordered_qty "
        "backordered_at shipped_at",
        # 02.11.2026 08:00 in Berlin (CET, +01:00) is 07:00 UTC; "9,00" is 9.00
        ("A-17", "1", "2026-11-02 07:00:00+00", "2026-11-02", "MUG-02", "2", "9.0000", "amazon",
         "0", None, "2026-11-03 09:00:00+00"),
        ("A-17", "2", "2026-11-02 07:00:00+00", "2026-11-02", "BWL-03", "1", "19.0000", "amazon",
         "1", "2026-11-02 07:00:00+00", None),
        ("A-18", "1", "2026-11-13 13:30:00+00", "2026-11-13", "APR-01", "1", "24.0000", "web",
         "0", None, None),
        ("A-19", "1", "2026-11-14 08:00:00+00", "2026-11-14", "APR-01", "1", "24.0000", "phone",
         "0", None, None),
    )  # fmt: skip
    assert_frame_equal(result, expected)


def test_mapping_file_given_explicitly(tmp_path):
    db = tmp_path / "db.duckdb"
    csv = tmp_path / "export.csv"
    csv.write_bytes((EXPORTS / "mapping" / "shop_orders.csv").read_bytes())
    report = import_paths([csv], db, mapping=EXPORTS / "mapping" / "shop_orders.toml")
    assert counts(report) == [("export.csv", "loaded", 4, 4, 0, 0, 4, 0)]
    assert query(db, "select distinct channel from order_lines order by 1").rows() == [
        ("amazon",), ("phone",), ("web",)
    ]  # fmt: skip


# --- time zones ----------------------------------------------------------------------------


def test_timestamps_without_offset_are_read_in_the_store_time_zone(tmp_path):
    db = tmp_path / "db.duckdb"
    run(db, "local_times/order_lines_local.csv", timezone="America/New_York")
    result = query(
        db,
        "select order_id, ordered_at, ordered_date, shipped_at, shipped_date, canceled_at, "
        "canceled_date from order_lines order by 1",
    )
    expected = frame(
        "order_id ordered_at ordered_date shipped_at shipped_date canceled_at canceled_date",
        # 01:30 EST (-5), before the switch to daylight time that night
        ("L1", "2026-03-08 06:30:00+00", "2026-03-08", "2026-03-08 06:30:00+00", "2026-03-08",
         None, None),
        # 23:30 EDT (-4): already the next day in UTC, still March 8 in the store
        ("L2", "2026-03-09 03:30:00+00", "2026-03-08", None, None, None, None),
        # fractional seconds; shipped 03:30 UTC is 22:30 EST on November 1
        ("L3", "2026-11-01 04:30:00.25+00", "2026-11-01", "2026-11-02 03:30:00+00",
         "2026-11-01", None, None),
        # an offset is an exact instant whatever the store zone
        ("L4", "2026-07-04 10:00:00+00", "2026-07-04", None, None, None, None),
        ("L5", "2027-01-01 03:00:00+00", "2026-12-31", None, None, "2027-01-01 05:30:00+00",
         "2027-01-01"),
    )  # fmt: skip
    assert_frame_equal(result, expected)
    assert query(db, "select value from dataset where key = 'timezone'").rows() == [
        ("America/New_York",)
    ]


def test_changing_the_time_zone_recomputes_every_local_date(tmp_path):
    db = tmp_path / "db.duckdb"
    run(db, "local_times/order_lines_local.csv")  # UTC: wall times taken as UTC
    before = query(db, "select order_id, shipped_date from order_lines where order_id = 'L3'")
    assert before.rows() == [("L3", "2026-11-02")]
    import_paths([], db, timezone="America/New_York")
    result = query(
        db, "select order_id, ordered_at, ordered_date, shipped_date from order_lines order by 1"
    )
    expected = frame(
        "order_id ordered_at ordered_date shipped_date",
        ("L1", "2026-03-08 01:30:00+00", "2026-03-07", "2026-03-08"),
        ("L2", "2026-03-08 23:30:00+00", "2026-03-08", None),
        ("L3", "2026-11-01 00:30:00.25+00", "2026-10-31", "2026-11-01"),
        ("L4", "2026-07-04 10:00:00+00", "2026-07-04", None),
        ("L5", "2026-12-31 22:00:00+00", "2026-12-31", None),
    )
    assert_frame_equal(result, expected)


# --- presence, defaults, references --------------------------------------------------------


def test_column_presence_after_imports(tmp_path):
    db = tmp_path / "db.duckdb"
    run(db, "encodings/order_lines_bom.csv", "encodings/shipments_tabs.tsv")
    presence_sql = "select table_name, column_name from column_presence order by 1, 2"
    result = query(db, presence_sql)
    expected = frame(
        "table_name column_name",
        *[("order_lines", c) for c in sorted(
            ["order_id", "line_id", "ordered_at", "sku", "qty", "channel"])],
        *[("shipments", c) for c in sorted(
            ["shipment_id", "order_id", "shipped_at", "shipping_cost", "handling_cost",
             "carrier"])],
    )  # fmt: skip
    assert_frame_equal(result, expected)
    # a richer export of other orders: lines of the BOM file remain, so its columns still
    # bound what is present (backordered_at counts as carried with backordered_qty)
    run(db, "overlap/order_lines_2026-11-16.csv")
    assert query(db, presence_sql.replace("order by", "where table_name = 'order_lines' order by")
                 )["column_name"].to_list() == sorted(
        ["order_id", "line_id", "ordered_at", "sku", "qty", "channel"])  # fmt: skip
    # once the BOM file's rows are replaced, only the richer files count
    bom_again = tmp_path / "order_lines_more.csv"
    bom_again.write_text(
        "order_id,line_id,ordered_at,sku,qty,unit_price,channel,backordered_qty,shipped_at,"
        "canceled_at\n#13527,1,2026-11-02T08:00:00Z,MUG-02,1,9.00,web,0,,\n"
        "#13528,1,2026-11-02T09:15:00Z,APR-01,2,24.00,web,0,,\n"
    )
    import_paths([bom_again], db)
    result = query(
        db, presence_sql.replace("order by", "where table_name = 'order_lines' order by")
    )
    assert result["column_name"].to_list() == sorted(
        ["order_id", "line_id", "ordered_at", "sku", "qty", "unit_price", "channel",
         "backordered_qty", "backordered_at", "shipped_at", "canceled_at"])  # fmt: skip


def test_empty_export_makes_its_table_present(tmp_path):
    db = tmp_path / "db.duckdb"
    empty = tmp_path / "contacts.csv"
    empty.write_text("contact_id,order_id,created_at\n")
    report = import_paths([empty], db)
    assert counts(report) == [("contacts.csv", "loaded", 0, 0, 0, 0, 0, 0)]
    result = query(db, "select column_name from column_presence where table_name = 'contacts'")
    assert sorted(result["column_name"]) == ["contact_id", "created_at", "order_id"]


def test_notice_id_defaults_to_order_sent_at_and_kind(tmp_path):
    db = tmp_path / "db.duckdb"
    run(db, "multi/notices.csv")
    result = query(db, "select notice_id, sent_date, next_update_by from notices order by 1")
    expected = frame(
        "notice_id sent_date next_update_by",
        ("000123|2026-11-12T10:00:00Z|backorder_notice", "2026-11-12", "2026-11-19"),
        ("000123|2026-11-19T10:00:00Z|eta_update", "2026-11-19", "2026-11-26"),
        ("000999|2026-11-19T11:00:00Z|backorder_notice", "2026-11-19", None),
    )
    assert_frame_equal(result, expected)


def test_referential_problems_are_reported_not_fatal(tmp_path):
    db = tmp_path / "db.duckdb"
    report = run(db, "overlap/order_lines_2026-11-16.csv", "multi/skus.csv", "multi/notices.csv")
    assert report.ok
    assert report.problems == [
        "1 order lines whose sku is not in skus, e.g. BULB-3",
        "1 notices for orders not in order_lines, e.g. 000999",
    ]


def test_zip_of_exports_and_parquet(tmp_path):
    db = tmp_path / "db.duckdb"
    archive = tmp_path / "exports.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(EXPORTS / "shopify" / "orders_export_1.csv", "2021-05/orders_export_1.csv")
        z.write(EXPORTS / "multi" / "skus.csv", "skus.csv")
    parquet = tmp_path / "shipments.parquet"
    duckdb.sql(
        "copy (select 'S-1' as shipment_id, '#1001' as order_id, "
        "timestamptz '2021-05-14 07:30:00+00' as shipped_at, 4.5 as shipping_cost) "
        f"to '{parquet}'"
    )
    report = import_paths([archive, parquet], db)
    assert [(f.file, f.table_name, f.rows_loaded) for f in report.files] == [
        (f"{archive}/2021-05/orders_export_1.csv", "order_lines", 6),
        (f"{archive}/skus.csv", "skus", 2),
        (str(parquet), "shipments", 1),
    ]
    result = query(db, "select shipment_id, shipped_at, shipping_cost, _source_row from shipments")
    expected = frame(
        "shipment_id shipped_at shipping_cost _source_row",
        ("S-1", "2021-05-14 07:30:00+00", "4.5000", "1"),
    )
    assert_frame_equal(result, expected)


def test_import_log_records_the_call_and_each_file(tmp_path):
    db = tmp_path / "db.duckdb"
    run(db, "missing_column")
    result = query(
        db,
        "select file_id, import_id, table_name, source_kind, status, rows_read, rows_loaded "
        "from import_files order by 1",
    )
    expected = frame(
        "file_id import_id table_name source_kind status rows_read rows_loaded",
        ("1", "1", "order_lines", "canonical", "refused", "0", "0"),
        ("2", "1", "shipments", "canonical", "loaded", "1", "1"),
    )
    assert_frame_equal(result, expected)
    assert query(db, "select import_id from imports").rows() == [("1",)]


def test_report_format_prints_one_reconciliation_line_per_file(tmp_path):
    report = run(tmp_path / "db.duckdb", "bad_values/skus_bad.csv")
    text = report.format()
    name = str(EXPORTS / "bad_values" / "skus_bad.csv")
    assert text.splitlines()[:3] == [
        f"{name} -> skus (canonical): read 4 = loaded 1 + rejected 3 + blank 0; "
        "inserted 1, replaced 0",
        "  rejects: 3 rows, 4 cells (first 4 here, all in the rejects table):",
        f"    {name} row 3, seasonal, 'maybe': expected true or false (also yes/no, 1/0)",
    ]


def test_unknown_time_zone_changes_nothing(tmp_path):
    report = run(tmp_path / "db.duckdb", "multi/skus.csv", timezone="Mars/Olympus")
    assert not report.ok
    assert report.error == "unknown time zone 'Mars/Olympus' (use a name like Europe/Berlin)"
    assert not (tmp_path / "db.duckdb").exists()


@pytest.mark.parametrize("table_file", ["multi/skus.csv"])
def test_cli_import_prints_the_reconciliation(tmp_path, table_file, capsys):
    from dashboard.cli import main

    code = main(
        ["--db", str(tmp_path / "db.duckdb"), "import", "--quiet", str(EXPORTS / table_file)]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0] == (
        f"{EXPORTS / table_file} -> skus (canonical): read 2 = loaded 2 + rejected 0 + blank 0; "
        "inserted 2, replaced 0"
    )


def test_order_ids_starting_with_hash_are_not_comments(tmp_path):
    # regression: DuckDB's sniffer took '#' for a comment sign and dropped the row
    path = tmp_path / "order_lines.csv"
    path.write_text(
        "order_id,ordered_at,sku,qty\n1001,2026-11-02T08:00:00Z,MUG-02,1\n"
        "#1004,2026-11-02T08:00:00Z,MUG-02,1\n"
    )
    report = import_paths([path], tmp_path / "db.duckdb")
    assert counts(report) == [("order_lines.csv", "loaded", 2, 2, 0, 0, 2, 0)]


def test_dotted_dates_are_day_first(tmp_path):
    path = tmp_path / "order_lines.csv"
    path.write_text(
        "order_id;ordered_at;sku;qty;promised_ship_date\n"
        "D1;2.10.2017 10:56;MUG-02;1;9.10.2017\nD2;3.10.2017 9:05;MUG-02;1;\n"
    )
    run(tmp_path / "db.duckdb", str(path))
    result = query(tmp_path / "db.duckdb", "select order_id, ordered_at, promised_ship_date "
                   "from order_lines order by 1")  # fmt: skip
    expected = frame(
        "order_id ordered_at promised_ship_date",
        ("D1", "2017-10-02 10:56:00+00", "2017-10-09"),
        ("D2", "2017-10-03 09:05:00+00", None),
    )
    assert_frame_equal(result, expected)


def test_mapping_with_a_missing_source_column_refuses_the_file(tmp_path):
    mapping = tmp_path / "orders.toml"
    mapping.write_text(
        'table = "order_lines"\ndelimiter = ";"\nencoding = "latin-1"\n'
        '[columns.order_id]\nsource = "Bestellnummer"\n'
        '[columns.ordered_at]\nsource = "Datum"\nformat = "%d.%m.%Y %H:%M"\n'
        '[columns.sku]\nsource = "Artikel"\n[columns.qty]\nsource = "Menge"\n'
    )
    report = import_paths(
        [EXPORTS / "mapping" / "shop_orders.csv"], tmp_path / "db.duckdb", mapping=mapping
    )
    # the sidecar shop_orders.toml wins over --mapping for its own file
    assert report.files[0].status == "loaded"
    copy = tmp_path / "bestellungen.csv"
    copy.write_bytes((EXPORTS / "mapping" / "shop_orders.csv").read_bytes())
    report = import_paths([copy], tmp_path / "db.duckdb", mapping=mapping)
    assert report.files[0].message == (
        "mapping orders.toml: missing column order_id from 'Bestellnummer' (closest: "
        "'Bestellnr'). Columns found: Bestellnr, Pos, Datum, Artikel, Menge, Preis, Kanal, "
        "Rückstand, Versandt am"
    )


# --- large files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "names",
    [
        ("bad_values/order_lines_bad.csv",),
        ("overlap/order_lines_2026-11-16.csv", "overlap/order_lines_2026-11-20.csv"),
    ],
)
def test_a_file_staged_on_disk_imports_as_one_staged_in_memory(tmp_path, monkeypatch, names):
    """Files over STAGE_ON_DISK_BYTES are staged in a scratch database on disk (a 100M-line
    file ran out of memory in a temp table); the result must not depend on where."""
    from dashboard.importer import sources

    def imported(db: Path) -> tuple:
        reports = [run(db, name) for name in names]
        return (
            [counts(report) for report in reports],
            query(db, "select * exclude (_import_id) from order_lines order by all"),
            query(db, "select * exclude (file_id) from rejects order by all"),
        )

    in_memory = imported(tmp_path / "memory.duckdb")
    monkeypatch.setattr(sources, "STAGE_ON_DISK_BYTES", 0)
    on_disk = imported(tmp_path / "disk.duckdb")
    assert on_disk[0] == in_memory[0]
    assert_frame_equal(on_disk[1], in_memory[1])
    assert_frame_equal(on_disk[2], in_memory[2])
    assert in_memory[1].height > 0
