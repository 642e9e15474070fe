-- whatif_headlines: the what-if's five headline figures for one period, in one query.
-- Grain: one row.
-- Figures, each equal to its metric's figure for the period [$from_date, $to_date) as of $as_of
--   (the period's last day), without filters, on the history the connection holds (the
--   recorded one, or a scenario's views of queries/whatif_views.sql):
--   count_resolved, count_canceled, cancel_rate (backorder_cancel_rate, the total row);
--   count_promised_shipped, count_promise_hits, hit_rate (promise_hit_rate, the total row);
--   open_backordered_lines (backorder_age, count_lines of the total row);
--   count_backordered_orders, count_backordered_contacts, contacts_per_order
--     (support_contact_rate);
--   backorder_split_cost (split_shipment_cost).
--   Empty denominators give null.
-- Parameters: $from_date, $to_date, $as_of.
-- Inputs: order_lines (backordered_qty, backordered_at, shipped_at, canceled_at,
--   promised_ship_date), shipment_extras (from shipments), contacts.
-- Why a query of its own: the what-if recomputes these figures for every new set of blocked
--   lines. The five metric files compute every breakdown and, for contacts and split cost, the
--   orders without a backorder too: 0.45 s at 1M lines against 0.1 s here. The figures are
--   those of weekly_review.sql for one period instead of 13 weeks; tests/test_whatif.py checks
--   them against the metric functions, recorded and under scenarios.

with backordered_lines as (
    select
        order_id,
        backordered_date,
        shipped_date,
        canceled_date,
        promised_ship_date,
        coalesce(shipped_date, canceled_date) as resolved_date
    from order_lines
    where backordered_qty > 0
),

line_counts as (
    select
        count(*) filter (
            where resolved_date >= $from_date and resolved_date < $to_date
        ) as count_resolved,
        count(*) filter (
            where
            resolved_date >= $from_date and resolved_date < $to_date
            and shipped_date is null
        ) as count_canceled,
        count(*) filter (
            where
            shipped_date >= $from_date and shipped_date < $to_date
            and promised_ship_date is not null
        ) as count_promised_shipped,
        count(*) filter (
            where
            shipped_date >= $from_date and shipped_date < $to_date
            and shipped_date <= promised_ship_date
        ) as count_promise_hits,
        count(*) filter (
            where
            backordered_date <= $as_of
            and (shipped_date is null or shipped_date > $as_of)
            and (canceled_date is null or canceled_date > $as_of)
        ) as open_backordered_lines
    from backordered_lines
),

-- backordered orders whose backordered lines are all resolved, the last in the period
resolved_orders as (
    select order_id
    from backordered_lines
    group by order_id
    having
        count(*) = count(resolved_date)
        and max(resolved_date) >= $from_date
        and max(resolved_date) < $to_date
),

order_counts as (
    select count(*) as count_backordered_orders
    from resolved_orders
),

contact_counts as (
    select count(*) as count_backordered_contacts
    from contacts
    semi join resolved_orders on contacts.order_id = resolved_orders.order_id
),

split_costs as (
    select coalesce(sum(shipment_extras.shipment_cost), 0) as backorder_split_cost
    from shipment_extras
    semi join backordered_lines on shipment_extras.order_id = backordered_lines.order_id
    where shipment_extras.shipped_date >= $from_date and shipment_extras.shipped_date < $to_date
),

final as (
    select
        line_counts.count_resolved,
        line_counts.count_canceled,
        line_counts.count_canceled / nullif(line_counts.count_resolved, 0) as cancel_rate,
        line_counts.count_promised_shipped,
        line_counts.count_promise_hits,
        line_counts.count_promise_hits
        / nullif(line_counts.count_promised_shipped, 0) as hit_rate,
        line_counts.open_backordered_lines,
        order_counts.count_backordered_orders,
        contact_counts.count_backordered_contacts,
        contact_counts.count_backordered_contacts
        / nullif(order_counts.count_backordered_orders, 0) as contacts_per_order,
        split_costs.backorder_split_cost
    from line_counts, order_counts, contact_counts, split_costs
)

select * from final
