"""Cancellations, split shipments and support contacts: what backorders cost."""

import streamlit as st

from dashboard import charts, tables, ui

view = ui.require_view()
period, filters, conf = view.period, view.filters, view.settings
currency = conf.currency

st.title("Cancellations, splits, contacts")
st.caption(
    f"{period.label} ({period.from_date} to {period.as_of}). Filters: {view.describe()}. "
    f"Money in {currency}."
)
tabs = st.tabs(["Cancellations", "Split shipments", "Support contacts"])

with tabs[0]:
    cancels = ui.figure("backorder_cancel_rate", period, filters, conf)
    st.caption(f"Backordered lines resolved (shipped or canceled) in {period.label}.")
    if ui.usable(cancels, f"No backordered lines resolved in {period.label}."):
        ui.cancel_cards(cancels, currency)
        reasons = tables.breakdown(cancels, "cancel_reason")
        left, right = st.columns(2)
        with left:
            ui.chart(
                charts.bar_chart(
                    reasons,
                    "cancel_reason",
                    "cancel_rate",
                    "pct",
                    "Cancel rate by cancel reason",
                    x_title="Cancel reason",
                ),
                key="cancel_reason_rate",
            )
        with right:
            ui.chart(
                charts.bar_chart(
                    reasons,
                    "cancel_reason",
                    "lost_revenue",
                    "money",
                    "Lost revenue by cancel reason",
                    currency=currency,
                    x_title="Cancel reason",
                ),
                key="cancel_reason_revenue",
            )
        ui.table(reasons, "cancels_by_cancel_reason", link_orders=False)
        st.subheader("By backorder reason")
        ui.table(
            tables.breakdown(cancels, "backorder_reason"),
            "cancels_by_backorder_reason",
            link_orders=False,
        )
        st.subheader("By supplier")
        by_supplier = tables.breakdown(cancels, "supplier")
        ui.chart(
            charts.bar_chart(
                by_supplier,
                "supplier",
                "lost_revenue",
                "money",
                "Lost revenue by supplier",
                currency=currency,
                x_title="Supplier",
            ),
            key="cancel_supplier",
        )
        ui.table(by_supplier, "cancels_by_supplier", link_orders=False)
        st.subheader("By channel")
        ui.table(
            ui.per_group("backorder_cancel_rate", period, filters, conf, "channel"),
            "cancels_by_channel",
            link_orders=False,
        )
        st.subheader("By SKU")
        ui.table(tables.breakdown(cancels, "sku"), "cancels_by_sku", link_orders=False, height=360)
    ui.definition("backorder_cancel_rate")

with tabs[1]:
    split = ui.figure("split_shipment_cost", period, filters, conf)
    st.caption(
        "Every shipment of an order after its first is an extra shipment; its shipping and "
        "handling cost is the split cost."
    )
    if ui.usable(split, f"No shipments in {period.label}."):
        ui.split_cards(split, currency)
        by_channel = ui.per_group("split_shipment_cost", period, filters, conf, "channel")
        by_supplier = ui.per_group("split_shipment_cost", period, filters, conf, "supplier")
        left, right = st.columns(2)
        with left:
            ui.chart(
                charts.bar_chart(
                    by_channel,
                    "channel",
                    "backorder_split_cost",
                    "money",
                    "Backorder-caused split cost by channel",
                    currency=currency,
                    x_title="Channel",
                ),
                key="split_channel",
            )
        with right:
            ui.chart(
                charts.bar_chart(
                    by_supplier,
                    "supplier",
                    "backorder_split_cost",
                    "money",
                    "Backorder-caused split cost by supplier",
                    currency=currency,
                    x_title="Supplier",
                ),
                key="split_supplier",
            )
        st.subheader("By channel")
        ui.table(by_channel, "split_cost_by_channel", link_orders=False)
        st.subheader("By supplier")
        st.caption(
            "Orders with a line of the supplier's SKUs: an order mixing suppliers counts "
            "under each."
        )
        ui.table(by_supplier, "split_cost_by_supplier", link_orders=False)
    ui.definition("split_shipment_cost")

with tabs[2]:
    contacts = ui.figure("support_contact_rate", period, filters, conf)
    st.caption(
        f"Orders whose backordered lines were all resolved in {period.label}, with every "
        "support contact linked to them, against orders without a backorder."
    )
    if ui.usable(contacts, f"No backordered orders resolved in {period.label}."):
        ui.contact_cards(contacts)
        by_channel = ui.per_group("support_contact_rate", period, filters, conf, "channel")
        by_supplier = ui.per_group("support_contact_rate", period, filters, conf, "supplier")
        st.subheader("By channel")
        ui.table(by_channel, "contacts_by_channel", link_orders=False)
        st.subheader("By supplier")
        st.caption(
            "Orders with a line of the supplier's SKUs: an order mixing suppliers counts "
            "under each."
        )
        ui.table(by_supplier, "contacts_by_supplier", link_orders=False)
    ui.definition("support_contact_rate")
