-- whatif_views: the recorded history with the what-if's blocked lines removed.
-- Run on an in-memory connection that has the database attached read-only as `src` and a temp
-- table blocked_lines(order_id, line_id). Creates temp views with the canonical names, so every
-- metric runs unchanged on the scenario's history (the other tables pass through as views):
--   order_lines: the recorded lines minus the blocked ones (lines never backordered stay);
--   shipments: minus those of orders left with no line, those whose every linked line
--     (order_lines.shipment_id) was blocked, and the extra shipments (all but the first by
--     shipped_at, shipment_id) of orders all of whose backordered lines were blocked;
--   contacts, notices: minus those of orders all of whose backordered lines were blocked.
-- Parameters: none. Inputs: src.order_lines, src.shipments, src.contacts, src.notices,
--   blocked_lines.
-- noqa: disable=RF03

create or replace temp table whatif_blocked_orders as
with touched_lines as (
    select
        src_lines.order_id,
        coalesce(src_lines.backordered_qty, 0) > 0 as is_backordered,
        blocked_lines.order_id is not null as is_blocked
    from src.order_lines as src_lines
    left join blocked_lines
        on
            src_lines.order_id = blocked_lines.order_id
            and src_lines.line_id = blocked_lines.line_id
    where src_lines.order_id in (select blocked.order_id from blocked_lines as blocked)
),

final as (
    select
        order_id,
        bool_and(is_blocked) as is_emptied
    from touched_lines
    group by order_id
    having bool_and(is_blocked or not is_backordered)
)

select * from final;

create or replace temp table whatif_dropped_shipments as
with linked as (
    select
        src_lines.shipment_id,
        bool_and(blocked_lines.order_id is not null) as is_all_blocked
    from src.order_lines as src_lines
    left join blocked_lines
        on
            src_lines.order_id = blocked_lines.order_id
            and src_lines.line_id = blocked_lines.line_id
    where
        src_lines.shipment_id is not null
        and src_lines.order_id in (select blocked.order_id from blocked_lines as blocked)
    group by src_lines.shipment_id
),

touched_shipments as (
    select
        src_shipments.shipment_id,
        src_shipments.order_id,
        src_shipments.shipped_at,
        coalesce(whatif_blocked_orders.is_emptied, false) as is_emptied,
        whatif_blocked_orders.order_id is not null as is_blocked_order,
        coalesce(linked.is_all_blocked, false) as is_all_blocked
    from src.shipments as src_shipments
    left join whatif_blocked_orders
        on src_shipments.order_id = whatif_blocked_orders.order_id
    left join linked on src_shipments.shipment_id = linked.shipment_id
    where src_shipments.order_id in (select blocked.order_id from blocked_lines as blocked)
),

numbered as (
    select
        *,
        row_number() over (
            partition by order_id order by shipped_at, shipment_id
        ) as shipment_number
    from touched_shipments
    where not is_emptied and not is_all_blocked
),

final as (
    select shipment_id from touched_shipments
    where is_emptied or is_all_blocked
    union all
    select shipment_id from numbered
    where is_blocked_order and shipment_number > 1
)

select * from final;

create or replace temp view order_lines as
select src_lines.*
from src.order_lines as src_lines
anti join blocked_lines
    on
        src_lines.order_id = blocked_lines.order_id
        and src_lines.line_id = blocked_lines.line_id;

create or replace temp view shipments as
select src_shipments.*
from src.shipments as src_shipments
anti join whatif_dropped_shipments
    on src_shipments.shipment_id = whatif_dropped_shipments.shipment_id;

create or replace temp view contacts as
select src_contacts.*
from src.contacts as src_contacts
anti join whatif_blocked_orders
    on src_contacts.order_id = whatif_blocked_orders.order_id;

create or replace temp view notices as
select src_notices.*
from src.notices as src_notices
anti join whatif_blocked_orders
    on src_notices.order_id = whatif_blocked_orders.order_id;
