-- silent_backorders: which delayed orders have gone quiet?
-- Grain: one row per silent line as of D (the queue), by age_days desc, then order_id,
--   line_id (as text).
-- Lines: open backordered lines as of D (backordered by D, neither shipped nor canceled by D).
--   The latest notice is the order's latest notice of any kind sent by D (by sent_at, then
--   notice_id). A line is silent when either
--   next_update_missed: the latest notice has a next_update_by earlier than D and no notice
--     was sent on a date after next_update_by; or
--   no_recent_notice: no notice on the order on local dates D-($silence_days-1)..D and
--     age_days > $silence_days.
--   rule = 'next_update_missed', 'no_recent_notice' or 'both'.
-- Columns: order_id, line_id, sku, channel, backordered_at, age_days (D - backordered date),
--   latest_notice_at, latest_notice_kind, next_update_by, days_since_latest_notice
--   (D - sent date of the latest notice; null when none), rule, partial (true when the
--   notices carry no next_update_by column: only no_recent_notice is judged).
-- Parameters: $as_of (D), $silence_days, $next_update_by_present; filters $channels,
--   $suppliers, $families, $skus.
-- Inputs: order_lines (backordered_qty, backordered_at, shipped_at, canceled_at),
--   notices (order_id, sent_at, kind, next_update_by), joined to the lines by order_id.

with open_lines as (
    select
        order_id,
        line_id,
        sku,
        channel,
        backordered_at,
        $as_of - backordered_date as age_days
    from filtered_lines($channels, $suppliers, $families, $skus)
    where
        backordered_qty > 0
        and backordered_date <= $as_of
        and (shipped_date is null or shipped_date > $as_of)
        and (canceled_date is null or canceled_date > $as_of)
),

latest_notices as (
    select
        order_id,
        max(sent_at) as latest_notice_at,
        arg_max(sent_date, (sent_at, notice_id)) as latest_sent_date,
        arg_max(kind, (sent_at, notice_id)) as latest_notice_kind,
        arg_max(next_update_by, (sent_at, notice_id)) as next_update_by
    from notices
    where
        sent_date <= $as_of
        and order_id in (select open_lines.order_id from open_lines)
    group by order_id
),

judged as (
    select
        open_lines.*,
        latest_notices.latest_notice_at,
        latest_notices.latest_notice_kind,
        latest_notices.next_update_by,
        $as_of - latest_notices.latest_sent_date as days_since_latest_notice,
        coalesce(
            $next_update_by_present
            and latest_notices.next_update_by < $as_of
            and latest_notices.latest_sent_date <= latest_notices.next_update_by,
            false
        ) as is_next_update_missed,
        coalesce(latest_notices.latest_sent_date <= $as_of - $silence_days, true)
        and open_lines.age_days > $silence_days as is_no_recent_notice
    from open_lines
    left join latest_notices on open_lines.order_id = latest_notices.order_id
),

final as (
    select
        order_id,
        line_id,
        sku,
        channel,
        backordered_at,
        age_days,
        latest_notice_at,
        latest_notice_kind,
        next_update_by,
        days_since_latest_notice,
        case
            when is_next_update_missed and is_no_recent_notice then 'both'
            when is_next_update_missed then 'next_update_missed'
            else 'no_recent_notice'
        end as rule,
        not $next_update_by_present as partial
    from judged
    where is_next_update_missed or is_no_recent_notice
)

select * from final
order by age_days desc, order_id asc, line_id asc
