-- quarterly_top20: which 20 skus made the most backorders this quarter, and how did they fare?
-- Grain: one row per sku, at most 20: the skus with the most backordered lines ordered in the
--   quarter Q, ranked as in backorder_rate (backordered lines desc, backordered units desc,
--   sku asc); skus with no backordered line in Q are left out.
-- Figures, for Q and (prefixed prev_) for the quarter before, each the single metric with the
--   sku filter over that quarter:
--   line_rate = backordered lines / lines ordered (backorder_rate);
--   cancel_rate = canceled / backordered lines resolved (backorder_cancel_rate);
--   promise_hit_rate = hits / backordered lines shipped with a promise (promise_hit_rate);
--   median_slip_days = median(received date - supplier_eta) over inbound rows received
--     (supplier_eta_accuracy);
--   contacts_per_backordered_order = contacts / backordered orders resolved
--     (support_contact_rate).
--   The rule in force: backorder_eligible, oversell_cap (skus). review_flag when Q's
--   cancel_rate > $review_cancel_rate or median_slip_days > $review_slip_days; review_reason
--   says which. Empty denominators give null.
-- Parameters: $from_date, $to_date (Q), $prev_from_date, $prev_to_date (Q-1),
--   $review_cancel_rate, $review_slip_days; filters $channels, $suppliers, $families, $skus.
-- Inputs: order_lines, inbound, contacts, skus; sku_attributes for filters.

with quarters as (
    select
        'current' as quarter,
        cast($from_date as date) as from_date,
        cast($to_date as date) as to_date
    union all
    select
        'previous' as quarter,
        cast($prev_from_date as date) as from_date,
        cast($prev_to_date as date) as to_date
),

-- lines ordered in Q-1 or Q, counted per sku and quarter in one scan (it skips row groups by
-- ordered_date)
sku_quarter_counts as (
    select
        sku,
        case
            when ordered_date >= $from_date and ordered_date < $to_date then 'current'
            when ordered_date >= $prev_from_date and ordered_date < $prev_to_date then 'previous'
        end as quarter,
        count(*) as count_lines,
        count(*) filter (where backordered_qty > 0) as count_backordered_lines,
        sum(coalesce(backordered_qty, 0)) as backordered_units
    from filtered_lines($channels, $suppliers, $families, $skus)
    where
        (ordered_date >= $from_date and ordered_date < $to_date)
        or (ordered_date >= $prev_from_date and ordered_date < $prev_to_date)
    group by all
),

ranked_skus as (
    select
        sku,
        count_lines,
        count_backordered_lines,
        backordered_units
    from sku_quarter_counts
    where quarter = 'current' and count_backordered_lines > 0
),

top_skus as (
    select
        sku,
        count_lines,
        count_backordered_lines,
        backordered_units,
        row_number() over (
            order by count_backordered_lines desc, backordered_units desc, sku asc
        ) as rank
    from ranked_skus
    qualify rank <= 20
),

ordered_counts as (
    select
        quarter,
        sku,
        count_lines,
        count_backordered_lines
    from sku_quarter_counts
    where sku in (select top_skus.sku from top_skus)
),

-- the backordered lines of the top skus either quarter can count: not resolved before Q-1
-- (a line resolved earlier is resolved, shipped and the last resolution of its order in
-- neither quarter)
top_lines as (
    select
        order_id,
        sku,
        shipped_date,
        promised_ship_date,
        coalesce(shipped_date, canceled_date) as resolved_date
    from filtered_lines($channels, $suppliers, $families, $skus)
    where
        backordered_qty > 0
        and (shipped_date is null or shipped_date >= $prev_from_date)
        and (canceled_date is null or canceled_date >= $prev_from_date)
        and sku in (select top_skus.sku from top_skus)
),

cancel_counts as (
    select
        quarters.quarter,
        top_lines.sku,
        count(*) as count_resolved,
        count(*) filter (where top_lines.shipped_date is null) as count_canceled
    from top_lines
    inner join quarters
        on
            top_lines.resolved_date >= quarters.from_date
            and top_lines.resolved_date < quarters.to_date
    group by quarters.quarter, top_lines.sku
),

promise_counts as (
    select
        quarters.quarter,
        top_lines.sku,
        count(*) as count_promised_shipped,
        count(*) filter (
            where top_lines.shipped_date <= top_lines.promised_ship_date
        ) as count_promise_hits
    from top_lines
    inner join quarters
        on
            top_lines.shipped_date >= quarters.from_date
            and top_lines.shipped_date < quarters.to_date
    where top_lines.promised_ship_date is not null
    group by quarters.quarter, top_lines.sku
),

