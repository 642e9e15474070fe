"""One measured step, in its own process: `python benchmarks/step.py '<json spec>'`.

Prints one JSON line: {"times": [...], "first": s, "peak_mb": MB, "info": {...}, "error": ...}.
`first` is the warm-up run (the first call in a fresh process, connection already open); `times`
are the `repeat` runs after it. `peak_mb` is this process's peak resident set (ru_maxrss), so it
covers the warm-up run too: Python, the imports, DuckDB's buffers and the result frames.

Kinds: generate, import, plain_load (DuckDB's own load of one CSV: no checks, no row numbers,
no derived tables; the floor under the import), week (a week's export into a copy of the
imported history), metric (name), weekly_review, quarterly_top20, replay, core (the five
metric functions the pandas reference computes), pandas (the reference, checked against ours
outside the timing).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def week_export(csv_dir: Path, folder: Path, lines: int) -> list[Path]:
    """A week's export of every file, made from the history's own last rows: the last `lines`
    order lines and as many rows of the other order files, every second order of them a new
    order (its id with a `W`), and the order lines of the others that had not shipped now
    shipped three days after their order. Files without orders (skus, inbound) are exported
    whole."""
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    out = []
    for csv in sorted(csv_dir.glob("*.csv")):
        target = folder / csv.name
        rows = f"read_csv('{csv}', all_varchar = true)"
        names = [r[0] for r in con.sql(f"describe from {rows}").fetchall()]
        if "order_id" not in names:  # skus, inbound: small, exported whole
            query = f"from {rows}"
        else:
            renamed = "case when hash(order_id) % 2 = 0 then order_id || 'W' else order_id end"
            shipped = ""
            if csv.stem == "order_lines":
                shipped = (
                    ", coalesce(shipped_at, case when canceled_at is null then strftime("
                    "order_ts + interval 3 day, '%Y-%m-%dT%H:%M:%SZ') end) as shipped_at"
                )
            query = (
                f"select * replace ({renamed} as order_id{shipped}) from (select *, "
                f"try_cast(ordered_at as timestamptz) as order_ts from {rows}) "
                if csv.stem == "order_lines"
                else f"select * replace ({renamed} as order_id) from {rows} "
            )
            count = con.sql(f"select count(*) from {rows}").fetchall()[0][0]
            query += f"limit {lines} offset {max(count - lines, 0)}"
            if csv.stem == "order_lines":
                query = f"select * exclude (order_ts) from ({query})"
        con.execute(f"copy ({query}) to '{target}' (header)")
        out.append(target)
    return out


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KB on Linux


def timed(fn, repeat: int) -> tuple[float, list[float], object]:
    t0 = time.perf_counter()
    result = fn()
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return first, times, result


def _period(label: str):
    from dashboard.params import Period

    return Period.quarter(label) if "Q" in label.upper() else Period.week(label)


def run(spec: dict) -> dict:
    kind = spec["kind"]
    repeat = int(spec.get("repeat", 5))
    info: dict = {}

    if kind == "generate":
        from dashboard import demo

        t0 = time.perf_counter()
        files = demo.generate(Path(spec["out"]), orders=int(spec["orders"]), seed=spec["seed"])
        elapsed = time.perf_counter() - t0
        info["files"] = {k: str(v) for k, v in files.items()}
        info["bytes"] = sum(Path(v).stat().st_size for v in files.values())
        return {"first": None, "times": [elapsed], "info": info}

    if kind == "import":
        from dashboard import demo, importer

        files = [Path(p) for p in spec["files"]]
        db = Path(spec["db"])
        for stale in (db, db.with_name(db.name + ".wal")):
            if stale.exists():
                stale.unlink()
        t0 = time.perf_counter()
        report = importer.import_paths(
            files, db, timezone=demo.DEMO_TIMEZONE, currency=demo.DEMO_CURRENCY
        )
        elapsed = time.perf_counter() - t0
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            counts = {
                t: con.sql(f"select count(*) from {t}").fetchall()[0][0]
                for t in ("order_lines", "shipments", "inbound", "contacts", "notices", "skus")
            }
        info.update(
            rows=counts,
            ok=bool(getattr(report, "ok", True)),
            db_bytes=db.stat().st_size,
            csv_bytes=sum(f.stat().st_size for f in files),
        )
        return {"first": None, "times": [elapsed], "info": info}

    if kind == "plain_load":
        import duckdb

        from dashboard.importer import MEMORY_LIMIT
        from dashboard.importer.sources import literal

        db = Path(spec["db"])
        for stale in (db, db.with_name(db.name + ".wal")):
            stale.unlink(missing_ok=True)
        t0 = time.perf_counter()
        with duckdb.connect(str(db)) as con:
            con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")  # the import's own cap
            con.execute(f"create table t as select * from read_csv({literal(spec['file'])})")
            con.execute("checkpoint")
            elapsed = time.perf_counter() - t0
            info["rows"] = con.execute("select count(*) from t").fetchall()[0][0]
        return {"first": None, "times": [elapsed], "info": info}

    if kind == "week":
        import shutil

        from dashboard import importer

        folder = Path(spec["week_dir"])
        files = week_export(Path(spec["csv_dir"]), folder, int(spec["lines"]))
        db = Path(spec["scratch"])
        shutil.copyfile(spec["db"], db)  # untimed: the history as the previous import left it
        t0 = time.perf_counter()
        report = importer.import_paths(files, db)
        elapsed = time.perf_counter() - t0
        info["rows"] = sum(f.rows_loaded or 0 for f in report.files)
        info["changed"] = sum((f.rows_inserted or 0) + (f.rows_replaced or 0) for f in report.files)
        if not report.ok:
            raise RuntimeError(report.error or "the week's import failed")
        return {"first": None, "times": [elapsed], "info": info}

    from dashboard import store

    db = Path(spec["db"])
    period = _period(spec["period"])
    con = store.connect(db)
    # Load the result converters (pyarrow, polars) before timing: `first` is then the first
    # query on cold data, not Python imports.
    con.execute("select 1").fetchall()  # finishes any result store.connect left open
    con.sql("select 1 as x").pl()
    import numba  # noqa: F401  (the what-if's walk; imported by the app at start)

    if kind == "metric":
        import dashboard.metrics  # noqa: F401  (registers every metric)
        from dashboard.queries import REGISTRY

        fn = REGISTRY[spec["name"]]
        first, times, result = timed(lambda: fn(con, period), repeat)
        info["rows"] = result.height
    elif kind in ("weekly_review", "quarterly_top20"):
        from dashboard import metrics

        fn = getattr(metrics, kind)
        first, times, result = timed(lambda: fn(con, period), repeat)
        info["shape"] = _shape(result)
    elif kind in ("replay", "replay_cached", "replay_figures"):
        from benchmarks import replay_call

        fn = getattr(replay_call, f"call_{kind}")
        try:
            first, times, result = timed(lambda: fn(con, period), repeat)
        except (ImportError, AttributeError, replay_call.NotAvailable) as exc:
            return {"first": None, "times": [], "info": {}, "error": f"not available: {exc}"}
        info["shape"] = _shape(result)
    elif kind == "core":
        from benchmarks import pandas_reference

        first, times, result = timed(lambda: pandas_reference.ours(con, period), repeat)
    elif kind == "pandas":
        from benchmarks import pandas_reference

        con.close()  # the reference opens the file itself, inside its timing
        first, times, ref = timed(lambda: pandas_reference.weekly_core(db, period), repeat)
        info["read_s"] = ref.read_seconds
        info["compute_s"] = ref.compute_seconds
        with store.connect(db) as check:
            diffs = pandas_reference.compare(ref, pandas_reference.ours(check, period))
        info["checked"] = ref.figure_count()
        info["mismatches"] = diffs[:20]
        if diffs:
            return {
                "first": first,
                "times": times,
                "info": info,
                "error": f"{len(diffs)} figures differ from ours: {diffs[:3]}",
            }
    else:
        raise ValueError(f"unknown step kind {kind!r}")
    return {"first": first, "times": times, "info": info}


def _shape(result) -> object:
    if hasattr(result, "height"):
        return [result.height, result.width]
    if isinstance(result, dict):
        return sorted(result)[:20]
    return type(result).__name__


def main() -> None:
    spec = json.loads(sys.argv[1])
    try:
        out = run(spec)
        out.setdefault("error", None)
    except Exception as exc:  # report, never hang the harness
        traceback.print_exc()
        out = {"times": [], "first": None, "info": {}, "error": f"{type(exc).__name__}: {exc}"}
    out["peak_mb"] = peak_mb()
    out["pid"] = os.getpid()
    sys.stdout.write(json.dumps(out, default=str) + "\n")


if __name__ == "__main__":
    main()
