-- catalog_order_days: the first and last local order day in the data (the weeks and quarters
--   the sidebar offers).
-- Grain: one row.
-- Columns: first_day, last_day (null when no order lines are loaded).
-- Parameters: none.
-- Inputs: order_lines (ordered_date).

with final as (
    select
        min(ordered_date) as first_day,
        max(ordered_date) as last_day
    from order_lines
)

select * from final
