"""The replay: which recorded backorders a scenario would have accepted, and which blocked.

Three steps, so the page can cache the slow ones:
1. `feature_table(con, feature_from, from_date)`: per-sku features over the feature window
   (queries/whatif_features.sql). Depends only on the window.
2. `prepare_events(con, period)`: the backordered lines the walk needs, sorted per sku into
   NumPy arrays (queries/whatif_events.sql). Depends only on the replay window.
3. `walk_events(events, skus)`: the sequential walk per sku (numba), given each sku's
   eligibility and cap from `judge(features, scenario)`. Milliseconds; reruns on every change.

`replay(con, scenario)` does all three. See docs/whatif.md for the rules.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numba
import numpy as np
import polars as pl

from dashboard import store
from dashboard.params import Period
from dashboard.queries import missing_input, run
from dashboard.whatif.scenario import RULES, Scenario, last_full_quarter, year_before

NO_CAP = -1
NEVER = np.iinfo(np.int64).max  # resolution time of a line still open

# Feature column -> the inputs it needs beyond its table (missing = unknown for every sku).
FEATURE_NEEDS = {
    "receipts_per_90_days": ["inbound.received_at"],
    "lead_time_cv": ["inbound.received_at", "inbound.created_at"],
    "median_slip_days": ["inbound.received_at"],
    "backorder_cancel_rate": [
        "order_lines.backordered_qty",
        "order_lines.shipped_at",
        "order_lines.canceled_at",
    ],
}

REPLAY_NEEDS = ["order_lines.backordered_qty", "order_lines.shipped_at", "order_lines.canceled_at"]


def replay_period(con: duckdb.DuckDBPyConnection, scenario: Scenario) -> Period:
    """The scenario's window, or the last full quarter of the data (by its last order day)."""
    if scenario.from_date and scenario.to_date:
        return Period(scenario.from_date, scenario.to_date)
    last_day = con.execute("select max(ordered_date) from order_lines").fetchall()[0][0]
    from_date, to_date = last_full_quarter(last_day or date.today())
    return Period(from_date, to_date, f"{from_date.year}-Q{(from_date.month - 1) // 3 + 1}")


def feature_period(period: Period) -> Period:
    """The 12 months before the replay starts."""
    return Period(year_before(period.from_date), period.from_date)


def database_path(con: duckdb.DuckDBPyConnection) -> str | None:
    """The file behind the connection's current database (None in memory)."""
    return con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()[0][0]


# (what, database file, its version, the imports the connection sees, window) -> result. A
# database file never changes in place (dashboard/store.py): a write lands as a new file with a
# new version, so a result computed for one version stays right. The version is read from the
# path, which may already hold a newer file than the connection opened; the connection's own
# count of imports tells the two apart. Keeps the last few windows of the last few files.
_CACHE: dict[tuple, object] = {}
_CACHE_SIZE = 8


def replay_cache_clear() -> None:
    """Forget the cached features and events (benchmarks time the uncached path)."""
    _CACHE.clear()


def _cached(kind: str, con: duckdb.DuckDBPyConnection, period: Period, compute):
    path = database_path(con)
    if path is None:
        return compute()
    imports = con.execute("select count(*), max(import_id) from imports").fetchall()[0]
    key = (kind, path, store.version(Path(path)), imports, period.from_date, period.to_date)
    if key not in _CACHE:
        while len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = compute()
    return _CACHE[key]


def feature_table(con: duckdb.DuckDBPyConnection, window: Period) -> pl.DataFrame:
    """One row per sku: each feature (null = cannot be computed) and the recorded rule.
    Cached per database version and window."""
    return _cached("features", con, window, lambda: _feature_table(con, window))


def _feature_table(con: duckdb.DuckDBPyConnection, window: Period) -> pl.DataFrame:
    present = store.presence(con)
    params = {"feature_from": window.from_date, "from_date": window.to_date}
    features = run(con, "whatif_features", params)
    basket = run(
        con,
        "whatif_basket_share" if store.has_derived_tables(con) else "whatif_basket_share_direct",
        params,
    )
    columns = features.columns
    after = columns.index("unit_price") + 1
    frame = features.join(basket, on="sku", how="left", maintain_order="left").select(
        *columns[:after], "basket_share", *columns[after:]
    )
    unknown = [
        pl.lit(None, dtype=frame.schema[feature]).alias(feature)
        for feature, needs in FEATURE_NEEDS.items()
        if missing_input(present, needs)
    ]
    return frame.with_columns(unknown) if unknown else frame


def judge(features: pl.DataFrame, scenario: Scenario) -> pl.DataFrame:
    """Add, per rule, `<rule>_unknown` and `<rule>_pass`; then `eligible` and `cap`.

    A rule switched off passes. A feature that cannot be computed passes and is flagged unknown.
    Thresholds are inclusive. The cap is the sku override, else the family's, else the default.
    """
    columns = []
    passes = []
    for name, rule_definition in RULES.items():
        rule = scenario.rule(name)
        value = pl.col(rule_definition.feature)
        if rule_definition.bound == "min":
            within = value >= rule.threshold
        elif rule_definition.bound == "max":
            within = value <= rule.threshold
        else:
            within = ~value
        columns.append(value.is_null().alias(f"{name}_unknown"))
        passes.append((pl.lit(not rule.enabled) | within.fill_null(True)).alias(f"{name}_pass"))
    judged = features.with_columns(*columns, *passes)
    eligible = pl.all_horizontal([f"{name}_pass" for name in RULES]).alias("eligible")
    return judged.with_columns(eligible, _caps(judged, scenario))


