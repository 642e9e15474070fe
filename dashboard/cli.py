"""`dashboard` command line: import exports, build the demo, print reports, run the app."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from dashboard import store

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = Path("data") / "demo"


def _progress(fraction: float, message: str) -> None:
    width = 30
    done = int(width * min(max(fraction, 0.0), 1.0))
    end = "\n" if fraction >= 1 else ""
    print(
        f"\r[{'#' * done}{'.' * (width - done)}] {fraction:4.0%} {message[:60]:<60}",
        end=end,
        file=sys.stderr,
        flush=True,
    )


def cmd_import(args) -> int:
    from dashboard import importer

    report = importer.import_paths(
        [Path(p) for p in args.paths],
        store.db_path(args.db),
        mapping=Path(args.mapping) if args.mapping else None,
        timezone=args.timezone,
        currency=args.currency,
        progress=None if args.quiet else _progress,
    )
    print(report.format())
    return 0 if report.ok else 1


def cmd_demo(args) -> int:
    from dashboard import demo, importer

    db = store.db_path(args.db)
    if args.if_missing and db.exists():
        print(f"{db} exists; keeping it (drop --if-missing to rebuild)")
        return 0
    out = Path(args.out)
    files = demo.generate(
        out, orders=args.orders, seed=args.seed, progress=None if args.quiet else _progress
    )
    report = importer.import_paths(
        list(files.values()),
        db,
        timezone=demo.DEMO_TIMEZONE,
        currency=demo.DEMO_CURRENCY,
        progress=None if args.quiet else _progress,
    )
    print(report.format())
    return 0 if report.ok else 1


def _period(args):
    from dashboard.params import Period

    if args.week:
        return Period.week(args.week)
    if args.quarter:
        return Period.quarter(args.quarter)
    if args.from_date and args.to_date:
        return Period(date.fromisoformat(args.from_date), date.fromisoformat(args.to_date))
    raise SystemExit("give --week 2026-W47, --quarter 2026-Q3, or --from and --to")


def cmd_report(args) -> int:
    from dashboard import report, settings
    from dashboard.params import Filters

    db = store.db_path(args.db)
    period = _period(args)
    filters = Filters(
        tuple(args.channel), tuple(args.supplier), tuple(args.family), tuple(args.sku)
    )
    as_of = date.fromisoformat(args.as_of) if args.as_of else None
    with store.connect(db) as con:
        conf = settings.load(db)
        if args.format == "html":
            html = report.weekly_pack_html(con, period, filters, conf, as_of)
            out = Path(args.out or f"weekly-pack-{period}.html")
            out.write_text(html, encoding="utf-8")
            print(f"wrote {out}")
        else:
            rows = args.queue_rows or None
            data = report.report_json(con, period, filters, conf, as_of, queue_rows=rows)
            text = json.dumps(data, indent=2, default=str)
            if args.out:
                Path(args.out).write_text(text, encoding="utf-8")
            else:
                print(text)
    return 0


def cmd_app(args) -> int:
    env = dict(os.environ)
    if args.db:
        env["DASHBOARD_DB"] = str(Path(args.db).resolve())
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "dashboard" / "app.py"),
        "--server.port",
        str(args.port),
    ]
    return subprocess.call(command, env=env, cwd=ROOT)


def parser() -> argparse.ArgumentParser:
    db_help = "database file (default $DASHBOARD_DB or data/dashboard.duckdb)"
    p = argparse.ArgumentParser(prog="dashboard", description=__doc__)
    p.add_argument("--db", help=db_help)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help=db_help)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser(
        "import", parents=[common], help="import export files or folders (CSV, Parquet, ZIP)"
    )
    s.add_argument("paths", nargs="+")
    s.add_argument("--mapping", help="TOML mapping file for an export the app does not know")
    s.add_argument("--timezone", help="store time zone, e.g. Europe/Berlin (default: kept, UTC)")
    s.add_argument("--currency", help="store currency, e.g. EUR (default: kept, USD)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(fn=cmd_import)

    s = sub.add_parser("demo", parents=[common], help="generate the demo history and import it")
    s.add_argument("--orders", type=int, default=20_000)
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--out", default=str(DEMO_DIR), help="folder for the generated CSVs")
    s.add_argument("--if-missing", action="store_true", help="do nothing if the database exists")
    s.add_argument("--quiet", action="store_true")
    s.set_defaults(fn=cmd_demo)

    s = sub.add_parser(
        "report", parents=[common], help="print every figure as JSON, or write the weekly pack"
    )
    g = s.add_mutually_exclusive_group()
    g.add_argument("--week", help="ISO week, e.g. 2026-W47")
    g.add_argument("--quarter", help="e.g. 2026-Q3")
    s.add_argument("--from", dest="from_date", help="first day, YYYY-MM-DD")
    s.add_argument("--to", dest="to_date", help="day after the last, YYYY-MM-DD")
    s.add_argument("--as-of", help="as-of day for state figures (default: the period's last day)")
    for name in ("channel", "supplier", "family", "sku"):
        s.add_argument(f"--{name}", action="append", default=[], help="filter; repeatable")
    s.add_argument("--format", choices=["json", "html"], default="json")
    s.add_argument(
        "--queue-rows",
        type=int,
        default=100,
        help="rows listed per queue (*_lines) in JSON, beside its row_count; 0 = all",
    )
    s.add_argument("--out", help="output file")
    s.set_defaults(fn=cmd_report)

    s = sub.add_parser("app", parents=[common], help="run the dashboard")
    s.add_argument("--port", type=int, default=8501)
    s.set_defaults(fn=cmd_app)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.fn(args)
