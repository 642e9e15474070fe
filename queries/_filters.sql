-- Filtered inputs, shared by every metric (metrics.md, Conventions).
-- Filters channel, supplier, family and sku remove order lines; shipments, contacts and notices
-- keep only orders that still have a line; inbound is filtered by sku, family and supplier.
-- Family and supplier come from sku_attributes (skus, supplier falling back to the latest
-- inbound row). Each argument is a varchar[] or null (null = no filter).
-- Stored in the database as macros, so every connection has them:
--   from filtered_lines($channels, $suppliers, $families, $skus)
-- noqa: disable=RF03

-- Two branches, one of which is empty for given arguments: without a supplier or family
-- filter no sku_attributes join is planned at all (a join that filters nothing still costs a
-- probe per line at 10M lines); with one, a semi-join on the few matching skus.
create or replace macro filtered_lines(channels, suppliers, families, skus) as table
    with by_line as (
        select order_lines.*
        from order_lines
        where
            (channels is null or list_contains(channels::varchar[], order_lines.channel))
            and (skus is null or list_contains(skus::varchar[], order_lines.sku))
    )

    select by_line.*
    from by_line
    where suppliers is null and families is null
    union all
    select by_line.*
    from by_line
    where
        (suppliers is not null or families is not null)
        and by_line.sku in (
            select sku_attributes.sku
            from sku_attributes
            where
                (suppliers is null or list_contains(suppliers::varchar[], sku_attributes.supplier))
                and (families is null or list_contains(families::varchar[], sku_attributes.family))
        );

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
