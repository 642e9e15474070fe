"""Quarterly top-20 audit: the most backordered SKUs of the quarter against the one before."""

import streamlit as st

from dashboard import catalog, charts, tables, ui
from dashboard.params import Period

view = ui.require_view()
conf, filters = view.settings, view.filters
cat = ui.catalog()
quarters = catalog.quarters_in_data(cat["first_day"], cat["last_day"])

st.title("Quarterly top-20 audit")
left, mid, right = st.columns([1, 1, 1])
ui.url_seed("quarter", valid=quarters)
if st.session_state.get("quarter") not in quarters:
    st.session_state["quarter"] = catalog.default_quarter(cat["first_day"], cat["last_day"])
left.selectbox("Quarter", quarters, key="quarter", help="Default: the last complete quarter.")
ui.url_publish("quarter", st.session_state["quarter"])
cancel_threshold = mid.number_input(
    "Flag when cancel rate is above (%)",
    min_value=0.0,
    max_value=100.0,
    value=conf.review_cancel_rate * 100,
    step=0.5,
    key="flag_cancel",
    help="Default from Settings (review_cancel_rate). Changing it here changes this audit only.",
)
slip_threshold = right.number_input(
    "Flag when median supplier slip is above (days)",
    min_value=0.0,
    max_value=90.0,
    value=float(conf.review_slip_days),
    step=0.5,
    key="flag_slip",
    help="Default from Settings (review_slip_days). Changing it here changes this audit only.",
)

quarter = Period.quarter(st.session_state["quarter"])
audit = tables.with_review_thresholds(conf, cancel_threshold / 100, slip_threshold)
st.caption(
    f"{quarter.label} ({quarter.from_date} to {quarter.as_of}) against "
    f"{quarter.previous().label}. Filters: {view.describe()}. Flag: cancel rate above "
    f"{cancel_threshold:.1f}% or median supplier slip above {slip_threshold:.1f} days."
)

st.header("The 20 SKUs with the most backordered lines", divider="gray")
top = ui.figure("quarterly_top20", quarter, filters, audit)
if ui.usable(top, f"No backordered lines ordered in {quarter.label}."):
    ui.flag_summary(top)
    ui.table(
        top,
        "quarterly_top20",
        column_config=ui.top20_columns(quarter),
        link_skus=True,
        height=740,
        column_order=tables.TOP20_SHOWN,
        other_columns=False,
    )
    with st.expander(f"Against {quarter.previous().label}: each figure then, and the change"):
        ui.table(
            tables.top20_against_previous(top),
            "quarterly_top20_against_previous",
            column_config=ui.top20_previous_columns(quarter),
            height=740,
        )
    ui.chart(charts.top20_chart(top, quarter))
ui.definition("quarterly_top20")

st.header("The five most delayed orders, start to finish", divider="gray")
delayed = ui.figure("quarterly_top20_delayed_orders", quarter, filters, audit)
if ui.usable(delayed, f"No backordered orders placed in {quarter.label}."):
    ui.table(delayed, "quarterly_delayed_orders")
    for order_id in tables.column_values(delayed, "order_id"):
        events = ui.order_timeline(order_id)
        with st.expander(tables.delayed_order_title(delayed, order_id), expanded=False):
            ui.chart(charts.timeline_chart(events, order_id), key=f"delayed_{order_id}")
            ui.table(
                events,
                f"order_{order_id}",
                key=f"delayed_table_{order_id}",
                link_orders=False,
                column_config=ui.TIMELINE_COLUMNS,
                height=tables.rows_height(events),
            )
ui.definition("quarterly_top20_delayed_orders")
