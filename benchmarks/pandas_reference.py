"""The weekly review's core in plain pandas: the yardstick for our DuckDB metrics.

For one ISO week P = [from, to) and its as-of day (to - 1), over the canonical tables of the
database file (no filters), following docs/spec metrics.md:

- backorder_rate by sku (and the total): lines, backordered lines, units, backordered units,
  orders, backordered orders, line/unit/order rates;
- promise_hit_rate: backordered lines shipped in P with a promise; hits, rate, mean and median
  days late over the misses;
- backorder_cancel_rate: backordered lines resolved in P; canceled, rate, lost revenue;
- split_shipment_cost: extra shipments shipped in P, their cost, the backorder-caused cost,
  split rate and share of revenue;
- support_contact_rate: backordered orders resolved in P, contacts per order, repeated share,
  the baseline and the lift.

How it reads (the rule of the benchmark, docs/benchmarks.md): the way a pandas user with the
dashboard's database would. Inside the timing it opens the file, reads the columns it needs of
whole tables with DuckDB (`select <columns> from <table>`, no WHERE: every row filter, join and
aggregation is pandas) into pandas frames, then computes. `read_seconds` and `compute_seconds`
are reported apart so both ratios can be shown. The pandas code is written to be reasonably
fast (vectorised, narrowing to the week's orders before grouping), not a straw man.

`ours(con, period)` gets the same figures from our metric functions, `compare(ref, ours)` lists
every difference: counts must be equal, rates and money within 1e-9 (relative for money).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from dashboard import store

LINE_COLUMNS = [
    "order_id",
    "sku",
    "qty",
    "unit_price",
    "backordered_qty",
    "ordered_date",
    "shipped_date",
    "canceled_date",
    "promised_ship_date",
]
SHIPMENT_COLUMNS = [
    "order_id",
    "shipment_id",
    "shipped_at",
    "shipped_date",
    "shipping_cost",
    "handling_cost",
]
CONTACT_COLUMNS = ["order_id"]

BY_SKU_COLUMNS = [
    "sku",
    "count_lines",
    "count_backordered_lines",
    "units",
    "backordered_units",
    "count_orders",
    "count_backordered_orders",
    "line_rate",
    "unit_rate",
    "order_rate",
]
COUNTS = {
    "count_lines",
    "count_backordered_lines",
    "units",
    "backordered_units",
    "count_orders",
    "count_backordered_orders",
}


@dataclass
class Reference:
    """The figures of one week. `by_sku`: total row first (sku None), then skus ranked."""

    by_sku: pd.DataFrame
    figures: dict[str, float | int | None] = field(default_factory=dict)
    review: dict[str, float | int | None] = field(default_factory=dict)  # ours only: W's row
    read_seconds: float = 0.0
    compute_seconds: float = 0.0

    def figure_count(self) -> int:
        return int(self.by_sku.size) + len(self.figures)


def _ratio(num, den) -> float | None:
    return None if den == 0 else float(num) / float(den)


def _between(dates: pd.Series, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.Series:
    return (dates >= lo) & (dates < hi)


def read_tables(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The columns the reference needs, whole tables, as pandas frames."""
    cur = store.cursor(con)  # its own connection: `con` may hold an unfinished execute() result
    try:
        return {
            "lines": cur.sql(f"select {', '.join(LINE_COLUMNS)} from order_lines").df(),
            "shipments": cur.sql(f"select {', '.join(SHIPMENT_COLUMNS)} from shipments").df(),
            "contacts": cur.sql(f"select {', '.join(CONTACT_COLUMNS)} from contacts").df(),
        }
    finally:
        cur.close()


def weekly_core(db: Path, period) -> Reference:
    """Open the file, read (timed apart) and compute the week's core figures."""
    t0 = time.perf_counter()
    with duckdb.connect(str(db), read_only=True) as con:
        tables = read_tables(con)
    t1 = time.perf_counter()
    ref = compute(tables, period)
    ref.read_seconds = t1 - t0
    ref.compute_seconds = time.perf_counter() - t1
    return ref


