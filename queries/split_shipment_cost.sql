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
-- Inputs: shipments (order_id, shipment_id, shipped_date), shipment_extras (every shipment
--   after its order's first, from shipments: queries/shipment_extras.sql), order_lines (qty,
--   unit_price, backordered_qty), sku_attributes for filters.
-- How: a shipment shipped in the period is either its order's first or in shipment_extras, so
--   the first shipments of the period are the period's shipments less its extras, and only the
--   orders with an extra shipment in the period are grouped.

with period_shipments as (
    select
        order_id,
        shipment_id
    from shipments
    where shipped_date >= $from_date and shipped_date < $to_date
),

period_extras as (
    select
        order_id,
        shipment_id,
        shipment_cost
    from shipment_extras
    where shipped_date >= $from_date and shipped_date < $to_date
),

-- the range of the period's order ids: lets the scan of lines skip row groups by min/max
period_bounds as (
    select
        min(order_id) as first_order_id,
        max(order_id) as last_order_id
    from period_shipments
),

-- the orders of the period's shipments that have a line (one the filters keep)
lined_orders as (
    select distinct lines.order_id
    from filtered_lines($channels, $suppliers, $families, $skus) as lines
    where
        lines.order_id in (select period_shipments.order_id from period_shipments)
        and lines.order_id >= (select period_bounds.first_order_id from period_bounds)
        and lines.order_id <= (select period_bounds.last_order_id from period_bounds)
),

-- the first shipments shipped in the period, of orders with a line
first_shipped as (
    select period_shipments.order_id
    from period_shipments
    anti join period_extras on period_shipments.shipment_id = period_extras.shipment_id
    semi join lined_orders on period_shipments.order_id = lined_orders.order_id
),

extra_orders as (
    select
        order_id,
        count(*) as count_extra_shipments,
        sum(shipment_cost) as extra_cost
    from period_extras
    group by order_id
),

extra_order_lines as (
    select
        lines.order_id,
        sum(lines.qty * coalesce(lines.unit_price, 0)) as revenue,
        bool_or(coalesce(lines.backordered_qty, 0) > 0) as has_backordered_line
    from filtered_lines($channels, $suppliers, $families, $skus) as lines
    where lines.order_id in (select extra_orders.order_id from extra_orders)
    group by lines.order_id
),

-- orders with an extra shipment in the period; split orders of the period when their first
-- shipment is in it too (an extra shipment is never shipped before its order's first)
split_orders as (
    select
        extra_orders.count_extra_shipments,
        extra_orders.extra_cost,
        extra_order_lines.revenue,
        extra_order_lines.has_backordered_line,
        extra_orders.order_id in (select first_shipped.order_id from first_shipped)
            as is_first_in_period
    from extra_orders
    inner join extra_order_lines on extra_orders.order_id = extra_order_lines.order_id
),

totals as (
    select
        coalesce(sum(extra_cost), 0) as split_cost,
        coalesce(sum(extra_cost) filter (where has_backordered_line), 0) as backorder_split_cost,
        cast(coalesce(sum(count_extra_shipments), 0) as bigint) as count_extra_shipments,
        (select count(*) from first_shipped) as count_orders_first_shipped,
        count(*) filter (where is_first_in_period) as count_split_orders,
        coalesce(sum(revenue), 0) as split_revenue
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
