-- backorder_age: how long do delayed lines remain open?
-- Grain: one row per age bucket `0-3`, `4-7`, `8-14`, `15+` (always all four), then one
--   `total` row.
-- Figures, as of D (the end of local day $as_of), over open backordered lines: backordered by
--   D (backordered_date <= D), neither shipped nor canceled by D.
--   age_days = D - backordered_date (calendar days).
--   count_lines, backordered_units (sum of backordered_qty), share_of_lines = the bucket's
--   lines / all open backordered lines (null when there are none);
--   count_overdue_lines, overdue_units: open lines with promised_ship_date < D (a line without
--   a promise is never overdue).
-- Parameters: $as_of; filters $channels, $suppliers, $families, $skus.
-- Inputs: order_lines (backordered_qty, backordered_at, shipped_at, canceled_at,
--   promised_ship_date), sku_attributes for filters.
-- The line-level queue is backorder_age_lines.

with open_lines as (
    select
        backordered_qty,
        $as_of - backordered_date as age_days,
        coalesce(promised_ship_date < $as_of, false) as is_overdue
    from filtered_lines($channels, $suppliers, $families, $skus)
    where
        backordered_qty > 0
        and backordered_date <= $as_of
        and (shipped_date is null or shipped_date > $as_of)
        and (canceled_date is null or canceled_date > $as_of)
),

bucketed as (
    select
        backordered_qty,
        is_overdue,
        case
            when age_days <= 3 then '0-3'
            when age_days <= 7 then '4-7'
            when age_days <= 14 then '8-14'
            else '15+'
        end as bucket
    from open_lines
),

buckets as (
    select
        unnest(['0-3', '4-7', '8-14', '15+', 'total']) as bucket,
        unnest([1, 2, 3, 4, 5]) as bucket_order
),

counts as (
    select
        coalesce(bucket, 'total') as bucket,
        count(*) as count_lines,
        cast(sum(backordered_qty) as bigint) as backordered_units,
        count(*) filter (where is_overdue) as count_overdue_lines,
        cast(coalesce(sum(backordered_qty) filter (where is_overdue), 0) as bigint)
            as overdue_units
    from bucketed
    group by grouping sets ((bucket), ())
),

total as (
    select count_lines as total_lines
    from counts
    where bucket = 'total'
),

final as (
    select
        buckets.bucket,
        buckets.bucket_order,
        coalesce(counts.count_lines, 0) as count_lines,
        coalesce(counts.backordered_units, 0) as backordered_units,
        coalesce(counts.count_lines, 0) / nullif(total.total_lines, 0) as share_of_lines,
        coalesce(counts.count_overdue_lines, 0) as count_overdue_lines,
        coalesce(counts.overdue_units, 0) as overdue_units
    from buckets
    left join counts on buckets.bucket = counts.bucket
    left join total on true
)

select * exclude (bucket_order) from final
order by bucket_order
