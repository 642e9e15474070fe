-- allocation_inversions_lines: which delayed lines were passed over, and by which lines?
-- Grain: one row per passed-over line A (in at least one inversion pair of the period; pair,
--   period and receipt exactly as in allocation_inversions.sql), by waiting_days desc, then
--   order_id, line_id (as text). The pairs themselves are not listed.
-- Columns: order_id, line_id (A), sku, backordered_at, resolved_at (A's first of shipped_at,
--   canceled_at; null while open), first_passed_at (t of A's first pair in the period),
--   passed_by_order_id, passed_by_line_id (that pair's B; on equal shipped_at the least
--   order_id, then line_id, as text), waiting_days (local date of first_passed_at - A's
--   backordered date), lines_shipped_ahead (A's pairs: the lines B shipped ahead of it in the
--   period), units_shipped_ahead (their qty), po_id and received_at of the sku's latest
--   receipt by first_passed_at (null before any receipt).
-- This query lists the lines that can take part as allocation_inversions.sql does, with
--   their ids (sides A, B, R; see there); dashboard.metrics.controls.allocation_inversions_lines
--   counts each A's lines and units shipped ahead with a Fenwick tree per sku and finds its
--   first pair with a running min, never listing the pairs.
-- Parameters: $from_date, $to_date; filters $channels, $suppliers, $families, $skus.
-- Inputs: order_lines (sku, qty, ordered_at, backordered_qty, backordered_at, shipped_at,
--   canceled_at), inbound (po_id, sku, received_at).

with
-- shipped lines of the period (B): A must be backordered before before_at
shipped_lines as (
    select
        'B' as side,
        sku,
        order_id,
        line_id,
        qty,
        least(ordered_at, shipped_at + interval 1 microsecond) as from_at,
        shipped_at as until_at,
        shipped_date as local_date,
        null as po_id
    from filtered_lines($channels, $suppliers, $families, $skus)
    where
        shipped_date >= $from_date and shipped_date < $to_date
        and ordered_at is not null
        and sku is not null
),

-- backordered lines that may be waiting at some t in the period (A): backordered by its
-- end, not resolved before its start
waiting_lines as (
    select
        'A' as side,
        sku,
        order_id,
        line_id,
        qty,
        backordered_at as from_at,
        least(shipped_at, canceled_at) as until_at,
        backordered_date as local_date,
        null as po_id
    from filtered_lines($channels, $suppliers, $families, $skus)
    where
        backordered_qty > 0
        and backordered_date < $to_date
        and sku is not null
        and (shipped_date is null or shipped_date >= $from_date)
        and (canceled_date is null or canceled_date >= $from_date)
),

-- receipts (R) of the skus shipped in the period; on equal received_at the greatest po_id
receipts as (
    select
        'R' as side,
        sku,
        null as order_id,
        null as line_id,
        null as qty,
        received_at as from_at,
        null as until_at,
        null as local_date,
        max(po_id) as po_id
    from filtered_inbound($channels, $suppliers, $families, $skus)
    where
        received_at is not null
        and sku in (select shipped_lines.sku from shipped_lines)
    group by sku, received_at
),

final as (
    select * from shipped_lines
    union all
    select * from waiting_lines
    union all
    select * from receipts
)

select * from final
