"""What a person sees in chromium: links that reproduce a view, filters that stay with them,
numbers that follow the filters, queues that open the order timeline, tables that download."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlparse

import pytest
from builders import reading
from playwright.sync_api import Page, expect
from streamlit_wait import open_page, wait_idle

from dashboard import metrics, settings, ui
from dashboard.params import Filters, Period

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def con(demo_db):
    with reading(demo_db) as cursor:
        yield cursor


@pytest.fixture(scope="session")
def week(con) -> Period:
    ((last,),) = con.execute("select max(ordered_date) from order_lines").fetchall()
    ((first,),) = con.execute("select min(ordered_date) from order_lines").fetchall()
    return Period.week(ui.default_week(first, last))


def line_rate(con, demo_db, week: Period, filters: Filters) -> str:
    review = metrics.weekly_review(con, week, filters, settings.load(demo_db))
    return ui.fmt(review["line_rate"][-1], "pct")


def card_value(page: Page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def first_queue_row(page: Page, url: str) -> dict[str, float]:
    """Open the weekly review at `url`; the bounding box of the first queue's table."""
    open_page(page, url, "Weekly review")
    queue = page.locator('[data-testid="stTabs"] [data-testid="stDataFrame"]').first
    queue.scroll_into_view_if_needed()
    box = queue.bounding_box()
    assert box
    return box


def test_weekly_review_opens_from_url_with_filters(page: Page, app_server, con, demo_db, week):
    earlier = week.previous()
    open_page(page, f"{app_server}/?week={earlier.label}&channel=amazon", "Weekly review")
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_role("combobox", name="Week")).to_have_value(earlier.label)
    expect(sidebar.get_by_text("amazon", exact=True)).to_be_visible()
    expect(page.get_by_text("channel: amazon").first).to_be_visible()
    expected = line_rate(con, demo_db, earlier, Filters(channel=("amazon",)))
    assert card_value(page, "Backorder line rate") == expected
    assert query(page)["week"] == [earlier.label]
    assert query(page)["channel"] == ["amazon"]


def test_filters_survive_page_switch(page: Page, app_server, week):
    open_page(page, f"{app_server}/?week={week.label}&channel=web&span=4", "Weekly review")
    page.locator('[data-testid="stSidebarNavLink"]').filter(has_text="SKUs").click()
    page.get_by_role("heading", name="Backorder rate by SKU").wait_for(timeout=180_000)
    wait_idle(page)
    expect(page.get_by_text("channel: web").first).to_be_visible()
    assert urlparse(page.url).path.endswith("/skus")
    assert query(page)["channel"] == ["web"]
    assert query(page)["span"] == ["4"]
    page.reload()
    page.get_by_role("heading", name="Backorder rate by SKU").wait_for(timeout=180_000)
    wait_idle(page)
    expect(page.get_by_text("channel: web").first).to_be_visible()


def test_changing_a_filter_changes_the_numbers(page: Page, app_server, con, demo_db, week):
    open_page(page, f"{app_server}/?week={week.label}", "Weekly review")
    before = card_value(page, "Backorder line rate")
    assert before == line_rate(con, demo_db, week, Filters())
    expected = line_rate(con, demo_db, week, Filters(channel=("amazon",)))
    assert expected != before
    channel = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(
        has_text="Channel"
    )
    channel.locator("input").click()
    page.get_by_role("option", name="amazon", exact=True).click()
    page.keyboard.press("Escape")
    page.get_by_text("channel: amazon").first.wait_for(timeout=180_000)
    wait_idle(page)
    assert card_value(page, "Backorder line rate") == expected
    assert query(page)["channel"] == ["amazon"]


def test_order_timeline_opens_from_a_queue(page: Page, app_server, con, demo_db, week):
    silent = metrics.silent_backorders(con, week, Filters(), settings.load(demo_db))
    assert silent.height > 0
    first_order = silent["order_id"][0]
    box = first_queue_row(page, f"{app_server}/?week={week.label}")
    link = (box["x"] + 34 + 30, box["y"] + 35 + 17)  # first row, Timeline (after the checkbox)
    page.mouse.click(*link)  # the grid takes focus on the first click
    with page.context.expect_page() as opened:
        page.mouse.click(*link)
    timeline = opened.value
    timeline.get_by_role("heading", name="Order timeline").wait_for(timeout=180_000)
    wait_idle(timeline)
    assert query(timeline)["order"] == [first_order]
    assert query(timeline)["week"] == [week.label]
    expect(timeline.get_by_text(re.compile(r"^Placed \d{4}-\d\d-\d\d"))).to_be_visible()
    events = metrics.order_timeline(con, first_order, settings.load(demo_db))
    assert "backordered" in events["event"].to_list()
    expect(timeline.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_attached()
    timeline.close()


def test_table_downloads_as_csv(page: Page, app_server, con, demo_db, week):
    silent = metrics.silent_backorders(con, week, Filters(), settings.load(demo_db))
    open_page(page, f"{app_server}/?week={week.label}", "Weekly review")
    panel = page.locator('[data-testid="stTabs"]').first
    button = panel.locator('[data-testid="stDownloadButton"]').filter(has_text="CSV").first
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == f"silent_backorders_{week.label}.csv"
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert [r["order_id"] for r in rows] == silent["order_id"].to_list()
    assert set(silent.columns) <= set(rows[0])


def test_order_timeline_opens_from_a_selected_queue_row(page: Page, app_server, con, demo_db, week):
    silent = metrics.silent_backorders(con, week, Filters(), settings.load(demo_db))
    first_order = silent["order_id"][0]
    box = first_queue_row(page, f"{app_server}/?week={week.label}")
    page.mouse.click(box["x"] + 17, box["y"] + 35 + 17)  # first row's selection box
    link = page.get_by_role("link", name=f"Open the timeline of order {first_order}")
    link.wait_for(timeout=180_000)
    link.click()
    page.get_by_role("heading", name="Order timeline").wait_for(timeout=180_000)
    wait_idle(page)
    assert query(page)["order"] == [first_order]
    assert query(page)["week"] == [week.label]
    expect(page.get_by_role("textbox", name="Order id")).to_have_value(first_order)


def test_weekly_pack_downloads_for_the_week_shown(page: Page, app_server, week):
    open_page(page, f"{app_server}/?week={week.label}&channel=web", "Weekly review")
    button = page.locator('[data-testid="stDownloadButton"]').filter(has_text="Weekly pack")
    with page.expect_download(timeout=180_000) as download:
        button.click()
    assert download.value.suggested_filename == f"weekly-pack-{week.label}.html"
    html = download.value.path().read_text(encoding="utf-8")
    assert html.lstrip().startswith("<")
    assert week.label in html
