"""Communication, process and channel controls of metrics.md: one function per SQL file."""

from __future__ import annotations

import numba
import numpy as np
import polars as pl

from dashboard import store
from dashboard.queries import base_params, metric, missing_input, run

__all__ = [
    "first_notice",
    "silent_backorders",
    "allocation_inversions",
    "allocation_inversions_lines",
    "hygiene",
    "hygiene_lines",
    "channel_sla",
    "delay_notice_compliance",
    "delay_notice_compliance_lines",
]

LINE_STATE = ["order_lines.shipped_at", "order_lines.canceled_at"]


def _has(con, need: str) -> bool:
    """Whether the loaded exports carry `need` ("table" or "table.column")."""
    return missing_input(store.presence(con), [need]) is None


@metric(
    needs=["order_lines.backordered_qty"],
    figures={
        figure: ["notices"]
        for figure in (
            "notified",
            "median_hours",
            "notified_within_24h",
            "share_within_24h",
            "never_notified",
        )
    },
)
def first_notice(con, period, filters, settings, as_of) -> pl.DataFrame:
    return run(con, "first_notice", base_params(period, filters, settings, as_of))


@metric(needs=["order_lines.backordered_qty", *LINE_STATE, "notices"])
def silent_backorders(con, period, filters, settings, as_of) -> pl.DataFrame:
    params = base_params(period, filters, settings, as_of)
    params["next_update_by_present"] = _has(con, "notices.next_update_by")
    return run(con, "silent_backorders", params)


@numba.njit(cache=True)
def _dominance(p_start, p_x, p_y, p_w, q_start, q_x, q_y):
    """Per query q: the sum of w over the points p of its group with x_p < x_q and
    y_p > y_q. Points and queries are sorted by (group, x); group g is p_start[g]:p_start[g+1]
    of the points and q_start[g]:q_start[g+1] of the queries. A sweep over x per group
    adds points to a Fenwick tree over the ranks of y."""
    out = np.zeros(q_x.shape[0], dtype=np.int64)
    for g in range(p_start.shape[0] - 1):
        lo, hi = p_start[g], p_start[g + 1]
        ys = np.sort(p_y[lo:hi])
        tree = np.zeros(hi - lo + 1, dtype=np.int64)
        added = 0
        j = lo
        for i in range(q_start[g], q_start[g + 1]):
            while j < hi and p_x[j] < q_x[i]:
                k = np.searchsorted(ys, p_y[j], side="left") + 1
                while k <= hi - lo:
                    tree[k] += p_w[j]
                    k += k & -k
                added += p_w[j]
                j += 1
            # points added with y_p <= y_q
            k = np.searchsorted(ys, q_y[i], side="right")
            at_most = 0
            while k > 0:
                at_most += tree[k]
                k -= k & -k
            out[i] = added - at_most
    return out


def _dominance_sums(points: pl.DataFrame, queries: pl.DataFrame, by: list[str]) -> np.ndarray:
    """Per row of `queries` (by..., x, y), in its order: the sum of w over the rows of
    `points` (by..., x, y, w) with the same `by` values (nulls equal), x < the query's x and
    y > the query's y."""
    keys = (
        pl.concat([points.select(by), queries.select(by)])
        .unique()
        .sort(by, nulls_last=True)
        .with_row_index("code")
    )
    points = points.join(keys, on=by, nulls_equal=True).sort("code", "x")
    queries = queries.with_row_index("row").join(keys, on=by, nulls_equal=True).sort("code", "x")
    groups = np.arange(keys.height + 1)
    sums = _dominance(
        np.searchsorted(points["code"].to_numpy(), groups).astype(np.int64),
        points["x"].to_numpy().astype(np.int64),
        points["y"].to_numpy().astype(np.int64),
        points["w"].to_numpy().astype(np.int64),
        np.searchsorted(queries["code"].to_numpy(), groups).astype(np.int64),
        queries["x"].to_numpy().astype(np.int64),
        queries["y"].to_numpy().astype(np.int64),
    )
    out = np.zeros(queries.height, dtype=np.int64)
    out[queries["row"].to_numpy()] = sums
    return out


NEVER = np.iinfo(np.int64).max  # until_us of a line still open


