-- shipment_extras: every shipment of an order after its first, for the split cost
-- (queries/split_shipment_cost.sql, queries/weekly_review.sql).
-- Grain: one row per extra shipment: an order's shipments with a shipped_at, ranked by
--   (shipped_at, shipment_id), every one after the first. shipment_cost = shipping_cost +
--   coalesce(handling_cost, 0).
-- Exact for every as-of day: a shipment's rank over the order's whole history is its rank
--   among the shipments shipped by any day on or after its own, and later shipments never
--   change it. Shipments without a shipped_at never count.
-- Rebuilt from shipments by store.refresh_derived at an import that changed many shipments (or
--   every local date, for a new time zone; one that changed a few updates it instead:
--   queries/shipment_extras_update.sql), and built by the schema upgrade of a database
--   imported before it existed. Sorted by shipped_date so a scan of some weeks skips the other row
--   groups.
-- Parameters: none. Inputs: shipments, through shipment_extras_rows (queries/derived_rows.sql).

create or replace table shipment_extras as
select * from shipment_extras_rows(shipments)
order by shipped_date, order_id
