-- catalog_families: the product families the family filter can choose from.
-- Grain: one row per family in skus, sorted; no null.
-- Columns: family.
-- Parameters: none.
-- Inputs: sku_attributes (family).

with final as (
    select distinct family
    from sku_attributes
    where family is not null
)

select * from final
order by family
