"""What-if replay timings: `uv run python benchmarks/whatif.py [--sizes 1M,10M] [--repeat 5]`.

Builds (or reuses) a synthetic history per size straight in DuckDB with `range()` under
benchmarks/data/whatif-<size>.duckdb: ~2 lines per order, 5,000 skus in 50 families with
skewed popularity, 8% of lines backordered, two years of orders, inbound every ~45 days per
sku, shipments, contacts, skus with recorded rules. Then prints median timings (one untimed
warm-up run first) of:

- replay cold: `whatif.replay(con, scenario)` on a fresh connection (features + events + walk);
- replay: the same, warm (DuckDB's caches filled, same connection);
- its parts: feature_table, prepare_events, judge + walk + outcome (what a slider move costs
  once the features and events are cached, as the page caches them);
- scenario figures: on the history without the blocked lines, all of them (the six metrics,
  the headline figures, the buffer curve) and the cards' only (CARD_FIGURES: the headline
  figures of queries/whatif_headlines.sql and the buffer curve, what a slider move recomputes);
- page update: what the page recomputes on a slider move (judge, walk, outcome, the cards'
  scenario figures, changed skus), with the features, events and baseline figures cached.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import store, whatif  # noqa: E402
from dashboard.contract import TABLES  # noqa: E402
from dashboard.whatif import Rule, Scenario  # noqa: E402
from dashboard.whatif.replay import _feature_table, _prepare_events  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
LAST_DAY = date(2026, 11, 15)
SKUS = 5000

BUILD_SQL = [
    # skus: family, price, cost, seasonal, recorded rule
    f"""
    insert into skus (sku, family, supplier, price, unit_cost, seasonal, backorder_eligible,
                      oversell_cap)
    select
        'S' || lpad(i::varchar, 5, '0'),
        'F' || lpad((i % 50)::varchar, 2, '0'),
        'V' || (i % 7)::varchar,
        (5 + hash(i, 1) % 200)::decimal(18, 4),
        ((5 + hash(i, 1) % 200) * (0.3 + (hash(i, 2) % 60) / 100.0))::decimal(18, 4),
        i % 50 = 49,
        hash(i, 3) % 20 <> 0,
        case when hash(i, 4) % 3 = 0 then 10 + hash(i, 5) % 40 end
    from range({SKUS}) as t(i)
    """,
    # order lines over two years ending LAST_DAY; ~2 lines per order
    """
    insert into order_lines by name
    with base as (
        select
            i,
            timestamptz '2024-11-16 00:00:00+00'
            + to_microseconds((i::double * $span_us / $n)::bigint) as ordered_at,
            floor($skus * pow((hash(i, 10) % 1000000) / 1000000.0, 2.5))::bigint as sku_no,
            hash(i, 11) % 1000 as r1,
            hash(i, 12) % 1000 as r2,
            hash(i, 13) % 1000 as r3
        from range($n) as t(i)
    ),
    shaped as (
        select
            *,
            r1 < 80 as is_backordered,
            1 + r2 % 3 as qty,
            case when r1 < 80 then 1 + r3 % 3 else 0 end as backordered_qty,
            case when r1 < 80 then 1 + r2 % 30 else 1 + r2 % 3 end as days_to_resolve,
            r3 < 80 and r1 < 80 as is_canceled
        from base
    ),
    timed as (
        select
            *,
            ordered_at + to_days(days_to_resolve::integer) + to_hours((r3 % 24)::integer)
                as resolved_at
        from shaped
    )
    select
        (i // 2)::varchar as order_id,
        (i % 2 + 1)::varchar as line_id,
        ordered_at,
        'S' || lpad(sku_no::varchar, 5, '0') as sku,
        greatest(qty, backordered_qty)::integer as qty,
        (5 + hash(sku_no, 1) % 200)::decimal(18, 4) as unit_price,
        ['web', 'amazon', 'wholesale'][1 + (i // 2) % 3] as channel,
        backordered_qty::integer as backordered_qty,
        case when is_backordered then ordered_at end as backordered_at,
        case when is_backordered then
            case r2 % 5 when 0 then 'supplier_delay' when 1 then 'inbound_shortage'
                else 'inventory_sync' end
        end as backorder_reason,
        case when is_backordered then (ordered_at + to_days((5 + r2 % 20)::integer))::date
            end as promised_ship_date,
        case when is_backordered then (ordered_at + to_days((3 + r3 % 20)::integer))::date
            end as supplier_eta,
        case when not is_canceled and resolved_at < $end then resolved_at end as shipped_at,
        case when not is_canceled and resolved_at < $end
            then 'SH' || (i // 2)::varchar || '-' || (i % 2)::varchar end as shipment_id,
        case when is_canceled and resolved_at < $end then resolved_at end as canceled_at,
        case when is_canceled and resolved_at < $end then 'backorder_delay' end
            as cancel_reason,
        ordered_at::date as ordered_date,
        case when is_backordered then ordered_at::date end as backordered_date,
        case when not is_canceled and resolved_at < $end then resolved_at::date end
            as shipped_date,
        case when is_canceled and resolved_at < $end then resolved_at::date end
            as canceled_date
    from timed
    """,
    """
    insert into shipments by name
    select shipment_id, any_value(order_id) as order_id, min(shipped_at) as shipped_at,
        min(shipped_date) as shipped_date, 6.5 as shipping_cost, 1.0 as handling_cost
    from order_lines where shipment_id is not null group by shipment_id
    """,
    """
    insert into contacts by name
    select 'C' || order_id as contact_id, order_id, min(ordered_at) + interval 3 day
        as created_at, (min(ordered_at) + interval 3 day)::date as created_date, 'wismo' as topic
    from order_lines where hash(order_id) % 100 < 3 group by order_id
    """,
    # inbound: per sku a PO every ~45 days over the two years
    f"""
    insert into inbound by name
    select
        'PO' || s || '-' || k as po_id,
        'S' || lpad(s::varchar, 5, '0') as sku,
        'V' || (s % 7)::varchar as supplier,
        100 as qty,
        timestamptz '2024-11-16 00:00:00+00' + to_days((k * 45 + s % 40)::integer)
            as created_at,
        (timestamptz '2024-11-16 00:00:00+00'
            + to_days((k * 45 + s % 40 + 21)::integer))::date as supplier_eta,
        timestamptz '2024-11-16 00:00:00+00'
            + to_days((k * 45 + s % 40 + 15 + hash(s, k) % 14)::integer) as received_at,
        100 as qty_received
    from range({SKUS}) as a(s), range(16) as b(k)
    """,
    "update inbound set created_date = created_at::date, received_date = received_at::date",
]


def size_of(text: str) -> int:
    text = text.strip().upper()
    scale = {"K": 1_000, "M": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("KM")) * scale)


def build(path: Path, lines: int) -> None:
    if path.exists():
        return
    started = time.perf_counter()
    with store.writing(path) as con:
        params = {
            "n": lines,
            "skus": SKUS,
            "span_us": 730 * 86_400_000_000,
            "end": "2026-11-16 00:00:00+00",
        }
        for sql in BUILD_SQL:
            used = {k: v for k, v in params.items() if f"${k}" in sql}
            con.execute(sql, used or None).fetchall()
        for table in TABLES.values():
            for column in table.column_names:
                con.execute(
                    "insert into column_presence values (?, ?)", [table.name, column]
                ).fetchall()
        store.refresh_derived(con)  # as the importer does last
        con.execute("insert or replace into dataset values ('timezone', 'UTC')").fetchall()
    print(f"built {path.name} in {time.perf_counter() - started:.1f} s", flush=True)


def scenario() -> Scenario:
    return Scenario(
        supplier_slip=Rule(True, 5.0),
        cancel_rate=Rule(True, 0.30),
        cap_default=20,
        family_caps=(("F07", 5),),
        promise_buffer_days=2,
        from_date=date(2026, 7, 1),
        to_date=date(2026, 10, 1),
    )


def median_time(fn, repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds (CPU of every thread of the process: on a machine shared
    with other work, it is what the wall time would be on idle cores times their number)."""
    fn()  # warm-up
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def report(name: str, timing: tuple[float, float]) -> None:
    wall, cpu = timing
    print(f"  {name:<42} {wall * 1000:8.0f} ms {cpu * 1000:8.0f} ms", flush=True)


def bench(path: Path, repeat: int) -> None:
    """Print each timing as soon as it is measured."""
    s = scenario()

    def cold():
        whatif.replay_cache_clear()
        with store.connect(path) as con:
            whatif.outcome(whatif.replay(con, s))

    report("replay cold (new connection, no cache)", median_time(cold, repeat))
    con = store.connect(path)
    warm = median_time(lambda: whatif.outcome(whatif.replay(con, s)), repeat)
    report("replay (features and events cached)", warm)
    period = whatif.replay_period(con, s)
    window = whatif.feature_period(period)
    report("  feature_table (uncached)", median_time(lambda: _feature_table(con, window), repeat))
    report("  prepare_events (uncached)", median_time(lambda: _prepare_events(con, period), repeat))
    features = whatif.feature_table(con, window)
    events = whatif.prepare_events(con, period)
    print(f"  {events.lines.height:,} event lines, {events.skus.len():,} skus", flush=True)

    def slider_move():
        result = whatif.replay_events(events, whatif.judge(features, s), s)
        whatif.outcome(result)
        return result

    report("  judge + walk + outcome", median_time(slider_move, repeat))
    result = slider_move()
    print(f"  blocked lines: {result.blocked.height:,} of {result.lines.height:,}", flush=True)
    report(
        "scenario figures (all)", median_time(lambda: whatif.scenario_figures(con, result), repeat)
    )
    cards = median_time(
        lambda: whatif.scenario_figures(con, result, names=whatif.CARD_FIGURES), repeat
    )
    report("scenario figures (the cards': CARD_FIGURES)", cards)

    def page_update():
        moved = slider_move()
        figures = whatif.scenario_figures(con, moved, names=whatif.CARD_FIGURES)
        whatif.changed_skus(moved)
        return figures

    report("page update (slider move, new blocked set)", median_time(page_update, repeat))
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1M,10M")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    for size in args.sizes.split(","):
        path = DATA / f"whatif-{size}.duckdb"
        build(path, size_of(size))
        print(f"{size} order lines (median of {args.repeat}):", flush=True)
        print(f"  {'':<42} {'wall':>8}    {'cpu':>8}", flush=True)
        bench(path, args.repeat)


if __name__ == "__main__":
    main()
