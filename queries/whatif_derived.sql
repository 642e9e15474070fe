-- whatif_derived: tables the what-if replay reads instead of grouping every order line again.
-- Rebuilt from order_lines by store.refresh_derived at every import (after the local dates are
-- recomputed for a new time zone), inside the import's atomic write. A database imported
-- before these tables existed has none of them; the replay then reads order_lines directly
-- (queries/whatif_basket_share_direct.sql, queries/whatif_events_direct.sql).
--   whatif_basket_days: one row per (sku, ordered_date): count_orders = orders holding the sku
--     whose lines all fall on that one local date, count_shared_orders = those of them holding
--     another sku too. Each order counts once per sku (two lines of one sku are one order),
--     on its own date, so the basket share of any window of days is a sum.
--   whatif_basket_multiday_lines: one row per distinct (order_id, sku, ordered_date) of the
--     orders whose lines fall on more than one date or miss a date (rare): a window may hold
--     part of such an order, so the replay groups these few lines itself.
--   whatif_backordered_lines: one row per backordered line (backordered_qty > 0 and a
--     backordered_at), with walk_order = its rank by (sku, backordered_at, order_id, line_id),
--     text compared as text; backordered_us and resolved_us are UTC microseconds since the
--     epoch (resolved = coalesce(shipped_at, canceled_at)); revenue = qty x unit_price.
-- Parameters: none. Inputs: order_lines.

create or replace temp table whatif_order_days as
select
    order_id,
    min(sku) <> max(sku) as has_other_skus,
    coalesce(
        min(ordered_date) = max(ordered_date) and count(ordered_date) = count(*), false
    ) as is_one_day,
    min(ordered_date) as ordered_date
from order_lines
group by order_id;

create or replace table whatif_basket_days as
with sku_orders as (
    select distinct
        order_id,
        sku
    from order_lines
),

final as (
    select
        sku_orders.sku,
        whatif_order_days.ordered_date,
        count(*) as count_orders,
        count(*) filter (where whatif_order_days.has_other_skus) as count_shared_orders
    from sku_orders
    inner join whatif_order_days on sku_orders.order_id = whatif_order_days.order_id
    where whatif_order_days.is_one_day
    group by sku_orders.sku, whatif_order_days.ordered_date
)

select * from final;

create or replace table whatif_basket_multiday_lines as
select distinct
    order_lines.order_id,
    order_lines.sku,
    order_lines.ordered_date
from order_lines
inner join whatif_order_days on order_lines.order_id = whatif_order_days.order_id
where not whatif_order_days.is_one_day;

drop table whatif_order_days;

create or replace table whatif_backordered_lines as
with backordered as (
    select
        row_number() over (
            order by sku, backordered_at, order_id, line_id
        ) as walk_order,
        sku,
        order_id,
        line_id,
        backordered_date,
        epoch_us(backordered_at) as backordered_us,
        coalesce(shipped_date, canceled_date) as resolved_date,
        epoch_us(coalesce(shipped_at, canceled_at)) as resolved_us,
        backordered_qty,
        qty,
        (qty * coalesce(unit_price, 0))::double as revenue
    from order_lines
    where backordered_qty > 0 and backordered_at is not null
)

select * from backordered
order by walk_order
