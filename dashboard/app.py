"""The router: `streamlit run dashboard/app.py` (or `dashboard app`)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).resolve().parent.parent / "pages"


def main() -> None:
    st.set_page_config(page_title="Backorders", layout="wide")
    nav = st.navigation(
        [st.Page(str(PAGES / "overview.py"), title="Overview", icon=":material/dashboard:")]
    )
    nav.run()


main()
