-- derived_rows: the rows of a derived table given its source rows, as temporary table macros,
-- so that a table's full build and its update (queries/*_update.sql) define its rows once.
-- Run by store before either (store.create_schema, store.refresh_derived).
--   whatif_backordered_rows(lines): whatif_backordered_lines' rows (queries/whatif_derived.sql)
--     of the order lines `lines` (a table name): every backordered line (backordered_qty > 0
--     and a backordered_at); backordered_us and resolved_us are UTC microseconds since the
--     epoch (resolved = coalesce(shipped_at, canceled_at)); revenue = qty x unit_price.
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
