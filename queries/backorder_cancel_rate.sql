-- backorder_cancel_rate: which items or suppliers create the most lost orders?
-- Grain: one `total` row, then rows per group for each breakdown, in this order:
--   `cancel_reason`, `backorder_reason`, `supplier`, `sku` (group_value the reason, supplier or
--   sku; null = empty reason or no supplier known). Within a breakdown: count_canceled desc,
--   lost_revenue desc, group_value asc.
-- Figures, over backordered lines resolved in the period (coalesce(shipped_at, canceled_at)
--   has a local date in [from, to)): count_resolved, count_canceled, cancel_rate = canceled /
--   resolved, lost_revenue = sum(qty x coalesce(unit_price, 0)) over the canceled (0 if none).
--   By cancel_reason: one row per reason among the canceled lines; count_resolved is ALL
--   resolved lines, so the reasons' rates add up to the total rate.
--   By backorder_reason, supplier and sku: canceled / resolved within the group.
-- A breakdown whose attribute no loaded export carries is left out (dashboard/metrics/weekly.py).
-- Parameters: $from_date, $to_date (period [from, to) of local dates); filters $channels,
--   $suppliers, $families, $skus.
-- Inputs: order_lines (backordered_qty, shipped_at, canceled_at, cancel_reason,
--   backorder_reason, qty, unit_price), sku_attributes (supplier, filters).

with resolved_lines as (
    select
        lines.sku,
        lines.backorder_reason,
        lines.cancel_reason,
        lines.canceled_at is not null as is_canceled,
        lines.qty * coalesce(lines.unit_price, 0) as revenue
    from filtered_lines($channels, $suppliers, $families, $skus) as lines
    where
        lines.backordered_qty > 0
        and (
            (lines.shipped_date >= $from_date and lines.shipped_date < $to_date)
            or (lines.canceled_date >= $from_date and lines.canceled_date < $to_date)
        )
),

attributed as (
    select
        resolved_lines.*,
        sku_attributes.supplier
    from resolved_lines
    left join sku_attributes on resolved_lines.sku = sku_attributes.sku
),

grouped as (
    select
        case
            when grouping(cancel_reason) = 0 then 'cancel_reason'
            when grouping(backorder_reason) = 0 then 'backorder_reason'
            when grouping(supplier) = 0 then 'supplier'
            when grouping(sku) = 0 then 'sku'
            else 'total'
        end as breakdown,
        coalesce(cancel_reason, backorder_reason, supplier, sku) as group_value,
        count(*) as count_resolved,
        count(*) filter (where is_canceled) as count_canceled,
        coalesce(sum(revenue) filter (where is_canceled), 0) as lost_revenue
    from attributed
    group by grouping sets ((), (cancel_reason), (backorder_reason), (supplier), (sku))
),

total as (
    select count_resolved as total_resolved
    from grouped
    where breakdown = 'total'
),

with_denominator as (
    select
        grouped.breakdown,
        grouped.group_value,
        case
            when grouped.breakdown = 'cancel_reason' then total.total_resolved
            else grouped.count_resolved
        end as count_resolved,
        grouped.count_canceled,
        grouped.lost_revenue
    from grouped
    cross join total
    -- a cancel reason row stands for canceled lines: the shipped lines are not a reason
    where not (grouped.breakdown = 'cancel_reason' and grouped.count_canceled = 0)
),

final as (
    select
        breakdown,
        group_value,
        count_resolved,
        count_canceled,
        count_canceled / nullif(count_resolved, 0) as cancel_rate,
        lost_revenue,
        case breakdown
            when 'total' then 1
            when 'cancel_reason' then 2
            when 'backorder_reason' then 3
            when 'supplier' then 4
            else 5
        end as breakdown_order
    from with_denominator
)

select * exclude (breakdown_order) from final
order by breakdown_order asc, count_canceled desc, lost_revenue desc, group_value asc
