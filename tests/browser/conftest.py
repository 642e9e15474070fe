"""Browser tests: the app served by streamlit, driven by Debian's chromium through Playwright.

Exactly as ../shared/toolchain.md says: never `playwright install`; launch /usr/bin/chromium
with the host-resolver rule; one server per session on a free port, on a small demo database,
terminated by its own PID at the end; tests that import get a second server on a database of
their own (`upload_server`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.serve import CHROMIUM, CHROMIUM_ARGS, build_demo, serve

VIEWPORT = {"width": 1400, "height": 2400}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": VIEWPORT, "accept_downloads": True}


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A small demo database (3,000 orders), generated and imported once per session."""
    return build_demo(tmp_path_factory.mktemp("browser-demo"))


@pytest.fixture(scope="session")
def app_server(demo_db):
    """The app on the shared demo database; yields its URL."""
    with serve(demo_db) as server:
        yield server.url


SEED_ORDER_LINES = """order_id,line_id,ordered_at,sku,qty,unit_price,channel
#1,1,2026-11-02T10:00:00Z,A-1,1,10.00,web
#2,1,2026-11-03T10:00:00Z,A-2,2,5.00,web
"""


@pytest.fixture
def upload_db(tmp_path) -> Path:
    """A database of its own for tests that import (two order lines), so the shared demo
    database the other browser tests read never changes."""
    from dashboard import importer

    seed = tmp_path / "seed" / "order_lines.csv"
    seed.parent.mkdir()
    seed.write_text(SEED_ORDER_LINES, encoding="utf-8")
    db = tmp_path / "upload.duckdb"
    report = importer.import_paths([seed], db, timezone="UTC", currency="USD")
    assert report.ok, report.format()
    return db


@pytest.fixture
def upload_server(upload_db):
    """A second app server, on `upload_db`; yields its URL."""
    with serve(upload_db) as server:
        yield server.url


@pytest.fixture(scope="session")
def base_url(app_server):
    return app_server
