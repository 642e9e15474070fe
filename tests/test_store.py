"""The store's promise: a write lands whole or not at all, and readers are never blocked."""

import os
import subprocess
import sys

import pytest

from dashboard import store


def count(path, table="skus"):
    with store.connect(path) as con:
        return con.execute(f"select count(*) from {table}").fetchone()[0]


def add_sku(path, sku):
    with store.writing(path) as con:
        con.execute("insert into skus (sku) values (?)", [sku])


def test_write_lands_and_changes_version(tmp_path):
    db = tmp_path / "d.duckdb"
    store.ensure(db)
    before = store.version(db)
    add_sku(db, "A")
    assert count(db) == 1
    assert store.version(db) != before


def test_failed_write_leaves_previous_data(tmp_path):
    db = tmp_path / "d.duckdb"
    add_sku(db, "A")
    with pytest.raises(RuntimeError), store.writing(db) as con:
        con.execute("insert into skus (sku) values ('B')")
        raise RuntimeError("import failed half-way")
    assert count(db) == 1
    assert not list(tmp_path.glob(".*.tmp*"))


def test_reader_keeps_its_version_while_a_write_lands(tmp_path):
    db = tmp_path / "d.duckdb"
    add_sku(db, "A")
    reader = store.connect(db)
    add_sku(db, "B")  # must not be blocked by the open reader
    assert reader.execute("select count(*) from skus").fetchone()[0] == 1
    reader.close()
    assert count(db) == 2


def test_killed_writer_leaves_previous_data(tmp_path):
    db = tmp_path / "d.duckdb"
    add_sku(db, "A")
    script = (
        "import os, sys, signal; from pathlib import Path; from dashboard import store\n"
        "with store.writing(Path(sys.argv[1])) as con:\n"
        "    con.execute(\"insert into skus (sku) values ('B')\")\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(db)], check=False)
    assert result.returncode == -9
    assert count(db) == 1
    add_sku(db, "C")  # the next write cleans the killed writer's copy and proceeds
    assert count(db) == 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_old_database_is_upgraded_on_open(tmp_path):
    db = tmp_path / "d.duckdb"
    add_sku(db, "A")
    with store.writing(db) as con:
        con.execute("update dataset set value = 'old' where key = 'schema_version'")
        con.execute("drop macro table filtered_lines")
    with store.connect(db) as con:
        assert con.execute("select count(*) from filtered_lines(null, null, null, null)").fetchone()
    assert count(db) == 1


def test_state_file_sits_beside_the_data():
    assert store.state_path("x/shop.duckdb") == store.db_path("x/shop.state.duckdb")
    assert os.fspath(store.db_path(None)).endswith("dashboard.duckdb")


def test_memory_limit_from_the_environment(tmp_path, monkeypatch):
    db = tmp_path / "db.duckdb"
    monkeypatch.setenv(store.MEMORY_LIMIT_ENV, "512MB")
    con = store.connect(db)
    limit = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    con.close()
    assert limit == "488.2 MiB"  # 512 MB, in DuckDB's units
    monkeypatch.setenv(store.MEMORY_LIMIT_ENV, "lots")
    with pytest.raises(ValueError, match="expected a size like 2GB"):
        store.connect(db)
