-- backorder_age_lines: the open backordered lines as of D, oldest first; the overdue queue.
-- Grain: one row per open backordered line as of D (the end of local day $as_of): backordered
--   by D, neither shipped nor canceled by D.
-- Columns: order_id, line_id, sku, channel, backordered_at, backordered_qty,
--   age_days = D - backordered_date, bucket (`0-3`, `4-7`, `8-14`, `15+`), promised_ship_date,
--   days_overdue = D - promised_ship_date when promised_ship_date < D, else null (a line
--   without a promise is never overdue). The overdue queue is the rows with days_overdue.
-- Order: days_overdue desc (not overdue last), age_days desc, then order_id, line_id as text.
-- Parameters: $as_of; filters $channels, $suppliers, $families, $skus.
-- Inputs: order_lines (backordered_qty, backordered_at, shipped_at, canceled_at,
--   promised_ship_date), sku_attributes for filters.

with open_lines as (
    select
        order_id,
        line_id,
        sku,
        channel,
        backordered_at,
        backordered_qty,
        $as_of - backordered_date as age_days,
        promised_ship_date
    from filtered_lines($channels, $suppliers, $families, $skus)
    where
        backordered_qty > 0
        and backordered_date <= $as_of
        and (shipped_date is null or shipped_date > $as_of)
        and (canceled_date is null or canceled_date > $as_of)
),

final as (
    select
        order_id,
        line_id,
        sku,
        channel,
        backordered_at,
        backordered_qty,
        age_days,
        case
            when age_days <= 3 then '0-3'
            when age_days <= 7 then '4-7'
            when age_days <= 14 then '8-14'
            else '15+'
        end as bucket,
        promised_ship_date,
        case
            when promised_ship_date < $as_of then $as_of - promised_ship_date
        end as days_overdue
    from open_lines
)

select * from final
order by days_overdue desc nulls last, age_days desc, order_id asc, line_id asc
