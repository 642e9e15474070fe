"""Order timeline: one order from placed to resolved. Opened from any queue, or by order id."""

import streamlit as st

from dashboard import charts, tables, ui

view = ui.require_view()
st.title("Order timeline")
st.caption(
    "Every event of one order, in time order: ordered, backordered, notices, contacts, "
    f"shipments, shipped and canceled lines. Times in {view.settings.timezone}."
)

ui.url_seed("order")
st.text_input("Order id", key="order", placeholder="e.g. 100123 or #13527")
order_id = (st.session_state.get("order") or "").strip()
ui.url_publish("order", order_id)

if not order_id:
    st.info(
        "Type an order id above, or open an order from a queue on the Weekly review "
        "(the Timeline column).",
        icon=":material/search:",
    )
    st.stop()

events = ui.order_timeline(order_id)
if ui.usable(events, f"No order {tables.plain(order_id)} in the loaded data."):
    ui.order_summary(events, view.settings.currency)
    ui.chart(charts.timeline_chart(events, order_id))
    ui.table(
        events,
        f"order_{order_id}",
        link_orders=False,
        column_config=ui.TIMELINE_COLUMNS,
        height=tables.rows_height(events),
    )
ui.definition("order_timeline")
