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
def _by_group_and_x(groups, group, by_x):
    """Row numbers ordered by (group, x), given them ordered by x (a stable counting sort
    by group), and each group's start in them."""
    start = np.zeros(groups + 1, dtype=np.int64)
    for g in group:
        start[g + 1] += 1
    start = np.cumsum(start)
    order = np.empty(group.shape[0], dtype=np.int64)
    filled = start[:-1].copy()
    for row in by_x:
        order[filled[group[row]]] = row
        filled[group[row]] += 1
    return order, start


@numba.njit(cache=True)
def _dominance(groups, p_group, p_x, p_y, p_w, p_by_x, q_group, q_x, q_y, q_by_x):
    """Per query q (in input order): the sum of w over the points p with p_group = q_group,
    p_x < q_x and p_y > q_y. Groups are 0 .. groups - 1; p_by_x, q_by_x: the rows ordered
    by x (NumPy's argsort is faster than numba's). Per group, a sweep over x adds the
    points to a Fenwick tree over the ranks of their y: O(n log n), no pair is listed."""
    out = np.zeros(q_x.shape[0], dtype=np.int64)
    p_order, p_start = _by_group_and_x(groups, p_group, p_by_x)
    q_order, q_start = _by_group_and_x(groups, q_group, q_by_x)
    px, py, pw = p_x[p_order], p_y[p_order], p_w[p_order]
    qx, qy = q_x[q_order], q_y[q_order]
    for g in range(groups):
        lo, hi = p_start[g], p_start[g + 1]
        if lo == hi or q_start[g] == q_start[g + 1]:
            continue
        ys = np.sort(py[lo:hi])
        n = hi - lo
        tree = np.zeros(n + 1, dtype=np.int64)
        added = 0
        j = lo
        for i in range(q_start[g], q_start[g + 1]):
            while j < hi and px[j] < qx[i]:
                k = np.searchsorted(ys, py[j], side="left") + 1
                while k <= n:
                    tree[k] += pw[j]
                    k += k & -k
                added += pw[j]
                j += 1
            # the points added with y <= the query's y
            k = np.searchsorted(ys, qy[i], side="right")
            at_most = 0
            while k > 0:
                at_most += tree[k]
                k -= k & -k
            out[q_order[i]] = added - at_most
    return out


@numba.njit(cache=True)
def _first_after(groups, b_group, b_x, b_y, b_tie, b_by_x, a_group, a_x):
    """Per A (in input order): the row of the B of its group with b_x > a_x and the least
    (b_y, b_tie), or -1. Per group, a running min from the greatest x, found by binary
    search on x."""
    out = np.full(a_x.shape[0], -1, dtype=np.int64)
    b_order, b_start = _by_group_and_x(groups, b_group, b_by_x)
    a_order, a_start = _by_group_and_x(groups, a_group, np.arange(a_x.shape[0]))
    for g in range(groups):
        lo, hi = b_start[g], b_start[g + 1]
        if lo == hi:
            continue
        rows = b_order[lo:hi]
        xs = b_x[rows]
        best = np.empty(hi - lo, dtype=np.int64)  # least (y, tie) among rows[i:]
        best[-1] = rows[-1]
        for i in range(hi - lo - 2, -1, -1):
            r, m = rows[i], best[i + 1]
            better = b_y[r] < b_y[m] or (b_y[r] == b_y[m] and b_tie[r] < b_tie[m])
            best[i] = r if better else m
        for a in a_order[a_start[g] : a_start[g + 1]]:
            i = np.searchsorted(xs, a_x[a], side="right")
            if i < hi - lo:
                out[a] = best[i]
    return out


def _dominance_sums(
    groups: int, points: pl.DataFrame, queries: pl.DataFrame, w: str | None = None
) -> pl.Series:
    """Per row of `queries` (group, x, y): the sum of `w` (default 1) over the rows of
    `points` (group, x, y) of its group with x < its x and y > its y."""

    p_x = points["x"].to_numpy().astype(np.int64)
    q_x = queries["x"].to_numpy().astype(np.int64)
    return pl.Series(
        _dominance(
            groups,
            points["group"].to_numpy().astype(np.int64),
            p_x,
            points["y"].to_numpy().astype(np.int64),
            points[w].to_numpy().astype(np.int64) if w else np.ones(p_x.shape[0], np.int64),
            np.argsort(p_x),
            queries["group"].to_numpy().astype(np.int64),
            q_x,
            queries["y"].to_numpy().astype(np.int64),
            np.argsort(q_x),
        )
    )


