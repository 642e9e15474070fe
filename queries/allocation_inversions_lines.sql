-- allocation_inversions_lines: which delayed lines were passed over, and by which lines?
-- Grain: one row per inversion pair (A, B) in the period (the queue), by waiting_days desc,
--   then A's order_id, line_id, then shipped_at, then B's order_id, line_id (ids as text).
-- Pair, period and receipt exactly as in allocation_inversions.sql.
-- Columns: order_id, line_id (A, the line passed over), sku, backordered_at (A's),
--   passed_by_order_id, passed_by_line_id, passed_by_ordered_at, passed_by_qty (B),
--   shipped_at (t, when B shipped), waiting_days (local date of t - A's backordered date),
--   po_id and received_at of the sku's latest receipt by t (null before any receipt).
-- Parameters: $from_date, $to_date; filters $channels, $suppliers, $families, $skus.
-- Inputs: order_lines (sku, qty, ordered_at, backordered_qty, backordered_at, shipped_at,
--   canceled_at), inbound (po_id, sku, received_at).

with lines as (
    select * from filtered_lines($channels, $suppliers, $families, $skus)
),

shipped_lines as (
    select
        order_id,
        line_id,
        sku,
        qty,
        ordered_at,
        shipped_at,
        shipped_date
    from lines
    where shipped_date >= $from_date and shipped_date < $to_date
),

-- backordered lines that may be waiting at some t in the period: backordered by its end,
-- not resolved before its start
waiting_lines as (
    select
        order_id,
        line_id,
        sku,
        backordered_at,
        backordered_date,
        -- waiting while before this instant (infinity while open)
        coalesce(least(shipped_at, canceled_at), 'infinity'::timestamptz) as waiting_until
    from lines
    where
        backordered_qty > 0
        and backordered_date < $to_date
        and (shipped_date is null or shipped_date >= $from_date)
        and (canceled_date is null or canceled_date >= $from_date)
),

receipts as (
    select
        sku,
        received_at,
        max(po_id) as po_id
    from filtered_inbound($channels, $suppliers, $families, $skus)
    where
        received_at is not null
        and sku in (select shipped_lines.sku from shipped_lines)
    group by sku, received_at
),

pairs as (
    select
        waiting_lines.order_id as a_order_id,
        waiting_lines.line_id as a_line_id,
        shipped_lines.order_id as b_order_id,
        shipped_lines.line_id as b_line_id,
        shipped_lines.sku,
        waiting_lines.backordered_at,
        waiting_lines.backordered_date,
        shipped_lines.ordered_at as b_ordered_at,
        shipped_lines.qty as b_qty,
        shipped_lines.shipped_at,
        shipped_lines.shipped_date
    from waiting_lines
    inner join shipped_lines
        on
            waiting_lines.sku = shipped_lines.sku
            and waiting_lines.backordered_at < shipped_lines.ordered_at
            and waiting_lines.backordered_at <= shipped_lines.shipped_at
            and waiting_lines.waiting_until > shipped_lines.shipped_at
),

final as (
    select
        pairs.a_order_id as order_id,
        pairs.a_line_id as line_id,
        pairs.sku,
        pairs.backordered_at,
        pairs.b_order_id as passed_by_order_id,
        pairs.b_line_id as passed_by_line_id,
        pairs.b_ordered_at as passed_by_ordered_at,
        pairs.b_qty as passed_by_qty,
        pairs.shipped_at,
        pairs.shipped_date - pairs.backordered_date as waiting_days,
        receipts.po_id,
        receipts.received_at
    from pairs
    asof left join receipts
        on
            pairs.sku = receipts.sku
            and pairs.shipped_at >= receipts.received_at
)

select * from final
order by
    waiting_days desc,
    order_id asc,
    line_id asc,
    shipped_at asc,
    passed_by_order_id asc,
    passed_by_line_id asc
