-- supplier_eta_accuracy: how good are the dates we are given?
-- Grain: one `total` row, then one row per supplier (breakdown `supplier`, group_value the
--   supplier: the inbound row's, else the sku's; null = no supplier known), by count_received
--   desc then supplier.
-- Figures, over inbound rows with received_at in the period: count_received; count_on_time
--   (received_date <= supplier_eta); on_time_rate = on time / received; mean_slip_days and
--   median_slip_days = received_date - supplier_eta in calendar days (negative = early; median
--   of an even count: mean of the two middle values). Empty sets give null.
-- A breakdown whose attribute no loaded export carries is left out (dashboard/metrics/weekly.py).
-- Parameters: $from_date, $to_date (period [from, to) of local dates); filters $suppliers,
--   $families, $skus (inbound has no channel: a channel filter leaves it whole).
-- Inputs: inbound (supplier, supplier_eta, received_at), sku_attributes (supplier, filters).

with received as (
    select
        inbound.sku,
        inbound.supplier,
        inbound.received_date - inbound.supplier_eta as slip_days
    from filtered_inbound($channels, $suppliers, $families, $skus) as inbound
    where
        inbound.received_date >= $from_date
        and inbound.received_date < $to_date
),

attributed as (
    select
        coalesce(received.supplier, sku_attributes.supplier) as supplier,
        received.slip_days
    from received
    left join sku_attributes on received.sku = sku_attributes.sku
),

grouped as (
    select
        case when grouping(supplier) = 0 then 'supplier' else 'total' end as breakdown,
        supplier as group_value,
        count(*) as count_received,
        count(*) filter (where slip_days <= 0) as count_on_time,
        avg(slip_days) as mean_slip_days,
        quantile_cont(slip_days, 0.5) as median_slip_days
    from attributed
    group by grouping sets ((), (supplier))
),

final as (
    select
        breakdown,
        group_value,
        count_received,
        count_on_time,
        count_on_time / nullif(count_received, 0) as on_time_rate,
        mean_slip_days,
        median_slip_days
    from grouped
)

select * from final
order by breakdown = 'supplier' asc, count_received desc, group_value asc