NEVER = np.iinfo(np.int64).max  # y of a line still open


def _inversion_sides(con, period, filters, settings, as_of, queue=False):
    """The lines that can take part (queries/allocation_inversions.sql): waiting lines A;
    shipped lines B with their receipt. For the figures, only the B with at least one pair,
    with their number of pairs; for the queue, every B and the ids of every line. x = from_at
    and y = until_at in microseconds; `group` numbers the skus, `receipt` the receipts (and,
    per sku, "before any receipt"). Also the number of receipt groups."""
    params = base_params(period, filters, settings, as_of)
    params["queue_columns"] = queue
    sides = run(con, "allocation_inversions", params)
    if not queue:
        sides = sides.drop("order_id", "line_id")  # null without $queue_columns
    skus = sides["sku"].unique()
    sides = sides.with_columns(
        x=pl.col("from_at").dt.epoch("us"),
        y=pl.col("until_at").dt.epoch("us").fill_null(NEVER),
        group=pl.col("sku").cast(pl.Enum(skus)).to_physical().cast(pl.Int64),
    )
    skus = skus.len()
    waiting = sides.filter(pl.col("side") == "A").drop("po_id").with_row_index("line")
    receipts = (
        sides.filter(pl.col("side") == "R")
        .select("sku", "po_id", received_at=pl.col("from_at"))
        .sort("received_at")
        .with_row_index("receipt")
        .with_columns(pl.col("receipt").cast(pl.Int64) + skus)
    )
    shipped = (
        sides.filter(pl.col("side") == "B")
        .drop("po_id")
        .with_columns(pl.col("qty").fill_null(0).cast(pl.Int64))
        .sort("until_at")
        .join_asof(
            receipts,
            left_on="until_at",
            right_on="received_at",
            by="sku",
            strategy="backward",
            check_sortedness=False,
        )
        .with_columns(pl.col("receipt").fill_null(pl.col("group")))
    )
    if not queue:
        # pairs per B: the A of its sku with x < B's x and y > B's y; keep B with a pair
        shipped = shipped.with_columns(pairs=_dominance_sums(skus, waiting, shipped)).filter(
            pl.col("pairs") > 0
        )
    return waiting, shipped, skus + receipts.height


def _negated(frame: pl.DataFrame) -> pl.DataFrame:
    """x and y negated: "B.x > A.x and B.y < A.y" becomes a count of x < and y >."""
    return frame.with_columns(-pl.col("x"), -pl.col("y"))


