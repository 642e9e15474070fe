"""shipment_extras (queries/shipment_extras.sql): every shipment of an order after its first,
built at import and by the schema upgrade of a database imported before it existed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import hypothesis.strategies as st
from builders import build_db, reading
from hypothesis import HealthCheck, given, settings

from dashboard import importer, store

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


# An import that changes a few shipments updates shipment_extras for their orders
# (queries/shipment_extras_update.sql); the rows must be those a rebuild gives.


def write_shipments(path: Path, shipments: dict[str, tuple]) -> Path:
    """shipments: {shipment_id: (order_id, day of 2026-11 or None for unshipped, cost)}."""
    rows = ["shipment_id,order_id,shipped_at,shipping_cost"]
    for shipment_id, (order_id, day, cost) in sorted(shipments.items()):
        at = f"2026-11-{day:02d}T10:00:00Z" if day else ""
        rows.append(f"{shipment_id},{order_id},{at},{cost}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def all_extras(db: Path) -> list[tuple]:
    with reading(db) as con:
        return con.execute("select * from shipment_extras order by all").fetchall()


def rebuilt_extras(db: Path, tmp_path: Path) -> list[tuple]:
    copy = tmp_path / "rebuilt.duckdb"
    copy.write_bytes(db.read_bytes())
    with store.writing(copy) as con:
        store.refresh_derived(con)
    return all_extras(copy)


def history() -> dict[str, tuple]:
    """Orders O1-O30 with one to three shipments each, on days 1-20."""
    return {
        f"S{order}-{n}": (f"O{order}", 1 + (order + n) % 20, 5 + n)
        for order in range(1, 31)
        for n in range(1, 1 + order % 3 + 1)
    }


def import_twice(tmp_path: Path, second: dict[str, tuple], monkeypatch) -> list[str]:
    db = tmp_path / "db.duckdb"
    one = write_shipments(tmp_path / "one" / "shipments.csv", history())
    assert importer.import_paths([one], db, timezone="UTC").ok
    ran = []
    real_run = store._run
    monkeypatch.setattr(store, "_run", lambda con, p: (ran.append(p.name), real_run(con, p)))
    two = write_shipments(tmp_path / "two" / "shipments.csv", second)
    assert importer.import_paths([two], db).ok
    monkeypatch.setattr(store, "_run", real_run)
    return [name for name in ran if name.startswith("shipment_extras")]


def test_an_import_of_a_few_shipments_updates_the_extras_as_a_rebuild_would(tmp_path, monkeypatch):
    second = {
        "S2-1": ("O2", 25, 9),  # shipped later: no longer O2's first
        "S3-1": ("O4", 2, 6),  # moved to another order
        "S5-2": ("O5", None, 7),  # not shipped after all
        "S99-1": ("O99", 26, 4),  # a new order with two shipments
        "S99-2": ("O99", 27, 4),
    }
    assert import_twice(tmp_path, second, monkeypatch) == ["shipment_extras_update.sql"]
    db = tmp_path / "db.duckdb"
    assert all_extras(db) == rebuilt_extras(db, tmp_path)
    assert ("O99", "S99-2", date(2026, 11, 27), Decimal("4.0000")) in all_extras(db)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    second=st.dictionaries(
        st.sampled_from([f"S{o}-{n}" for o in range(1, 34) for n in range(1, 4)]),
        st.tuples(
            st.sampled_from([f"O{o}" for o in range(1, 34)]),
            st.one_of(st.none(), st.integers(1, 28)),
            st.integers(1, 9),
        ),
        max_size=6,
    )
)
def test_updated_extras_equal_a_rebuild(tmp_path_factory, monkeypatch, second):
    tmp_path = tmp_path_factory.mktemp("extras")
    ran = import_twice(tmp_path, second, monkeypatch)
    if second:
        assert ran == ["shipment_extras_update.sql"]
    db = tmp_path / "db.duckdb"
    assert all_extras(db) == rebuilt_extras(db, tmp_path)
