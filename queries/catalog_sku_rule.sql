-- catalog_sku_rule: the skus row of one SKU, the rule in force for it (SKU page).
-- Grain: one row per skus row with sku = $sku (zero or one).
-- Columns: sku, title, family, supplier, backorder_eligible, oversell_cap, lead_time_days,
--   seasonal, price, unit_cost. The caller keeps the ones the exports carry.
-- Parameters: $sku.
-- Inputs: skus.

with final as (
    select
        sku,
        title,
        family,
        supplier,
        backorder_eligible,
        oversell_cap,
        lead_time_days,
        seasonal,
        price,
        unit_cost
    from skus
    where sku = $sku
)

select * from final