def compute(tables: dict[str, pd.DataFrame], period) -> Reference:
    lo = pd.Timestamp(period.from_date)
    hi = pd.Timestamp(period.to_date)
    as_of = pd.Timestamp(period.as_of)
    lines = tables["lines"]
    shipments = tables["shipments"]
    contacts = tables["contacts"]

    # Order ids as integer codes shared by the three tables: grouping and isin on int64 are
    # hash operations, while isin on pandas' Arrow strings builds a Python scalar per value.
    ids = pd.concat(
        [lines["order_id"], shipments["order_id"], contacts["order_id"]], ignore_index=True
    )
    codes, _ = pd.factorize(ids)
    n_lines, n_shipments = len(lines), len(shipments)
    lines = lines.assign(order_id=codes[:n_lines])
    shipments = shipments.assign(order_id=codes[n_lines : n_lines + n_shipments])
    contacts = contacts.assign(order_id=codes[n_lines + n_shipments :])

    bo_qty = lines["backordered_qty"].fillna(0)
    is_bo = bo_qty > 0
    resolved_date = lines["shipped_date"].fillna(lines["canceled_date"])

    figures: dict[str, float | int | None] = {}
    by_sku = _backorder_rate(lines, bo_qty, is_bo, lo, hi)
    figures.update(_promise_hit_rate(lines, is_bo, lo, hi))
    figures.update(_backorder_cancel_rate(lines, is_bo, resolved_date, lo, hi))
    figures.update(_split_shipment_cost(lines, shipments, is_bo, lo, hi, as_of))
    figures.update(_support_contact_rate(lines, contacts, is_bo, resolved_date, lo, hi))
    return Reference(by_sku, figures)


def _backorder_rate(lines, bo_qty, is_bo, lo, hi) -> pd.DataFrame:
    in_p = _between(lines["ordered_date"], lo, hi)
    week = pd.DataFrame(
        {
            "sku": lines["sku"][in_p],
            "qty": lines["qty"][in_p],
            "bo_qty": bo_qty[in_p],
            "is_bo": is_bo[in_p],
        }
    )
    line_counts = week.groupby("sku", sort=False).agg(
        count_lines=("qty", "size"),
        count_backordered_lines=("is_bo", "sum"),
        units=("qty", "sum"),
        backordered_units=("bo_qty", "sum"),
    )
    total_lines = pd.DataFrame(
        {
            "count_lines": [len(week)],
            "count_backordered_lines": [int(week["is_bo"].sum())],
            "units": [int(week["qty"].sum())],
            "backordered_units": [int(week["bo_qty"].sum())],
        }
    )

    # An order's date is the earliest ordered_date of its lines; only orders with a line in the
    # week can be orders of the week, so narrow to them before grouping.
    touched = lines["order_id"][in_p].unique()
    of_touched = lines["order_id"].isin(touched)
    order_lines = pd.DataFrame(
        {
            "order_id": lines["order_id"][of_touched],
            "sku": lines["sku"][of_touched],
            "ordered_date": lines["ordered_date"][of_touched],
            "is_bo": is_bo[of_touched],
        }
    )
    order_date = order_lines.groupby("order_id", sort=False)["ordered_date"].transform("min")
    order_lines = order_lines[_between(order_date, lo, hi)]
    per_order = order_lines.groupby("order_id", sort=False)["is_bo"].any()
    per_sku_order = order_lines.groupby(["sku", "order_id"], sort=False)["is_bo"].any()
    order_counts = per_sku_order.groupby(level="sku", sort=False).agg(["size", "sum"])
    order_counts.columns = ["count_orders", "count_backordered_orders"]

    by_sku = line_counts.join(order_counts, how="left").reset_index()
    by_sku[["count_orders", "count_backordered_orders"]] = (
        by_sku[["count_orders", "count_backordered_orders"]].fillna(0).astype("int64")
    )
    total = total_lines.assign(
        sku=None,
        count_orders=len(per_order),
        count_backordered_orders=int(per_order.sum()),
    )
    by_sku = by_sku.sort_values(
        ["count_backordered_lines", "backordered_units", "sku"],
        ascending=[False, False, True],
        kind="stable",
    )
    out = pd.concat([total, by_sku], ignore_index=True)
    for c in COUNTS:
        out[c] = out[c].astype("int64")
    den = out["count_lines"].replace(0, np.nan)
    out["line_rate"] = out["count_backordered_lines"] / den
    out["unit_rate"] = out["backordered_units"] / out["units"].replace(0, np.nan)
    out["order_rate"] = out["count_backordered_orders"] / out["count_orders"].replace(0, np.nan)
    return out[BY_SKU_COLUMNS]


