-- catalog_skus: the SKUs the SKU filter can choose from.
-- Grain: one row per sku ordered in the order lines, sorted.
-- Columns: sku.
-- Parameters: none.
-- Inputs: order_lines (sku).

with final as (
    select distinct sku
    from order_lines
)

select * from final
order by sku
