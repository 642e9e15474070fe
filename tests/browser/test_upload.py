"""Uploading exports on the Data page: the file goes through st.file_uploader, the importer
runs with its progress bar, and the page shows the reconciliation and the new row counts.

Runs on its own server and database (`upload_server`), never the shared demo database."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from streamlit_wait import open_page, wait_idle

pytestmark = pytest.mark.browser

NEW_ORDER_LINES = """order_id,line_id,ordered_at,sku,qty,unit_price,channel
#3,1,2026-11-04T10:00:00Z,A-1,1,10.00,web
#4,1,2026-11-05T10:00:00Z,A-2,3,5.00,amazon
#5,1,2026-11-06T10:00:00Z,A-3,1,7.50,web
"""


def expect_loaded_row(page: Page, cells: list[str]) -> None:
    """The first cells of one row of "What is loaded", read from the grid's accessible table.

    Polls: the grid redraws its accessible table a frame or more after the script has
    finished, so a read right after the rerun can still see the previous figures.
    """
    grid = page.locator('[data-testid="stDataFrame"]').first
    row = grid.locator('table [role="row"]').filter(has_text=cells[0]).first
    row.wait_for(state="attached", timeout=60_000)
    for column, text in enumerate(cells):
        expect(row.locator('[role="gridcell"]').nth(column)).to_have_text(text, timeout=60_000)


def test_uploaded_csv_is_imported_reconciled_and_counted(page: Page, upload_server, tmp_path):
    export = tmp_path / "order_lines.csv"
    export.write_text(NEW_ORDER_LINES, encoding="utf-8")
    open_page(page, f"{upload_server}/data", "Data")
    expect_loaded_row(page, ["order_lines", "2"])

    uploader = page.locator('[data-testid="stFileUploader"]')
    uploader.locator('input[type="file"]').set_input_files(export)
    expect(uploader.get_by_text("order_lines.csv")).to_be_visible()
    page.get_by_role("button", name="Import").click()
    page.get_by_text("Import landed").wait_for(timeout=120_000)
    wait_idle(page)

    report = page.locator('[data-testid="stText"]').filter(has_text="order_lines.csv")
    expect(report).to_contain_text(
        "-> order_lines (canonical): read 3 = loaded 3 + rejected 0 + blank 0; inserted 3"
    )
    expect_loaded_row(page, ["order_lines", "5", "2026-11-02", "2026-11-06"])
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text(
        "Data: 2026-11-02 to 2026-11-06"
    )
