-- order_timeline: what happened to one order, start to finish?
-- Grain: one row per event of the order, in time order (event_at, then the event order below, then
--   line_id and the event's own id as text). Events: ordered (once, at the order's earliest
--   ordered_at), backordered (per line), notice (kind, next_update_by), contact (topic),
--   shipment (cost), shipped (per line), canceled (per line, reason).
-- Columns: event_at (UTC instant), local_time (wall clock in the store time zone), local_date,
--   event, line_id, sku, qty, ref (shipment, notice or contact id), detail (plain text).
-- Parameters: $order_id, $tz (store time zone).
-- Inputs: order_lines, notices, contacts, shipments.

with lines as (
    select * from order_lines
    where order_id = $order_id
),

ordered as (
    select
        min(ordered_at) as event_at,
        min(ordered_date) as local_date,
        'ordered' as event,
        1 as event_order,
        cast(null as varchar) as line_id,
        cast(null as varchar) as sku,
        sum(qty) as qty,
        cast(null as varchar) as ref,
        count(*) || ' lines, ' || sum(qty) || ' units'
        || coalesce(', channel ' || string_agg(distinct channel, ', '), '') as detail
    from lines
    having count(*) > 0
),

backordered as (
    select
        backordered_at as event_at,
        backordered_date as local_date,
        'backordered' as event,
        2 as event_order,
        line_id,
        sku,
        backordered_qty as qty,
        cast(null as varchar) as ref,
        concat_ws(
            '; ',
            backordered_qty || ' of ' || qty || ' units backordered',
            'reason ' || nullif(trim(backorder_reason), ''),
            'promised ship ' || promised_ship_date,
            'supplier eta ' || supplier_eta
        ) as detail
    from lines
    where coalesce(backordered_qty, 0) > 0
),

notice as (
    select
        sent_at as event_at,
        sent_date as local_date,
        'notice' as event,
        3 as event_order,
        cast(null as varchar) as line_id,
        cast(null as varchar) as sku,
        cast(null as integer) as qty,
        notice_id as ref,
        concat_ws('; ', kind, 'next update by ' || next_update_by) as detail
    from notices
    where order_id = $order_id
),

contact as (
    select
        created_at as event_at,
        created_date as local_date,
        'contact' as event,
        4 as event_order,
        cast(null as varchar) as line_id,
        cast(null as varchar) as sku,
        cast(null as integer) as qty,
        contact_id as ref,
        coalesce(topic, 'no topic') as detail
    from contacts
    where order_id = $order_id
),

shipment as (
    select
        shipped_at as event_at,
        shipped_date as local_date,
        'shipment' as event,
        5 as event_order,
        cast(null as varchar) as line_id,
        cast(null as varchar) as sku,
        cast(null as integer) as qty,
        shipment_id as ref,
        concat_ws(
            '; ',
            'shipping ' || printf('%.2f', shipping_cost),
            'handling ' || printf('%.2f', handling_cost),
            'carrier ' || carrier
        ) as detail
    from shipments
    where order_id = $order_id
),

shipped as (
    select
        shipped_at as event_at,
        shipped_date as local_date,
        'shipped' as event,
        6 as event_order,
        line_id,
        sku,
        qty,
        shipment_id as ref,
        concat_ws('; ', 'qty ' || qty, 'substituted by ' || substituted_sku) as detail
    from lines
    where shipped_at is not null
),

canceled as (
    select
        canceled_at as event_at,
        canceled_date as local_date,
        'canceled' as event,
        7 as event_order,
        line_id,
        sku,
        qty,
        cast(null as varchar) as ref,
        coalesce('reason ' || nullif(trim(cancel_reason), ''), 'no reason') as detail
    from lines
    where canceled_at is not null
),

events as (
    select * from ordered
    union all
    select * from backordered
    union all
    select * from notice
    union all
    select * from contact
    union all
    select * from shipment
    union all
    select * from shipped
    union all
    select * from canceled
),

final as (
    select
        event_at,
        timezone($tz, event_at) as local_time,
        local_date,
        event,
        line_id,
        sku,
        qty,
        ref,
        detail,
        event_order
    from events
)

select * from final
order by event_at, event_order, line_id, ref