slips as (
    select
        quarters.quarter,
        inbound.sku,
        count(*) as count_received,
        median(inbound.received_date - inbound.supplier_eta) as median_slip_days
    from filtered_inbound($channels, $suppliers, $families, $skus) as inbound
    inner join quarters
        on
            inbound.received_date >= quarters.from_date
            and inbound.received_date < quarters.to_date
    where inbound.sku in (select top_skus.sku from top_skus)
    group by quarters.quarter, inbound.sku
),

backordered_orders as (
    select
        sku,
        order_id,
        max(resolved_date) as resolved_date
    from top_lines
    group by sku, order_id
    having count(*) = count(resolved_date)
),

order_contacts as (
    select
        order_id,
        count(*) as count_contacts
    from contacts
    where order_id in (select backordered_orders.order_id from backordered_orders)
    group by order_id
),

contact_counts as (
    select
        quarters.quarter,
        backordered_orders.sku,
        count(*) as count_backordered_orders_resolved,
        coalesce(sum(order_contacts.count_contacts), 0) as count_contacts
    from backordered_orders
    inner join quarters
        on
            backordered_orders.resolved_date >= quarters.from_date
            and backordered_orders.resolved_date < quarters.to_date
    left join order_contacts on backordered_orders.order_id = order_contacts.order_id
    group by quarters.quarter, backordered_orders.sku
),

figures as (
    select
        top_skus.sku,
        quarters.quarter,
        ordered_counts.count_backordered_lines
        / nullif(ordered_counts.count_lines, 0) as line_rate,
        cancel_counts.count_canceled / nullif(cancel_counts.count_resolved, 0) as cancel_rate,
        promise_counts.count_promise_hits
        / nullif(promise_counts.count_promised_shipped, 0) as promise_hit_rate,
        slips.median_slip_days,
        contact_counts.count_contacts
        / nullif(
            contact_counts.count_backordered_orders_resolved, 0
        ) as contacts_per_backordered_order
    from top_skus
    cross join quarters
    left join ordered_counts
        on top_skus.sku = ordered_counts.sku and quarters.quarter = ordered_counts.quarter
    left join cancel_counts
        on top_skus.sku = cancel_counts.sku and quarters.quarter = cancel_counts.quarter
    left join promise_counts
        on top_skus.sku = promise_counts.sku and quarters.quarter = promise_counts.quarter
    left join slips
        on top_skus.sku = slips.sku and quarters.quarter = slips.quarter
    left join contact_counts
        on top_skus.sku = contact_counts.sku and quarters.quarter = contact_counts.quarter
),

current_figures as (
    select * from figures
    where quarter = 'current'
),

previous_figures as (
    select * from figures
    where quarter = 'previous'
),

flags as (
    select
        sku,
        coalesce(cancel_rate > $review_cancel_rate, false) as cancel_flag,
        coalesce(median_slip_days > $review_slip_days, false) as slip_flag
    from current_figures
),

final as (
    select
        top_skus.rank,
        top_skus.sku,
        skus.title,
        top_skus.count_lines,
        top_skus.count_backordered_lines,
        top_skus.backordered_units,
        current_figures.line_rate,
        current_figures.cancel_rate,
        current_figures.promise_hit_rate,
        current_figures.median_slip_days,
        current_figures.contacts_per_backordered_order,
        skus.backorder_eligible,
        skus.oversell_cap,
        previous_figures.line_rate as prev_line_rate,
        previous_figures.cancel_rate as prev_cancel_rate,
        previous_figures.promise_hit_rate as prev_promise_hit_rate,
        previous_figures.median_slip_days as prev_median_slip_days,
        previous_figures.contacts_per_backordered_order as prev_contacts_per_backordered_order,
        flags.cancel_flag or flags.slip_flag as review_flag,
        nullif(
            concat_ws(
                '; ',
                case when flags.cancel_flag then 'cancel rate above threshold' end,
                case when flags.slip_flag then 'median supplier slip above threshold' end
            ),
            ''
        ) as review_reason
    from top_skus
    inner join current_figures on top_skus.sku = current_figures.sku
    inner join previous_figures on top_skus.sku = previous_figures.sku
    inner join flags on top_skus.sku = flags.sku
    left join skus on top_skus.sku = skus.sku
)

select * from final
order by rank
