-- whatif_events_direct: whatif_events read straight from order_lines, for a database imported
-- before the derived table whatif_backordered_lines existed (queries/whatif_derived.sql).
-- The same rows, in the same order, as whatif_events.sql.
-- Grain: one row per backordered line that matters to the replay window [$from_date, $to_date):
--   lines backordered in the window (judged by the replay) and lines backordered before it and
--   still outstanding at its start (is_carried: outstanding exactly as recorded, never judged).
-- Columns: backordered_us and resolved_us are UTC instants in microseconds since the epoch
--   (resolved = coalesce(shipped_at, canceled_at); null while open); revenue = qty x unit_price.
-- Order: sku, then (backordered_at, order_id, line_id), text compared as text.
-- Parameters: $from_date, $to_date.
-- Inputs: order_lines (backordered_qty, backordered_at, shipped_at, canceled_at, qty,
--   unit_price).

with backordered as (
    select
        sku,
        order_id,
        line_id,
        backordered_at,
        backordered_date,
        backordered_qty,
        qty,
        qty * coalesce(unit_price, 0) as revenue,
        coalesce(shipped_at, canceled_at) as resolved_at,
        coalesce(shipped_date, canceled_date) as resolved_date
    from order_lines
    where
        backordered_qty > 0
        and backordered_at is not null
        and backordered_date < $to_date
),

relevant as (
    select
        *,
        backordered_date < $from_date as is_carried
    from backordered
    where
        backordered_date >= $from_date
        or resolved_at is null
        or resolved_date >= $from_date
),

final as (
    select
        sku,
        order_id,
        line_id,
        is_carried,
        epoch_us(backordered_at) as backordered_us,
        epoch_us(resolved_at) as resolved_us,
        backordered_qty,
        qty,
        revenue::double as revenue
    from relevant
)

select * from final
order by sku, backordered_us, order_id, line_id
