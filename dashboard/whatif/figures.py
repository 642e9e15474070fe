"""What the replay means: the figures under the scenario beside the recorded baseline.

The figures under a scenario are computed on the recorded history with the blocked lines
removed: `scenario_connection` opens a cursor of the store connection and defines temp views
with the canonical names (queries/whatif_views.sql) plus the filter macros. Unqualified names
resolve to those views, so the baseline and the scenario are computed by the same code: the
ordinary metric functions, and queries/whatif_headlines.sql for the five headline figures a
slider move recomputes (one query, checked against those metric functions in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from dashboard import metrics, store
from dashboard.params import Period, Settings
from dashboard.queries import is_unavailable, mark_unavailable, missing_input, run, sql_text
from dashboard.whatif.replay import NO_CAP, ReplayResult

# The metrics whose figures the what-if sets beside the baseline.
FIGURE_METRICS = (
    "backorder_cancel_rate",
    "promise_hit_rate",
    "backorder_age",
    "support_contact_rate",
    "split_shipment_cost",
    "channel_sla",
)
SCENARIO_VIEWS = ("order_lines", "shipments", "contacts", "notices")
# Figures asked for by name beside the metrics: the headline figures (one row of
# queries/whatif_headlines.sql) and the promise-buffer curve.
HEADLINE_FIGURES = "headlines"
BUFFER_CURVE = "buffer_curve"
FIGURES = (*FIGURE_METRICS, HEADLINE_FIGURES, BUFFER_CURVE)
# What the page recomputes for a new set of blocked lines: the cards' figures.
CARD_FIGURES = (HEADLINE_FIGURES, BUFFER_CURVE)


@dataclass(frozen=True)
class Headline:
    """One figure shown with a delta: its column in whatif_headlines.sql (`figure`), the
    metric and column (on its total row) it equals, and its kind."""

    figure: str
    metric: str
    column: str
    label: str
    kind: str  # "rate", "count" (whole numbers), "number" or "money"
    up_is_good: bool


HEADLINES = (
    Headline(
        "cancel_rate",
        "backorder_cancel_rate",
        "cancel_rate",
        "Backorder cancel rate",
        "rate",
        False,
    ),
    Headline("hit_rate", "promise_hit_rate", "hit_rate", "Promise hit rate", "rate", True),
    Headline(
        "open_backordered_lines",
        "backorder_age",
        "count_lines",
        "Open backordered lines (as of end)",
        "count",
        False,
    ),
    Headline(
        "contacts_per_order",
        "support_contact_rate",
        "contacts_per_order",
        "Contacts per backordered order",
        "number",
        False,
    ),
    Headline(
        "backorder_split_cost",
        "split_shipment_cost",
        "backorder_split_cost",
        "Backorder-caused split cost",
        "money",
        False,
    ),
)


def scenario_connection(
    con: duckdb.DuckDBPyConnection, blocked: pl.DataFrame
) -> duckdb.DuckDBPyConnection:
    """A cursor of `con` on which the canonical tables are the history minus `blocked`
    (order_id, line_id). The caller closes it.

    A cursor shares `con`'s database instance: the same version of the file and its cache of
    pages already read, so nothing is attached or read from disk again. Its temp views and
    macros are its own (other users of `con` still see the recorded history)."""
    if con.execute("select current_database()").fetchall()[0][0] != "data":
        raise ValueError("the what-if figures need a connection from store.connect")
    scenario = store.cursor(con)
    scenario.register("blocked_frame", blocked.select("order_id", "line_id").to_arrow())
    scenario.execute("create temp table blocked_lines as select * from blocked_frame").fetchall()
    scenario.unregister("blocked_frame")
    for statement in store.statements(sql_text("whatif_views")):
        scenario.execute(statement).fetchall()
    macros = store.MACROS.read_text(encoding="utf-8")
    for statement in store.statements(macros):
        scenario.execute(
            statement.replace("create or replace macro", "create or replace temp macro")
        ).fetchall()
    return scenario


def metric_figures(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    settings: Settings | None = None,
    names: tuple[str, ...] = FIGURES,
) -> dict[str, pl.DataFrame]:
    """Each of `names` (default FIGURES) over the period (as of its last day), by name: a
    metric's frame, HEADLINE_FIGURES (`headline_figures`) or BUFFER_CURVE (`buffer_curve`)."""
    out = {}
    for name in names:
        if name == HEADLINE_FIGURES:
            out[name] = headline_figures(con, period)
        elif name == BUFFER_CURVE:
            out[name] = buffer_curve(con, period)
        elif name in metrics.REGISTRY:
            out[name] = metrics.REGISTRY[name](con, period, settings=settings)
        else:
            out[name] = pl.DataFrame({"unavailable": [f"needs the {name} metric (not built yet)"]})
    return out


