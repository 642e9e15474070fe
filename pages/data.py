"""Data: what is loaded, recent imports with their reconciliation and rejects, upload, demo."""

import streamlit as st

from dashboard import tables, ui

st.title("Data")
conf = ui.current_settings()
st.caption(f"Database: {ui.db()} · store time zone {conf.timezone} · currency {conf.currency}")

st.header("What is loaded", divider="gray")
loaded = ui.loaded_tables()
ui.table(loaded, "loaded_tables", column_config=ui.LOADED_COLUMNS, link_orders=False)

st.header("Recent imports", divider="gray")
files, rejects = ui.recent_imports()
if ui.usable(files, "Nothing imported yet."):
    st.caption("Per file: rows read = rows loaded + rows rejected + blank rows.")
    ui.table(files, "imports", column_config=ui.IMPORT_COLUMNS, link_orders=False)
st.subheader("Rejected rows")
if ui.usable(rejects, "No rejected rows."):
    ui.table(rejects, "rejects", link_orders=False)

st.header("Upload exports", divider="gray")
st.caption(
    "CSV, Parquet or ZIP: canonical tables (order_lines, shipments, inbound, contacts, "
    "notices, skus) or a Shopify orders export. A later export of the same key replaces the "
    "earlier row, so overlapping exports are safe. An import lands whole or not at all."
)
with st.form("upload", clear_on_submit=True):
    uploads = st.file_uploader(
        "Export files",
        type=["csv", "tsv", "txt", "parquet", "zip"],
        accept_multiple_files=True,
    )
    left, right = st.columns(2)
    timezone = left.selectbox(
        "Store time zone (for times without an offset)",
        tables.TIMEZONES,
        index=tables.TIMEZONES.index(conf.timezone) if conf.timezone in tables.TIMEZONES else 0,
    )
    currency = right.text_input("Currency (one per dataset)", value=conf.currency, max_chars=3)
    submitted = st.form_submit_button("Import", type="primary", icon=":material/upload:")
if submitted:
    if uploads:
        ui.import_uploads(uploads, timezone, currency)
    else:
        st.warning("Choose one or more files first.")
ui.show_last_import()

st.header("Demo data", divider="gray")
st.caption(
    "A year of a small home-goods store (web, amazon, wholesale; four suppliers) with the "
    "stories the dashboard is built to find: a slipping supplier, silent backorders, "
    "allocation inversions, over-cap acceptances."
)
has_orders = ui.view() is not None
orders = st.number_input(
    "Orders",
    min_value=1000,
    max_value=200_000,
    value=20_000,
    step=1000,
    disabled=has_orders,
    key="demo_orders",
)
if st.button(
    "Load the demo data",
    icon=":material/play_arrow:",
    disabled=has_orders,
    help="Only into an empty database: orders are already loaded here."
    if has_orders
    else "Generates the demo exports and imports them.",
):
    ui.load_demo(int(orders))
if has_orders:
    st.caption(
        "To try the demo beside your data, run it on another database file: "
        "`uv run dashboard --db data/demo.duckdb demo` then `uv run dashboard --db "
        "data/demo.duckdb app`."
    )
