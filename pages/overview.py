import streamlit as st

from dashboard import ui

st.title("Overview")
tables = ui.loaded_tables()
st.dataframe(tables, width="stretch")
