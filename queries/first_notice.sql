-- first_notice: do we send the first backorder notice quickly?
-- Grain: one total row (channel null), then one row per channel, by channel asc.
-- Lines: backordered lines (backordered_qty > 0) with backordered_at in the period.
-- A qualifying notice: a notice on the same order of kind backorder_notice, options_offer
--   or eta_update, sent at or after the line's backordered_at and by the as-of day.
--   hours = (first qualifying sent_at - backordered_at) in hours, from epoch differences.
-- Figures: lines; notified = lines with a qualifying notice; median_hours over the notified
--   lines (mean of the two middle values for an even count); notified_within_24h = lines
--   with hours <= 24 (exactly 24 h counts); share_within_24h = notified_within_24h / lines;
--   never_notified = lines - notified. Empty sets give null medians and shares.
-- Parameters: $from_date, $to_date, $as_of; filters $channels, $suppliers, $families, $skus.
-- Inputs: order_lines (backordered_qty, backordered_at, channel), notices (order_id,
--   sent_at, kind). Notices are joined to the filtered lines by order_id (the same orders
--   filtered_notices keeps, restricted to the ones that matter here).

with period_lines as (
    select
        order_id,
        line_id,
        channel,
        backordered_at
    from filtered_lines($channels, $suppliers, $families, $skus)
    where
        backordered_qty > 0
        and backordered_date >= $from_date
        and backordered_date < $to_date
),

qualifying_notices as (
    select
        order_id,
        sent_at
    from notices
    where
        kind in ('backorder_notice', 'options_offer', 'eta_update')
        -- sent at or after backordered_at, so not before the period's first day
        and sent_date >= $from_date
        and sent_date <= $as_of
        and order_id in (select period_lines.order_id from period_lines)
),

first_notices as (
    select
        period_lines.order_id,
        period_lines.line_id,
        min(qualifying_notices.sent_at) as first_notice_at
    from period_lines
    inner join qualifying_notices
        on
            period_lines.order_id = qualifying_notices.order_id
            and period_lines.backordered_at <= qualifying_notices.sent_at
    group by period_lines.order_id, period_lines.line_id
),

line_hours as (
    select
        period_lines.channel,
        first_notices.first_notice_at is not null as is_notified,
        (epoch(first_notices.first_notice_at) - epoch(period_lines.backordered_at))
        / 3600 as hours
    from period_lines
    left join first_notices
        on
            period_lines.order_id = first_notices.order_id
            and period_lines.line_id = first_notices.line_id
),

counts as (
    select
        channel,
        count(*) as lines,
        count(*) filter (where is_notified) as notified,
        quantile_cont(hours, 0.5) as median_hours,
        count(*) filter (where hours <= 24) as notified_within_24h
    from line_hours
    group by grouping sets ((), (channel))
),

final as (
    select
        channel,
        lines,
        notified,
        median_hours,
        notified_within_24h,
        notified_within_24h / nullif(lines, 0) as share_within_24h,
        lines - notified as never_notified
    from counts
)

select * from final
order by channel asc nulls first
