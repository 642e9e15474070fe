-- whatif_derived: tables the what-if replay reads instead of grouping every order line again.
-- Built from order_lines by store.refresh_derived, inside the import's atomic write: rebuilt
-- by an import that changed many lines (or every local date, for a new time zone); one that
-- changed a few updates them instead (queries/whatif_derived_update.sql, same rows). A database imported
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
--     backordered_at), in the order of order_lines (clustered by date, which the replay's
--     window filters on; it sorts the few it reads); backordered_us and resolved_us are UTC
--     microseconds since the epoch (resolved = coalesce(shipped_at, canceled_at));
--     revenue = qty x unit_price.
-- Parameters: none. Inputs: order_lines; whatif_basket_day_rows and whatif_backordered_rows
--   (queries/derived_rows.sql).

create or replace temp table whatif_order_days as
select
    order_id,
    min(sku) <> max(sku) as has_other_skus,
    coalesce(
        min(ordered_date) = max(ordered_date) and count(ordered_date) = count(*), false
    ) as is_one_day,
    min(sku) as sku, -- the order's one sku when it has no other
    min(ordered_date) as ordered_date
from order_lines
group by order_id;

create or replace temp view whatif_one_day_lines as
select order_lines.*
from order_lines
anti join whatif_order_days
    on order_lines.order_id = whatif_order_days.order_id and not whatif_order_days.is_one_day;

create or replace temp view whatif_one_day_orders as
select * from whatif_order_days
where is_one_day;

create or replace table whatif_basket_days as
select * from whatif_basket_day_rows(whatif_one_day_lines, whatif_one_day_orders);

drop view whatif_one_day_orders;

drop view whatif_one_day_lines;

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
from whatif_backordered_rows(order_lines)
