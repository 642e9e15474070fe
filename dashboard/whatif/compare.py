"""Two scenarios side by side: the replay outcome and the headline figures of each."""

from __future__ import annotations

import duckdb
import polars as pl

from dashboard.params import Settings
from dashboard.whatif.figures import (
    BUFFER_CURVE,
    CARD_FIGURES,
    HEADLINE_FIGURES,
    HEADLINES,
    headline_value,
    hit_rate_at,
    scenario_figures,
)
from dashboard.whatif.replay import ReplayResult, outcome, replay
from dashboard.whatif.scenario import Scenario


def summary(
    con: duckdb.DuckDBPyConnection,
    result: ReplayResult,
    figures: dict[str, pl.DataFrame] | None = None,
    settings: Settings | None = None,
) -> pl.DataFrame:
    """One row per figure (figure, value) of one replay; `figures` = its scenario_figures
    (at least CARD_FIGURES)."""
    if figures is None:
        figures = scenario_figures(con, result, settings, CARD_FIGURES)
    totals = {row["status"]: row for row in outcome(result).iter_rows(named=True)}
    values: list[tuple[str, float | None]] = [
        ("Eligible skus", float(result.skus["eligible"].sum())),
        ("Accepted lines", float(totals["accepted"]["lines"])),
        ("Accepted units", float(totals["accepted"]["units"] or 0)),
        ("Accepted revenue", float(totals["accepted"]["revenue"] or 0)),
        ("Blocked lines", float(totals["blocked"]["lines"])),
        ("Blocked units", float(totals["blocked"]["units"] or 0)),
        ("Blocked revenue", float(totals["blocked"]["revenue"] or 0)),
        ("Blocked revenue at risk", float(totals["blocked"]["revenue_at_risk"] or 0)),
        ("Promise buffer days", float(result.scenario.promise_buffer_days)),
        (
            "Hit rate at the promise buffer",
            hit_rate_at(figures[BUFFER_CURVE], result.scenario.promise_buffer_days),
        ),
    ]
    for headline in HEADLINES:
        value = headline_value(figures[HEADLINE_FIGURES], headline.figure)
        values.append((headline.label, None if isinstance(value, str) else value))
    return pl.DataFrame(
        {"figure": [v[0] for v in values], "value": [v[1] for v in values]},
        schema={"figure": pl.String, "value": pl.Float64},
    )


def compare(
    con: duckdb.DuckDBPyConnection,
    first: Scenario,
    second: Scenario,
    settings: Settings | None = None,
) -> pl.DataFrame:
    """figure, first, second, delta (second - first), one row per figure of `summary`."""
    a = summary(con, replay(con, first), settings=settings)
    b = summary(con, replay(con, second), settings=settings)
    return pl.DataFrame(
        {
            "figure": a["figure"],
            "first": a["value"],
            "second": b["value"],
            "delta": b["value"] - a["value"],
        }
    )
