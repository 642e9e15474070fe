-- backorder_rate: which items create the most delayed orders?
-- Grain: one row per sku with a line ordered in the period, plus one total row (sku null).
-- Figures: line_rate = backordered lines / lines; unit_rate = backordered units / units;
--   order_rate = orders with a backordered line / orders (orders by their ordered_at: the
--   earliest ordered_at of their lines). Rows ranked: total first, then skus by backordered
--   lines desc, backordered units desc, sku asc.
-- Parameters: $from_date, $to_date (period [from, to) of local dates); filters $channels,
--   $suppliers, $families, $skus.
-- Inputs: order_lines (ordered_at, sku, qty, backordered_qty), sku_attributes for filters.

with lines as (
    select * from filtered_lines($channels, $suppliers, $families, $skus)
),

touched_orders as (
    select distinct order_id
    from order_lines
    where ordered_date >= $from_date and ordered_date < $to_date
),

-- the range of the touched ids: lets the scan below skip row groups by their min/max
touched_bounds as (
    select
        min(order_id) as first_order_id,
        max(order_id) as last_order_id
    from touched_orders
),

orders as (
    select
        order_id,
        min(ordered_date) as order_date
    from order_lines
    where
        order_id in (select touched_orders.order_id from touched_orders)
        and order_id >= (select touched_bounds.first_order_id from touched_bounds)
        and order_id <= (select touched_bounds.last_order_id from touched_bounds)
    group by order_id
),

period_lines as (
    select
        lines.order_id,
        lines.sku,
        lines.qty,
        coalesce(lines.backordered_qty, 0) as backordered_qty,
        coalesce(lines.backordered_qty, 0) > 0 as is_backordered,
        lines.ordered_date >= $from_date
        and lines.ordered_date < $to_date as line_in_period,
        orders.order_date >= $from_date
        and orders.order_date < $to_date as order_in_period
    from lines
    inner join orders on lines.order_id = orders.order_id
),

by_order as (
    select
        sku,
        order_id,
        bool_or(is_backordered) as has_backordered_line,
        any_value(order_in_period) as order_in_period
    from period_lines
    where order_in_period
    group by grouping sets ((order_id), (sku, order_id))
),

order_counts as (
    select
        sku,
        count(*) filter (where order_in_period) as count_orders,
        count(*) filter (
            where order_in_period and has_backordered_line
        ) as count_backordered_orders
    from by_order
    group by sku
),

line_counts as (
    select
        sku,
        count(*) as count_lines,
        count(*) filter (where is_backordered) as count_backordered_lines,
        cast(coalesce(sum(qty), 0) as bigint) as units,
        cast(coalesce(sum(backordered_qty), 0) as bigint) as backordered_units
    from period_lines
    where line_in_period
    group by grouping sets ((), (sku))
),

final as (
    select
        line_counts.sku,
        line_counts.count_lines,
        line_counts.count_backordered_lines,
        line_counts.units,
        line_counts.backordered_units,
        -- a period without lines has no order counts at all: 0 orders, not null
        coalesce(order_counts.count_orders, 0) as count_orders,
        coalesce(order_counts.count_backordered_orders, 0) as count_backordered_orders,
        line_counts.count_backordered_lines
        / nullif(line_counts.count_lines, 0) as line_rate,
        line_counts.backordered_units / nullif(line_counts.units, 0) as unit_rate,
        order_counts.count_backordered_orders
        / nullif(order_counts.count_orders, 0) as order_rate
    from line_counts
    left join order_counts on line_counts.sku is not distinct from order_counts.sku
)

select * from final
order by
    sku is not null,
    count_backordered_lines desc,
    backordered_units desc,
    sku asc
