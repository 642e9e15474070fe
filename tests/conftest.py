"""Shared fixtures: a database built from a few literal rows per canonical table, and the demo
history imported as a user would."""

from __future__ import annotations

from datetime import date

import pytest
from builders import build_db

from dashboard import demo, importer, store


@pytest.fixture
def make_db(tmp_path):
    """`make_db({"order_lines": [...], ...}, timezone="UTC")` -> read-only connection."""
    made = []

    def make(tables: dict[str, list[dict]], timezone: str = "UTC"):
        con = build_db(tmp_path / f"fixture{len(made)}.duckdb", tables, timezone)
        made.append(con)
        return con

    yield make
    for con in made:
        con.close()


@pytest.fixture(scope="session")
def demo_con(tmp_path_factory):
    """The demo history (a few thousand orders), imported as a user would."""
    folder = tmp_path_factory.mktemp("demo")
    files = demo.generate(folder / "csv", orders=3000, seed=7, end=date(2026, 11, 22))
    db = folder / "demo.duckdb"
    report = importer.import_paths(
        list(files.values()), db, timezone=demo.DEMO_TIMEZONE, currency=demo.DEMO_CURRENCY
    )
    assert report.ok
    con = store.connect(db)
    yield con
    con.close()