def _promise_hit_rate(lines, is_bo, lo, hi) -> dict:
    shipped = lines["shipped_date"]
    promised = lines["promised_ship_date"]
    mask = is_bo & _between(shipped, lo, hi) & promised.notna()
    s, p = shipped[mask], promised[mask]
    hit = s <= p
    late = (s[~hit] - p[~hit]).dt.days
    return {
        "promise.lines": int(mask.sum()),
        "promise.hits": int(hit.sum()),
        "promise.hit_rate": _ratio(hit.sum(), mask.sum()),
        "promise.mean_days_late": float(late.mean()) if len(late) else None,
        "promise.median_days_late": float(late.median()) if len(late) else None,
    }


def _backorder_cancel_rate(lines, is_bo, resolved_date, lo, hi) -> dict:
    mask = is_bo & _between(resolved_date, lo, hi)
    canceled = mask & lines["shipped_date"].isna() & lines["canceled_date"].notna()
    revenue = lines["qty"][canceled] * lines["unit_price"][canceled].fillna(0)
    return {
        "cancel.resolved": int(mask.sum()),
        "cancel.canceled": int(canceled.sum()),
        "cancel.rate": _ratio(canceled.sum(), mask.sum()),
        "cancel.lost_revenue": float(revenue.sum()),
    }


def _split_shipment_cost(lines, shipments, is_bo, lo, hi, as_of) -> dict:
    # Shipments of orders that have a line, shipped by the as-of day, ranked per order.
    s = shipments[
        (shipments["shipped_date"] <= as_of) & shipments["order_id"].isin(lines["order_id"])
    ]
    s = s.sort_values(["order_id", "shipped_at", "shipment_id"], kind="stable")
    rank = s.groupby("order_id", sort=False).cumcount()
    in_p = _between(s["shipped_date"], lo, hi)
    extra = (rank > 0) & in_p
    cost = s["shipping_cost"] + s["handling_cost"].fillna(0)
    bo_orders = lines["order_id"][is_bo].unique()
    of_bo = s["order_id"].isin(bo_orders)

    first_in_p = s["order_id"][(rank == 0) & in_p]
    n_shipments = s.groupby("order_id", sort=False).size()
    split_orders = n_shipments.reindex(first_in_p).ge(2)

    extra_orders = s["order_id"][extra].unique()
    of_extra = lines["order_id"].isin(extra_orders)
    revenue = (lines["qty"][of_extra] * lines["unit_price"][of_extra].fillna(0)).sum()
    split_cost = float(cost[extra].sum())
    return {
        "split.extra_shipments": int(extra.sum()),
        "split.cost": split_cost,
        "split.backorder_cost": float(cost[extra & of_bo].sum()),
        "split.first_shipped_orders": len(first_in_p),
        "split.split_orders": int(split_orders.sum()),
        "split.split_rate": _ratio(split_orders.sum(), len(first_in_p)),
        "split.revenue": float(revenue),
        "split.share_of_revenue": _ratio(split_cost, revenue),
    }


