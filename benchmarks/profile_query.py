"""EXPLAIN ANALYZE one metric's SQL on a benchmark database, as the metric binds it.

    uv run python benchmarks/profile_query.py --size 10M weekly_review [--period 2026-W47]

Prints DuckDB's annotated plan (operator timings, rows) after one warm-up run, and the
metric function's own time under cProfile (Python side: presence checks, conversions).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import db_file, last_full_quarter, last_full_week  # noqa: E402


def _walk(node, ops: list) -> None:
    """Collect (seconds, rows, operator, details) from DuckDB's JSON profile (2.x layout)."""
    if isinstance(node, list):
        for child in node:
            _walk(child, ops)
        return
    if not isinstance(node, dict):
        return
    if "operator" in node and "type" not in node:  # the root: io + operator list
        _walk(node["operator"], ops)
        return
    name = node.get("type") or node.get("operator_type") or ""
    if name and name not in ("RESULT_COLLECTOR", "EXPLAIN_ANALYZE"):
        extra = node.get("extra_info") or {}
        text = " ".join(
            f"{k}={v}" for k, v in extra.items() if k != "Estimated Cardinality"
        ).replace("\n", " ")
        ops.append(
            (
                float(node.get("timing", node.get("operator_timing", 0.0))),
                int(node.get("intermediate_rows", node.get("operator_cardinality", 0))),
                name,
                text[:160],
            )
        )
    _walk(node.get("children", []), ops)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("query", help="queries/<name>.sql, e.g. weekly_review")
    p.add_argument("--size", default="1M")
    p.add_argument("--period", help="ISO week or quarter (default: the last full week)")
    p.add_argument("--python", action="store_true", help="also cProfile the metric function")
    args = p.parse_args()

    import dashboard.metrics  # noqa: F401
    from dashboard import queries, store
    from dashboard.params import Filters, Period, Settings

    db = db_file(args.size)
    con = store.connect(db)
    con.execute("select 1").fetchall()
    last = con.execute("select max(ordered_date) from order_lines").fetchall()[0][0]
    label = args.period or (
        last_full_quarter(last)
        if "quarterly" in args.query or "whatif" in args.query
        else last_full_week(last)
    )
    period = Period.quarter(label) if "Q" in label else Period.week(label)
    if args.query == "weekly_review":
        period = Period.week_of(period.as_of)
    params = queries.base_params(period, Filters(), Settings(), None)
    previous = period.previous()
    params |= {"prev_from_date": previous.from_date, "prev_to_date": previous.to_date}
    # the what-if's feature window: the 12 months before the replay window
    params["feature_from"] = period.from_date.replace(year=period.from_date.year - 1)
    sql = queries.sql_text(args.query)
    used = dict.fromkeys(queries.PARAM.findall(queries._strip_comments(sql)))
    bound = {k: params[k] for k in used if k in params}
    missing = [k for k in used if k not in params]
    if missing:
        raise SystemExit(f"{args.query}.sql needs {missing}: profile it through its function")
    con.sql(sql, params=bound).pl()  # warm
    t0 = time.perf_counter()
    con.sql(sql, params=bound).pl()
    print(f"# {args.query} on {args.size} for {label}: {time.perf_counter() - t0:.3f} s warm")
    rows = con.sql("explain (analyze, format json) " + sql, params=bound).fetchall()
    tree = json.loads(rows[0][-1])
    ops: list[tuple[float, int, str, str]] = []
    _walk(tree, ops)
    total = sum(t for t, *_ in ops)
    print(f"# operators by time (sum {total:.3f} s over {len(ops)} operators; top 15)")
    for t, card, name, extra in sorted(ops, reverse=True)[:15]:
        print(f"{t:8.3f} s {card:>12,} rows  {name:<22} {extra}")
    if args.python and args.query in queries.REGISTRY:
        fn = queries.REGISTRY[args.query]
        prof = cProfile.Profile()
        prof.enable()
        fn(con, period)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumtime").print_stats(15)


if __name__ == "__main__":
    main()
