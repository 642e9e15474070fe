-- shipment_extras_update: shipment_extras (queries/shipment_extras.sql) brought up to date for
-- the orders whose shipments an import changed, instead of rebuilt from every shipment. An
-- order's rows depend only on its own shipments, so the changed orders' rows are replaced by
-- those their shipments give now. Same rows as a rebuild (tests/test_shipment_extras.py); the
-- new rows go at the end, not in shipped_date order, which only widens the last row groups'
-- date ranges.
-- Run by store.refresh_derived, inside the import's atomic write.
-- Parameters: none. Inputs: shipments, shipment_extras, shipment_extras_rows
--   (queries/derived_rows.sql), changed_shipments (temp: order_id of
--   every shipment the import inserted, and of the stored ones it replaced).

create or replace temp table changed_shipment_orders as
select distinct order_id
from changed_shipments;

delete from shipment_extras
where order_id in (select order_id from changed_shipment_orders);

create or replace temp table shipments_of_changed_orders as
select shipments.*
from shipments
semi join changed_shipment_orders on shipments.order_id = changed_shipment_orders.order_id;

insert into shipment_extras by name
select * from shipment_extras_rows(shipments_of_changed_orders)
order by shipped_date, order_id;

drop table shipments_of_changed_orders;

drop table changed_shipment_orders
