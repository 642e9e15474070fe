"""Fixtures shared by the metric tests."""

from datetime import date

import pytest

from dashboard import demo, importer, store


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
