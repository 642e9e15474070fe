"""The router: `streamlit run dashboard/app.py` (or `dashboard app`).

It builds the shared sidebar (week, span, channel, supplier, family, SKU: kept in the URL, so a
copied link reproduces the view) before running the page, so every page sees the same view.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import ui

PAGES = Path(__file__).resolve().parent.parent / "pages"


def page(name: str, title: str, icon: str, default: bool = False) -> st.Page:
    return st.Page(str(PAGES / f"{name}.py"), title=title, icon=icon, default=default)


def pages() -> dict[str, list[st.Page]]:
    analysis = [
        page("skus", "SKUs", ":material/inventory_2:"),
        page("promises", "Promises and suppliers", ":material/local_shipping:"),
        page("costs", "Cancellations, splits, contacts", ":material/receipt_long:"),
        page("timeline", "Order timeline", ":material/timeline:"),
    ]
    if (PAGES / "whatif.py").exists():
        analysis.append(page("whatif", "What-if", ":material/science:"))
    return {
        "Meetings": [
            page("weekly", "Weekly review", ":material/event_repeat:", default=True),
            page("quarterly", "Quarterly top-20 audit", ":material/fact_check:"),
        ],
        "Analysis": analysis,
        "Data": [
            page("data", "Data", ":material/database:"),
            page("settings", "Settings", ":material/settings:"),
        ],
    }


def main() -> None:
    st.set_page_config(page_title="Backorders", page_icon=":material/inventory:", layout="wide")
    nav = st.navigation(pages())
    ui.sidebar()
    nav.run()
    ui.freeze_startup_objects()


main()