def _support_contact_rate(lines, contacts, is_bo, resolved_date, lo, hi) -> dict:
    # Only orders with a line resolved in the week can have their latest resolution in it.
    candidates = lines["order_id"][_between(resolved_date, lo, hi)].unique()
    of_cand = lines["order_id"].isin(candidates)
    res = resolved_date[of_cand]
    frame = pd.DataFrame(
        {
            "order_id": lines["order_id"][of_cand],
            "is_bo": is_bo[of_cand],
            "bo_res": res.where(is_bo[of_cand]),
            "bo_open": is_bo[of_cand] & res.isna(),
            "res": res,
            "open": res.isna(),
        }
    )
    orders = frame.groupby("order_id", sort=False).agg(
        has_bo=("is_bo", "any"),
        bo_open=("bo_open", "any"),
        bo_last=("bo_res", "max"),
        any_open=("open", "any"),
        last=("res", "max"),
    )
    bo = orders.index[orders["has_bo"] & ~orders["bo_open"] & _between(orders["bo_last"], lo, hi)]
    base = orders.index[~orders["has_bo"] & ~orders["any_open"] & _between(orders["last"], lo, hi)]
    counts = contacts["order_id"][contacts["order_id"].isin(lines["order_id"])].value_counts()
    bo_contacts = counts.reindex(bo, fill_value=0)
    base_contacts = counts.reindex(base, fill_value=0)
    per_bo = _ratio(bo_contacts.sum(), len(bo))
    per_base = _ratio(base_contacts.sum(), len(base))
    return {
        "contacts.backordered_orders": len(bo),
        "contacts.backordered_contacts": int(bo_contacts.sum()),
        "contacts.per_backordered_order": per_bo,
        "contacts.repeated_share": _ratio((bo_contacts >= 2).sum(), len(bo)),
        "contacts.baseline_orders": len(base),
        "contacts.baseline_contacts": int(base_contacts.sum()),
        "contacts.per_baseline_order": per_base,
        "contacts.lift": None if per_bo is None or not per_base else per_bo / per_base,
    }


# Ours and the comparison -------------------------------------------------------------------


def ours(con, period) -> Reference:
    """The same figures from our metric functions (dashboard.queries.REGISTRY)."""
    import dashboard.metrics  # noqa: F401  (registers every metric)
    from dashboard.queries import REGISTRY

    by_sku = REGISTRY["backorder_rate"](con, period).select(BY_SKU_COLUMNS).to_pandas()
    figures: dict[str, float | int | None] = {}
    for metric, mapping in OUR_FIGURES.items():
        if metric not in REGISTRY:
            continue
        row = _total_row(REGISTRY[metric](con, period))
        for key, column in mapping.items():
            if column in row:
                figures[key] = row[column]
    review = {}
    if "weekly_review" in REGISTRY:
        frame = REGISTRY["weekly_review"](con, period)
        week = frame.filter(frame["week_start"] == period.from_date)
        if week.height == 1:
            row = week.row(0, named=True)
            review = {column: row.get(column) for column in REVIEW_FIGURES}
    return Reference(by_sku, figures, review)


# weekly_review column -> the reference figure it must equal (a by_sku total column or a key).
REVIEW_FIGURES = {
    "count_lines": "count_lines",
    "count_backordered_lines": "count_backordered_lines",
    "line_rate": "line_rate",
    "count_promised_shipped": "promise.lines",
    "count_promise_hits": "promise.hits",
    "promise_hit_rate": "promise.hit_rate",
    "count_resolved": "cancel.resolved",
    "count_canceled": "cancel.canceled",
    "cancel_rate": "cancel.rate",
    "backorder_split_cost": "split.backorder_cost",
    "count_backordered_orders_resolved": "contacts.backordered_orders",
    "count_contacts": "contacts.backordered_contacts",
    "contacts_per_backordered_order": "contacts.per_backordered_order",
}


def _total_row(frame) -> dict:
    """The metric's headline row: the only row, or the one with every group column null."""
    if "breakdown" in frame.columns:
        return frame.filter(frame["breakdown"] == "total").row(0, named=True)
    if frame.height != 1:
        raise ValueError(f"no headline row in a frame of {frame.height} rows")
    return frame.row(0, named=True)


