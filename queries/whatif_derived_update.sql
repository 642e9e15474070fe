-- whatif_derived_update: the what-if tables of queries/whatif_derived.sql brought up to date
-- for the lines an import changed, instead of rebuilt from every line (a week's export into a
-- 10M-line history changes a few days of it). The tables hold the same rows as a rebuild
-- would (tests/test_whatif_derived.py); only whatif_backordered_lines' physical order differs,
-- which no reader relies on.
--   The changed orders: every order with a line the import inserted or replaced. Their rows of
--     whatif_basket_multiday_lines and whatif_backordered_lines are replaced by the rows of
--     their lines now.
--   The changed days: the ordered dates of the changed orders' lines, now and before the
--     import (a replaced line may have moved to another day, and an order that gains a day
--     leaves the counts of the days it had). A day's rows of whatif_basket_days depend only
--     on the one-day orders of that day, so those of the changed days are counted again from
--     their lines, as whatif_derived.sql counts them.
-- Run by store.refresh_derived, inside the import's atomic write. Rows are inserted by name: a
-- database built by older code may hold more columns (whatif_backordered_lines' walk_order),
-- which no reader reads.
-- Parameters: none. Inputs: order_lines, the what-if tables, whatif_basket_day_rows and
--   whatif_backordered_rows (queries/derived_rows.sql), changed_order_lines (temp:
--   order_id and ordered_date of every line the import inserted, and of the stored lines it
--   replaced).

create or replace temp table whatif_changed_orders as
select distinct order_id
from changed_order_lines;

create or replace temp table whatif_lines_of_changed_orders as
select order_lines.*
from order_lines
semi join whatif_changed_orders on order_lines.order_id = whatif_changed_orders.order_id;

create or replace temp table whatif_changed_days as
select ordered_date from changed_order_lines
where ordered_date is not null
union
select ordered_date from whatif_lines_of_changed_orders
where ordered_date is not null;

delete from whatif_basket_multiday_lines
where order_id in (select order_id from whatif_changed_orders);

insert into whatif_basket_multiday_lines by name
with multiday_orders as (
    select order_id
    from whatif_lines_of_changed_orders
    group by order_id
    having not coalesce(
        min(ordered_date) = max(ordered_date) and count(ordered_date) = count(*), false
    )
)

select distinct
    whatif_lines_of_changed_orders.order_id,
    whatif_lines_of_changed_orders.sku,
    whatif_lines_of_changed_orders.ordered_date
from whatif_lines_of_changed_orders
semi join multiday_orders on whatif_lines_of_changed_orders.order_id = multiday_orders.order_id;

delete from whatif_basket_days
where ordered_date in (select ordered_date from whatif_changed_days);

-- The lines of the changed days' one-day orders: every line of such an order falls on its day.
create or replace temp view whatif_changed_day_lines as
select order_lines.*
from order_lines
semi join whatif_changed_days on order_lines.ordered_date = whatif_changed_days.ordered_date
anti join whatif_basket_multiday_lines
    on order_lines.order_id = whatif_basket_multiday_lines.order_id;

create or replace temp view whatif_changed_day_orders as
select
    order_id,
    min(sku) <> max(sku) as has_other_skus,
    min(sku) as sku, -- the order's one sku when it has no other
    min(ordered_date) as ordered_date
from whatif_changed_day_lines
group by order_id;

insert into whatif_basket_days by name
select * from whatif_basket_day_rows(whatif_changed_day_lines, whatif_changed_day_orders);

drop view whatif_changed_day_orders;

drop view whatif_changed_day_lines;

delete from whatif_backordered_lines
where order_id in (select order_id from whatif_changed_orders);

insert into whatif_backordered_lines by name
from whatif_backordered_rows(whatif_lines_of_changed_orders);

drop table whatif_lines_of_changed_orders;

drop table whatif_changed_orders;

drop table whatif_changed_days
