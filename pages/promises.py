"""Promises and suppliers: do we ship backorders when we said, and are supplier dates any good?"""

import streamlit as st

from dashboard import charts, tables, ui

view = ui.require_view()
period, filters, conf = view.period, view.filters, view.settings

st.title("Promises and suppliers")
st.caption(
    f"{period.label} ({period.from_date} to {period.as_of}). Filters: {view.describe()}. "
    "Promise hit rate: backordered lines shipped in the period with a promised ship date, "
    "shipped by that date. Supplier on-time rate: inbound rows received in the period by "
    "their supplier ETA."
)

promise = ui.figure("promise_hit_rate", period, filters, conf)
eta = ui.figure("supplier_eta_accuracy", period, filters, conf)
left, right = st.columns(2)
with left:
    st.subheader("Our promises to customers")
    if ui.usable(promise, f"No backordered lines with a promise shipped in {period.label}."):
        ui.promise_cards(promise)
    ui.definition("promise_hit_rate")
with right:
    st.subheader("Supplier ETAs we are given")
    if ui.usable(eta, f"No inbound receipts in {period.label}."):
        ui.eta_cards(eta)
    ui.definition("supplier_eta_accuracy")

st.header("Side by side, 13 weeks", divider="gray")
review = ui.figure("weekly_review", view.week, filters, conf)
if ui.usable(review, f"No data in the 13 weeks to {view.week.label}."):
    ui.chart(
        charts.line_chart(
            review,
            "week",
            {
                "promise_hit_rate": "Promise hit rate",
                "supplier_on_time_rate": "Supplier on-time rate",
            },
            "pct",
            "Promise hit rate and supplier on-time rate by week",
            y_title="Rate",  # the legend names the two lines; a long axis title ran into the title
        ),
        key="promise_trend",
    )

st.header("Misses by days late", divider="gray")
misses = tables.misses_by_days_late(promise)
if ui.usable(misses, f"No missed promises in {period.label}."):
    ui.chart(charts.misses_chart(misses, period))
    ui.table(misses, "promise_misses_by_days_late", link_orders=False)

st.header("Per supplier", divider="gray")
suppliers = tables.supplier_comparison(promise, eta)
if ui.usable(suppliers, f"No supplier figures in {period.label}."):
    ui.chart(charts.supplier_chart(suppliers, period))
    ui.table(suppliers, "promises_and_etas_by_supplier", link_orders=False)
