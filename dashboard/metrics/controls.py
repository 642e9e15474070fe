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


def _dominance_sums(points: pl.DataFrame, queries: pl.DataFrame) -> np.ndarray:
    """Per row of `queries` (sku, x, y), in its order: the sum of w over the rows of `points`
    (sku, x, y, w) of the same sku with x < the query's x and y > the query's y."""
    skus = pl.concat([points["sku"], queries["sku"]]).unique().sort()
    code = pl.col("sku").replace_strict(skus, pl.int_range(skus.len()), return_dtype=pl.Int64)
    points = points.with_columns(code.alias("code")).sort("code", "x")
    queries = queries.with_row_index("row").with_columns(code.alias("code")).sort("code", "x")
    groups = np.arange(skus.len() + 1)
    sums = _dominance(
        np.searchsorted(points["code"].to_numpy(), groups).astype(np.int64),
        points["x"].to_numpy().astype(np.int64),
        points["y"].to_numpy().astype(np.int64),
        points["w"].to_numpy().astype(np.int64),
        np.searchsorted(queries["code"].to_numpy(), groups).astype(np.int64),
        queries["x"].to_numpy().astype(np.int64),
        queries["y"].to_numpy().astype(np.int64),
    )
    out = np.empty(queries.height, dtype=np.int64)
    out[queries["row"].to_numpy()] = sums
    return out


NEVER = np.iinfo(np.int64).max  # waiting_until of a line still open


def _inversion_sides(con, period, filters, settings, as_of) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The two sides of the pairs (queries/allocation_inversions.sql): passed-over lines A,
    one row per receipt they were passed over in, and shipped-ahead lines B with their
    receipt."""
    sides = run(con, "allocation_inversions", base_params(period, filters, settings, as_of))
    passed = sides.filter(pl.col("side") == "A").with_columns(
        pl.col("waiting_until_us").fill_null(NEVER)
    )
    ahead = sides.filter(pl.col("side") == "B")
    return passed, ahead


@metric(
    needs=["order_lines.backordered_qty", *LINE_STATE],
    figures={"po_id": ["inbound"], "received_at": ["inbound"]},
)
def allocation_inversions(con, period, filters, settings, as_of) -> pl.DataFrame:
    passed, ahead = _inversion_sides(con, period, filters, settings, as_of)
    lines = passed.unique(["sku", "order_id", "line_id"])
    # pairs per B: the A of its sku with backordered_us < before_us and waiting_until_us >
    # shipped_us (only A with a pair can be one)
    ahead = ahead.with_columns(
        pl.Series(
            "pairs",
            _dominance_sums(
                lines.select(
                    "sku",
                    x=pl.col("backordered_us"),
                    y=pl.col("waiting_until_us"),
                    w=pl.lit(1, pl.Int64),
                ),
                ahead.select("sku", x=pl.col("before_us"), y=pl.col("shipped_us")),
            ),
        ),
        pl.col("qty").fill_null(0).cast(pl.Int64),
    )
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
        pl.col("received_at").cast(ahead.schema["received_at"]),
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
    queue = run(con, "allocation_inversions_lines", base_params(period, filters, settings, as_of))
    _, ahead = _inversion_sides(con, period, filters, settings, as_of)
    # per A: the B of its sku with before_us > backordered_us and shipped_us < waiting_until
    # (negated, as _dominance_sums counts x < and y >)
    points = ahead.select(
        "sku", x=-pl.col("before_us"), y=-pl.col("shipped_us"), w=pl.lit(1, pl.Int64)
    )
    queries = queue.select(
        "sku",
        x=-pl.col("backordered_at").dt.epoch("us"),
        y=-pl.col("resolved_at").dt.epoch("us").fill_null(NEVER),
    )
    units = points.with_columns(w=ahead["qty"].fill_null(0).cast(pl.Int64))
    return queue.with_columns(
        lines_shipped_ahead=pl.Series(_dominance_sums(points, queries)),
        units_shipped_ahead=pl.Series(_dominance_sums(units, queries)),
    ).select(
        "order_id",
        "line_id",
        "sku",
        "backordered_at",
        "resolved_at",
        "first_passed_at",
        "passed_by_order_id",
        "passed_by_line_id",
        "waiting_days",
        "lines_shipped_ahead",
        "units_shipped_ahead",
        "po_id",
        "received_at",
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
