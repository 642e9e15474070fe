-- allocation_inversions: is newer demand shipped before older delayed orders?
-- Grain: one row per breakdown: 'total' (sku and po_id null), then 'sku' (one row per sku
--   with an inversion), then 'receipt' (one row per sku and inbound receipt; po_id null for
--   pairs before any receipt of the sku). Rows within a breakdown: lines_passed_over desc,
--   units_shipped_ahead desc, sku asc, po_id asc.
-- A pair (A, B) of lines of the same sku is an inversion at t = B.shipped_at when A is
--   backordered, B.ordered_at > A.backordered_at, A.backordered_at <= t, A not shipped by t
--   (shipped_at empty or > t) and not canceled by t (canceled_at empty or > t). A pair is in
--   the period when t is. Its receipt: the sku's latest inbound receipt with received_at <= t
--   (on equal received_at, the greatest po_id as text).
-- Figures: lines_passed_over = distinct A; units_shipped_ahead = sum of qty over distinct B;
--   pairs. received_at: the receipt's time (receipt rows only).
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
        ordered_at,
        shipped_at
    from lines
    where shipped_date >= $from_date and shipped_date < $to_date
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

receipts as (
    select
        sku,
        received_at,
        max(po_id) as po_id
    from filtered_inbound($channels, $suppliers, $families, $skus)
    where
        received_at is not null
        and sku in (select shipped_lines.sku from shipped_lines)
    group by sku, received_at
),

-- each shipped line with its receipt: the sku's latest receipt by the time it shipped
shipped_receipts as (
    select
        shipped_lines.*,
        receipts.po_id,
        receipts.received_at
    from shipped_lines
    asof left join receipts
        on
            shipped_lines.sku = receipts.sku
            and shipped_lines.shipped_at >= receipts.received_at
),

pairs as (
    select
        waiting_lines.order_id as a_order_id,
        waiting_lines.line_id as a_line_id,
        shipped_receipts.order_id as b_order_id,
        shipped_receipts.line_id as b_line_id,
        shipped_receipts.sku,
        shipped_receipts.po_id,
        shipped_receipts.received_at,
        shipped_receipts.qty as b_qty
    from waiting_lines
    inner join shipped_receipts
        on
            waiting_lines.sku = shipped_receipts.sku
            and waiting_lines.backordered_at < shipped_receipts.ordered_at
            and waiting_lines.backordered_at <= shipped_receipts.shipped_at
            and waiting_lines.waiting_until > shipped_receipts.shipped_at
),

-- one pass over the pairs: per (receipt, A) and per (receipt, B). A is one line of one sku
-- and B determines its sku and receipt, so distinct A and distinct B per group are rows of
-- these groups.
pair_groups as (
    select
        sku,
        po_id,
        a_order_id,
        a_line_id,
        b_order_id,
        b_line_id,
        grouping(a_order_id) = 0 as is_passed_over,
        any_value(b_qty) as b_qty,
        any_value(received_at) as received_at,
        count(*) as pairs
    from pairs
    group by grouping sets (
        (sku, po_id, a_order_id, a_line_id),
        (sku, po_id, b_order_id, b_line_id)
    )
),

passed_over as (
    select
        sku,
        po_id,
        a_order_id,
        a_line_id,
        pairs
    from pair_groups
    where is_passed_over
),

passed_over_per_sku as (
    select
        sku,
        a_order_id,
        a_line_id,
        sum(pairs) as pairs
    from passed_over
    group by sku, a_order_id, a_line_id
),

shipped_ahead as (
    select
        sku,
        po_id,
        received_at,
        b_qty
    from pair_groups
    where not is_passed_over
),

pair_counts as (
    select
        sku,
        null as po_id,
        count(*) as lines_passed_over,
        sum(pairs) as pairs,
        grouping(sku) * 2 + 1 as grouping_id
    from passed_over_per_sku
    group by grouping sets ((), (sku))
    union all
    select
        sku,
        po_id,
        count(*) as lines_passed_over,
        sum(pairs) as pairs,
        0 as grouping_id
    from passed_over
    group by sku, po_id
),

unit_counts as (
    select
        sku,
        po_id,
        grouping(sku, po_id) as grouping_id,
        sum(b_qty) as units_shipped_ahead,
        any_value(received_at) as received_at
    from shipped_ahead
    group by grouping sets ((), (sku), (sku, po_id))
),

final as (
    select
        case pair_counts.grouping_id
            when 3 then 'total'
            when 1 then 'sku'
            else 'receipt'
        end as breakdown,
        pair_counts.sku,
        pair_counts.po_id,
        case when pair_counts.grouping_id = 0 then unit_counts.received_at end as received_at,
        pair_counts.lines_passed_over,
        coalesce(unit_counts.units_shipped_ahead, 0) as units_shipped_ahead,
        coalesce(pair_counts.pairs, 0) as pairs
    from pair_counts
    left join unit_counts
        on
            pair_counts.grouping_id = unit_counts.grouping_id
            and pair_counts.sku is not distinct from unit_counts.sku
            and pair_counts.po_id is not distinct from unit_counts.po_id
)

select * from final
order by
    case breakdown when 'total' then 0 when 'sku' then 1 else 2 end,
    lines_passed_over desc,
    units_shipped_ahead desc,
    sku asc,
    po_id asc
