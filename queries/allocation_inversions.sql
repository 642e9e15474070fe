-- allocation_inversions: is newer demand shipped before older delayed orders?
-- A pair (A, B) of lines of the same sku is an inversion at t = B.shipped_at when A is
--   backordered, B.ordered_at > A.backordered_at, A.backordered_at <= t, A not shipped by t
--   (shipped_at empty or > t) and not canceled by t (canceled_at empty or > t). A pair is in
--   the period when t is. Its receipt: the sku's latest inbound receipt with received_at <= t
--   (on equal received_at, the greatest po_id as text).
-- Figures: one row per breakdown: 'total' (sku and po_id null), then 'sku' (one row per sku
--   with an inversion), then 'receipt' (one row per sku and inbound receipt; po_id null for
--   pairs before any receipt of the sku). Rows within a breakdown: lines_passed_over desc,
--   units_shipped_ahead desc, sku asc, po_id asc. lines_passed_over = distinct A;
--   units_shipped_ahead = sum of qty over distinct B; pairs. received_at: the receipt's time
--   (receipt rows only).
-- This query lists the lines that can take part, one row each: side 'B' (shipped in the
--   period; from_at = least(ordered_at, shipped_at + 1 microsecond), so that
--   "A.backordered_at < B.ordered_at and A.backordered_at <= t" is "A.from_at < B.from_at";
--   until_at = t), side 'A' (backordered, may wait during the period; from_at =
--   backordered_at, until_at = the first of shipped_at, canceled_at, null while open) and
--   side 'R' (receipts: from_at = received_at). (A, B) is a pair iff A.from_at < B.from_at and
--   A.until_at > B.until_at. dashboard.metrics.controls.allocation_inversions counts the pairs
--   per B and the B of each A and receipt with a Fenwick tree per sku (a 2-D dominance count,
--   O(n log n)), never listing the pairs, and sums per breakdown;
--   allocation_inversions_lines (the queue; see allocation_inversions_lines.sql) counts each
--   A's lines and units shipped ahead the same way and finds its first pair with a running min.
-- Columns: side, sku, order_id, line_id (null for receipts, and unless $queue_columns), qty,
--   from_at, until_at, local_date (of from_at for A, of until_at for B), po_id (receipts
--   only).
-- Parameters: $from_date, $to_date, $queue_columns (the queue names the lines; the figures do
--   not, and reading the ids of every waiting line costs a tenth of the query at 10M lines);
--   filters $channels, $suppliers, $families, $skus (both A and B are filtered lines;
--   inbound through filtered_inbound).
-- Inputs: order_lines (sku, qty, ordered_at, backordered_qty, backordered_at, shipped_at,
--   canceled_at), inbound (po_id, sku, received_at).

with
-- shipped lines of the period (B): A must be backordered before B's from_at
shipped_lines as (
    select
        'B' as side,
        sku,
        case when $queue_columns then order_id end as order_id,
        case when $queue_columns then line_id end as line_id,
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
        case when $queue_columns then order_id end as order_id,
        case when $queue_columns then line_id end as line_id,
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
