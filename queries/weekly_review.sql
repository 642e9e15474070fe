-- weekly_review: how did the headline of each weekly check move over the last 13 weeks?
-- Grain: one row per ISO week, W-12 .. W (13 rows, oldest first); W is the period's week.
--   A week's as-of day (for open lines) is its Sunday, or $as_of when that is earlier.
-- Figures, each equal to its single-week metric for that week and as-of day:
--   line_rate = backordered lines / lines ordered in the week (backorder_rate);
--   open_backordered_lines = backordered lines open as of the as-of day, and
--   share_aged_15_plus = those with age_days >= 15 / them (backorder_age);
--   promise_hit_rate = hits / backordered lines shipped in the week with a promise;
--   supplier_on_time_rate = inbound rows received by their eta / received in the week;
--   cancel_rate = canceled / backordered lines resolved in the week;
--   backorder_split_cost = shipping + handling of extra shipments shipped in the week, over
--     orders with a backordered line (split_shipment_cost);
--   contacts_per_backordered_order = contacts / backordered orders resolved in the week.
--   Counts beside each rate; empty denominators give null.
-- Parameters: $from_date (Monday of W), $as_of; filters $channels, $suppliers, $families, $skus.
-- Inputs: order_lines, inbound, shipment_extras (from shipments), contacts; sku_attributes
--   for filters.
-- Performance: only the lines any of the 13 weeks can count are read (see
--   backordered_lines), so the review costs about one single-week metric, not 13 x 7.

with week_starts as (
    select cast($from_date as date) - cast(7 * steps.weeks_back as integer) as week_start
    from range(13) as steps (weeks_back)
),

weeks as (
    select
        week_start,
        week_start + 7 as week_end,
        least(week_start + 6, cast($as_of as date)) as week_as_of
    from week_starts
),

bounds as (
    select
        min(week_start) as first_day,
        max(week_end) as end_day,
        min(week_as_of) as first_as_of,
        max(week_as_of) as last_as_of
    from weeks
),

ordered_counts as (
    select
        cast(date_trunc('week', lines.ordered_date) as date) as week_start,
        count(*) as count_lines,
        count(*) filter (where lines.backordered_qty > 0) as count_backordered_lines
    from filtered_lines($channels, $suppliers, $families, $skus) as lines
    where
        lines.ordered_date >= cast($from_date as date) - 84
        and lines.ordered_date < cast($from_date as date) + 7
    group by week_start
),

-- the backordered lines any week can count: not resolved before the first week (a line
-- resolved earlier is open on none of the as-of days, and resolved, shipped or canceled in
-- none of the weeks)
backordered_lines as (
    select
        lines.order_id,
        lines.backordered_date,
        lines.shipped_date,
        lines.canceled_date,
        lines.promised_ship_date,
        coalesce(lines.shipped_date, lines.canceled_date) as resolved_date
    from filtered_lines($channels, $suppliers, $families, $skus) as lines
    where
        lines.backordered_qty > 0
        and (lines.shipped_date is null or lines.shipped_date >= cast($from_date as date) - 84)
        and (
            lines.canceled_date is null
            or lines.canceled_date >= cast($from_date as date) - 84
        )
),

-- open on as-of day a: backordered by a and not resolved (shipped or canceled) by a. Counted
-- as steps: +1 on the day a line is backordered, -1 on the day it is resolved (never before
-- it is backordered), so a week's open lines are the sum of the steps up to its as-of day;
-- aged 15+ likewise, from 15 days after the backorder
open_lines as (
    select
        backordered_lines.backordered_date,
        -- least and greatest skip nulls: the first of shipped and canceled, null if neither
        least(backordered_lines.shipped_date, backordered_lines.canceled_date) as closed_date
    from backordered_lines, bounds
    where backordered_lines.backordered_date <= bounds.last_as_of
),

open_steps as (
    select
        backordered_date as opens_on,
        case when closed_date is not null then greatest(backordered_date, closed_date) end
            as closes_on,
        backordered_date + 15 as ages_on,
        case when closed_date is not null then greatest(backordered_date + 15, closed_date) end
            as stops_aging_on
    from open_lines
),

step_days as (
    select
        opens_on as day,
        1 as open_change,
        0 as aged_change
    from open_steps
    union all
    select
        closes_on as day,
        -1 as open_change,
        0 as aged_change
    from open_steps
    where closes_on is not null
    union all
    select
        ages_on as day,
        0 as open_change,
        1 as aged_change
    from open_steps
    union all
    select
        stops_aging_on as day,
        0 as open_change,
        -1 as aged_change
    from open_steps
    where stops_aging_on is not null
),

daily_steps as (
    select
        step_days.day,
        sum(step_days.open_change) as open_change,
        sum(step_days.aged_change) as aged_change
    from step_days, bounds
    where step_days.day <= bounds.last_as_of
    group by step_days.day
),

open_counts as (
    select
        weeks.week_start,
        cast(sum(daily_steps.open_change) as bigint) as open_backordered_lines,
        cast(sum(daily_steps.aged_change) as bigint) as count_aged_15_plus
    from weeks
    inner join daily_steps on weeks.week_as_of >= daily_steps.day
    group by weeks.week_start
),

promise_counts as (
    select
        cast(date_trunc('week', backordered_lines.shipped_date) as date) as week_start,
        count(*) as count_promised_shipped,
        count(*) filter (
            where backordered_lines.shipped_date <= backordered_lines.promised_ship_date
        ) as count_promise_hits
    from backordered_lines, bounds
    where
        backordered_lines.promised_ship_date is not null
        and backordered_lines.shipped_date >= bounds.first_day
        and backordered_lines.shipped_date < bounds.end_day
    group by week_start
),

