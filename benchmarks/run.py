"""Benchmarks: `make bench`, or `uv run python benchmarks/run.py --sizes 1M,10M --repeat 5`.

For each size (order lines) it builds the demo history once under benchmarks/data/<size>/
(`dashboard.demo.generate`, orders = lines / 2.4, reused on later runs), imports it into
benchmarks/data/<size>/dashboard.duckdb (timed; `--keep-db` reuses an imported database and
reprints the recorded import time) and times order_lines.csv alone into a new scratch database
(the issue's "10M-line CSV" reading of the import target) and, right after, DuckDB's plain load
of the same file (no checks: the floor under the import), then times, each in its own process,
warm (one untimed run first, then `--repeat` timed runs; the figure is their median):

- a week's export into a copy of the imported history (benchmarks/step.py `week_export`: the
  history's last rows, half of their orders new, the other half's unshipped lines now shipped);
- every metric of dashboard.queries.REGISTRY for the last full ISO week of the data;
- metrics.weekly_review for that week; metrics.quarterly_top20 for the last full quarter;
- the what-if replay (dashboard.whatif.replay, default scenario; "not available" without it);
- the pandas reference of the weekly review's core (benchmarks/pandas_reference.py), checked
  against our metric functions, and the five metric functions it mirrors ("core");
- at 1M lines: app first paint (benchmarks/app_paint.py).

Peak memory is each process's own peak RSS. Results print as a table with the issue's targets
(PASS/MISS) and are saved to benchmarks/out/results-<time>.{json,md}; children's stderr goes
to benchmarks/out/run-<time>.log.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (  # noqa: E402
    OUT,
    SEED,
    TARGETS,
    StepResult,
    csv_dir,
    db_file,
    fmt,
    generated_marker,
    imported_marker,
    last_full_quarter,
    last_full_week,
    machine,
    orders_for,
    parse_size,
    run_step,
    size_dir,
)

STEPS = ("generate", "import", "week", "metrics", "review", "top20", "replay", "pandas", "app")
REVIEWS = ("weekly_review", "quarterly_top20")
# Our steps whose peak memory counts against the memory target (not pandas, not the app, not
# DuckDB's plain load, "floor").
OURS = ("import", "week", "metric", "weekly_review", "quarterly_top20", "replay", "core")
# A week's export (the "week" step) holds this fraction of the history's order lines: the demo
# spans about three years.
WEEKS_OF_HISTORY = 156
# Bytes per order line on disk: CSV ~160 + database ~65 + the import's scratch copy ~65,
# measured at 1M and 10M (for the disk check).
BYTES_PER_LINE = 300


class Report:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(
        self,
        size: str,
        figure: str,
        result: StepResult | None = None,
        value: float | None = None,
        unit: str = "s",
        note: str = "",
        kind: str = "",
        peak_mb: float | None = None,
    ) -> dict:
        if result is not None and value is None:
            value = result.median
        target = TARGETS.get((figure, size))
        status = ""
        if result is not None and not result.ok:
            status, note = "FAIL", (result.error or "")[:160]
        if target:
            status = "MISS" if status == "FAIL" else target.check(value)
        row = {
            "size": size,
            "figure": figure,
            "value": value,
            "unit": unit,
            "first": result.first if result else None,
            "runs": len(result.times) if result else 0,
            "peak_mb": result.peak_mb if result else peak_mb,
            "target": target.text() if target else "",
            "status": status,
            "note": note,
            "kind": kind,
            "info": result.info if result else {},
        }
        self.rows.append(row)
        print(self.line(row), flush=True)
        return row

    @staticmethod
    def cells(row: dict) -> list[str]:
        return [
            row["size"],
            row["figure"],
            fmt(row["value"], row["unit"]),
            fmt(row["first"], "s") if row["first"] is not None else "",
            fmt(row["peak_mb"], "MB") if row["peak_mb"] is not None else "",
            row["target"],
            row["status"],
            row["note"],
        ]

    HEAD = ["size", "figure", "median", "first run", "peak RSS", "target", "", "note"]
    WIDTHS = [5, 34, 11, 10, 9, 10, 4, 0]

    def line(self, row: dict) -> str:
        return "  ".join(
            c.ljust(w) if w else c for c, w in zip(self.cells(row), self.WIDTHS, strict=True)
        )

    def markdown(self) -> str:
        out = ["| " + " | ".join(self.HEAD) + " |", "|" + "---|" * len(self.HEAD)]
        for row in self.rows:
            out.append("| " + " | ".join(c.replace("|", "/") for c in self.cells(row)) + " |")
        return "\n".join(out)


def ensure_generated(label: str, lines: int, report: Report, log) -> bool:
    marker = generated_marker(label)
    if marker.exists():
        done = json.loads(marker.read_text())
        report.add(
            label,
            "generate (reused)",
            value=done["seconds"],
            note=f"built {done['finished'][:16]}, {done['bytes'] / 1e9:.1f} GB of CSV",
            kind="generate",
        )
        return True
    out = csv_dir(label)
    if out.exists():
        shutil.rmtree(out)  # a half-written earlier attempt
    spec = {"kind": "generate", "out": str(out), "orders": orders_for(lines), "seed": SEED}
    result = run_step(spec, log=log)
    report.add(label, "generate", result, kind="generate", note=f"{orders_for(lines):,} orders")
    if not result.ok:
        return False
    marker.write_text(
        json.dumps(
            {
                "seconds": result.times[0],
                "orders": spec["orders"],
                "seed": SEED,
                "files": result.info["files"],
                "bytes": result.info["bytes"],
                "finished": dt.datetime.now(dt.UTC).isoformat(),
            },
            indent=2,
        )
    )
    return True


def ensure_imported(label: str, report: Report, log, keep_db: bool, measure: bool) -> bool:
    db = db_file(label)
    marker = imported_marker(label)
    if db.exists() and marker.exists() and (keep_db or not measure):
        done = json.loads(marker.read_text())
        lines = done["rows"]["order_lines"]
        report.add(
            label,
            "import",
            value=done["seconds"],
            note=f"recorded {done['finished'][:16]}: {lines / done['seconds'] / 1e6:.3f} M lines/s",
            kind="import",
            peak_mb=done.get("peak_mb"),
        )
        if "alone" in done:
            alone = done["alone"]
            report.add(
                label,
                ALONE,
                value=alone["seconds"],
                note=f"recorded: {_alone_note(label, alone['seconds'], alone['rows'])}",
                kind="import",
                peak_mb=alone["peak_mb"],
            )
            if "plain" in alone:
                plain = alone["plain"]
                report.add(
                    label,
                    PLAIN,
                    value=plain["seconds"],
                    note=f"recorded: {_plain_note(alone['seconds'], plain['seconds'])}",
                    kind="floor",
                    peak_mb=plain["peak_mb"],
                )
        return True
    files = json.loads(generated_marker(label).read_text())["files"]
    # Import into a scratch file, then move it into place: a failed import keeps the old db.
    scratch = size_dir(label) / "import-run.duckdb"
    spec = {"kind": "import", "files": list(files.values()), "db": str(scratch)}
    result = run_step(spec, log=log)
    if not result.ok:
        report.add(label, "import", result, kind="import")
        return db.exists()
    rows = result.info["rows"]
    seconds = result.times[0]
    total = sum(rows.values())
    report.add(
        label,
        "import",
        result,
        kind="import",
        note=(
            f"{rows['order_lines'] / seconds / 1e6:.3f} M lines/s, {total / seconds / 1e6:.3f} M "
            f"rows/s ({total:,} rows, {result.info['csv_bytes'] / 1e9:.1f} GB CSV -> "
            f"{result.info['db_bytes'] / 1e9:.1f} GB db)"
        ),
    )
    scratch.replace(db)
    alone = import_alone(label, Path(files["order_lines"]), report, log)
    marker.write_text(
        json.dumps(
            {
                "seconds": seconds,
                "rows": rows,
                "peak_mb": result.peak_mb,
                "finished": dt.datetime.now(dt.UTC).isoformat(),
                **({"alone": alone} if alone else {}),
            },
            indent=2,
        )
    )
    return True


# The "import of a 10M-line CSV under 30 s", read as the order lines file alone into a
# new database (the whole set above is 1.8x the rows, in six files).
ALONE = "import order_lines.csv alone"
PLAIN = "DuckDB's plain load, same file"


def import_alone(label: str, csv: Path, report: Report, log) -> dict | None:
    """Time order_lines.csv alone into a new scratch database (deleted after)."""
    scratch = size_dir(label) / "import-order-lines.duckdb"
    result = run_step({"kind": "import", "files": [str(csv)], "db": str(scratch)}, log=log)
    for leftover in (scratch, scratch.with_name(scratch.name + ".lock")):
        leftover.unlink(missing_ok=True)
    if not result.ok:
        report.add(label, ALONE, result, kind="import")
        return None
    seconds, rows = result.times[0], result.info["rows"]["order_lines"]
    report.add(label, ALONE, result, kind="import", note=_alone_note(label, seconds, rows))
    alone = {"seconds": seconds, "rows": rows, "peak_mb": result.peak_mb}
    # Right after it, DuckDB's own load of the same file: the floor under the import on the
    # machine as it is now (its speed swings by a third within minutes).
    plain = run_step({"kind": "plain_load", "file": str(csv), "db": str(scratch)}, log=log)
    for leftover in (scratch, scratch.with_name(scratch.name + ".wal")):
        leftover.unlink(missing_ok=True)
    if not plain.ok:
        report.add(label, PLAIN, plain, kind="floor")
        return alone
    alone["plain"] = {"seconds": plain.times[0], "peak_mb": plain.peak_mb}
    report.add(label, PLAIN, plain, kind="floor", note=_plain_note(seconds, plain.times[0]))
    return alone


def _plain_note(alone: float, plain: float) -> str:
    return (
        "create table as select * from read_csv(file), then a checkpoint: no checks, row "
        f"numbers or derived tables; the import alone took {alone / plain:.2f}x this"
    )


def _alone_note(label: str, seconds: float, rows: int) -> str:
    note = f"{rows / seconds / 1e6:.3f} M lines/s ({rows:,} lines)"
    target = TARGETS.get(("import", label))
    return f"{note}; issue's target {target.text()}: {target.check(seconds)}" if target else note


def data_range(db: Path) -> tuple[dt.date, int]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        last, lines = con.sql("select max(ordered_date), count(*) from order_lines").fetchall()[0]
    return last, lines


def metric_names() -> list[str]:
    import dashboard.metrics  # noqa: F401  (registers every metric)
    from dashboard.queries import REGISTRY

    return sorted(n for n in REGISTRY if n not in REVIEWS)


def bench_size(label: str, args, report: Report, log) -> None:
    lines = parse_size(label)
    steps = args.only
    if not ensure_generated(label, lines, report, log):
        return
    if steps <= {"generate"}:  # only the data: no import (hours at 100M)
        return
    if not ensure_imported(label, report, log, args.keep_db, "import" in steps):
        return
    db = db_file(label)
    last_day, n_lines = data_range(db)
    week, quarter = last_full_week(last_day), last_full_quarter(last_day)
    print(f"# {label}: {n_lines:,} order lines up to {last_day}; week {week}, quarter {quarter}")
    base = {"db": str(db), "repeat": args.repeat}
    results: dict[str, StepResult] = {}

    if "week" in steps:
        week_lines = max(n_lines // WEEKS_OF_HISTORY, 1)
        scratch = size_dir(label) / "import-week.duckdb"
        spec = {
            "kind": "week",
            "db": str(db),
            "csv_dir": str(csv_dir(label)),
            "week_dir": str(size_dir(label) / "week"),
            "scratch": str(scratch),
            "lines": week_lines,
        }
        r = run_step(spec, log=log, timeout=args.step_timeout)
        for leftover in (scratch, scratch.with_name(scratch.name + ".lock")):
            leftover.unlink(missing_ok=True)
        report.add(
            label,
            "import a week's export",
            r,
            kind="week",
            note=f"{r.info.get('rows', 0):,} rows of 6 files, {r.info.get('changed', 0):,} "
            f"inserted or replaced, into the {n_lines:,}-line history",
        )

    if "metrics" in steps:
        for name in metric_names():
            spec = {**base, "kind": "metric", "name": name, "period": week}
            results[f"metric:{name}"] = r = run_step(spec, log=log, timeout=args.step_timeout)
            report.add(label, name, r, kind="metric", note=f"{week}")
    if "review" in steps:
        results["weekly_review"] = r = run_step(
            {**base, "kind": "weekly_review", "period": week}, log=log
        )
        report.add(label, "weekly_review", r, kind="weekly_review", note=week)
    if "top20" in steps:
        results["quarterly_top20"] = r = run_step(
            {**base, "kind": "quarterly_top20", "period": quarter}, log=log
        )
        report.add(label, "quarterly_top20", r, kind="quarterly_top20", note=quarter)
    if "replay" in steps:
        results["replay"] = r = run_step(
            {**base, "kind": "replay", "period": quarter}, log=log, timeout=args.step_timeout
        )
        if r.error and r.error.startswith("not available"):
            report.add(label, "replay", value=None, note=r.error[:120], kind="replay")
        else:
            report.add(
                label, "replay", r, kind="replay", note=f"{quarter}, replay + outcome, uncached"
            )
            r = run_step(
                {**base, "kind": "replay_cached", "period": quarter},
                log=log,
                timeout=args.step_timeout,
            )
            report.add(
                label,
                "replay (features, events cached)",
                r,
                kind="replay",
                note="a rerun with other rules or caps",
            )
            r = run_step(
                {**base, "kind": "replay_figures", "period": quarter},
                log=log,
                timeout=args.step_timeout,
            )
            report.add(
                label,
                "replay + scenario figures",
                r,
                kind="replay",
                note="plus the metrics without the blocked lines",
            )
    if "pandas" in steps:
        core = run_step(
            {**base, "kind": "core", "period": week}, log=log, timeout=args.step_timeout
        )
        results["core"] = core
        report.add(label, "core (5 metrics of the reference)", core, kind="core", note=week)
        ref = run_step(
            {**base, "kind": "pandas", "period": week}, log=log, timeout=args.step_timeout
        )
        info = ref.info
        checked = (
            f"equal to ours on {info.get('checked', 0)} figures"
            if ref.ok
            else f"{len(info.get('mismatches', []))}+ differ"
        )
        read = info.get("read_s")
        report.add(
            label,
            "pandas reference",
            ref,
            kind="pandas",
            note=f"{checked}; last run read {fmt(read, 's')} + compute "
            f"{fmt(info.get('compute_s'), 's')}",
        )
        if ref.median:
            review = results.get("weekly_review")
            if review and review.median:
                report.add(
                    label,
                    "weekly_review vs pandas",
                    value=ref.median / review.median,
                    unit="x",
                    note="pandas core time / our whole weekly_review time",
                )
            if core.median:
                report.add(
                    label,
                    "core vs pandas",
                    value=ref.median / core.median,
                    unit="x",
                    note="same five figures, same week",
                )
                if info.get("compute_s"):
                    report.add(
                        label,
                        "core vs pandas compute only",
                        value=info["compute_s"] / core.median,
                        unit="x",
                        note="pandas without its read (last run)",
                    )
    if "app" in steps and label == "1M":
        r = run_step(
            {
                "db": str(db),
                "repeat": max(1, min(args.repeat, 3)),
                "path": args.app_path,
                "shot": str(OUT / f"app-{label}.png"),
            },
            log=log,
            timeout=args.step_timeout,
            script="app_paint.py",
        )
        i = r.info
        report.add(
            label,
            "app first paint",
            r,
            kind="app",
            note=(
                f"first headline at {fmt(_median(i.get('headline')), 's')}; server healthy "
                f"{fmt(_median(i.get('health')), 's')}, page {fmt(_median(i.get('page')), 's')}; "
                f"second visitor {fmt(i.get('second_visit'), 's')}"
            )
            if r.ok
            else "",
        )

    peaks = [
        (row["peak_mb"], row["figure"])
        for row in report.rows
        if row["size"] == label and row["kind"] in OURS and row["peak_mb"]
    ]
    if label == "10M" or peaks:
        top = max(peaks) if peaks else (None, "")
        report.add(label, "peak memory", value=top[0], unit="MB", note=f"largest: {top[1]}")


def _median(xs):
    if not xs:
        return None
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def disk_ok(label: str) -> tuple[bool, str]:
    need = parse_size(label) * BYTES_PER_LINE * 1.2
    if generated_marker(label).exists():
        need = 0 if db_file(label).exists() else need / 3
    free = shutil.disk_usage(size_dir(label).parent).free
    return free >= need, f"needs ~{need / 1e9:.0f} GB, {free / 1e9:.0f} GB free"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--sizes",
        default="1M,10M",
        help="order lines, e.g. 1M,10M,100M (100M only when asked: hours of generation and import)",
    )
    p.add_argument("--repeat", type=int, default=5, help="timed runs per step (after a warm-up)")
    p.add_argument(
        "--only", default=",".join(STEPS), help=f"comma list of steps: {', '.join(STEPS)}"
    )
    p.add_argument("--keep-db", action="store_true", help="reuse an imported database")
    p.add_argument("--app-path", default="", help="URL path of the weekly review page")
    p.add_argument(
        "--step-timeout", type=float, default=4 * 3600, help="seconds before a step is stopped"
    )
    args = p.parse_args(argv)
    args.only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = args.only - set(STEPS)
    if unknown:
        p.error(f"unknown steps {sorted(unknown)}; choose from {', '.join(STEPS)}")
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    for s in sizes:
        parse_size(s)

    OUT.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    m = machine()
    header = (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {m['nproc']} cores, {m['memory_gb']} GB, "
        f"{m['cpu']}; load {m['load']}; repeat {args.repeat}"
    )
    print(header)
    report = Report()
    print("  ".join(h.ljust(w) for h, w in zip(Report.HEAD, Report.WIDTHS, strict=True)))
    t0 = time.perf_counter()
    with open(OUT / f"run-{stamp}.log", "w", encoding="utf-8") as log:
        for label in sizes:
            size_dir(label).mkdir(parents=True, exist_ok=True)
            ok, why = disk_ok(label)
            if not ok:
                report.add(label, "all", note=f"skipped: not enough disk ({why})")
                continue
            bench_size(label, args, report, log)
    misses = [r for r in report.rows if r["status"] in ("MISS", "FAIL")]
    print(f"\n{len(misses)} MISS/FAIL; {time.perf_counter() - t0:.0f} s in all")
    (OUT / f"results-{stamp}.json").write_text(
        json.dumps({"header": header, "machine": m, "rows": report.rows}, indent=2, default=str)
    )
    (OUT / f"results-{stamp}.md").write_text(f"{header}\n\n{report.markdown()}\n")
    print(f"saved benchmarks/out/results-{stamp}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
