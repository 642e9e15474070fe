-- allocation_inversions_lines: which delayed lines were passed over, and by which lines?
-- Grain: one row per passed-over line A (in at least one inversion pair of the period; pair
--   and period exactly as in allocation_inversions.sql), by waiting_days desc, then order_id,
--   line_id (as text). The pairs themselves are not listed.
-- Columns: order_id, line_id (A), sku, backordered_at, resolved_at (A's first of shipped_at,
--   canceled_at; null while open), first_passed_at (t of A's first pair in the period),
--   passed_by_order_id, passed_by_line_id (that pair's B; on equal shipped_at the least
--   order_id, line_id as text), waiting_days (local date of first_passed_at - A's backordered
--   date), lines_shipped_ahead (A's pairs: lines B shipped ahead of it in the period),
--   units_shipped_ahead (their qty), po_id and received_at of the sku's latest receipt by
--   first_passed_at (null before any receipt). This query gives all but lines_ and
--   units_shipped_ahead, which dashboard.metrics.controls.allocation_inversions_lines counts
--   (a 2-D dominance count over the B of allocation_inversions.sql).
-- How, without pairs: A's first pair is the B of its sku ordered after it (before_at, as in
--   allocation_inversions.sql) with the earliest shipped_at, if that is before A's
--   waiting_until (a running min from the end, looked up by ASOF join).
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
        shipped_at,
        shipped_date,
        -- A must be backordered before this instant (ordered_at null: never)
        least(ordered_at, shipped_at + interval 1 microsecond) as before_at
    from lines
    where
        shipped_date >= $from_date and shipped_date < $to_date
        and ordered_at is not null
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
        least(shipped_at, canceled_at) as resolved_at,
        -- waiting while before this instant (infinity while open)
        coalesce(least(shipped_at, canceled_at), 'infinity'::timestamptz) as waiting_until
    from lines
    where
        backordered_qty > 0
        and backordered_date < $to_date
        and (shipped_date is null or shipped_date >= $from_date)
        and (canceled_date is null or canceled_date >= $from_date)
),

-- per sku and before_at: the first line shipped among those with that before_at or later
first_shipped as (
    select
        sku,
        before_at,
        min(min({
            'shipped_at': shipped_at,
            'order_id': order_id,
            'line_id': line_id,
            'shipped_date': shipped_date
        })) over (partition by sku order by before_at desc) as first_line
    from shipped_lines
    group by sku, before_at
),

passed_over as (
    select
        waiting_lines.*,
        first_shipped.first_line
    from waiting_lines
    asof inner join first_shipped
        on
            waiting_lines.sku = first_shipped.sku
            and waiting_lines.backordered_at < first_shipped.before_at
    where first_shipped.first_line.shipped_at < waiting_lines.waiting_until
),

receipts as (
    select
        sku,
        received_at,
        max(po_id) as po_id
    from filtered_inbound($channels, $suppliers, $families, $skus)
    where
        received_at is not null
        and sku in (select passed_over.sku from passed_over)
    group by sku, received_at
),

first_passes as (
    select
        passed_over.order_id,
        passed_over.line_id,
        passed_over.sku,
        passed_over.backordered_at,
        passed_over.resolved_at,
        passed_over.first_line.shipped_at as first_passed_at,
        passed_over.first_line.order_id as passed_by_order_id,
        passed_over.first_line.line_id as passed_by_line_id,
        passed_over.first_line.shipped_date - passed_over.backordered_date as waiting_days
    from passed_over
),

final as (
    select
        first_passes.*,
        receipts.po_id,
        receipts.received_at
    from first_passes
    asof left join receipts
        on
            first_passes.sku = receipts.sku
            and first_passes.first_passed_at >= receipts.received_at
)

select * from final
order by
    waiting_days desc,
    order_id asc,
    line_id asc
