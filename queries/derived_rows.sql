-- derived_rows: the rows of a derived table given its source rows, as temporary table macros,
-- so that a table's full build and its update (queries/*_update.sql) define its rows once.
-- Run by store before either (store.create_schema, store.refresh_derived).
--   whatif_backordered_rows(lines): whatif_backordered_lines' rows (queries/whatif_derived.sql)
--     of the order lines `lines` (a table name): every backordered line (backordered_qty > 0
--     and a backordered_at); backordered_us and resolved_us are UTC microseconds since the
--     epoch (resolved = coalesce(shipped_at, canceled_at)); revenue = qty x unit_price.
--   whatif_basket_day_rows(one_day_lines, one_day_orders): whatif_basket_days' rows
--     (queries/whatif_derived.sql) of some days, from the lines of those days' one-day orders
--     (`one_day_lines`: order_id, sku, ordered_date) and those orders (`one_day_orders`:
--     has_other_skus, sku, ordered_date). The orders holding a sku on a day are counted from
--     the lines (no join of every line with its order, which cost a second); the shared ones
--     are those less the orders holding that sku alone, counted from the orders.
--   shipment_extras_rows(shipments_of_orders): shipment_extras' rows (queries/shipment_extras.sql)
--     of the shipments `shipments_of_orders` (a table name holding every shipment of its
--     orders): each order's shipments with a shipped_at, ranked by (shipped_at, shipment_id),
--     every one after the first; shipment_cost = shipping_cost + coalesce(handling_cost, 0).
-- Parameters: the macros' table names. Inputs: those tables.

create or replace temp macro whatif_backordered_rows(lines) as table
    select
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
    from query_table(lines)
    where backordered_qty > 0 and backordered_at is not null;

create or replace temp macro whatif_basket_day_rows(one_day_lines, one_day_orders) as table
    with sku_days as (
        select
            sku,
            ordered_date,
            count(distinct order_id) as count_orders
        from query_table(one_day_lines)
        group by sku, ordered_date
    ),

    single_sku_days as (
        select
            sku,
            ordered_date,
            count(*) as count_single_sku_orders
        from query_table(one_day_orders)
        where not has_other_skus
        group by sku, ordered_date
    )

    select
        sku_days.sku,
        sku_days.ordered_date,
        sku_days.count_orders,
        sku_days.count_orders - coalesce(single_sku_days.count_single_sku_orders, 0)
            as count_shared_orders
    from sku_days
    left join single_sku_days
        on sku_days.sku = single_sku_days.sku and sku_days.ordered_date = single_sku_days.ordered_date;

create or replace temp macro shipment_extras_rows(shipments_of_orders) as table
    with numbered as (
        select
            order_id,
            shipment_id,
            shipped_date,
            shipping_cost + coalesce(handling_cost, 0) as shipment_cost,
            row_number() over (
                partition by order_id order by shipped_at, shipment_id
            ) as shipment_number
        from query_table(shipments_of_orders)
        where shipped_at is not null
    )

    select
        order_id,
        shipment_id,
        shipped_date,
        shipment_cost
    from numbered
    where shipment_number > 1
