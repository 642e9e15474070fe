-- channel_sla: will backorders cost us a marketplace account?
-- Grain: one row per channel with an order in either denominator, by channel asc. An order
--   belongs to each channel its lines carry, over those lines (an order with web and amazon
--   lines is judged twice: on its web lines for web, on its amazon lines for amazon).
-- Rules per channel from $channel_rules (the element with channel '*' is the default for
--   channels not listed): handling_days, late_shipment_threshold, late_shipment_window_days,
--   seller_cancel_threshold, seller_cancel_window_days.
-- As of D ($as_of):
--   late_shipment: a line is late when its shipped date > coalesce(promised_ship_date,
--     order date + handling_days), the order date being the local date of the order's
--     ordered_at (the earliest of all its lines). Denominator: orders all of whose lines are
--     resolved by D, at least one shipped, whose last shipped date is in the
--     late_shipment_window_days ending D; late_shipment_orders: those with a late line.
--   seller_cancel: denominator: orders whose order date is in the seller_cancel_window_days
--     ending D; seller_cancel_orders: those with a line canceled by D for any reason but
--     customer_request (an empty reason counts).
-- Figures, for each of late_shipment and seller_cancel: <x>_orders, <x>_denominator,
--   <x>_rate (null when no orders), <x>_threshold, <x>_headroom = threshold - rate,
--   <x>_over = rate > threshold.
-- Parameters: $as_of, $channel_rules; filters $channels, $suppliers, $families, $skus.
-- Inputs: order_lines (ordered_at, channel, promised_ship_date, shipped_at, canceled_at,
--   cancel_reason).

with rules as (
    select unnest($channel_rules, recursive := true)
),

default_rule as (
    select * from rules
    where channel = '*'
),

-- orders that may fall in a window of some channel: a line shipped in the longest late
-- shipment window, or ordered in the longest seller cancel window (bounds from the
-- parameters alone, so the scan is restricted on the date columns)
touched_orders as (
    select distinct order_lines.order_id
    from order_lines
    where
        (
            order_lines.shipped_date > $as_of - list_max(
                list_transform($channel_rules, lambda r: r.late_shipment_window_days)
            )
            and order_lines.shipped_date <= $as_of
        )
        or (
            order_lines.ordered_date > $as_of - list_max(
                list_transform($channel_rules, lambda r: r.seller_cancel_window_days)
            )
            and order_lines.ordered_date <= $as_of
        )
),

lines as (
    select * from filtered_lines($channels, $suppliers, $families, $skus)
    where order_id in (select touched_orders.order_id from touched_orders)
),

-- the order date is the earliest of all the order's lines: without filters those are the
-- lines above (one scan of order_lines); with a filter, the order's other lines are read too
orders as (
    select
        order_id,
        min(ordered_date) as order_date
    from lines
    where $channels is null and $suppliers is null and $families is null and $skus is null
    group by order_id
    union all
    select
        order_id,
        min(ordered_date) as order_date
    from order_lines
    where
        not ($channels is null and $suppliers is null and $families is null and $skus is null)
        and order_id in (select touched_orders.order_id from touched_orders)
    group by order_id
),

channel_lines as (
    select
        lines.order_id,
        lines.channel,
        orders.order_date,
        coalesce(channel_rule.handling_days, default_rule.handling_days) as handling_days,
        lines.shipped_date <= $as_of as is_shipped,
        lines.shipped_date <= $as_of or lines.canceled_date <= $as_of as is_resolved,
        lines.shipped_date <= $as_of
        and lines.shipped_date > coalesce(
            lines.promised_ship_date,
            orders.order_date
            + coalesce(channel_rule.handling_days, default_rule.handling_days)
        ) as is_late,
        lines.canceled_date <= $as_of
        and coalesce(lines.cancel_reason, '') != 'customer_request' as is_seller_cancel,
        case when lines.shipped_date <= $as_of then lines.shipped_date end as shipped_date
    from lines
    inner join orders on lines.order_id = orders.order_id
    cross join default_rule
    left join rules as channel_rule on lines.channel = channel_rule.channel
),

channel_orders as (
    select
        order_id,
        channel,
        any_value(order_date) as order_date,
        bool_and(coalesce(is_resolved, false)) as is_all_resolved,
        bool_or(coalesce(is_shipped, false)) as has_shipped_line,
        max(shipped_date) as last_shipped_date,
        bool_or(coalesce(is_late, false)) as has_late_line,
        bool_or(coalesce(is_seller_cancel, false)) as has_seller_cancel
    from channel_lines
    group by order_id, channel
),

judged_orders as (
    select
        channel_orders.*,
        coalesce(channel_rule.late_shipment_threshold, default_rule.late_shipment_threshold)
            as late_shipment_threshold,
        coalesce(channel_rule.seller_cancel_threshold, default_rule.seller_cancel_threshold)
            as seller_cancel_threshold,
        channel_orders.is_all_resolved
        and channel_orders.has_shipped_line
        and channel_orders.last_shipped_date > $as_of - coalesce(
            channel_rule.late_shipment_window_days, default_rule.late_shipment_window_days
        ) as in_late_shipment_window,
        channel_orders.order_date <= $as_of
        and channel_orders.order_date > $as_of - coalesce(
            channel_rule.seller_cancel_window_days, default_rule.seller_cancel_window_days
        ) as in_seller_cancel_window
    from channel_orders
    cross join default_rule
    left join rules as channel_rule on channel_orders.channel = channel_rule.channel
),

counts as (
    select
        channel,
        any_value(late_shipment_threshold) as late_shipment_threshold,
        any_value(seller_cancel_threshold) as seller_cancel_threshold,
        count(*) filter (
            where in_late_shipment_window and has_late_line
        ) as late_shipment_orders,
        count(*) filter (where in_late_shipment_window) as late_shipment_denominator,
        count(*) filter (
            where in_seller_cancel_window and has_seller_cancel
        ) as seller_cancel_orders,
        count(*) filter (where in_seller_cancel_window) as seller_cancel_denominator
    from judged_orders
    group by channel
    having
        count(*) filter (where in_late_shipment_window or in_seller_cancel_window) > 0
),

rates as (
    select
        *,
        late_shipment_orders / nullif(late_shipment_denominator, 0) as late_shipment_rate,
        seller_cancel_orders / nullif(seller_cancel_denominator, 0) as seller_cancel_rate
    from counts
),

final as (
    select
        channel,
        late_shipment_orders,
        late_shipment_denominator,
        late_shipment_rate,
        late_shipment_threshold,
        late_shipment_threshold - late_shipment_rate as late_shipment_headroom,
        late_shipment_rate > late_shipment_threshold as late_shipment_over,
        seller_cancel_orders,
        seller_cancel_denominator,
        seller_cancel_rate,
        seller_cancel_threshold,
        seller_cancel_threshold - seller_cancel_rate as seller_cancel_headroom,
        seller_cancel_rate > seller_cancel_threshold as seller_cancel_over
    from rates
)

select * from final
order by channel asc
