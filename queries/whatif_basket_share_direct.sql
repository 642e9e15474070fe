-- whatif_basket_share_direct: whatif_basket_share computed from order_lines, for a database
-- imported before the derived tables whatif_basket_days and whatif_basket_multiday_lines
-- existed (queries/whatif_derived.sql). The same rows as whatif_basket_share.sql.
-- Grain: one row per sku with an order line ordered in [$feature_from, $from_date).
-- Figures: basket_share = orders in the window holding this sku and another / orders in the
--   window holding this sku, over the window's lines (an order counts once per sku).
-- Parameters: $feature_from, $from_date.
-- Inputs: order_lines.

with window_lines as (
    select
        order_id,
        sku
    from order_lines
    where ordered_date >= $feature_from and ordered_date < $from_date
),

order_skus as (
    select
        order_id,
        min(sku) <> max(sku) as has_other_skus
    from window_lines
    group by order_id
),

sku_orders as (
    select
        sku,
        order_id
    from window_lines
    group by sku, order_id
),

final as (
    select
        sku_orders.sku,
        count(*) filter (where order_skus.has_other_skus) / nullif(count(*), 0) as basket_share
    from sku_orders
    inner join order_skus on sku_orders.order_id = order_skus.order_id
    group by sku_orders.sku
)

select * from final
