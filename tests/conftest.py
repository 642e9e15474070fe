"""Shared fixtures: a database built from a few literal rows per canonical table."""

from __future__ import annotations

import pytest
from builders import build_db


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
