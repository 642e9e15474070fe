"""Readers are never blocked and never see half an import.

20 simulated viewers read while a 1M-line order_lines export is imported in a subprocess:
- 20 threads, each with its own read-only connection (as `ui.connection` keeps one per
  database version), run every registered metric (what every page calls) round and round,
  reopening when `store.version` says a write landed, as the app does;
- meanwhile the main thread walks every page of the app through the router (AppTest) twice.
AppTest runs one script at a time per process, so the 20 concurrent viewers are threads over the
metric functions; the AppTest walk shows the pages themselves render during the import.

0 errors; each viewer sees the old row count until the import lands and then reopens; a new
reader process sees the new count at once. Found here, and fixed in store.connect: a reader reopening in the same process
got the old file while any connection to it was open (DuckDB caches one instance per
path); the last test pins down that a reader in the same process sees it too.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import demo, store
from dashboard.importer import import_paths
from dashboard.metrics import REGISTRY
from dashboard.params import Filters, Period, Settings

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
BENCHMARK = ROOT / "benchmarks" / "data" / "1M" / "csv" / "order_lines.csv"
PAGES = ["weekly", "skus", "promises", "costs", "quarterly", "timeline", "data", "settings"]
VIEWERS = 20
WEEK = Period.week("2026-W46")
READ_COUNT = (
    "import sys; from pathlib import Path; from dashboard import store; "
    "print(store.connect(Path(sys.argv[1])).execute('select count(*) from order_lines')"
    ".fetchall()[0][0])"
)


def big_export(tmp_path: Path) -> Path:
    """The 1M-line order_lines export: the benchmark's if built, else generated (~420k orders)."""
    if BENCHMARK.exists():
        return BENCHMARK
    return demo.generate(tmp_path / "big", orders=416_667)["order_lines"]


class Viewer(threading.Thread):
    def __init__(self, db: Path, n: int, stop: threading.Event):
        super().__init__(name=f"viewer-{n}")
        self.db, self.n, self.stop = db, n, stop
        self.errors: list[str] = []
        self.counts: list[int] = []  # order_lines rows, each time the viewer (re)opened
        self.reads = 0

    def run(self) -> None:
        names = list(REGISTRY)
        names = names[self.n % len(names) :] + names[: self.n % len(names)]
        con, version = None, None
        try:
            while True:
                if store.version(self.db) != version:
                    if con is not None:
                        con.close()
                    version = store.version(self.db)
                    con = store.connect(self.db)
                    count = con.execute("select count(*) from order_lines").fetchall()[0][0]
                    self.counts.append(count)
                    if len(self.counts) > 1:  # the import landed: read it once, then leave
                        REGISTRY["backorder_rate"](con, WEEK, Filters(), Settings())
                        self.reads += 1
                        return
                for name in names:
                    REGISTRY[name](con, WEEK, Filters(), Settings())
                    self.reads += 1
                    if store.version(self.db) != version:
                        break
                if self.stop.is_set() and store.version(self.db) == version:
                    return
        except Exception as e:  # a viewer reports, the test fails on any
            self.errors.append(f"{type(e).__name__}: {e}")
        finally:
            if con is not None:
                con.close()


@pytest.mark.slow
def test_twenty_viewers_read_every_page_during_a_million_line_import(tmp_path, monkeypatch):
    files = demo.generate(tmp_path / "small", orders=3_000)
    db = tmp_path / "db.duckdb"
    assert import_paths(list(files.values()), db, timezone=demo.DEMO_TIMEZONE).ok
    with store.connect(db) as con:
        ((before,),) = con.execute("select count(*) from order_lines").fetchall()
    export = big_export(tmp_path)
    monkeypatch.setenv("DASHBOARD_DB", str(db))

    at = AppTest.from_file(APP, default_timeout=300)  # warm: the first run imports everything
    at.query_params.update({"week": "2026-W46"})
    at.run()
    stop = threading.Event()
    viewers = [Viewer(db, n, stop) for n in range(VIEWERS)]
    for v in viewers:
        v.start()
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "--db", str(db), "import", "--quiet", str(export)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    walks, app_errors, pages_during = 0, [], 0
    while walks < 1 or (proc.poll() is None and walks < 2):
        for page in PAGES:
            at.switch_page(f"../pages/{page}.py").run()
            app_errors += [f"{page}: {e.message}" for e in at.exception]
            pages_during += proc.poll() is None
        walks += 1
    out, err = proc.communicate(timeout=900)
    seconds = time.monotonic() - started
    assert proc.returncode == 0, err.decode()
    stop.set()
    for v in viewers:
        v.join(timeout=600)
    assert not any(v.is_alive() for v in viewers)

    # a new reader sees the new data at once
    fresh = subprocess.run(
        [sys.executable, "-c", READ_COUNT, str(db)], capture_output=True, text=True, check=True
    )
    after = int(fresh.stdout)
    assert after > before + 900_000, out.decode()
    assert app_errors == []
    assert pages_during >= 3, f"only {pages_during} pages drawn during the {seconds:.0f} s import"
    errors = [e for v in viewers for e in v.errors]
    assert errors == []
    for v in viewers:
        # the old count while the import ran, then a reopen when it landed; never a half state.
        assert v.counts == [before, after], (v.name, v.counts)
        assert v.reads > 0
    reads_during = sum(v.reads for v in viewers)
    print(
        f"import {seconds:.0f} s; {reads_during} metric reads by {VIEWERS} viewers, "
        f"{walks} app walks of {len(PAGES)} pages ({pages_during} pages during the import); "
        f"order_lines {before} -> {after}"
    )


def test_a_reader_in_the_same_process_sees_an_import_once_it_lands(tmp_path):
    db = tmp_path / "db.duckdb"
    first = tmp_path / "order_lines.csv"
    first.write_text("order_id,ordered_at,sku,qty\nA-1,2026-11-02T08:00:00Z,MUG,1\n")
    assert import_paths([first], db).ok
    held = store.connect(db)  # the app's cached connection of the old version
    try:
        second = tmp_path / "order_lines_2.csv"
        second.write_text("order_id,ordered_at,sku,qty\nA-2,2026-11-03T08:00:00Z,MUG,1\n")
        assert import_paths([second], db).ok
        with store.connect(db) as new:
            assert new.execute("select count(*) from order_lines").fetchall() == [(2,)]
    finally:
        held.close()