def _caps(features: pl.DataFrame, scenario: Scenario) -> pl.Series:
    caps = [
        scenario.cap_for(sku, family)
        for sku, family in zip(features["sku"].to_list(), features["family"].to_list(), strict=True)
    ]
    return pl.Series("cap", caps, dtype=pl.Int64)


def rule_ranges(features: pl.DataFrame) -> dict[str, dict[str, float | int | None]]:
    """Per rule with a threshold: the feature's low, median and high over the skus where it is
    known, and how many skus are known and unknown (for slider ranges and defaults)."""
    out = {}
    for name, rule_definition in RULES.items():
        if rule_definition.bound == "exclude":
            continue
        known = features[rule_definition.feature].drop_nulls().cast(pl.Float64)
        out[name] = {
            "low": known.min(),
            "median": known.median(),
            "high": known.max(),
            "count_known": known.len(),
            "count_unknown": features.height - known.len(),
        }
    return out


def sku_features(con: duckdb.DuckDBPyConnection, scenario: Scenario) -> pl.DataFrame:
    """One row per sku: features over the 12 months before the replay, unknown flags per rule,
    eligible and cap under the scenario."""
    window = feature_period(replay_period(con, scenario))
    return judge(feature_table(con, window), scenario)


@dataclass(frozen=True)
class Events:
    """The lines of `whatif_events.sql` for one replay window, sorted per sku."""

    period: Period
    lines: pl.DataFrame  # sku, order_id, line_id, is_carried, ..., revenue
    skus: pl.Series  # the distinct skus, in walking order
    starts: np.ndarray  # lines of skus[k] are rows starts[k]..starts[k+1]-1
    backordered_us: np.ndarray
    resolved_us: np.ndarray  # NEVER while open
    units: np.ndarray  # backordered_qty
    is_carried: np.ndarray


def prepare_events(con: duckdb.DuckDBPyConnection, period: Period) -> Events:
    """The walk's input for one replay window. Cached per database version and window."""
    return _cached("events", con, period, lambda: _prepare_events(con, period))


def _prepare_events(con: duckdb.DuckDBPyConnection, period: Period) -> Events:
    name = "whatif_events" if store.has_derived_tables(con) else "whatif_events_direct"
    lines = run(con, name, {"from_date": period.from_date, "to_date": period.to_date})
    return events_from_lines(lines, period)


def events_from_lines(lines: pl.DataFrame, period: Period) -> Events:
    """Events from rows shaped like whatif_events.sql's, already in walking order."""
    first = lines["sku"].is_first_distinct().to_numpy() if lines.height else np.zeros(0, bool)
    starts = np.append(np.flatnonzero(first), lines.height).astype(np.int64)
    return Events(
        period=period,
        lines=lines,
        skus=lines["sku"].filter(lines["sku"].is_first_distinct()),
        starts=starts,
        backordered_us=lines["backordered_us"].to_numpy().astype(np.int64),
        resolved_us=lines["resolved_us"].fill_null(NEVER).to_numpy().astype(np.int64),
        units=lines["backordered_qty"].to_numpy().astype(np.int64),
        is_carried=lines["is_carried"].to_numpy().astype(np.bool_),
    )


@numba.njit(cache=True)
def _walk(starts, backordered_us, resolved_us, units, is_carried, eligible, cap):
    """Accepted flag per line. Per sku, a min-heap of (resolution time, units) holds what is
    outstanding; before a line is judged, every resolution at or before its backordered_at
    is freed. Carried-in lines are accepted as recorded."""
    n = backordered_us.shape[0]
    accepted = np.zeros(n, dtype=np.bool_)
    heap_time = np.empty(n, dtype=np.int64)
    heap_units = np.empty(n, dtype=np.int64)
    for k in range(starts.shape[0] - 1):
        lo = starts[k]
        size = 0
        outstanding = 0
        for i in range(lo, starts[k + 1]):
            now = backordered_us[i]
            while size > 0 and heap_time[lo] <= now:
                outstanding -= heap_units[lo]
                size -= 1
                last_time = heap_time[lo + size]
                last_units = heap_units[lo + size]
                j = 0
                while True:  # sift the last entry down from the root
                    child = 2 * j + 1
                    if child >= size:
                        break
                    if child + 1 < size and heap_time[lo + child + 1] < heap_time[lo + child]:
                        child += 1
                    if heap_time[lo + child] >= last_time:
                        break
                    heap_time[lo + j] = heap_time[lo + child]
                    heap_units[lo + j] = heap_units[lo + child]
                    j = child
                heap_time[lo + j] = last_time
                heap_units[lo + j] = last_units
            ok = is_carried[i] or (
                eligible[k] and (cap[k] == NO_CAP or outstanding + units[i] <= cap[k])
            )
            accepted[i] = ok
            if ok and resolved_us[i] > now:
                outstanding += units[i]
                j = size
                size += 1
                while j > 0:  # sift the new entry up
                    parent = (j - 1) // 2
                    if heap_time[lo + parent] <= resolved_us[i]:
                        break
                    heap_time[lo + j] = heap_time[lo + parent]
                    heap_units[lo + j] = heap_units[lo + parent]
                    j = parent
                heap_time[lo + j] = resolved_us[i]
                heap_units[lo + j] = units[i]
    return accepted


