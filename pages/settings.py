"""Settings: kept in the database; every figure that uses one changes when it is saved."""

import streamlit as st

from dashboard import tables, ui

conf = ui.current_settings()
st.title("Settings")
st.caption(
    "Saved in the state file next to the database. Every figure is computed with these, so "
    "saving one changes every figure that uses it (and only those)."
)

st.header("Store", divider="gray")
left, right = st.columns(2)
left.metric("Store time zone", conf.timezone, border=True)
right.metric("Currency", conf.currency, border=True)
st.caption(
    "Set with the data: times without an offset are read in this zone and every local date is "
    "computed in it at import. Change them by importing again (Data page, or "
    "`uv run dashboard import ... --timezone Europe/Berlin --currency EUR`)."
)

with st.form("settings"):
    st.subheader("Weekly controls")
    a, b, c = st.columns(3)
    silence_days = a.number_input(
        "Silence days",
        min_value=1,
        max_value=60,
        value=conf.silence_days,
        key="silence_days",
        help="A backorder is silent when no notice was sent on its order in this many days "
        "and it has waited longer (silent_backorders).",
    )
    buffer_days = b.number_input(
        "Receiving buffer (days)",
        min_value=0,
        max_value=30,
        value=conf.receiving_buffer_days,
        key="receiving_buffer_days",
        help="A promise earlier than supplier ETA + these days is a hygiene failure.",
    )
    statutory_days = c.number_input(
        "Statutory days",
        min_value=1,
        max_value=120,
        value=conf.statutory_days,
        key="statutory_days",
        help="Days after ordering by which a delayed customer must get an options offer "
        "(delay_notice_compliance).",
    )

    st.subheader("Quarterly review thresholds")
    a, b = st.columns(2)
    review_cancel = a.number_input(
        "Flag a SKU when its cancel rate is above (%)",
        min_value=0.0,
        max_value=100.0,
        value=conf.review_cancel_rate * 100,
        step=0.5,
    )
    review_slip = b.number_input(
        "Flag a SKU when its median supplier slip is above (days)",
        min_value=0.0,
        max_value=90.0,
        value=float(conf.review_slip_days),
        step=0.5,
    )

    st.subheader("Channel SLA rules")
    st.caption(
        "The first row (*) applies to every channel without its own row. Thresholds in %, "
        "windows in days ending on the as-of day."
    )
    rules = st.data_editor(
        tables.channel_rules_table(conf, ui.catalog()["channel"]),
        column_config=ui.CHANNEL_RULE_COLUMNS,
        hide_index=True,
        width="stretch",
        num_rows="fixed",
        key="channel_rules",
    )
    saved = st.form_submit_button("Save settings", type="primary", icon=":material/save:")

if saved:
    ui.save_settings(
        tables.settings_from_form(
            conf,
            silence_days=silence_days,
            receiving_buffer_days=buffer_days,
            statutory_days=statutory_days,
            review_cancel_rate=review_cancel / 100,
            review_slip_days=review_slip,
            channel_rules=rules,
        )
    )
    st.session_state["_settings_saved"] = True
    st.rerun()
if st.session_state.pop("_settings_saved", False):
    st.success("Saved. Every page now uses these settings.", icon=":material/check:")

st.header("In force", divider="gray")
ui.table(tables.settings_table(conf), "settings", link_orders=False)
