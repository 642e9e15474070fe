-- whatif_events: the backordered lines the what-if replay walks, in walking order.
-- Grain: one row per backordered line that matters to the replay window [$from_date, $to_date):
--   lines backordered in the window (judged by the replay) and lines backordered before it and
--   still outstanding at its start (is_carried: outstanding exactly as recorded, never judged).
-- Columns: backordered_us and resolved_us are UTC instants in microseconds since the epoch
--   (resolved = coalesce(shipped_at, canceled_at); null while open); revenue = qty x unit_price.
-- Order: sku, then (backordered_at, order_id, line_id), text compared as text.
-- Parameters: $from_date, $to_date.
-- Inputs: whatif_backordered_lines (queries/whatif_derived.sql, kept up to date by every import);
--   queries/whatif_events_direct.sql reads the same rows from order_lines.

with relevant as (
    select
        *,
        backordered_date < $from_date as is_carried
    from whatif_backordered_lines
    where
        backordered_date < $to_date
        and (
            backordered_date >= $from_date
            or resolved_us is null
            or resolved_date >= $from_date
        )
),

final as (
    select
        sku,
        order_id,
        line_id,
        is_carried,
        backordered_us,
        resolved_us,
        backordered_qty,
        qty,
        revenue
    from relevant
)

select * from final
order by sku, backordered_us, order_id, line_id