def walk_events(events: Events, judged: pl.DataFrame) -> np.ndarray:
    """Accepted flag per row of `events.lines`, under each sku's eligible and cap."""
    rules = (
        pl.DataFrame({"sku": events.skus})
        .join(judged.select("sku", "eligible", "cap"), on="sku", how="left", maintain_order="left")
        .with_columns(pl.col("eligible").fill_null(True), pl.col("cap").fill_null(NO_CAP))
    )
    return _walk(
        events.starts,
        events.backordered_us,
        events.resolved_us,
        events.units,
        events.is_carried,
        rules["eligible"].to_numpy().astype(np.bool_),
        rules["cap"].to_numpy().astype(np.int64),
    )


@dataclass(frozen=True)
class ReplayResult:
    """The replay of one scenario over one window."""

    scenario: Scenario
    period: Period
    lines: pl.DataFrame  # one row per line backordered in the period, with `accepted`
    skus: pl.DataFrame  # sku_features under the scenario
    unavailable: str | None = None  # "needs <column>" when the history cannot be replayed

    @property
    def blocked(self) -> pl.DataFrame:
        """(order_id, line_id) of the blocked lines."""
        return self.lines.filter(~pl.col("accepted")).select("order_id", "line_id")

    @property
    def blocked_key(self) -> str:
        """A digest of the period and the blocked lines: the figures under the scenario depend
        on nothing else, so it keys their cache (a slider move that blocks the same lines
        reuses them)."""
        digest = hashlib.sha1(f"{self.period.from_date}/{self.period.to_date}".encode())
        digest.update(self.lines["accepted"].to_numpy().tobytes())
        digest.update(str(self.lines.height).encode())
        return digest.hexdigest()


def replay_events(events: Events, judged: pl.DataFrame, scenario: Scenario) -> ReplayResult:
    accepted = walk_events(events, judged)
    lines = (
        events.lines.with_columns(pl.Series("accepted", accepted))
        .filter(~pl.col("is_carried"))
        .drop("is_carried", "backordered_us", "resolved_us")
    )
    return ReplayResult(scenario, events.period, lines, judged)


def replay(con: duckdb.DuckDBPyConnection, scenario: Scenario) -> ReplayResult:
    """Replay the recorded backorders of the scenario's window under its rules and caps."""
    period = replay_period(con, scenario)
    reason = missing_input(store.presence(con), REPLAY_NEEDS)
    judged = judge(feature_table(con, feature_period(period)), scenario)
    if reason:
        empty = pl.DataFrame(
            schema={
                "sku": pl.String,
                "order_id": pl.String,
                "line_id": pl.String,
                "backordered_qty": pl.Int32,
                "qty": pl.Int32,
                "revenue": pl.Float64,
                "accepted": pl.Boolean,
            }
        )
        return ReplayResult(scenario, period, empty, judged, unavailable=f"needs {reason}")
    return replay_events(prepare_events(con, period), judged, scenario)


def outcome(result: ReplayResult) -> pl.DataFrame:
    """Backordered lines, units and revenue: recorded (all), accepted and blocked; blocked
    revenue at risk = blocked revenue x (1 - recapture share)."""
    lines = result.lines.with_columns(
        pl.when("accepted").then(pl.lit("accepted")).otherwise(pl.lit("blocked")).alias("status")
    )
    totals = [
        lines.filter(pl.col("status") == status).select(
            pl.lit(status).alias("status"),
            pl.len().alias("lines"),
            pl.col("backordered_qty").sum().cast(pl.Int64).alias("units"),
            pl.col("revenue").sum().alias("revenue"),
        )
        for status in ("accepted", "blocked")
    ]
    recorded = lines.select(
        pl.lit("recorded").alias("status"),
        pl.len().alias("lines"),
        pl.col("backordered_qty").sum().cast(pl.Int64).alias("units"),
        pl.col("revenue").sum().alias("revenue"),
    )
    share = 1 - result.scenario.recapture_share
    return pl.concat([recorded, *totals]).with_columns(
        pl.when(pl.col("status") == "blocked")
        .then(pl.col("revenue") * share)
        .otherwise(0.0)
        .alias("revenue_at_risk")
    )


def outcome_by_status(result: ReplayResult) -> dict[str, dict[str, float]]:
    """`outcome` as {status: {lines, units, revenue, revenue_at_risk}}."""
    return {row.pop("status"): row for row in outcome(result).iter_rows(named=True)}
