-- whatif_features: what each sku's history says about selling it on backorder.
-- Grain: one row per sku the store knows (sku_attributes: order lines, skus, inbound).
-- Figures, over the feature window [$feature_from, $from_date) of local dates; null = unknown:
--   receipts_per_90_days: inbound rows received in the window x 90 / days in the window; null
--     when the sku has no inbound row created or received before $from_date;
--   lead_time_cv: sample standard deviation / mean of (received_at - created_at) in days over
--     the window's receipts with both; null with fewer than 2 receipts or a zero mean;
--   median_slip_days: median(received_date - supplier_eta) over the window's receipts;
--   unit_price: skus.price, else the median unit_price of the sku's lines ordered in the window;
--   margin: (unit_price - unit_cost) / unit_price; null without a cost or a positive price;
--   is_seasonal: skus.seasonal;
--   basket_share is not here: queries/whatif_basket_share.sql (the replay joins it on sku);
--   backorder_cancel_rate: canceled / resolved over the sku's backordered lines resolved in
--     the window;
--   recorded_eligible, recorded_cap: skus.backorder_eligible and skus.oversell_cap.
-- Parameters: $feature_from, $from_date.
-- Inputs: sku_attributes, skus, inbound, order_lines.

with receipts as (
    select
        sku,
        received_date - supplier_eta as slip_days,
        (epoch(received_at) - epoch(created_at)) / 86400 as lead_time_days
    from inbound
    where received_date >= $feature_from and received_date < $from_date
),

inbound_history as (
    select distinct sku
    from inbound
    where created_date < $from_date or received_date < $from_date
),

receipt_stats as (
    select
        sku,
        count(*) as count_receipts,
        count(lead_time_days) as count_lead_times,
        stddev_samp(lead_time_days) as lead_time_std,
        avg(lead_time_days) as lead_time_mean,
        median(slip_days) as median_slip_days
    from receipts
    group by sku
),

window_lines as (
    select
        sku,
        unit_price
    from order_lines
    where ordered_date >= $feature_from and ordered_date < $from_date
),

line_prices as (
    select
        sku,
        median(unit_price) as median_unit_price
    from window_lines
    where
        -- the few skus without a list price, picked from sku_attributes first: when every sku
        -- has one, the window's lines are not read at all
        sku in (
            select unpriced.sku from sku_attributes as unpriced
            where
                unpriced.sku not in (
                    select listed.sku from skus as listed
                    where listed.price is not null
                )
        )
    group by sku
),

resolved as (
    select
        sku,
        count(*) as count_resolved,
        count(*) filter (where canceled_at is not null) as count_canceled
    from order_lines
    where
        backordered_qty > 0
        and coalesce(shipped_date, canceled_date) >= $feature_from
        and coalesce(shipped_date, canceled_date) < $from_date
    group by sku
),

priced as (
    select
        sku_attributes.sku,
        sku_attributes.family,
        coalesce(skus.price, line_prices.median_unit_price) as unit_price,
        skus.unit_cost,
        skus.seasonal as is_seasonal,
        skus.backorder_eligible as recorded_eligible,
        skus.oversell_cap as recorded_cap
    from sku_attributes
    left join skus on sku_attributes.sku = skus.sku
    left join line_prices on sku_attributes.sku = line_prices.sku
),

final as (
    select
        priced.sku,
        priced.family,
        case
            when inbound_history.sku is not null
                then
                    coalesce(receipt_stats.count_receipts, 0) * 90.0
                    / ($from_date - $feature_from)
        end as receipts_per_90_days,
        case
            when receipt_stats.count_lead_times >= 2
                then
                    receipt_stats.lead_time_std / nullif(receipt_stats.lead_time_mean, 0)
        end as lead_time_cv,
        receipt_stats.median_slip_days::double as median_slip_days,
        case
            when priced.unit_price > 0
                then ((priced.unit_price - priced.unit_cost) / priced.unit_price)::double
        end as margin,
        priced.is_seasonal,
        priced.unit_price::double as unit_price,
        resolved.count_canceled / nullif(resolved.count_resolved, 0) as backorder_cancel_rate,
        priced.recorded_eligible,
        priced.recorded_cap
    from priced
    left join inbound_history on priced.sku = inbound_history.sku
    left join receipt_stats on priced.sku = receipt_stats.sku
    left join resolved on priced.sku = resolved.sku
)

select * from final
order by sku
