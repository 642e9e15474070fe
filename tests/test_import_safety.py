"""An import is atomic and never blocks readers: killed at any moment it leaves the previous
database exactly as it was; a reader keeps reading during an import."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from dashboard import store
from dashboard.importer import import_paths

ROOT = Path(__file__).resolve().parent.parent
EXPORTS = Path(__file__).parent / "fixtures" / "exports"
TABLES = [
    "order_lines",
    "shipments",
    "inbound",
    "contacts",
    "notices",
    "skus",
    "imports",
    "import_files",
    "rejects",
    "column_presence",
    "dataset",
    "sku_attributes",
]


def state(db: Path) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent checksum of every row, per table."""
    con = store.connect(db)
    try:
        return {
            t: con.execute(f"select count(*), coalesce(sum(hash(t)), 0) from {t} as t").fetchone()
            for t in TABLES
        }
    finally:
        con.close()


def without_times(state: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """The state but the import log's own timestamps: two runs of one import differ only there."""
    return {t: v for t, v in state.items() if t != "imports"} | {"imports": state["imports"][:1]}


def write_big_csv(path: Path, rows: int) -> None:
    duckdb.sql(
        f"""copy (
            select 'B' || (i // 3)::varchar as order_id, (i % 3 + 1)::varchar as line_id,
                strftime(timestamp '2026-01-01' + to_seconds(i), '%Y-%m-%dT%H:%M:%SZ')
                    as ordered_at,
                'SKU-' || (i % 300)::varchar as sku, (1 + i % 4)::varchar as qty,
                '19.99' as unit_price, 'web' as channel
            from range({rows}) as r(i)
        ) to '{path}' (header)"""
    )


def start_import(db: Path, csv: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dashboard", "--db", str(db), "import", "--quiet", str(csv)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def previous(tmp_path) -> Path:
    """A database with one small import in it: the state a killed import must leave."""
    db = tmp_path / "previous.duckdb"
    report = import_paths([EXPORTS / "overlap" / "order_lines_2026-11-16.csv"], db)
    assert report.ok
    return db


@pytest.mark.slow
def test_killed_import_leaves_the_previous_database_exactly(tmp_path, previous):
    csv = tmp_path / "big.csv"
    write_big_csv(csv, 400_000)
    before = state(previous)

    # One run left to finish: the new state, and how long a run takes.
    finished = tmp_path / "finished.duckdb"
    shutil.copyfile(previous, finished)
    started = time.monotonic()
    proc = start_import(finished, csv)
    _, err = proc.communicate(timeout=600)
    duration = time.monotonic() - started
    assert proc.returncode == 0, err.decode()
    after = state(finished)
    assert after["order_lines"][0] == before["order_lines"][0] + 400_000
    assert after["imports"][0] == 2

    killed_while_running = 0
    for fraction in (0.1, 0.25, 0.45, 0.7):
        db = tmp_path / f"killed{fraction}.duckdb"
        shutil.copyfile(previous, db)
        proc = start_import(db, csv)
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        # Exactly the old state, or (a run that beat the kill) exactly the new one.
        landed = without_times(state(db))
        assert landed in (without_times(before), without_times(after)), f"killed at {fraction:.0%}"
        killed_while_running += landed == without_times(before)
        # the next import cleans the stale private copy and works
        report = import_paths([EXPORTS / "multi" / "skus.csv"], db)
        assert report.ok
        assert not list(tmp_path.glob(f".{db.name}.*.tmp*"))
    assert killed_while_running >= 2


@pytest.mark.slow
def test_reader_keeps_reading_during_an_import_and_a_new_connection_sees_the_new_data(
    tmp_path, previous
):
    csv = tmp_path / "big.csv"
    write_big_csv(csv, 200_000)
    reader = store.connect(previous)
    proc = start_import(previous, csv)
    reads = 0
    try:
        while proc.poll() is None:
            assert reader.execute("select count(*) from order_lines").fetchone()[0] == 4
            # a new read-only connection during the import is not blocked either
            with store.connect(previous) as other:
                assert other.execute("select count(*) from order_lines").fetchone()[0] in (
                    4,
                    200_004,
                )
            reads += 1
            time.sleep(0.05)
        _, err = proc.communicate()
        assert proc.returncode == 0, err.decode()
        assert reads > 0
        # the held connection still sees its version; a new one sees the import
        assert reader.execute("select count(*) from order_lines").fetchone()[0] == 4
    finally:
        reader.close()
    with store.connect(previous) as con:
        assert con.execute("select count(*) from order_lines").fetchone()[0] == 200_004
    assert os.path.exists(previous)
