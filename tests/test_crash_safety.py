"""An import killed with SIGKILL at any moment leaves the database exactly as it was before
or exactly as a finished import leaves it: never a mixture, never a damaged file.

20 kills at random moments (a seeded RNG, so a failure can be replayed) of one import of two
files (a ~2 s order_lines export and a skus export). Every canonical table, the rejects, the
import log and the dataset settings are compared by an order-independent checksum against the
two known states. tests/test_import_safety.py kills at four fixed moments; this is the
randomised version.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from dashboard import store
from dashboard.contract import TABLES
from dashboard.importer import import_paths

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261122
RUNS = 20
ROWS = 250_000
CHECKED = [*TABLES, "rejects", "import_files", "column_presence", "dataset", "sku_attributes"]


def state(db: Path) -> dict[str, tuple]:
    """Row count and checksum per table; the import log by its count (it holds clock times)."""
    con = store.connect(db)
    try:
        out = {
            t: con.execute(f"select count(*), coalesce(sum(hash(t)), 0) from {t} as t").fetchall()[
                0
            ]
            for t in CHECKED
        }
        out["imports"] = con.execute("select count(*) from imports").fetchall()[0]
        return out
    finally:
        con.close()


def write_exports(folder: Path) -> list[Path]:
    lines = folder / "order_lines_big.csv"
    duckdb.sql(
        f"""copy (
            select 'K' || (i // 2)::varchar as order_id, (i % 2 + 1)::varchar as line_id,
                strftime(timestamp '2026-03-01' + to_seconds(i * 7), '%Y-%m-%dT%H:%M:%SZ')
                    as ordered_at,
                'SKU-' || (i % 200)::varchar as sku,
                case when i % 50000 = 3 then '0' else (1 + i % 3)::varchar end as qty,
                '12.50' as unit_price, 'web' as channel,
                (i % 7 = 0 and i % 50000 <> 3)::integer::varchar as backordered_qty
            from range({ROWS}) as r(i)
        ) to '{lines}' (header)"""
    )
    skus = folder / "skus.csv"
    skus.write_text(
        "sku,title,family\n" + "".join(f"SKU-{i},Item {i},F{i % 5}\n" for i in range(200))
    )
    return [lines, skus]


def start_import(db: Path, paths: list[Path]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dashboard", "--db", str(db), "import", "--quiet"]
        + [str(p) for p in paths],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_twenty_random_kills_leave_the_old_or_the_new_state(tmp_path):
    previous = tmp_path / "previous.duckdb"
    first = tmp_path / "order_lines_first.csv"
    first.write_text(
        "order_id,line_id,ordered_at,sku,qty\n"
        "A-1,1,2026-02-01T08:00:00Z,SKU-1,1\nA-2,1,2026-02-02T08:00:00Z,SKU-2,x\n"
    )
    assert import_paths([first], previous).files[0].rows_rejected == 1
    paths = write_exports(tmp_path)
    before = state(previous)

    # Two runs left to finish: the new state, and how long a warm run takes.
    durations = []
    for _ in range(2):
        finished = tmp_path / "finished.duckdb"
        shutil.copyfile(previous, finished)
        started = time.monotonic()
        proc = start_import(finished, paths)
        _, err = proc.communicate(timeout=600)
        durations.append(time.monotonic() - started)
        assert proc.returncode == 0, err.decode()  # rejected rows do not fail an import
    duration = min(durations)
    after = state(finished)
    assert after["order_lines"][0] == before["order_lines"][0] + ROWS - 5
    assert after["skus"][0] == 200
    assert after["rejects"][0] == before["rejects"][0] + 5
    assert after["imports"] == (2,)

    rng = random.Random(SEED)
    outcomes = {"before": 0, "after": 0}
    killed_while_running = 0
    for run in range(RUNS):
        db = tmp_path / f"run{run}.duckdb"
        shutil.copyfile(previous, db)
        delay = rng.uniform(0.0, duration * 1.1)
        proc = start_import(db, paths)
        time.sleep(delay)
        killed_while_running += proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        now = state(db)
        assert now in (before, after), f"run {run}: killed after {delay:.2f} s of {duration:.2f}"
        outcomes["before" if now == before else "after"] += 1
        # the next write removes the killed writer's private copy and works
        assert import_paths([first], db).files[0].status == "loaded"
        assert not list(tmp_path.glob(f".{db.name}.*.tmp*"))
        db.unlink()
    # most kills land while the import runs, and many before its swap: the test has teeth
    assert killed_while_running >= RUNS // 2, (killed_while_running, outcomes, durations)
    assert outcomes["before"] >= 5, (outcomes, durations)
    print(f"import {duration:.1f} s; {killed_while_running} killed while running; {outcomes}")
