-- promise_hit_rate: how often do we meet the stated backorder ship window?
-- Grain: one `total` row, then one row per supplier (breakdown `supplier`, group_value the
--   supplier; null = no supplier known), then one row per number of days late among the
--   misses (breakdown `days_late`, group_value the days as text, ascending).
-- Figures, over backordered lines with shipped_at in the period and a promised_ship_date:
--   count_lines; count_hits (shipped_date <= promised_ship_date); hit_rate = hits / lines;
--   count_misses; mean_days_late and median_days_late = shipped_date - promised_ship_date over
--   the misses (median of an even count: mean of the two middle values). Empty sets give null.
-- A breakdown whose attribute no loaded export carries is left out (dashboard/metrics/weekly.py).
-- Order: total, suppliers by count_lines desc then supplier, days_late ascending.
-- Parameters: $from_date, $to_date (period [from, to) of local dates); filters $channels,
--   $suppliers, $families, $skus.
-- Inputs: order_lines (backordered_qty, shipped_at, promised_ship_date), sku_attributes
--   (supplier, and filters).

with shipped_lines as (
    select
        lines.sku,
        lines.shipped_date - lines.promised_ship_date as days_late
    from filtered_lines($channels, $suppliers, $families, $skus) as lines
    where
        lines.backordered_qty > 0
        and lines.shipped_date >= $from_date
        and lines.shipped_date < $to_date
        and lines.promised_ship_date is not null
),

judged as (
    select
        sku_attributes.supplier,
        shipped_lines.days_late,
        shipped_lines.days_late <= 0 as is_hit,
        case when shipped_lines.days_late > 0 then shipped_lines.days_late end as miss_days_late
    from shipped_lines
    left join sku_attributes on shipped_lines.sku = sku_attributes.sku
),

grouped as (
    select
        case
            when grouping(supplier) = 0 then 'supplier'
            when grouping(miss_days_late) = 0 then 'days_late'
            else 'total'
        end as breakdown,
        supplier,
        miss_days_late,
        count(*) as count_lines,
        count(*) filter (where is_hit) as count_hits,
        avg(miss_days_late) as mean_days_late,
        quantile_cont(miss_days_late, 0.5) as median_days_late
    from judged
    group by grouping sets ((), (supplier), (miss_days_late))
),

final as (
    select
        breakdown,
        case
            when breakdown = 'supplier' then supplier
            when breakdown = 'days_late' then cast(miss_days_late as varchar)
        end as group_value,
        count_lines,
        count_hits,
        count_lines - count_hits as count_misses,
        count_hits / nullif(count_lines, 0) as hit_rate,
        mean_days_late,
        median_days_late,
        case breakdown when 'total' then 1 when 'supplier' then 2 else 3 end as breakdown_order,
        miss_days_late
    from grouped
    where not (breakdown = 'days_late' and miss_days_late is null)
)

select * exclude (breakdown_order, miss_days_late) from final
order by breakdown_order asc, miss_days_late asc, count_lines desc, group_value asc
