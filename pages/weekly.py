"""Weekly review: the Monday meeting. Headlines against last week, trends, aging, the queues."""

import streamlit as st

from dashboard import charts, tables, ui

view = ui.require_view()
week, conf, filters = view.week, view.settings, view.filters
currency = conf.currency

title, pack = st.columns([3, 1], vertical_alignment="bottom")
title.title("Weekly review")
with pack:
    ui.pack_download(view)
st.caption(
    f"{week.label}: {week.from_date:%a %d %b} to {week.as_of:%a %d %b %Y} against "
    f"{week.previous().label}. Open lines as of Sunday {week.as_of}. Filters: {view.describe()}."
)

# ---- headlines: this week, last week, change, 13-week trend
review = ui.figure("weekly_review", week, filters, conf)
if ui.usable(review, f"No orders in the 13 weeks up to {week.label}."):
    ui.headline_cards(review, currency)
    ui.definition("weekly_review")
    if st.toggle("Show the 13-week trends as charts", key="show_trends"):
        ui.headline_trends(review, currency)

# ---- aging
st.header("How long delayed lines stay open", divider="gray")
age = ui.figure("backorder_age", week, filters, conf)
if ui.usable(age, f"No open backordered lines as of {week.as_of}."):
    left, right = st.columns(2)
    with left:
        ui.bar_chart(
            charts.aging_bars(age),
            f"Open backordered lines by age, as of {week.as_of} (overdue: past the promised "
            "ship date)",
            charts.AGING_COLORS,
            "Open backordered lines",
        )
    with right:
        ui.table(age, "backorder_age", column_config=ui.AGE_COLUMNS)
    ui.definition("backorder_age")

# ---- the queues the meeting acts on
st.header("Queues to act on", divider="gray")
st.caption(
    "Each row links to the order's timeline. Downloads carry every row. Only the open tab is "
    "computed and drawn; the counts in the tabs are always current."
)
silent = ui.figure("silent_backorders", week, filters, conf)
overdue = tables.only_rows_with(
    ui.figure("backorder_age_lines", week, filters, conf), "days_overdue"
)
passed_over = ui.figure("allocation_inversions_lines", week, filters, conf)
failures = ui.figure("hygiene_lines", week, filters, conf)
sla = ui.figure("channel_sla", week, filters, conf)
failing = ui.figure("delay_notice_compliance_lines", week, filters, conf)
tabs = ui.lazy_tabs(
    [
        tables.tab_label("Silent backorders", silent),
        tables.tab_label("Overdue backorders", overdue),
        tables.tab_label("Allocation inversions", passed_over, " lines passed over"),
        tables.tab_label("Hygiene failures", failures),
        tables.tab_label("Channel SLA", tables.sla_over(sla), " over"),
        tables.tab_label("Delay-notice compliance", failing),
        "First notice",
    ],
    key="queue",
)

if tabs[0].open:
    with tabs[0]:
        st.caption(
            f"Open backordered lines as of {week.as_of} whose order has gone quiet: a promised "
            f"update missed, or no notice in the last {conf.silence_days} days "
            f"(silence_days, Settings) while waiting longer than that."
        )
        if ui.usable(silent, f"No silent backorders as of {week.as_of}."):
            ui.queue_count(silent, "Silent backordered lines")
            ui.partial_note(silent)
            ui.table(silent, "silent_backorders")
        ui.definition("silent_backorders")

if tabs[1].open:
    with tabs[1]:
        st.caption(
            f"Open backordered lines as of {week.as_of} past their promised ship date, "
            "most overdue first."
        )
        if ui.usable(overdue, f"No overdue backordered lines as of {week.as_of}."):
            ui.queue_count(overdue, "Overdue backordered lines")
            ui.table(overdue, "overdue_backorders")
        ui.definition("backorder_age_lines")

if tabs[2].open:
    with tabs[2]:
        st.caption(
            f"Newer orders shipped in {week.label} while an older backordered line of the same "
            "SKU was still waiting."
        )
        inversions = ui.figure("allocation_inversions", week, filters, conf)
        if ui.usable(inversions, f"No allocation inversions in {week.label}."):
            ui.inversion_cards(inversions)
            left, right = st.columns(2)
            with left:
                st.subheader("Per SKU")
                ui.table(tables.breakdown(inversions, "sku", keep=["sku"]), "inversions_by_sku")
            with right:
                st.subheader("Per inbound receipt")
                ui.table(
                    tables.breakdown(inversions, "receipt", keep=["sku", "po_id", "received_at"]),
                    "inversions_by_receipt",
                )
            st.subheader("Lines passed over: who waited while newer orders shipped ahead")
            if ui.usable(passed_over, f"No line was passed over in {week.label}."):
                ui.table(passed_over, "allocation_inversions_lines")
        ui.definition("allocation_inversions")

if tabs[3].open:
    with tabs[3]:
        st.caption(
            f"Backordered lines of {week.label} with a missing reason or promise, a promise inside "
            f"the supplier ETA plus {conf.receiving_buffer_days} receiving days "
            "(receiving_buffer_days, Settings), or accepted against the SKU's rule."
        )
        hygiene = ui.figure("hygiene", week, filters, conf)
        if ui.usable(hygiene, f"No backordered lines in {week.label}."):
            ui.hygiene_cards(hygiene)
            st.subheader("Failing lines")
            if ui.usable(failures, f"No hygiene failures in {week.label}."):
                ui.table(failures, "hygiene_failures")
        ui.definition("hygiene")

if tabs[4].open:
    with tabs[4]:
        st.caption(
            f"Per channel as of {week.as_of}, against each channel's thresholds and windows "
            "(Settings)."
        )
        if ui.usable(sla, f"No orders to judge as of {week.as_of}."):
            ui.sla_alerts(sla)
            left, right = st.columns(2)
            with left:
                ui.chart(charts.sla_chart(sla, "late_shipment"), key="sla_late")
            with right:
                ui.chart(charts.sla_chart(sla, "seller_cancel"), key="sla_cancel")
            ui.table(sla, "channel_sla")
        ui.definition("channel_sla")

if tabs[5].open:
    with tabs[5]:
        st.caption(
            f"Delayed customers owed a revised date and a way out: promises missed in {week.label} "
            f"without notice, orders past {conf.statutory_days} days (statutory_days, Settings) "
            "without an options offer, and second delays that need consent."
        )
        compliance = ui.figure("delay_notice_compliance", week, filters, conf)
        if ui.usable(compliance, f"No delayed lines to check in {week.label}."):
            ui.compliance_cards(compliance)
            st.subheader("Lines and orders to act on")
            if ui.usable(failing, f"No compliance failures in {week.label}."):
                ui.table(failing, "delay_notice_failures")
        ui.definition("delay_notice_compliance")

if tabs[6].open:
    with tabs[6]:
        st.caption(f"Lines backordered in {week.label}: time to the first backorder notice.")
        notice = ui.figure("first_notice", week, filters, conf)
        if ui.usable(notice, f"No lines backordered in {week.label}."):
            ui.first_notice_cards(notice)
            ui.table(notice, "first_notice")
        ui.definition("first_notice")
