-- whatif_buffer_curve: what promise buffer would have kept the customer promise?
-- Grain: one row per buffer in 0..30 days.
-- Figures, over backordered lines shipped in the period [$from_date, $to_date) with a
--   supplier_eta: count_lines; count_hits = lines with shipped_date <= supplier_eta + buffer;
--   hit_rate = hits / lines (null when there are no such lines).
-- Parameters: $from_date, $to_date.
-- Inputs: order_lines (backordered_qty, shipped_at, supplier_eta).

with shipped_lines as (
    select shipped_date - supplier_eta as days_after_eta
    from order_lines
    where
        backordered_qty > 0
        and supplier_eta is not null
        and shipped_date >= $from_date
        and shipped_date < $to_date
),

lateness as (
    select
        days_after_eta,
        count(*) as count_lines
    from shipped_lines
    group by days_after_eta
),

buffers as (
    select range as buffer_days from range(0, 31)
),

counted as (
    select
        buffers.buffer_days,
        coalesce(sum(lateness.count_lines), 0) as count_lines,
        coalesce(
            sum(lateness.count_lines) filter (
                where lateness.days_after_eta <= buffers.buffer_days
            ),
            0
        ) as count_hits
    from buffers
    left join lateness on true
    group by buffers.buffer_days
),

final as (
    select
        buffer_days,
        count_lines,
        count_hits,
        count_hits / nullif(count_lines, 0) as hit_rate
    from counted
)

select * from final
order by buffer_days
