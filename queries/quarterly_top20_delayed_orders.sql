-- quarterly_top20_delayed_orders: which backordered orders of the quarter took longest?
-- Grain: one row per order, at most 5: the orders placed in the quarter (by the order's
--   ordered_at, the earliest of its lines) with at least one backordered line, with the most
--   days from ordered_at to the last resolution of their lines; an order with a line still open
--   as of $as_of (not shipped or canceled by then) is counted to $as_of. Ties by order_id as
--   text. Orders placed after $as_of are left out.
-- Figures: days_to_resolution = (last resolution date, or $as_of if open) - ordered date;
--   is_open; last_resolved_date (null while open); count_lines, count_backordered_lines;
--   backordered_skus (comma-separated).
-- Parameters: $from_date, $to_date (the quarter), $as_of; filters $channels, $suppliers,
--   $families, $skus.
-- Inputs: order_lines; sku_attributes for filters.

-- orders with a backordered line the filters keep, ordered since the quarter began (an order
-- of the quarter has all its lines ordered since then)
with backordered_orders as (
    select distinct order_id
    from filtered_lines($channels, $suppliers, $families, $skus)
    where backordered_qty > 0 and ordered_date >= $from_date
),

-- the order's ordered_at is the earliest of all its lines
order_dates as (
    select
        order_id,
        min(ordered_date) as ordered_date
    from order_lines
    where order_id in (select backordered_orders.order_id from backordered_orders)
    group by order_id
    having
        min(ordered_date) >= $from_date
        and min(ordered_date) < $to_date
        and min(ordered_date) <= $as_of
),

lines as (
    select
        order_id,
        sku,
        line_id,
        coalesce(backordered_qty, 0) > 0 as is_backordered,
        coalesce(shipped_date, canceled_date) as resolved_date
    from filtered_lines($channels, $suppliers, $families, $skus)
    where order_id in (select order_dates.order_id from order_dates)
),

orders as (
    select
        lines.order_id,
        any_value(order_dates.ordered_date) as ordered_date,
        count(*) as count_lines,
        count(*) filter (where lines.is_backordered) as count_backordered_lines,
        count(*) filter (
            where lines.resolved_date is null or lines.resolved_date > $as_of
        ) as count_open_lines,
        max(lines.resolved_date) as last_resolved_date
    from lines
    inner join order_dates on lines.order_id = order_dates.order_id
    group by lines.order_id
    having count(*) filter (where lines.is_backordered) > 0
),

delayed_orders as (
    select
        order_id,
        ordered_date,
        count_lines,
        count_backordered_lines,
        count_open_lines > 0 as is_open,
        case when count_open_lines = 0 then last_resolved_date end as last_resolved_date,
        case
            when count_open_lines > 0 then $as_of - ordered_date
            else last_resolved_date - ordered_date
        end as days_to_resolution
    from orders
    order by days_to_resolution desc, order_id asc
    limit 5
),

-- the skus are listed for the five orders only
order_skus as (
    select
        order_id,
        string_agg(distinct sku, ', ' order by sku) filter (
            where is_backordered
        ) as backordered_skus
    from lines
    where order_id in (select delayed_orders.order_id from delayed_orders)
    group by order_id
),

final as (
    select
        delayed_orders.order_id,
        delayed_orders.ordered_date,
        delayed_orders.count_lines,
        delayed_orders.count_backordered_lines,
        order_skus.backordered_skus,
        delayed_orders.is_open,
        delayed_orders.last_resolved_date,
        delayed_orders.days_to_resolution
    from delayed_orders
    left join order_skus on delayed_orders.order_id = order_skus.order_id
)

select * from final
order by days_to_resolution desc, order_id asc