cancel_counts as (
    select
        cast(date_trunc('week', backordered_lines.resolved_date) as date) as week_start,
        count(*) as count_resolved,
        count(*) filter (where backordered_lines.shipped_date is null) as count_canceled
    from backordered_lines, bounds
    where
        backordered_lines.resolved_date >= bounds.first_day
        and backordered_lines.resolved_date < bounds.end_day
    group by week_start
),

received_counts as (
    select
        cast(date_trunc('week', inbound.received_date) as date) as week_start,
        count(*) as count_received,
        count(*) filter (where inbound.received_date <= inbound.supplier_eta) as count_on_time
    from filtered_inbound($channels, $suppliers, $families, $skus) as inbound, bounds
    where inbound.received_date >= bounds.first_day and inbound.received_date < bounds.end_day
    group by week_start
),

-- extra shipments shipped in the weeks: shipment_extras holds every shipment of an order
-- after its first by (shipped_at, shipment_id), ranked over the order's whole history at
-- import (a scan that skips row groups by shipped_date)
week_extra_shipments as (
    select
        order_id,
        shipped_date,
        shipment_cost
    from shipment_extras
    where
        shipped_date >= cast($from_date as date) - 84
        and shipped_date < cast($from_date as date) + 7
),

-- the range of their order ids: lets the scan of order lines below skip row groups
week_extra_bounds as (
    select
        min(order_id) as first_order_id,
        max(order_id) as last_order_id
    from week_extra_shipments
),

-- the order ids of backordered lines (of any date) the filters keep, in that range
backordered_line_orders as (
    select lines.order_id
    from filtered_lines($channels, $suppliers, $families, $skus) as lines
    where
        lines.backordered_qty > 0
        and lines.order_id >= (select week_extra_bounds.first_order_id from week_extra_bounds)
        and lines.order_id <= (select week_extra_bounds.last_order_id from week_extra_bounds)
),

split_costs as (
    select
        cast(date_trunc('week', shipped_date) as date) as week_start,
        sum(shipment_cost) as backorder_split_cost
    from week_extra_shipments
    where order_id in (select backordered_line_orders.order_id from backordered_line_orders)
    group by week_start
),

backordered_orders as (
    select
        order_id,
        max(resolved_date) as resolved_date
    from backordered_lines
    group by order_id
    having count(*) = count(resolved_date)
),

resolved_orders as (
    select
        backordered_orders.order_id,
        cast(date_trunc('week', backordered_orders.resolved_date) as date) as week_start
    from backordered_orders, bounds
    where
        backordered_orders.resolved_date >= bounds.first_day
        and backordered_orders.resolved_date < bounds.end_day
),

order_contacts as (
    select
        order_id,
        count(*) as count_contacts
    from contacts
    where order_id in (select resolved_orders.order_id from resolved_orders)
    group by order_id
),

contact_counts as (
    select
        resolved_orders.week_start,
        count(*) as count_backordered_orders_resolved,
        coalesce(sum(order_contacts.count_contacts), 0) as count_contacts
    from resolved_orders
    left join order_contacts on resolved_orders.order_id = order_contacts.order_id
    group by resolved_orders.week_start
),

final as (
    select
        strftime(weeks.week_start, '%G-W%V') as week,
        weeks.week_start,
        weeks.week_as_of,
        coalesce(ordered_counts.count_lines, 0) as count_lines,
        coalesce(ordered_counts.count_backordered_lines, 0) as count_backordered_lines,
        ordered_counts.count_backordered_lines
        / nullif(ordered_counts.count_lines, 0) as line_rate,
        coalesce(open_counts.open_backordered_lines, 0) as open_backordered_lines,
        coalesce(open_counts.count_aged_15_plus, 0) as count_aged_15_plus,
        open_counts.count_aged_15_plus
        / nullif(open_counts.open_backordered_lines, 0) as share_aged_15_plus,
        coalesce(promise_counts.count_promised_shipped, 0) as count_promised_shipped,
        coalesce(promise_counts.count_promise_hits, 0) as count_promise_hits,
        promise_counts.count_promise_hits
        / nullif(promise_counts.count_promised_shipped, 0) as promise_hit_rate,
        coalesce(received_counts.count_received, 0) as count_received,
        coalesce(received_counts.count_on_time, 0) as count_on_time,
        received_counts.count_on_time
        / nullif(received_counts.count_received, 0) as supplier_on_time_rate,
        coalesce(cancel_counts.count_resolved, 0) as count_resolved,
        coalesce(cancel_counts.count_canceled, 0) as count_canceled,
        cancel_counts.count_canceled / nullif(cancel_counts.count_resolved, 0) as cancel_rate,
        coalesce(split_costs.backorder_split_cost, 0) as backorder_split_cost,
        coalesce(
            contact_counts.count_backordered_orders_resolved, 0
        ) as count_backordered_orders_resolved,
        coalesce(contact_counts.count_contacts, 0) as count_contacts,
        contact_counts.count_contacts
        / nullif(
            contact_counts.count_backordered_orders_resolved, 0
        ) as contacts_per_backordered_order
    from weeks
    left join ordered_counts on weeks.week_start = ordered_counts.week_start
    left join open_counts on weeks.week_start = open_counts.week_start
    left join promise_counts on weeks.week_start = promise_counts.week_start
    left join received_counts on weeks.week_start = received_counts.week_start
    left join cancel_counts on weeks.week_start = cancel_counts.week_start
    left join split_costs on weeks.week_start = split_costs.week_start
    left join contact_counts on weeks.week_start = contact_counts.week_start
)

select * from final
order by week_start
