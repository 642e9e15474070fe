-- catalog_suppliers: the suppliers the supplier filter can choose from.
-- Grain: one row per supplier of a sku (skus, else the sku's latest inbound row), sorted; no
--   null.
-- Columns: supplier.
-- Parameters: none.
-- Inputs: sku_attributes (supplier).

with final as (
    select distinct supplier
    from sku_attributes
    where supplier is not null
)

select * from final
order by supplier
