-- hygiene: how often do we take backorders the wrong way?
-- Grain: one row per judged line: a backordered line with backordered_at in the period (lines,
--   the denominator of every share), by backordered_at, then order_id, line_id (as text).
--   Each check flags the lines that fail it:
--   no_reason: backorder_reason empty or blank;
--   no_promise: no promised_ship_date;
--   promise_without_buffer: promised_ship_date < supplier_eta + $receiving_buffer_days, both
--     present;
--   ineligible_accepted: the sku's backorder_eligible is false (empty, or the sku not in
--     skus, is not flagged);
--   over_cap: the sku's outstanding backordered units right after this line > oversell_cap.
--     Outstanding = backordered_qty summed over the sku's backordered lines in order of
--     (backordered_at, order_id, line_id) up to and including this one, not resolved at or
--     before this line's backordered_at, of every channel (the channel filter picks the lines
--     judged, not the stock they compete for). No cap, no flag.
--   A check whose inputs are not loaded is not judged: its flag is null on every line (the
--   metric function marks its figures unavailable).
-- Figures (dashboard.metrics.controls.hygiene sums these lines into one row): lines;
--   <check> = failing lines; <check>_share = <check> / lines (null when no lines).
-- Queue (hygiene_lines): the lines that fail at least one check, in this order.
-- Columns: order_id, line_id, sku, channel, backordered_at, backordered_qty,
--   backorder_reason, promised_ship_date, supplier_eta, backorder_eligible, oversell_cap,
--   outstanding_units (after this line; capped skus only), one boolean per check (null when
--   not judged) and failed_checks (the names of the failed checks, comma separated).
-- Parameters: $from_date, $to_date, $receiving_buffer_days, $checks (the checks whose
--   inputs are present); filters $channels, $suppliers, $families, $skus.
-- Inputs: order_lines (backordered_qty, backordered_at, backorder_reason,
--   promised_ship_date, supplier_eta, shipped_at, canceled_at), skus (backorder_eligible,
--   oversell_cap).

with period_lines as (
    select
        order_id,
        line_id,
        sku,
        channel,
        backordered_qty,
        backordered_at,
        backorder_reason,
        promised_ship_date,
        supplier_eta
    from filtered_lines($channels, $suppliers, $families, $skus)
    where
        backordered_qty > 0
        and backordered_date >= $from_date
        and backordered_date < $to_date
),

sku_rules as (
    select
        sku,
        backorder_eligible,
        oversell_cap
    from skus
    where sku in (select period_lines.sku from period_lines)
),

-- the cap walk counts lines of every channel: backordered lines of a capped sku that may
-- be outstanding at some period line's backordered_at
walk_lines as (
    select
        order_id,
        line_id,
        sku,
        backordered_qty,
        backordered_at,
        coalesce(shipped_at, canceled_at) as resolved_at
    from order_lines
    where
        backordered_qty > 0
        and backordered_date < $to_date
        and coalesce(shipped_date, canceled_date, $from_date) >= $from_date
        and sku in (
            select sku_rules.sku from sku_rules
            where sku_rules.oversell_cap is not null
        )
),

-- the walk as a running sum of events per sku: +backordered_qty at backordered_at, and
-- -backordered_qty at resolved_at; at equal instants a resolution comes first (resolved
-- "at or before" this line's backordered_at), then lines by (order_id, line_id). A line
-- resolved at or before its own backordered_at never counts (a zero event keeps its place).
-- Lines resolved before the period add and remove before every period line: left out.
walk_events as (
    select
        sku,
        order_id,
        line_id,
        backordered_at as event_at,
        1 as event_type,
        case
            when resolved_at <= backordered_at then 0 else backordered_qty
        end as units
    from walk_lines
    union all
    select
        sku,
        order_id,
        line_id,
        resolved_at as event_at,
        0 as event_type,
        -backordered_qty as units
    from walk_lines
    where resolved_at > backordered_at
),

walk as (
    select
        order_id,
        line_id,
        event_type,
        sum(units) over (
            partition by sku
            order by event_at, event_type, order_id, line_id
            rows between unbounded preceding and current row
        ) as outstanding_units
    from walk_events
),

outstanding as (
    select
        order_id,
        line_id,
        outstanding_units
    from walk
    where event_type = 1
),

judged as (
    select
        period_lines.*,
        sku_rules.backorder_eligible,
        sku_rules.oversell_cap,
        outstanding.outstanding_units,
        case
            when list_contains($checks::varchar[], 'no_reason')
                then
                    coalesce(trim(period_lines.backorder_reason), '') = ''
        end as is_no_reason,
        case
            when list_contains($checks::varchar[], 'no_promise')
                then
                    period_lines.promised_ship_date is null
        end as is_no_promise,
        case
            when list_contains($checks::varchar[], 'promise_without_buffer')
                then
                    coalesce(
                        period_lines.promised_ship_date
                        < period_lines.supplier_eta + $receiving_buffer_days,
                        false
                    )
        end as is_promise_without_buffer,
        case
            when list_contains($checks::varchar[], 'ineligible_accepted')
                then
                    coalesce(not sku_rules.backorder_eligible, false)
        end as is_ineligible_accepted,
        case
            when list_contains($checks::varchar[], 'over_cap')
                then
                    coalesce(outstanding.outstanding_units > sku_rules.oversell_cap, false)
        end as is_over_cap
    from period_lines
    left join sku_rules on period_lines.sku = sku_rules.sku
    left join outstanding
        on
            period_lines.order_id = outstanding.order_id
            and period_lines.line_id = outstanding.line_id
),

final as (
    select
        order_id,
        line_id,
        sku,
        channel,
        backordered_at,
        backordered_qty,
        backorder_reason,
        promised_ship_date,
        supplier_eta,
        backorder_eligible,
        oversell_cap,
        outstanding_units,
        is_no_reason as no_reason,
        is_no_promise as no_promise,
        is_promise_without_buffer as promise_without_buffer,
        is_ineligible_accepted as ineligible_accepted,
        is_over_cap as over_cap,
        concat_ws(
            ', ',
            case when is_no_reason then 'no_reason' end,
            case when is_no_promise then 'no_promise' end,
            case when is_promise_without_buffer then 'promise_without_buffer' end,
            case when is_ineligible_accepted then 'ineligible_accepted' end,
            case when is_over_cap then 'over_cap' end
        ) as failed_checks
    from judged
)

select * from final
order by backordered_at asc, order_id asc, line_id asc