# Our metric -> {reference figure: our column}.
OUR_FIGURES: dict[str, dict[str, str]] = {
    "promise_hit_rate": {
        "promise.lines": "count_lines",
        "promise.hits": "count_hits",
        "promise.hit_rate": "hit_rate",
        "promise.mean_days_late": "mean_days_late",
        "promise.median_days_late": "median_days_late",
    },
    "backorder_cancel_rate": {
        "cancel.resolved": "count_resolved",
        "cancel.canceled": "count_canceled",
        "cancel.rate": "cancel_rate",
        "cancel.lost_revenue": "lost_revenue",
    },
    "split_shipment_cost": {
        "split.extra_shipments": "count_extra_shipments",
        "split.cost": "split_cost",
        "split.backorder_cost": "backorder_split_cost",
        "split.first_shipped_orders": "count_orders_first_shipped",
        "split.split_orders": "count_split_orders",
        "split.split_rate": "split_rate",
        "split.revenue": "split_revenue",
        "split.share_of_revenue": "share_of_revenue",
    },
    "support_contact_rate": {
        "contacts.backordered_orders": "count_backordered_orders",
        "contacts.backordered_contacts": "count_backordered_contacts",
        "contacts.per_backordered_order": "contacts_per_order",
        "contacts.repeated_share": "repeated_share",
        "contacts.baseline_orders": "count_baseline_orders",
        "contacts.baseline_contacts": "count_baseline_contacts",
        "contacts.per_baseline_order": "baseline_contacts_per_order",
        "contacts.lift": "lift",
    },
}


def _close(a, b, money: bool) -> bool:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or (isinstance(a, float) and math.isnan(a))) and (
            b is None or (isinstance(b, float) and math.isnan(b))
        )
    if isinstance(a, (int, np.integer)) and isinstance(b, (int, np.integer)):
        return int(a) == int(b)
    a, b = float(a), float(b)
    if money:
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return abs(a - b) <= 1e-9


def compare(ref: Reference, our: Reference) -> list[str]:
    """Every figure where `our` differs from `ref`, as text; empty when they agree."""
    diffs: list[str] = []
    a, b = ref.by_sku, our.by_sku
    skus_a, skus_b = [_py(x) for x in a["sku"]], [_py(x) for x in b["sku"]]
    if skus_a != skus_b:
        first = next(
            (i for i, (x, y) in enumerate(zip(skus_a, skus_b, strict=False)) if x != y),
            min(len(skus_a), len(skus_b)),
        )
        diffs.append(
            f"backorder_rate skus or their order differ from row {first}: pandas "
            f"{skus_a[first : first + 3]} vs ours {skus_b[first : first + 3]} "
            f"({len(skus_a)} vs {len(skus_b)} rows)"
        )
    else:
        for col in BY_SKU_COLUMNS[1:]:
            for sku, x, y in zip(skus_a, a[col], b[col], strict=True):
                if col in COUNTS and not (pd.isna(x) and pd.isna(y)):
                    same = not pd.isna(x) and not pd.isna(y) and int(x) == int(y)
                else:
                    same = _close(_py(x), _py(y), money=False)
                if not same:
                    diffs.append(f"backorder_rate[{sku}].{col}: pandas {x} vs ours {y}")
    for key, x in ref.figures.items():
        if key not in our.figures:
            diffs.append(f"{key}: ours missing")
            continue
        y = our.figures[key]
        money = key.endswith(("cost", "revenue"))
        if isinstance(x, int) and not isinstance(x, bool):
            same = y is not None and int(y) == x
        else:
            same = _close(_py(x), _py(y), money=money)
        if not same:
            diffs.append(f"{key}: pandas {x} vs ours {y}")
    total = a.iloc[0] if len(a) else {}
    for column, y in our.review.items():
        key = REVIEW_FIGURES[column]
        x = _py(total[key]) if key in BY_SKU_COLUMNS else ref.figures.get(key)
        if key in COUNTS or key.split(".")[-1] in ("lines", "hits", "resolved", "canceled"):
            same = (x or 0) == (y or 0) and y is not None
        else:
            same = _close(_py(x), _py(y), money=key.endswith("cost"))
        if not same:
            diffs.append(f"weekly_review.{column}: pandas {x} vs ours {y}")
    return diffs


def _py(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    if x is pd.NA or x is pd.NaT:
        return None
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return None if np.isnan(x) else float(x)
    return x
