"""The what-if's derived tables (queries/whatif_derived.sql, built by store.refresh_derived at
every import, or updated by queries/whatif_derived_update.sql) give exactly what the direct
queries on order_lines give."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import hypothesis.strategies as st
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from polars.testing import assert_frame_equal

from dashboard import importer, store, whatif
from dashboard.params import Period
from dashboard.queries import run
from dashboard.store import DERIVED_TABLES, has_derived_tables
from dashboard.whatif import Rule, Scenario
from dashboard.whatif.replay import database_path

# Feature window of a 2026-Q3 replay: [2025-07-01, 2026-07-01).
WINDOW = {"feature_from": date(2025, 7, 1), "from_date": date(2026, 7, 1)}


PERIODS = [
    Period(date(2026, 7, 1), date(2026, 10, 1)),
    Period(date(2026, 1, 1), date(2026, 4, 1)),
    Period(date(2026, 8, 15), date(2026, 11, 22)),
]


def derived(path: Path) -> None:
    """What the importer does last, on a database built from literal rows."""
    with store.writing(path) as con:
        store.refresh_derived(con)


def basket(con, name: str, window: dict = WINDOW) -> pl.DataFrame:
    return run(con, name, window).sort("sku")


def events(con, name: str, period: Period) -> pl.DataFrame:
    return run(con, name, {"from_date": period.from_date, "to_date": period.to_date})


def order_line(order_id, line_id, sku, ordered_at, **extra):
    return {
        "order_id": order_id,
        "line_id": line_id,
        "ordered_at": ordered_at,
        "sku": sku,
        "qty": "1",
        "unit_price": "10",
        "backordered_qty": extra.pop("backordered_qty", "0"),
        "backordered_at": extra.pop("backordered_at", None),
        "shipped_at": extra.pop("shipped_at", None),
        "canceled_at": extra.pop("canceled_at", None),
        **extra,
    }


def basket_history():
    """Order 1: sku A on two lines (one order, not shared). Order 2: A and B (shared).
    Order 3: B on the window's last day, C on the day after (only B is in the window: not
    shared there). Order 4: C before the window. Order 5: D alone, on two dates in the window."""
    return {
        "order_lines": [
            order_line("1", "1", "A", "2026-01-10T10:00:00Z"),
            order_line("1", "2", "A", "2026-01-10T11:00:00Z"),
            order_line("2", "1", "A", "2026-02-01T10:00:00Z"),
            order_line("2", "2", "B", "2026-02-01T10:00:00Z"),
            order_line("3", "1", "B", "2026-06-30T23:00:00Z"),
            order_line("3", "2", "C", "2026-07-01T01:00:00Z"),
            order_line("4", "1", "C", "2025-06-30T10:00:00Z"),
            order_line("5", "1", "D", "2026-03-01T10:00:00Z"),
            order_line("5", "2", "D", "2026-03-02T10:00:00Z"),
        ]
    }


def test_basket_days_count_each_order_once_on_its_own_date(make_db, tmp_path):
    con = make_db(basket_history())
    path = Path(database_path(con))
    con.close()
    derived(path)
    con = store.connect(path)
    days = con.sql("select * from whatif_basket_days order by all").pl()
    expected_days = pl.DataFrame(
        {
            "sku": ["A", "A", "B", "C"],
            "ordered_date": [date(2026, 1, 10), date(2026, 2, 1), date(2026, 2, 1)]
            + [date(2025, 6, 30)],
            "count_orders": [1, 1, 1, 1],
            "count_shared_orders": [0, 1, 1, 0],
        }
    )
    assert_frame_equal(days, expected_days, check_dtypes=False)
    multiday = con.sql("select * from whatif_basket_multiday_lines order by all").fetchall()
    assert multiday == [
        ("3", "B", date(2026, 6, 30)),
        ("3", "C", date(2026, 7, 1)),
        ("5", "D", date(2026, 3, 1)),
        ("5", "D", date(2026, 3, 2)),
    ]
    share = basket(con, "whatif_basket_share")
    # A: orders 1, 2, one shared. B: orders 2, 3 (only B in the window), one shared. D: order 5.
    expected = pl.DataFrame({"sku": ["A", "B", "D"], "basket_share": [0.5, 0.5, 0.0]})
    assert_frame_equal(share, expected)
    assert_frame_equal(basket(con, "whatif_basket_share_direct"), expected)
    # A window holding both days of order 3: B and C share it.
    both = {"feature_from": date(2026, 6, 1), "from_date": date(2026, 7, 2)}
    assert_frame_equal(
        basket(con, "whatif_basket_share", both), basket(con, "whatif_basket_share_direct", both)
    )
    assert basket(con, "whatif_basket_share", both).rows() == [("B", 1.0), ("C", 1.0)]
    con.close()


def test_without_derived_tables_the_replay_reads_order_lines(make_db):
    """A database imported before the derived tables existed."""
    con = make_db(basket_history())
    path = Path(database_path(con))
    con.close()
    with store.writing(path) as old:
        for table in DERIVED_TABLES:
            old.execute(f"drop table {table}")
    con = store.connect(path)
    assert not has_derived_tables(con)
    features = whatif.feature_table(con, whatif.feature_period(PERIODS[0]))
    shares = dict(features.select("sku", "basket_share").iter_rows())
    assert shares == {"A": 0.5, "B": 0.5, "C": None, "D": 0.0}


@pytest.mark.parametrize("period", PERIODS, ids=str)
def test_derived_tables_equal_the_direct_queries_on_the_demo(demo_con, period):
    assert has_derived_tables(demo_con)
    window = whatif.feature_period(period)
    params = {"feature_from": window.from_date, "from_date": window.to_date}
    shares = basket(demo_con, "whatif_basket_share", params)
    assert shares.height > 0
    assert_frame_equal(shares, basket(demo_con, "whatif_basket_share_direct", params))
    lines = events(demo_con, "whatif_events", period)
    assert lines.height > 0
    assert_frame_equal(lines, events(demo_con, "whatif_events_direct", period))


def test_replay_is_the_same_with_and_without_derived_tables(demo_con, monkeypatch):
    scenario = Scenario(
        basket_share=Rule(True, 0.6),
        supplier_slip=Rule(True, 5.0),
        cap_default=3,
        from_date=date(2026, 7, 1),
        to_date=date(2026, 10, 1),
    )
    whatif.replay_cache_clear()
    fast = whatif.replay(demo_con, scenario)
    whatif.replay_cache_clear()
    monkeypatch.setattr(store, "has_derived_tables", lambda con: False)
    direct = whatif.replay(demo_con, scenario)
    whatif.replay_cache_clear()
    assert (~fast.lines["accepted"]).sum() > 0
    assert_frame_equal(fast.lines, direct.lines)
    assert_frame_equal(fast.skus, direct.skus)


def write_lines(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """order_lines CSV: order_id, line_id, ordered_at (UTC), sku; one unit at 10."""
    text = "order_id,line_id,ordered_at,sku,qty,unit_price\n" + "".join(
        f"{o},{line_no},{at},{sku},1,10\n" for o, line_no, at, sku in rows
    )
    path.write_text(text, encoding="utf-8")
    return path


def basket_days(db: Path) -> list[tuple]:
    con = store.connect(db)
    try:
        return con.sql("select * from whatif_basket_days order by all").fetchall()
    finally:
        con.close()


def test_derived_tables_are_rebuilt_on_import_and_time_zone_change(tmp_path):
    db = tmp_path / "db.duckdb"
    first = write_lines(
        tmp_path / "order_lines.csv",
        [("1", "1", "2026-03-08T02:30:00Z", "A"), ("1", "2", "2026-03-08T02:30:00Z", "B")],
    )
    assert importer.import_paths([first], db, timezone="UTC").ok
    assert basket_days(db) == [("A", date(2026, 3, 8), 1, 1), ("B", date(2026, 3, 8), 1, 1)]
    # New York: 02:30 UTC is the evening before.
    assert importer.import_paths([], db, timezone="America/New_York").ok
    assert basket_days(db) == [("A", date(2026, 3, 7), 1, 1), ("B", date(2026, 3, 7), 1, 1)]
    (tmp_path / "more").mkdir()
    second = write_lines(
        tmp_path / "more" / "order_lines.csv", [("2", "1", "2026-03-09T15:00:00Z", "A")]
    )
    assert importer.import_paths([second], db).ok
    assert basket_days(db) == [
        ("A", date(2026, 3, 7), 1, 1),
        ("A", date(2026, 3, 9), 1, 0),
        ("B", date(2026, 3, 7), 1, 1),
    ]


# An import that changes a few lines updates the what-if tables (queries/whatif_derived_update.sql)
# instead of rebuilding them; they must hold the rows a rebuild gives.

LINE_COLUMNS = (
    "order_id,line_id,ordered_at,sku,qty,unit_price,backordered_qty,backordered_at,shipped_at"
)


def write_order_lines(path: Path, lines: dict[tuple[int, int], tuple]) -> Path:
    """lines: {(order, line): (day of 2026-03, sku, backordered 0/1, shipped day or None)}."""
    rows = [LINE_COLUMNS]
    for (order, line), (day, sku, backordered, shipped) in sorted(lines.items()):
        at = f"2026-03-{day:02d}T12:00:00Z"
        rows.append(
            f"{order},{line},{at},{sku},2,10,{backordered},{at if backordered else ''},"
            f"{f'2026-03-{shipped:02d}T15:00:00Z' if shipped else ''}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def whatif_tables(db: Path) -> dict[str, list[tuple]]:
    con = store.connect(db)
    try:
        return {t: con.sql(f"select * from {t} order by all").fetchall() for t in DERIVED_TABLES}
    finally:
        con.close()


def rebuilt(db: Path, tmp_path: Path) -> dict[str, list[tuple]]:
    """The what-if tables rebuilt from every line, on a copy of `db`."""
    copy = tmp_path / "rebuilt.duckdb"
    copy.write_bytes(db.read_bytes())
    with store.writing(copy) as con:
        store.refresh_derived(con)
    return whatif_tables(copy)


def import_twice(tmp_path: Path, first: dict, second: dict, monkeypatch) -> list[str]:
    """Import `first`, then `second` (a later export); the what-if SQL files the second ran."""
    db = tmp_path / "db.duckdb"
    one = write_order_lines(tmp_path / "one" / "order_lines.csv", first)
    assert importer.import_paths([one], db, timezone="UTC").ok
    ran = []
    real_run = store._run
    monkeypatch.setattr(
        store, "_run", lambda con, path: (ran.append(path.name), real_run(con, path))
    )
    two = write_order_lines(tmp_path / "two" / "order_lines.csv", second)
    assert importer.import_paths([two], db).ok
    monkeypatch.setattr(store, "_run", real_run)
    return [name for name in ran if name.startswith("whatif")]


def history(orders: int) -> dict[tuple[int, int], tuple]:
    """`orders` orders on days 1-20: two skus each, every fifth backordered and shipped later."""
    lines = {}
    for order in range(1, orders + 1):
        day = 1 + order % 20
        for line, sku in ((1, "A"), (2, "B" if order % 3 else "A")):
            backordered = int(order % 5 == 0)
            lines[(order, line)] = (day, sku, backordered, day + 2 if order % 2 else None)
    return lines


def test_an_import_of_a_few_lines_updates_the_whatif_tables_as_a_rebuild_would(
    tmp_path, monkeypatch
):
    first = history(40)
    second = {
        (1, 1): (25, "A", 0, None),  # order 1's first line moves to another day: now two days
        (2, 1): first[(2, 1)][:3] + (9,),  # shipped now
        (3, 1): (first[(3, 1)][0], "C", 1, None),  # another sku, backordered
        (4, 2): (first[(4, 1)][0], "A", 0, None),  # order 4 holds A only now
        (5, 1): first[(5, 1)],  # identical: left as it is
        (41, 1): (26, "A", 1, None),  # a new order on a new day
        (41, 2): (26, "C", 0, None),
        (42, 1): (26, "C", 0, None),
    }
    ran = import_twice(tmp_path, first, second, monkeypatch)
    assert ran == ["whatif_derived_update.sql"]
    updated = whatif_tables(tmp_path / "db.duckdb")
    assert updated == rebuilt(tmp_path / "db.duckdb", tmp_path)
    assert ("1", "A", date(2026, 3, 25)) in updated["whatif_basket_multiday_lines"]
    assert ("C", date(2026, 3, 26), 2, 1) in updated["whatif_basket_days"]


def test_an_import_of_many_lines_rebuilds_the_whatif_tables(tmp_path, monkeypatch):
    first = history(8)
    second = {(order, 1): (27, "C", 0, None) for order in range(100, 110)}
    assert import_twice(tmp_path, first, second, monkeypatch) == ["whatif_derived.sql"]


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    changes=st.dictionaries(
        st.tuples(st.integers(1, 45), st.integers(1, 3)),
        st.tuples(
            st.integers(1, 24),
            st.sampled_from("ABC"),
            st.integers(0, 1),
            st.one_of(st.none(), st.integers(25, 28)),
        ),
        max_size=8,
    )
)
def test_updated_whatif_tables_equal_a_rebuild(tmp_path_factory, monkeypatch, changes):
    tmp_path = tmp_path_factory.mktemp("update")
    ran = import_twice(tmp_path, history(40), changes, monkeypatch)
    if changes:
        assert ran == ["whatif_derived_update.sql"]
    assert whatif_tables(tmp_path / "db.duckdb") == rebuilt(tmp_path / "db.duckdb", tmp_path)


def test_the_update_fills_the_tables_of_a_database_built_by_older_code(tmp_path, monkeypatch):
    """Older code stored a walk_order rank in whatif_backordered_lines; the update leaves it
    null (no reader reads it) rather than fail."""
    first = history(40)
    db = tmp_path / "db.duckdb"
    assert importer.import_paths(
        [write_order_lines(tmp_path / "one" / "order_lines.csv", first)], db, timezone="UTC"
    ).ok
    with store.writing(db) as con:
        con.execute("alter table whatif_backordered_lines add column walk_order bigint")
    second = {(41, 1): (26, "A", 1, None), (5, 1): first[(5, 1)][:3] + (9,)}
    assert importer.import_paths(
        [write_order_lines(tmp_path / "two" / "order_lines.csv", second)], db
    ).ok
    con = store.connect(db)
    try:
        added = con.sql(
            "select order_id, walk_order from whatif_backordered_lines where order_id = '41'"
        ).fetchall()
    finally:
        con.close()
    assert added == [("41", None)]
