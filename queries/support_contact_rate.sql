-- support_contact_rate: which backorders triggered repeated inquiries?
-- Grain: one row for the period.
-- Orders: a backordered order resolved in the period has at least one backordered line, all
--   its backordered lines resolved (shipped or canceled), the latest of those resolutions in
--   the period. A baseline order has no backordered line, every line resolved, the latest
--   resolution in the period. Dates are local dates of coalesce(shipped_at, canceled_at).
-- Figures: every contact linked to the order counts, whenever created.
--   count_backordered_orders, count_backordered_contacts, contacts_per_order = contacts /
--   orders, count_repeated_orders (2 or more contacts), repeated_share = repeated / orders;
--   count_baseline_orders, count_baseline_contacts, baseline_contacts_per_order;
--   lift = contacts_per_order / baseline_contacts_per_order. Empty denominators give null.
-- Parameters: $from_date, $to_date (period [from, to) of local dates); filters $channels,
--   $suppliers, $families, $skus (an order is judged on the lines the filters keep).
-- Inputs: order_lines (backordered_qty, shipped_at, canceled_at), contacts (order_id),
--   sku_attributes for filters.

with touched_orders as (
    select distinct order_id
    from order_lines
    where
        (shipped_date >= $from_date and shipped_date < $to_date)
        or (canceled_date >= $from_date and canceled_date < $to_date)
),

-- the range of the touched ids: lets the scan below skip row groups by their min/max
touched_bounds as (
    select
        min(order_id) as first_order_id,
        max(order_id) as last_order_id
    from touched_orders
),

touched_lines as (
    select
        lines.order_id,
        coalesce(lines.backordered_qty, 0) > 0 as is_backordered,
        coalesce(lines.shipped_date, lines.canceled_date) as resolved_date
    from filtered_lines($channels, $suppliers, $families, $skus) as lines
    where
        lines.order_id in (select touched_orders.order_id from touched_orders)
        and lines.order_id >= (select touched_bounds.first_order_id from touched_bounds)
        and lines.order_id <= (select touched_bounds.last_order_id from touched_bounds)
),

orders as (
    select
        order_id,
        bool_or(is_backordered) as has_backordered_line,
        -- over the backordered lines when there are any, else over every line
        case
            when bool_or(is_backordered)
                then
                    bool_and(resolved_date is not null) filter (where is_backordered)
            else bool_and(resolved_date is not null)
        end as is_resolved,
        case
            when bool_or(is_backordered)
                then max(resolved_date) filter (where is_backordered)
            else max(resolved_date)
        end as resolved_date
    from touched_lines
    group by order_id
),

resolved_orders as (
    select
        order_id,
        has_backordered_line
    from orders
    where
        is_resolved
        and resolved_date >= $from_date
        and resolved_date < $to_date
),

order_contacts as (
    select
        resolved_orders.order_id,
        resolved_orders.has_backordered_line,
        count(contacts.contact_id) as count_contacts
    from resolved_orders
    left join contacts on resolved_orders.order_id = contacts.order_id
    group by resolved_orders.order_id, resolved_orders.has_backordered_line
),

totals as (
    select
        count(*) filter (where has_backordered_line) as count_backordered_orders,
        cast(coalesce(sum(count_contacts) filter (where has_backordered_line), 0) as bigint)
            as count_backordered_contacts,
        count(*) filter (
            where has_backordered_line and count_contacts >= 2
        ) as count_repeated_orders,
        count(*) filter (where not has_backordered_line) as count_baseline_orders,
        cast(coalesce(sum(count_contacts) filter (where not has_backordered_line), 0) as bigint)
            as count_baseline_contacts
    from order_contacts
),

rates as (
    select
        *,
        count_backordered_contacts
        / nullif(count_backordered_orders, 0) as contacts_per_order,
        count_repeated_orders / nullif(count_backordered_orders, 0) as repeated_share,
        count_baseline_contacts
        / nullif(count_baseline_orders, 0) as baseline_contacts_per_order
    from totals
),

final as (
    select
        count_backordered_orders,
        count_backordered_contacts,
        contacts_per_order,
        count_repeated_orders,
        repeated_share,
        count_baseline_orders,
        count_baseline_contacts,
        baseline_contacts_per_order,
        contacts_per_order / nullif(baseline_contacts_per_order, 0) as lift
    from rates
)

select * from final
