"""shipment_extras (queries/shipment_extras.sql): every shipment of an order after its first,
built at import and by the schema upgrade of a database imported before it existed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
from builders import build_db, reading

from dashboard import store

SHIPMENTS = [
    # order A: two at the same moment (the lower shipment_id, as text, is first), one later
    {
        "shipment_id": "S2",
        "order_id": "A",
        "shipped_at": "2026-11-03T10:00:00Z",
        "shipping_cost": "5.00",
        "handling_cost": "1.00",
    },  # noqa: E501
    {
        "shipment_id": "S10",
        "order_id": "A",
        "shipped_at": "2026-11-03T10:00:00Z",
        "shipping_cost": "4.00",
        "handling_cost": None,
    },  # noqa: E501
    {
        "shipment_id": "S3",
        "order_id": "A",
        "shipped_at": "2026-11-10T09:00:00Z",
        "shipping_cost": "6.50",
        "handling_cost": "0.50",
    },  # noqa: E501
    # order B: one shipment, never extra
    {
        "shipment_id": "S4",
        "order_id": "B",
        "shipped_at": "2026-11-04T10:00:00Z",
        "shipping_cost": "3.00",
        "handling_cost": None,
    },  # noqa: E501
    # order C: shipped in the store's evening of the 5th (UTC the 6th): the local date counts
    {
        "shipment_id": "S5",
        "order_id": "C",
        "shipped_at": "2026-11-02T12:00:00Z",
        "shipping_cost": "2.00",
        "handling_cost": None,
    },  # noqa: E501
    {
        "shipment_id": "S6",
        "order_id": "C",
        "shipped_at": "2026-11-06T02:00:00Z",
        "shipping_cost": "7.00",
        "handling_cost": "2.00",
    },  # noqa: E501
]

EXPECTED = [
    # S10 < S2 as text, so S10 is A's first shipment and S2 its first extra
    ("A", "S2", "2026-11-03", Decimal("6.0000")),
    ("C", "S6", "2026-11-05", Decimal("9.0000")),
    ("A", "S3", "2026-11-10", Decimal("7.0000")),
]


def extras(db: Path) -> list[tuple]:
    with reading(db) as con:
        rows = con.execute(
            "select order_id, shipment_id, strftime(shipped_date, '%Y-%m-%d'), shipment_cost "
            "from shipment_extras order by shipped_date, order_id"
        ).fetchall()
    return rows


def test_extra_shipments_are_every_shipment_after_an_orders_first(tmp_path):
    db = tmp_path / "db.duckdb"
    build_db(db, {"shipments": SHIPMENTS}, timezone="America/New_York").close()
    assert extras(db) == EXPECTED


def test_a_database_imported_before_the_table_gets_it_on_first_connect(tmp_path):
    db = tmp_path / "db.duckdb"
    build_db(db, {"shipments": SHIPMENTS}, timezone="America/New_York").close()
    with store.writing(db) as con:  # as an older version of the code left it
        con.execute("drop table shipment_extras")
        con.execute("update dataset set value = 'older' where key = 'schema_version'")
    with duckdb.connect(str(db), read_only=True) as con:  # not upgraded yet
        tables = con.execute("select table_name from duckdb_tables()").fetchall()
    assert ("shipment_extras",) not in tables
    assert extras(db) == EXPECTED  # store.connect upgrades it first
