"""SKUs: backorder rate by SKU, and one SKU's story."""

import streamlit as st

from dashboard import charts, tables, ui
from dashboard.view import drill_period

view = ui.require_view()
period, filters, conf = view.period, view.filters, view.settings
currency = conf.currency

st.title("SKUs")
st.caption(
    f"Lines ordered in {period.label} ({period.from_date} to {period.as_of}). "
    f"Filters: {view.describe()}. Change the span in the sidebar."
)

st.header("Backorder rate by SKU", divider="gray")
rate = ui.figure("backorder_rate", period, filters, conf)
selected = None
if ui.usable(rate, f"No lines ordered in {period.label}."):
    ui.rate_cards(rate)
    st.text_input(
        "Search SKUs",
        key="sku_search",
        placeholder="part of a SKU, e.g. MUG",
        icon=":material/search:",
    )
    by_sku = tables.sku_rows(rate, st.session_state.get("sku_search", ""))
    st.caption("Sorted by backordered lines; click a header to sort, a row to drill down.")
    state = ui.table(by_sku, "backorder_rate_by_sku", selectable=True, height=420)
    selected = tables.selected_value(state, by_sku, "sku")
    ui.chart(charts.top_skus_chart(by_sku, period))
ui.definition("backorder_rate")

st.header("One SKU", divider="gray")
skus = ui.catalog()["sku"]
ui.url_seed("detail", valid=skus)
ui.follow_selection("detail", selected)
st.selectbox(
    "SKU to drill into", skus, key="detail", index=None, placeholder="Pick a SKU or click a row"
)
sku = st.session_state.get("detail")
ui.url_publish("detail", sku)
if not sku:
    st.info("Pick a SKU above, or click a row of the table.", icon=":material/touch_app:")
    st.stop()

drill = drill_period(view)
one = tables.with_sku(filters, sku)
st.caption(
    f"{tables.plain(sku)} over {drill.label} (at least the 13 weeks ending {view.week.label}); "
    "open lines as of the selected week's Sunday."
)

st.subheader("The rule in force")
rule = ui.sku_rule(sku)
if ui.usable(rule, "The loaded exports have no skus row for this SKU."):
    ui.table(rule, f"rule_{sku}", link_orders=False)

st.subheader("Its lines over time")
weekly = ui.figure("weekly_review", view.week, one, conf)
if ui.usable(weekly, f"No lines of this SKU in the 13 weeks to {view.week.label}."):
    left, right = st.columns(2)
    with left:
        ui.chart(charts.sku_lines_chart(weekly), key="sku_lines")
    with right:
        ui.chart(
            charts.line_chart(
                weekly,
                "week",
                {"line_rate": "Backorder line rate"},
                "pct",
                "Backorder line rate by week",
            ),
            key="sku_line_rate",
        )

st.subheader("Open backordered lines")
open_lines = ui.figure("backorder_age_lines", view.week, one, conf)
if ui.usable(open_lines, f"No open backordered lines of this SKU as of {view.week.as_of}."):
    ui.table(open_lines, f"open_lines_{sku}")

st.subheader("Supplier ETA slips")
eta = ui.figure("supplier_eta_accuracy", drill, one, conf)
if ui.usable(eta, f"No receipts of this SKU in {drill.label}."):
    ui.eta_cards(eta, per_row=4)
orders = ui.sku_inbound(sku, drill)
if ui.usable(orders, f"No purchase orders of this SKU received in {drill.label} or open."):
    st.caption("Its purchase orders received in the period, and those still open.")
    ui.table(orders, f"inbound_{sku}", link_orders=False)
ui.definition("supplier_eta_accuracy")

st.subheader("Cancellations")
cancels = ui.figure("backorder_cancel_rate", drill, one, conf)
if ui.usable(cancels, f"No backordered lines of this SKU resolved in {drill.label}."):
    ui.cancel_cards(cancels, currency)
    reasons = tables.breakdown(cancels, "cancel_reason")
    if ui.usable(reasons, "None of them was canceled."):
        ui.table(reasons, f"cancels_{sku}", link_orders=False)
ui.definition("backorder_cancel_rate")

st.subheader("Support contacts")
contacts = ui.figure("support_contact_rate", drill, one, conf)
if ui.usable(contacts, f"No backordered orders of this SKU resolved in {drill.label}."):
    ui.contact_cards(contacts)
ui.definition("support_contact_rate")