@metric(
    needs=["order_lines.backordered_qty", *LINE_STATE],
    figures={"po_id": ["inbound"], "received_at": ["inbound"]},
)
def allocation_inversions(con, period, filters, settings, as_of) -> pl.DataFrame:
    waiting, ahead, receipts = _inversion_sides(con, period, filters, settings, as_of)
    # A passed over in a receipt: some B of that receipt has B.x > A.x and B.y < A.y
    per_receipt = waiting.join(
        ahead.select("sku", "receipt", "po_id").unique(), on="sku"
    ).with_columns(group=pl.col("receipt"))
    passed = per_receipt.filter(
        _dominance_sums(
            receipts, _negated(ahead.with_columns(group=pl.col("receipt"))), _negated(per_receipt)
        )
        > 0
    )
    lines = passed.unique("line")
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
    waiting, shipped, _ = _inversion_sides(con, period, filters, settings, as_of, queue=True)
    # per A: the B of its sku with B.x > A.x and B.y < A.y (each is a pair), counted and
    # their qty summed
    skus = int(pl.concat([waiting["group"], shipped["group"]]).max() or 0) + 1
    waiting = waiting.with_columns(
        lines_shipped_ahead=_dominance_sums(skus, _negated(shipped), _negated(waiting)),
        units_shipped_ahead=_dominance_sums(skus, _negated(shipped), _negated(waiting), "qty"),
    ).filter(pl.col("lines_shipped_ahead") > 0)
    # A's first pair: among the B with B.x > A.x, the least (shipped_at, order_id, line_id);
    # it is a pair as A has one. Equal shipped_at within a sku is ranked by the ids (the
    # few tied rows only).
    shipped = shipped.with_row_index("row")
    tied = (
        shipped.filter(pl.struct("group", "y").is_duplicated())
        .sort("group", "y", "order_id", "line_id", nulls_last=True)
        .select("row", tie=pl.int_range(pl.len(), dtype=pl.Int64))
    )
    tie = np.zeros(shipped.height, dtype=np.int64)
    tie[tied["row"].to_numpy()] = tied["tie"].to_numpy()
    b_x = shipped["x"].to_numpy().astype(np.int64)
    first = _first_after(
        skus,
        shipped["group"].to_numpy().astype(np.int64),
        b_x,
        shipped["y"].to_numpy().astype(np.int64),
        tie,
        np.argsort(b_x),
        waiting["group"].to_numpy().astype(np.int64),
        waiting["x"].to_numpy().astype(np.int64),
    )
    first_lines = shipped.select(
        first_passed_at=pl.col("until_at"),
        passed_by_order_id=pl.col("order_id"),
        passed_by_line_id=pl.col("line_id"),
        first_date=pl.col("local_date"),
        po_id=pl.col("po_id"),
        received_at=pl.col("received_at"),
    )[first]  # every A here has a pair, so a first (no -1)
    return (
        pl.concat([waiting, first_lines], how="horizontal")
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


def _hygiene_lines(con, period, filters, settings, as_of) -> pl.DataFrame:
    """The judged lines of queries/hygiene.sql with a flag per check; `$checks` lists the
    checks whose inputs are loaded (the others are null)."""
    present = store.presence(con)
    params = base_params(period, filters, settings, as_of)
    params["checks"] = [
        check for check, needs in HYGIENE_CHECKS.items() if missing_input(present, needs) is None
    ]
    return run(con, "hygiene", params)


@metric(
    needs=["order_lines.backordered_qty"],
    figures={
        figure: needs
        for check, needs in HYGIENE_CHECKS.items()
        for figure in (check, f"{check}_share")
    },
)
def hygiene(con, period, filters, settings, as_of) -> pl.DataFrame:
    """One row: lines, and per check the failing lines and their share (null when no lines)."""
    counts = _hygiene_lines(con, period, filters, settings, as_of).select(
        pl.len().cast(pl.Int64).alias("lines"),
        *(pl.col(check).sum().cast(pl.Int64) for check in HYGIENE_CHECKS),
    )
    lines = pl.when(pl.col("lines") > 0).then(pl.col("lines"))
    return counts.select(
        "lines",
        *(
            column
            for check in HYGIENE_CHECKS
            for column in (pl.col(check), (pl.col(check) / lines).alias(f"{check}_share"))
        ),
    )


@metric(needs=["order_lines.backordered_qty"])
def hygiene_lines(con, period, filters, settings, as_of) -> pl.DataFrame:
    """Failing lines; a check whose inputs are not loaded is null on every row."""
    return _hygiene_lines(con, period, filters, settings, as_of).filter(
        pl.any_horizontal(*HYGIENE_CHECKS)
    )


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


def _delay_notice_failures(con, period, filters, settings, as_of, queue=False) -> pl.DataFrame:
    """The rows of queries/delay_notice_compliance.sql: one per line and rule it fails; the
    columns only the queue shows are read for the queue only."""
    params = base_params(period, filters, settings, as_of)
    params["queue_columns"] = queue
    return run(con, "delay_notice_compliance", params)


@metric(
    needs=["order_lines.backordered_qty", *LINE_STATE, "notices"],
    figures={"missed_promise_without_notice": ["order_lines.promised_ship_date"]},
)
def delay_notice_compliance(con, period, filters, settings, as_of) -> pl.DataFrame:
    """One row: the lines failing each line rule, and the orders of second_delay."""
    rule = pl.col("rule")
    return (
        _delay_notice_failures(con, period, filters, settings, as_of)
        .select(
            missed_promise_without_notice=(rule == "missed_promise_without_notice").sum(),
            past_statutory_days=(rule == "past_statutory_days").sum(),
            second_delay=pl.col("order_id").filter(rule == "second_delay").drop_nulls().n_unique(),
        )
        .cast(pl.Int64)
    )


@metric(needs=["order_lines.backordered_qty", *LINE_STATE, "notices"])
def delay_notice_compliance_lines(con, period, filters, settings, as_of) -> pl.DataFrame:
    """Without promised_ship_date no line fails missed_promise_without_notice (no promise)."""
    return _delay_notice_failures(con, period, filters, settings, as_of, queue=True)
