-- allocation_inversions: is newer demand shipped before older delayed orders?
-- A pair (A, B) of lines of the same sku is an inversion at t = B.shipped_at when A is
--   backordered, B.ordered_at > A.backordered_at, A.backordered_at <= t, A not shipped by t
--   (shipped_at empty or > t) and not canceled by t (canceled_at empty or > t). A pair is in
--   the period when t is. Its receipt: the sku's latest inbound receipt with received_at <= t
--   (on equal received_at, the greatest po_id as text).
-- Figures (dashboard.metrics.controls.allocation_inversions): one row per breakdown: 'total'
--   (sku and po_id null), then 'sku' (one row per sku with an inversion), then 'receipt' (one
--   row per sku and inbound receipt; po_id null for pairs before any receipt of the sku).
--   Rows within a breakdown: lines_passed_over desc, units_shipped_ahead desc, sku asc, po_id
--   asc. lines_passed_over = distinct A; units_shipped_ahead = sum of qty over distinct B;
--   pairs. received_at: the receipt's time (receipt rows only).
-- Grain of this query: the sides of the pairs, without listing the pairs. One row per
--   shipped-ahead line B (side 'B', with its receipt and its effective order time), and one
--   row per passed-over line A and receipt it was passed over in (side 'A'). The function
--   counts pairs per B (the A of its sku with backordered_at < b_before_us and
--   waiting_until_us > shipped_us, a 2-D dominance count) and sums per breakdown.
-- How, without pairs: B has a pair iff the greatest waiting_until among the A of its sku
--   backordered before it exceeds its shipped_at (a running max, looked up by ASOF join);
--   A has a pair in a receipt iff the earliest shipped_at among that receipt's B ordered
--   after it is before its waiting_until (a running min from the end, by ASOF join).
--   A.backordered_at < B.ordered_at and A.backordered_at <= t are one bound:
--   A.backordered_at < least(B.ordered_at, t + 1 microsecond).
-- Parameters: $from_date, $to_date; filters $channels, $suppliers, $families, $skus (both A
--   and B are filtered lines; inbound through filtered_inbound).
-- Inputs: order_lines (sku, qty, ordered_at, backordered_qty, backordered_at, shipped_at,
--   canceled_at), inbound (po_id, sku, received_at).

with lines as (
    select * from filtered_lines($channels, $suppliers, $families, $skus)
),

shipped_lines as (
    select
        order_id,
        line_id,
        sku,
        qty,
        shipped_at,
        -- A must be backordered before this instant (ordered_at null: never)
        least(ordered_at, shipped_at + interval 1 microsecond) as before_at
    from lines
    where
        shipped_date >= $from_date and shipped_date < $to_date
        and ordered_at is not null
),

-- backordered lines that may be waiting at some t in the period: backordered by its end,
-- not resolved before its start
waiting_lines as (
    select
        order_id,
        line_id,
        sku,
        backordered_at,
        -- waiting while before this instant (infinity while open)
        coalesce(least(shipped_at, canceled_at), 'infinity'::timestamptz) as waiting_until
    from lines
    where
        backordered_qty > 0
        and backordered_date < $to_date
        and (shipped_date is null or shipped_date >= $from_date)
        and (canceled_date is null or canceled_date >= $from_date)
),

-- per sku and backordered_at: the latest waiting_until of the lines backordered by then
latest_until as (
    select
        sku,
        backordered_at,
        max(max(waiting_until)) over (
            partition by sku order by backordered_at
        ) as waiting_until
    from waiting_lines
    group by sku, backordered_at
),

-- shipped lines with at least one waiting line passed over
shipped_ahead as (
    select shipped_lines.*
    from shipped_lines
    asof inner join latest_until
        on
            shipped_lines.sku = latest_until.sku
            and shipped_lines.before_at > latest_until.backordered_at
    where latest_until.waiting_until > shipped_lines.shipped_at
),

receipts as (
    select
        sku,
        received_at,
        max(po_id) as po_id
    from filtered_inbound($channels, $suppliers, $families, $skus)
    where
        received_at is not null
        and sku in (select shipped_ahead.sku from shipped_ahead)
    group by sku, received_at
),

-- each shipped-ahead line with its receipt: the sku's latest receipt by the time it shipped;
-- receipt_key tells the receipts of a sku apart (-infinity: before any receipt)
shipped_receipts as (
    select
        shipped_ahead.*,
        receipts.po_id,
        receipts.received_at,
        coalesce(receipts.received_at, '-infinity'::timestamptz) as receipt_key
    from shipped_ahead
    asof left join receipts
        on
            shipped_ahead.sku = receipts.sku
            and shipped_ahead.shipped_at >= receipts.received_at
),

-- per receipt and before_at: the earliest shipped_at of its lines ordered at or after it
earliest_shipped as (
    select
        sku,
        receipt_key,
        before_at,
        min(min(shipped_at)) over (
            partition by sku, receipt_key order by before_at desc
        ) as shipped_at
    from shipped_receipts
    group by sku, receipt_key, before_at
),

receipt_keys as (
    select distinct
        sku,
        receipt_key,
        po_id,
        received_at
    from shipped_receipts
),

-- each waiting line with each receipt of its sku that shipped something ahead
waiting_receipts as (
    select
        waiting_lines.*,
        receipt_keys.receipt_key,
        receipt_keys.po_id,
        receipt_keys.received_at
    from waiting_lines
    inner join receipt_keys on waiting_lines.sku = receipt_keys.sku
),

passed_over as (
    select waiting_receipts.*
    from waiting_receipts
    asof inner join earliest_shipped
        on
            waiting_receipts.sku = earliest_shipped.sku
            and waiting_receipts.receipt_key = earliest_shipped.receipt_key
            and waiting_receipts.backordered_at < earliest_shipped.before_at
    where earliest_shipped.shipped_at < waiting_receipts.waiting_until
),

final as (
    select
        'A' as side,
        sku,
        po_id,
        received_at,
        order_id,
        line_id,
        null::integer as qty,
        epoch_us(backordered_at) as backordered_us,
        -- null while open
        case
            when waiting_until < 'infinity'::timestamptz then epoch_us(waiting_until)
        end as waiting_until_us,
        null::bigint as before_us,
        null::bigint as shipped_us
    from passed_over
    union all
    select
        'B' as side,
        sku,
        po_id,
        received_at,
        order_id,
        line_id,
        qty,
        null::bigint as backordered_us,
        null::bigint as waiting_until_us,
        epoch_us(before_at) as before_us,
        epoch_us(shipped_at) as shipped_us
    from shipped_receipts
)

select * from final
