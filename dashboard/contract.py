"""The canonical tables of ../shared/spec/data-contract.md, as data.

Everything downstream (queries, pages, what-if) reads only these tables. Import turns every
export into them; the store creates them; metrics declare which of their columns they need.

Storage decisions (docs/decisions.md):
- `*_at` columns are UTC instants (TIMESTAMPTZ). Each also has a derived `*_date` column: the
  calendar date in the store time zone, computed at import. Metrics filter on the dates
  (a DATE compare is ~100x cheaper than a time-zone conversion per row).
- Every table has `_import_id` (which import wrote the row) and `_source_row` (its row in that
  file, header = row 1), so any figure can be traced back to a file and a row.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type of the stored column
    required: bool = False
    local_date: str | None = None  # name of the derived local-date column, for timestamps
    # False: stored without compression. For text with nearly one value per row, DuckDB's
    # dictionary/FSST analysis cost more at import than it saved (docs/decisions.md).
    compressed: bool = True


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def date_columns(self) -> dict[str, str]:
        """Timestamp column -> its derived local-date column."""
        return {c.name: c.local_date for c in self.columns if c.local_date}

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


TS = "TIMESTAMPTZ"
MONEY = "DECIMAL(18,4)"

ORDER_LINES = Table(
    "order_lines",
    (
        Column("order_id", "VARCHAR", required=True, compressed=False),
        Column("line_id", "VARCHAR"),
        Column("ordered_at", TS, required=True, local_date="ordered_date"),
        Column("sku", "VARCHAR", required=True),
        Column("qty", "INTEGER", required=True),
        Column("unit_price", MONEY),
        Column("channel", "VARCHAR"),
        Column("customer_id", "VARCHAR", compressed=False),
        Column("backordered_qty", "INTEGER"),
        Column("backordered_at", TS, local_date="backordered_date"),
        Column("backorder_reason", "VARCHAR"),
        Column("promised_ship_date", "DATE"),
        Column("supplier_eta", "DATE"),
        Column("shipped_at", TS, local_date="shipped_date"),
        Column("shipment_id", "VARCHAR", compressed=False),
        Column("canceled_at", TS, local_date="canceled_date"),
        Column("cancel_reason", "VARCHAR"),
        Column("substituted_sku", "VARCHAR"),
        Column("status_label", "VARCHAR"),
        Column("next_review_at", "DATE"),
        Column("ship_policy", "VARCHAR"),
    ),
    key=("order_id", "line_id"),
    required=True,
)

SHIPMENTS = Table(
    "shipments",
    (
        Column("shipment_id", "VARCHAR", required=True),
        Column("order_id", "VARCHAR", required=True),
        Column("shipped_at", TS, required=True, local_date="shipped_date"),
        Column("shipping_cost", MONEY, required=True),
        Column("handling_cost", MONEY),
        Column("carrier", "VARCHAR"),
    ),
    key=("shipment_id",),
)

INBOUND = Table(
    "inbound",
    (
        Column("po_id", "VARCHAR", required=True),
        Column("sku", "VARCHAR", required=True),
        Column("supplier", "VARCHAR"),
        Column("qty", "INTEGER", required=True),
        Column("created_at", TS, local_date="created_date"),
        Column("supplier_eta", "DATE", required=True),
        Column("received_at", TS, local_date="received_date"),
        Column("qty_received", "INTEGER"),
    ),
    key=("po_id", "sku"),
)

CONTACTS = Table(
    "contacts",
    (
        Column("contact_id", "VARCHAR", required=True),
        Column("order_id", "VARCHAR", required=True),
        Column("created_at", TS, required=True, local_date="created_date"),
        Column("topic", "VARCHAR"),
    ),
    key=("contact_id",),
)

NOTICES = Table(
    "notices",
    (
        Column("notice_id", "VARCHAR"),
        Column("order_id", "VARCHAR", required=True),
        Column("sent_at", TS, required=True, local_date="sent_date"),
        Column("kind", "VARCHAR", required=True),
        Column("next_update_by", "DATE"),
    ),
    key=("notice_id",),
)

SKUS = Table(
    "skus",
    (
        Column("sku", "VARCHAR", required=True),
        Column("title", "VARCHAR"),
        Column("family", "VARCHAR"),
        Column("supplier", "VARCHAR"),
        Column("price", MONEY),
        Column("unit_cost", MONEY),
        Column("seasonal", "BOOLEAN"),
        Column("backorder_eligible", "BOOLEAN"),
        Column("oversell_cap", "INTEGER"),
        Column("lead_time_days", "INTEGER"),
    ),
    key=("sku",),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (ORDER_LINES, SHIPMENTS, INBOUND, CONTACTS, NOTICES, SKUS)
}

# Allowed values of the coded text columns. Other values are kept as they are (exports invent
# codes); the import report counts them so a mapping file can fix them.
CODES: dict[tuple[str, str], tuple[str, ...]] = {
    ("order_lines", "backorder_reason"): (
        "supplier_delay",
        "inbound_shortage",
        "inventory_sync",
        "policy_exception",
        "other",
    ),
    ("order_lines", "cancel_reason"): (
        "customer_request",
        "backorder_delay",
        "unavailable",
        "fraud",
        "other",
    ),
    ("order_lines", "status_label"): (
        "awaiting_inbound_confirmation",
        "backordered_eta",
        "customer_notified",
        "split_approved",
        "substitution_offered",
        "escalation_required",
    ),
    ("order_lines", "ship_policy"): ("hold_complete", "split"),
    ("contacts", "topic"): ("wismo", "cancel_request", "complaint", "other"),
    ("notices", "kind"): ("backorder_notice", "eta_update", "options_offer", "shipped", "apology"),
}

# Bookkeeping columns on every canonical table.
LINEAGE = (Column("_import_id", "INTEGER"), Column("_source_row", "BIGINT"))


def stored_columns(table: Table) -> list[Column]:
    """Columns as stored: the contract's, then derived local dates, then lineage."""
    derived = [Column(local, "DATE") for local in table.date_columns.values()]
    return [*table.columns, *derived, *LINEAGE]


def create_table_sql(table: Table) -> str:
    cols = ",\n  ".join(
        f"{c.name} {c.type}" + ("" if c.compressed else " using compression uncompressed")
        for c in stored_columns(table)
    )
    return f"create table if not exists {table.name} (\n  {cols}\n)"