def scenario_figures(
    con: duckdb.DuckDBPyConnection,
    result: ReplayResult,
    settings: Settings | None = None,
    names: tuple[str, ...] = FIGURES,
) -> dict[str, pl.DataFrame]:
    """`metric_figures` of `names` on the history with the replay's blocked lines removed."""
    with scenario_connection(con, result.blocked) as scenario:
        return metric_figures(scenario, result.period, settings, names)


def headline_figures(con: duckdb.DuckDBPyConnection, period: Period) -> pl.DataFrame:
    """One row: each headline's figure (queries/whatif_headlines.sql), or the text
    `unavailable: needs <column>` where its metric would say so."""
    frame = run(
        con,
        "whatif_headlines",
        {"from_date": period.from_date, "to_date": period.to_date, "as_of": period.as_of},
    )
    needs = {}
    for headline in HEADLINES:
        fn = metrics.REGISTRY[headline.metric]
        needs[headline.figure] = [*fn.needs, *fn.figures.get(headline.column, ())]
    return mark_unavailable(frame, store.presence(con), needs)


def buffer_curve(con: duckdb.DuckDBPyConnection, period: Period) -> pl.DataFrame:
    """Hit rate per promise buffer 0..30 days, had the promise been supplier_eta + buffer."""
    reason = missing_input(
        store.presence(con),
        ["order_lines.backordered_qty", "order_lines.supplier_eta", "order_lines.shipped_at"],
    )
    if reason:
        return pl.DataFrame({"unavailable": [f"needs {reason}"]})
    return run(
        con, "whatif_buffer_curve", {"from_date": period.from_date, "to_date": period.to_date}
    )


def smallest_buffer(curve: pl.DataFrame, target: float) -> int | None:
    """The smallest buffer whose hit rate reaches `target`, or None."""
    if is_unavailable(curve):
        return None
    reaching = curve.filter(pl.col("hit_rate") >= target)
    return reaching["buffer_days"].min() if reaching.height else None


def hit_rate_at(curve: pl.DataFrame, buffer_days: int) -> float | None:
    """The curve's hit rate at the scenario's buffer (None when unavailable or no lines)."""
    if is_unavailable(curve):
        return None
    row = curve.filter(pl.col("buffer_days") == buffer_days)
    return row["hit_rate"][0] if row.height else None


def headline_value(frame: pl.DataFrame, column: str) -> float | str | None:
    """The figure on a metric's total row, or the text saying why it is unavailable."""
    reason = is_unavailable(frame)
    if reason:
        return f"unavailable: {reason}"
    if column not in frame.columns:
        return f"unavailable: needs {column}"
    for key in ("breakdown", "bucket", "channel"):
        if key in frame.columns and (frame[key] == "total").any():
            frame = frame.filter(pl.col(key) == "total")
            break
    return frame[column][0] if frame.height else None