def _inversion_sides(name, con, period, filters, settings, as_of):
    """The lines that can take part (queries/<name>.sql): waiting lines A, shipped lines B
    with their receipt, and per B the count of its pairs; A and B as x (from_at) and y
    (until_at) in microseconds."""
    sides = run(con, name, base_params(period, filters, settings, as_of))
    micros = [
        pl.col("from_at").dt.epoch("us").alias("x"),
        pl.col("until_at").dt.epoch("us").fill_null(NEVER).alias("y"),
    ]
    waiting = sides.filter(pl.col("side") == "A").drop("po_id").with_columns(micros)
    receipts = (
        sides.filter(pl.col("side") == "R")
        .select("sku", "po_id", received_at=pl.col("from_at"))
        .sort("received_at")
    )
    shipped = (
        sides.filter(pl.col("side") == "B")
        .drop("po_id")
        .with_columns(*micros, pl.col("qty").fill_null(0).cast(pl.Int64))
        .sort("until_at")
        .join_asof(
            receipts,
            left_on="until_at",
            right_on="received_at",
            by="sku",
            strategy="backward",
            check_sortedness=False,
        )
    )
    # pairs per B: the A of its sku with x < B's x and y > B's y
    shipped = shipped.with_columns(
        pairs=pl.Series(
            _dominance_sums(waiting.with_columns(w=pl.lit(1, pl.Int64)), shipped, ["sku"]),
        )
    )
    return waiting, shipped.filter(pl.col("pairs") > 0)


def _negated(frame: pl.DataFrame) -> pl.DataFrame:
    """x and y negated: "B.x > A.x and B.y < A.y" becomes a count of x < and y >."""
    return frame.with_columns(-pl.col("x"), -pl.col("y"))


@metric(
    needs=["order_lines.backordered_qty", *LINE_STATE],
    figures={"po_id": ["inbound"], "received_at": ["inbound"]},
)
def allocation_inversions(con, period, filters, settings, as_of) -> pl.DataFrame:
    waiting, ahead = _inversion_sides(
        "allocation_inversions", con, period, filters, settings, as_of
    )
    # A passed over in a receipt: some B of that receipt has B.x > A.x and B.y < A.y
    per_receipt_a = waiting.join(ahead.select("sku", "po_id").unique(), on="sku")
    passed = per_receipt_a.filter(
        pl.Series(
            _dominance_sums(
                _negated(ahead).with_columns(w=pl.lit(1, pl.Int64)),
                _negated(per_receipt_a),
                ["sku", "po_id"],
            )
        )
        > 0
    )
    lines = passed.unique(["sku", "order_id", "line_id"])
    figures = [pl.col("qty").sum().alias("units_shipped_ahead"), pl.col("pairs").sum()]
    total = pl.DataFrame(
        {"breakdown": ["total"], "lines_passed_over": [lines.height]},
        schema_overrides={"lines_passed_over": pl.Int64},
    ).with_columns(ahead.select(figures))
    per_sku = (
        lines.group_by("sku")
        .agg(pl.len().alias("lines_passed_over"))
        .join(ahead.group_by("sku").agg(figures), on="sku")
        .with_columns(breakdown=pl.lit("sku"))
    )
    per_receipt = (
        passed.group_by("sku", "po_id")
        .agg(pl.len().alias("lines_passed_over"))
        .join(
            ahead.group_by("sku", "po_id").agg(*figures, pl.col("received_at").first()),
            on=["sku", "po_id"],
            nulls_equal=True,
        )
        .with_columns(breakdown=pl.lit("receipt"))
    )
    columns = [
        pl.col("breakdown"),
        pl.col("sku").cast(pl.String),
        pl.col("po_id").cast(pl.String),
        pl.col("received_at").cast(waiting.schema["from_at"]),
        pl.col("lines_passed_over").cast(pl.Int64),
        pl.col("units_shipped_ahead").fill_null(0).cast(pl.Decimal(38, 0)),
        pl.col("pairs").fill_null(0).cast(pl.Decimal(38, 0)),
    ]
    frame = pl.concat(
        [
            part.select(columns).sort(
                ["lines_passed_over", "units_shipped_ahead", "sku", "po_id"],
                descending=[True, True, False, False],
                nulls_last=True,
            )
            for part in (
                total.with_columns(sku=None, po_id=None, received_at=None),
                per_sku.with_columns(po_id=None, received_at=None),
                per_receipt,
            )
        ]
    )
    if not _has(con, "inbound"):
        # Without inbound there are no receipts to break down by: no receipt rows.
        frame = frame.filter(pl.col("breakdown") != "receipt")
    return frame


