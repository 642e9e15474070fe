-- Filtered inputs, shared by every metric (metrics.md, Conventions).
-- Filters channel, supplier, family and sku remove order lines; shipments, contacts and notices
-- keep only orders that still have a line; inbound is filtered by sku, family and supplier.
-- Family and supplier come from sku_attributes (skus, supplier falling back to the latest
-- inbound row). Each argument is a varchar[] or null (null = no filter).
-- Stored in the database as macros, so every connection has them:
--   from filtered_lines($channels, $suppliers, $families, $skus)
-- noqa: disable=RF03

create or replace macro filtered_lines(channels, suppliers, families, skus) as table
    select order_lines.*
    from order_lines
    left join sku_attributes on order_lines.sku = sku_attributes.sku
    where
        (channels is null or list_contains(channels::varchar[], order_lines.channel))
        and (suppliers is null or list_contains(suppliers::varchar[], sku_attributes.supplier))
        and (families is null or list_contains(families::varchar[], sku_attributes.family))
        and (skus is null or list_contains(skus::varchar[], order_lines.sku));

create or replace macro filtered_shipments(channels, suppliers, families, skus) as table
    select shipments.*
    from shipments
    where shipments.order_id in (
        select filtered.order_id from filtered_lines(channels, suppliers, families, skus) as filtered
    );

create or replace macro filtered_contacts(channels, suppliers, families, skus) as table
    select contacts.*
    from contacts
    where contacts.order_id in (
        select filtered.order_id from filtered_lines(channels, suppliers, families, skus) as filtered
    );

create or replace macro filtered_notices(channels, suppliers, families, skus) as table
    select notices.*
    from notices
    where notices.order_id in (
        select filtered.order_id from filtered_lines(channels, suppliers, families, skus) as filtered
    );

create or replace macro filtered_inbound(channels, suppliers, families, skus) as table
    select inbound.*
    from inbound
    left join sku_attributes on inbound.sku = sku_attributes.sku
    where
        (
            suppliers is null
            or list_contains(
                suppliers::varchar[], coalesce(inbound.supplier, sku_attributes.supplier)
            )
        )
        and (families is null or list_contains(families::varchar[], sku_attributes.family))
        and (skus is null or list_contains(skus::varchar[], inbound.sku));
