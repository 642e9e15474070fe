-- catalog_loaded_tables: what is loaded, per canonical table (the Data page's first table).
-- Grain: one row per canonical table, in this order: order_lines, shipments, inbound,
--   contacts, notices, skus.
-- Columns: table_name, rows, first_day, last_day (the table's local date range: ordered,
--   shipped, created to received, created, sent; null for skus).
-- Parameters: none.
-- Inputs: order_lines, shipments, inbound, contacts, notices, skus.

with final as (
    select
        'order_lines' as table_name,
        count(*) as rows,
        min(ordered_date) as first_day,
        max(ordered_date) as last_day
    from order_lines
    union all
    select
        'shipments' as table_name,
        count(*) as rows,
        min(shipped_date) as first_day,
        max(shipped_date) as last_day
    from shipments
    union all
    select
        'inbound' as table_name,
        count(*) as rows,
        min(created_date) as first_day,
        max(received_date) as last_day
    from inbound
    union all
    select
        'contacts' as table_name,
        count(*) as rows,
        min(created_date) as first_day,
        max(created_date) as last_day
    from contacts
    union all
    select
        'notices' as table_name,
        count(*) as rows,
        min(sent_date) as first_day,
        max(sent_date) as last_day
    from notices
    union all
    select
        'skus' as table_name,
        count(*) as rows,
        null as first_day,
        null as last_day
    from skus
)

select * from final