def headlines(baseline: dict[str, pl.DataFrame], scenario: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """From the HEADLINE_FIGURES of the recorded history and of the scenario, one row per
    headline: label, kind, up_is_good, baseline, scenario, delta (null when
    either side is unavailable or empty), and the reason text when unavailable."""
    rows = []
    for headline in HEADLINES:
        before = headline_value(baseline[HEADLINE_FIGURES], headline.figure)
        after = headline_value(scenario[HEADLINE_FIGURES], headline.figure)
        unavailable = next((v for v in (before, after) if isinstance(v, str)), None)
        numbers = [None if isinstance(v, str) or v is None else float(v) for v in (before, after)]
        delta = None if None in numbers else numbers[1] - numbers[0]
        rows.append(
            {
                "figure": headline.label,
                "kind": headline.kind,
                "up_is_good": headline.up_is_good,
                "baseline": numbers[0],
                "scenario": numbers[1],
                "delta": delta,
                "unavailable": unavailable,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "figure": pl.String,
            "kind": pl.String,
            "up_is_good": pl.Boolean,
            "baseline": pl.Float64,
            "scenario": pl.Float64,
            "delta": pl.Float64,
            "unavailable": pl.String,
        },
    )


def age_profile(baseline: pl.DataFrame, scenario: pl.DataFrame) -> pl.DataFrame:
    """Open backordered lines per age bucket, recorded and under the scenario (long form:
    bucket, history, count_lines), for a grouped bar chart. Empty when unavailable."""
    parts = []
    for history, frame in (("recorded", baseline), ("scenario", scenario)):
        if is_unavailable(frame) or "bucket" not in frame.columns:
            return pl.DataFrame(
                schema={"bucket": pl.String, "history": pl.String, "count_lines": pl.Int64}
            )
        parts.append(
            frame.filter(pl.col("bucket") != "total").select(
                "bucket", pl.lit(history).alias("history"), pl.col("count_lines").cast(pl.Int64)
            )
        )
    return pl.concat(parts)


def side_by_side(
    baseline: pl.DataFrame, scenario: pl.DataFrame, key: str, columns: list[str]
) -> pl.DataFrame:
    """Join a per-group metric (e.g. channel_sla per channel) recorded vs scenario on `key`:
    `<column>` recorded and `<column>_scenario`. Empty when either side is unavailable."""
    if any(is_unavailable(f) or key not in f.columns for f in (baseline, scenario)):
        return pl.DataFrame()
    kept = [c for c in columns if c in baseline.columns and c in scenario.columns]
    return baseline.select(key, *kept).join(
        scenario.select(key, *kept), on=key, how="full", coalesce=True, suffix="_scenario"
    )


def changed_skus(result: ReplayResult) -> pl.DataFrame:
    """Skus whose eligibility or cap under the scenario differs from the rule recorded in
    skus (an empty backorder_eligible counts as eligible, an empty oversell_cap as no cap):
    sku, family, backorder_eligible, oversell_cap (the scenario's), recorded_eligible,
    recorded_cap."""
    skus = result.skus
    recorded_eligible = pl.col("recorded_eligible").fill_null(True)
    cap = pl.col("cap").fill_null(NO_CAP)
    recorded_cap = pl.col("recorded_cap").cast(pl.Int64).fill_null(NO_CAP)
    return (
        skus.filter((pl.col("eligible") != recorded_eligible) | (cap != recorded_cap))
        .select(
            "sku",
            "family",
            pl.col("eligible").alias("backorder_eligible"),
            pl.col("cap").alias("oversell_cap"),
            "recorded_eligible",
            pl.col("recorded_cap").cast(pl.Int64),
        )
        .sort("sku")
    )


def skus_upload(changed: pl.DataFrame) -> pl.DataFrame:
    """The changed skus in the skus layout, for upload to the store."""
    return changed.select("sku", "backorder_eligible", "oversell_cap")


CAVEAT = (
    "The history records only the demand that was taken. Demand refused in the past (a sku "
    "not sold on backorder, or over its cap) was never recorded, so loosening a rule shows "
    "only what was recorded: it cannot show the extra orders a looser rule would have taken, "
    "unless the export carries notify-me sign-ups."
)
