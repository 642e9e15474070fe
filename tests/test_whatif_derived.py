"""The what-if's derived tables (queries/whatif_derived.sql, rebuilt by store.refresh_derived at
every import) give exactly what the direct queries on order_lines give."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard import importer, store, whatif
from dashboard.params import Period
from dashboard.queries import run
from dashboard.whatif import Rule, Scenario
from dashboard.whatif.replay import DERIVED_TABLES, database_path, has_derived_tables

# The module (the package's `replay` is the function of the same name).
replay_module = sys.modules["dashboard.whatif.replay"]

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
    monkeypatch.setattr(replay_module, "has_derived_tables", lambda con: False)
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
