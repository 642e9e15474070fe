-- delay_notice_compliance: did each delayed customer get a revised date and a way out?
-- As of D ($as_of), over backordered lines not canceled by D, three rules:
--   missed_promise_without_notice: lines whose promised_ship_date is in the period, not
--     shipped by the end of that date, with no eta_update or options_offer notice on the
--     order sent on or before that date;
--   past_statutory_days: lines whose order date (local date of the order's ordered_at, the
--     earliest of its lines) + $statutory_days is in the period, not shipped by the end of
--     that date, with no options_offer sent on the order by D;
--   second_delay: orders (with such a line) whose second eta_update notice (by sent_at,
--     then notice_id) was sent in the period, listed for an explicit consent check.
-- Grain: one row per line and rule it fails (a second_delay order lists each of its
--   backordered lines not canceled by D), by rule, due_date, order_id, line_id (as text).
-- Figures (dashboard.metrics.controls.delay_notice_compliance counts these rows into one
--   row): missed_promise_without_notice (lines), past_statutory_days (lines), second_delay
--   (orders).
-- Queue (delay_notice_compliance_lines): these rows.
-- Columns: order_id, line_id, rule ('missed_promise_without_notice', 'past_statutory_days',
--   'second_delay'), sku, channel, ordered_date, backordered_at, promised_ship_date,
--   shipped_at (when shipped after the due date), due_date (the promised date, the statutory
--   date, or the date of the second eta_update), days_past_due (D - due_date). Unless
--   $queue_columns, line_id, sku, channel, backordered_at and shipped_at are null.
-- Parameters: $from_date, $to_date, $as_of, $statutory_days, $queue_columns (the queue shows
--   every column; the figures only count rows, and reading the queue's columns for every
--   backordered line costs a fifth of the query at 10M lines); filters $channels,
--   $suppliers, $families, $skus.
-- Inputs: order_lines (ordered_at, backordered_qty, backordered_at, promised_ship_date,
--   shipped_at, canceled_at), notices (order_id, sent_at, kind), joined by order_id.

with lines as (
    select * from filtered_lines($channels, $suppliers, $families, $skus)
),

-- orders with an eta_update sent in the period: the only ones that may have a second one
eta_update_orders as (
    select distinct notices.order_id
    from notices
    where
        notices.kind = 'eta_update'
        and notices.sent_date >= $from_date
        and notices.sent_date < $to_date
),

-- backordered lines not canceled by D that some rule may judge: promised in the period,
-- ordered late enough for the statutory date (a line is ordered no earlier than its
-- order), or on an order with an eta_update in the period
waiting_lines as (
    select
        order_id,
        promised_ship_date,
        shipped_date,
        ordered_date,
        -- read for the queue only: the figures count rows
        case when $queue_columns then line_id end as line_id,
        case when $queue_columns then sku end as sku,
        case when $queue_columns then channel end as channel,
        case when $queue_columns then backordered_at end as backordered_at,
        case when $queue_columns then shipped_at end as shipped_at
    from lines
    where
        backordered_qty > 0
        and backordered_date <= $as_of
        and (canceled_date is null or canceled_date > $as_of)
        and (
            (promised_ship_date >= $from_date and promised_ship_date < $to_date)
            or ordered_date >= $from_date - $statutory_days
            or order_id in (select eta_update_orders.order_id from eta_update_orders)
        )
),

-- orders whose statutory date (order date + $statutory_days) may fall in the period
statutory_orders as (
    select
        order_id,
        min(ordered_date) as order_date,
        min(ordered_date) + $statutory_days as statutory_date
    from order_lines
    where
        order_id in (
            select placed.order_id from order_lines as placed
            where
                placed.ordered_date >= $from_date - $statutory_days
                and placed.ordered_date < $to_date - $statutory_days
        )
        and order_id in (select waiting_lines.order_id from waiting_lines)
    group by order_id
    having
        min(ordered_date) + $statutory_days >= $from_date
        and min(ordered_date) + $statutory_days < $to_date
),

candidate_orders as (
    select waiting_lines.order_id from waiting_lines
    where
        waiting_lines.promised_ship_date >= $from_date
        and waiting_lines.promised_ship_date < $to_date
    union
    select statutory_orders.order_id from statutory_orders
),

order_notices as (
    select
        order_id,
        min(sent_date) filter (
            where kind in ('eta_update', 'options_offer')
        ) as first_update_date,
        min(sent_date) filter (where kind = 'options_offer') as first_offer_date
    from notices
    where
        sent_date <= $as_of
        and kind in ('eta_update', 'options_offer')
        and order_id in (select candidate_orders.order_id from candidate_orders)
    group by order_id
),

missed_promises as (
    select
        waiting_lines.*,
        'missed_promise_without_notice' as rule,
        waiting_lines.promised_ship_date as due_date
    from waiting_lines
    left join order_notices on waiting_lines.order_id = order_notices.order_id
    where
        waiting_lines.promised_ship_date >= $from_date
        and waiting_lines.promised_ship_date < $to_date
        and (
            waiting_lines.shipped_date is null
            or waiting_lines.shipped_date > waiting_lines.promised_ship_date
        )
        and (
            order_notices.first_update_date is null
            or order_notices.first_update_date > waiting_lines.promised_ship_date
        )
),

past_statutory as (
    select
        waiting_lines.*,
        'past_statutory_days' as rule,
        statutory_orders.statutory_date as due_date
    from waiting_lines
    inner join statutory_orders on waiting_lines.order_id = statutory_orders.order_id
    left join order_notices on waiting_lines.order_id = order_notices.order_id
    where
        (
            waiting_lines.shipped_date is null
            or waiting_lines.shipped_date > statutory_orders.statutory_date
        )
        and order_notices.first_offer_date is null
),

-- the eta_update notices of orders with one sent in the period, numbered per order in
-- order of (sent_at, notice_id)
numbered_eta_updates as (
    select
        order_id,
        sent_date,
        row_number() over (
            partition by order_id order by sent_at, notice_id
        ) as update_number
    from notices
    where
        kind = 'eta_update'
        and sent_date < $to_date
        and order_id in (select eta_update_orders.order_id from eta_update_orders)
),

-- orders whose second eta_update was sent in the period (by D)
second_eta_updates as (
    select
        order_id,
        sent_date
    from numbered_eta_updates
    where
        update_number = 2
        and sent_date >= $from_date
        and sent_date <= $as_of
),

second_delays as (
    select
        waiting_lines.*,
        'second_delay' as rule,
        second_eta_updates.sent_date as due_date
    from waiting_lines
    inner join second_eta_updates on waiting_lines.order_id = second_eta_updates.order_id
),

failures as (
    select * from missed_promises
    union all
    select * from past_statutory
    union all
    select * from second_delays
),

final as (
    select
        order_id,
        line_id,
        rule,
        sku,
        channel,
        ordered_date,
        backordered_at,
        promised_ship_date,
        case when shipped_date <= $as_of then shipped_at end as shipped_at,
        due_date,
        $as_of - due_date as days_past_due
    from failures
)

select * from final
order by
    case rule
        when 'missed_promise_without_notice' then 0
        when 'past_statutory_days' then 1
        else 2
    end,
    due_date asc,
    order_id asc,
    line_id asc
