-- whatif_basket_share: per sku, the share of its orders in the feature window that hold
-- another sku too (high = split risk).
-- Grain: one row per sku with an order line ordered in [$feature_from, $from_date).
-- Figures: basket_share = orders in the window holding this sku and another / orders in the
--   window holding this sku, over the window's lines (an order counts once per sku).
-- Parameters: $feature_from, $from_date.
-- Inputs: whatif_basket_days, whatif_basket_multiday_lines (queries/whatif_derived.sql, kept up
--   to date by every import); queries/whatif_basket_share_direct.sql computes the same from
--   order_lines.

with day_counts as (
    select
        sku,
        sum(count_orders) as count_orders,
        sum(count_shared_orders) as count_shared_orders
    from whatif_basket_days
    where ordered_date >= $feature_from and ordered_date < $from_date
    group by sku
),

multiday_lines as (
    select
        order_id,
        sku
    from whatif_basket_multiday_lines
    where ordered_date >= $feature_from and ordered_date < $from_date
),

multiday_orders as (
    select
        order_id,
        min(sku) <> max(sku) as has_other_skus
    from multiday_lines
    group by order_id
),

multiday_sku_orders as (
    select
        sku,
        order_id
    from multiday_lines
    group by sku, order_id
),

multiday_counts as (
    select
        multiday_sku_orders.sku,
        count(*) as count_orders,
        count(*) filter (where multiday_orders.has_other_skus) as count_shared_orders
    from multiday_sku_orders
    inner join multiday_orders on multiday_sku_orders.order_id = multiday_orders.order_id
    group by multiday_sku_orders.sku
),

counts as (
    select * from day_counts
    union all
    select * from multiday_counts
),

final as (
    select
        sku,
        sum(count_shared_orders) / nullif(sum(count_orders), 0) as basket_share
    from counts
    group by sku
)

select * from final
