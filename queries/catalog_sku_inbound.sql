-- catalog_sku_inbound: one SKU's purchase orders received in the period or still open.
-- Grain: one row per inbound row of $sku received in [$from_date, $to_date), or not received
--   and created (else due) before $to_date.
-- Columns: po_id, supplier, qty, created_date, supplier_eta, received_date,
--   slip_days = received_date - supplier_eta.
-- Order: supplier_eta, po_id.
-- Parameters: $sku, $from_date, $to_date.
-- Inputs: inbound.

with final as (
    select
        po_id,
        supplier,
        qty,
        created_date,
        supplier_eta,
        received_date,
        received_date - supplier_eta as slip_days
    from inbound
    where
        sku = $sku
        and (
            received_date is null
            or (received_date >= $from_date and received_date < $to_date)
        )
        and coalesce(created_date, supplier_eta) < $to_date
)

select * from final
order by supplier_eta, po_id