@metric(
    needs=["order_lines.backordered_qty", *LINE_STATE],
    figures={"po_id": ["inbound"], "received_at": ["inbound"]},
)
def allocation_inversions_lines(con, period, filters, settings, as_of) -> pl.DataFrame:
    waiting, ahead = _inversion_sides(
        "allocation_inversions_lines", con, period, filters, settings, as_of
    )
    # per A: the B of its sku with B.x > A.x and B.y < A.y, counted and their qty summed
    points = _negated(ahead).with_columns(w=pl.lit(1, pl.Int64))
    waiting = waiting.with_columns(
        lines_shipped_ahead=pl.Series(_dominance_sums(points, _negated(waiting), ["sku"])),
        units_shipped_ahead=pl.Series(
            _dominance_sums(points.with_columns(w=pl.col("qty")), _negated(waiting), ["sku"])
        ),
    ).filter(pl.col("lines_shipped_ahead") > 0)
    # A's first pair: the first B by (shipped_at, order_id, line_id) among those with
    # B.x > A.x (a running min from the greatest x); it is a pair as A has one.
    ahead = ahead.sort("until_at", "order_id", "line_id", nulls_last=True).with_row_index("first")
    firsts = (
        ahead.group_by("sku", "x")
        .agg(pl.col("first").min())
        .sort("sku", "x", descending=[False, True])
        .with_columns(pl.col("first").cum_min().over("sku"))
        .sort("x")
    )
    first_lines = ahead.select(
        "first",
        first_passed_at=pl.col("until_at"),
        passed_by_order_id=pl.col("order_id"),
        passed_by_line_id=pl.col("line_id"),
        first_date=pl.col("local_date"),
        po_id=pl.col("po_id"),
        received_at=pl.col("received_at"),
    )
    return (
        waiting.sort("x")
        .join_asof(
            firsts,
            on="x",
            by="sku",
            strategy="forward",
            allow_exact_matches=False,
            check_sortedness=False,
        )
        .join(first_lines, on="first", how="left")
        .select(
            "order_id",
            "line_id",
            "sku",
            backordered_at=pl.col("from_at"),
            resolved_at=pl.col("until_at"),
            first_passed_at=pl.col("first_passed_at"),
            passed_by_order_id=pl.col("passed_by_order_id"),
            passed_by_line_id=pl.col("passed_by_line_id"),
            waiting_days=(pl.col("first_date") - pl.col("local_date")).dt.total_days(),
            lines_shipped_ahead=pl.col("lines_shipped_ahead"),
            units_shipped_ahead=pl.col("units_shipped_ahead"),
            po_id=pl.col("po_id"),
            received_at=pl.col("received_at"),
        )
        .sort(
            "waiting_days",
            "order_id",
            "line_id",
            descending=[True, False, False],
            nulls_last=True,
        )
    )


# hygiene: each check and the inputs it needs beyond backordered lines.
HYGIENE_CHECKS = {
    "no_reason": ["order_lines.backorder_reason"],
    "no_promise": ["order_lines.promised_ship_date"],
    "promise_without_buffer": ["order_lines.promised_ship_date", "order_lines.supplier_eta"],
    "ineligible_accepted": ["skus.backorder_eligible"],
    "over_cap": ["skus.oversell_cap", *LINE_STATE],
}


def _hygiene_params(con, period, filters, settings, as_of) -> dict[str, object]:
    """The parameters of hygiene*.sql: `$checks` lists the checks whose inputs are loaded."""
    present = store.presence(con)
    params = base_params(period, filters, settings, as_of)
    params["checks"] = [
        check for check, needs in HYGIENE_CHECKS.items() if missing_input(present, needs) is None
    ]
    return params


@metric(
    needs=["order_lines.backordered_qty"],
    figures={
        figure: needs
        for check, needs in HYGIENE_CHECKS.items()
        for figure in (check, f"{check}_share")
    },
)
def hygiene(con, period, filters, settings, as_of) -> pl.DataFrame:
    return run(con, "hygiene", _hygiene_params(con, period, filters, settings, as_of))


@metric(needs=["order_lines.backordered_qty"])
def hygiene_lines(con, period, filters, settings, as_of) -> pl.DataFrame:
    """Failing lines; a check whose inputs are not loaded is null on every row."""
    return run(con, "hygiene_lines", _hygiene_params(con, period, filters, settings, as_of))


@metric(
    needs=LINE_STATE,
    figures={
        figure: ["order_lines.cancel_reason"]
        for figure in (
            "seller_cancel_orders",
            "seller_cancel_denominator",
            "seller_cancel_rate",
            "seller_cancel_headroom",
            "seller_cancel_over",
        )
    },
)
def channel_sla(con, period, filters, settings, as_of) -> pl.DataFrame:
    return run(con, "channel_sla", base_params(period, filters, settings, as_of))


@metric(
    needs=["order_lines.backordered_qty", *LINE_STATE, "notices"],
    figures={"missed_promise_without_notice": ["order_lines.promised_ship_date"]},
)
def delay_notice_compliance(con, period, filters, settings, as_of) -> pl.DataFrame:
    return run(con, "delay_notice_compliance", base_params(period, filters, settings, as_of))


@metric(needs=["order_lines.backordered_qty", *LINE_STATE, "notices"])
def delay_notice_compliance_lines(con, period, filters, settings, as_of) -> pl.DataFrame:
    """Without promised_ship_date no line fails missed_promise_without_notice (no promise)."""
    params = base_params(period, filters, settings, as_of)
    return run(con, "delay_notice_compliance_lines", params)
