-- split_shipment_cost: are service recoveries eroding margin?
-- Grain: one row for the period.
-- Shipments count when shipped by the period's as-of day (shipped_date < $to_date). Each
--   order's shipments are ordered by (shipped_at, shipment_id); every one after the first is an
--   extra shipment.
-- Figures: split_cost = sum(shipping_cost + coalesce(handling_cost, 0)) over extra shipments
--   shipped in the period (0 if none); backorder_split_cost = the same over orders with at least
--   one backordered line; count_extra_shipments; count_orders_first_shipped = orders whose
--   first shipment is in the period; count_split_orders = those of them with 2+ shipments;
--   split_rate = split / first shipped; split_revenue = revenue (qty x coalesce(unit_price, 0))
--   of all lines of the orders with an extra shipment in the period; share_of_revenue =
--   split_cost / split_revenue. Empty denominators give null.
-- Parameters: $from_date, $to_date (period [from, to) of local dates); filters $channels,
--   $suppliers, $families, $skus (shipments keep the orders that still have a line; revenue and
--   "backordered" count those lines).
-- Inputs: shipments (order_id, shipment_id, shipped_at, shipping_cost, handling_cost),
--   order_lines (qty, unit_price, backordered_qty), sku_attributes for filters.

with touched_orders as (
    select distinct order_id
    from shipments
    where shipped_date >= $from_date and shipped_date < $to_date
),

-- the range of the touched ids: lets the scans below skip row groups by their min/max
touched_bounds as (
    select
        min(order_id) as first_order_id,
        max(order_id) as last_order_id
    from touched_orders
),

touched_lines as (
    select
        lines.order_id,
        lines.qty * coalesce(lines.unit_price, 0) as revenue,
        coalesce(lines.backordered_qty, 0) > 0 as is_backordered
    from filtered_lines($channels, $suppliers, $families, $skus) as lines
    where
        lines.order_id in (select touched_orders.order_id from touched_orders)
        and lines.order_id >= (select touched_bounds.first_order_id from touched_bounds)
        and lines.order_id <= (select touched_bounds.last_order_id from touched_bounds)
),

orders as (
    select
        order_id,
        sum(revenue) as revenue,
        bool_or(is_backordered) as has_backordered_line
    from touched_lines
    group by order_id
),

order_shipments as (
    select
        shipments.order_id,
        shipments.shipped_at,
        shipments.shipment_id,
        shipments.shipped_date,
        shipments.shipped_date >= $from_date as is_in_period,
        shipments.shipping_cost + coalesce(shipments.handling_cost, 0) as cost
    from shipments
    where
        shipments.order_id in (select touched_orders.order_id from touched_orders)
        and shipments.order_id >= (select touched_bounds.first_order_id from touched_bounds)
        and shipments.order_id <= (select touched_bounds.last_order_id from touched_bounds)
        and shipments.shipped_date < $to_date
),

-- the first shipment by (shipped_at, shipment_id); the others are extra
by_order as (
    select
        order_id,
        count(*) as count_shipments,
        count(*) filter (where is_in_period) as count_in_period,
        coalesce(sum(cost) filter (where is_in_period), 0) as cost_in_period,
        arg_min(cost, (shipped_at, shipment_id)) as first_cost,
        arg_min(shipped_date, (shipped_at, shipment_id)) as first_shipped_date,
        arg_min(is_in_period, (shipped_at, shipment_id)) as is_first_in_period
    from order_shipments
    group by order_id
),

split_orders as (
    select
        by_order.order_id,
        by_order.count_shipments,
        by_order.is_first_in_period,
        by_order.count_in_period
        - case when by_order.is_first_in_period then 1 else 0 end as count_extra_shipments,
        by_order.cost_in_period
        - case when by_order.is_first_in_period then by_order.first_cost else 0 end as extra_cost,
        orders.revenue,
        orders.has_backordered_line
    from by_order
    inner join orders on by_order.order_id = orders.order_id
),

totals as (
    select
        coalesce(sum(extra_cost), 0) as split_cost,
        coalesce(sum(extra_cost) filter (where has_backordered_line), 0) as backorder_split_cost,
        cast(coalesce(sum(count_extra_shipments), 0) as bigint) as count_extra_shipments,
        count(*) filter (where is_first_in_period) as count_orders_first_shipped,
        count(*) filter (
            where is_first_in_period and count_shipments >= 2
        ) as count_split_orders,
        coalesce(sum(revenue) filter (where count_extra_shipments > 0), 0) as split_revenue
    from split_orders
),

final as (
    select
        split_cost,
        backorder_split_cost,
        count_extra_shipments,
        count_orders_first_shipped,
        count_split_orders,
        count_split_orders / nullif(count_orders_first_shipped, 0) as split_rate,
        split_revenue,
        split_cost / nullif(split_revenue, 0) as share_of_revenue
    from totals
)

select * from final
