"""Browser tests: the app served by streamlit, driven by Debian's chromium through Playwright.

Exactly as ../shared/toolchain.md says: never `playwright install`; launch /usr/bin/chromium
with the host-resolver rule; one server per session on a free port, on a small demo database,
terminated by its own PID at the end; tests that import get a second server on a database of
their own (`upload_server`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
VIEWPORT = {"width": 1400, "height": 2400}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": VIEWPORT, "accept_downloads": True}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A small demo database (3,000 orders), generated and imported once per session."""
    folder = tmp_path_factory.mktemp("browser-demo")
    db = folder / "demo.duckdb"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "dashboard",
            "--db",
            str(db),
            "demo",
            "--orders",
            "3000",
            "--out",
            str(folder / "csv"),
            "--quiet",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return db


@contextlib.contextmanager
def serve(db: Path):
    """`streamlit run dashboard/app.py` on `db` and a free port; yields its URL, then
    terminates the server by its own PID."""
    port = _free_port()
    env = {**os.environ, "DASHBOARD_DB": str(db)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard/app.py",
            "--server.headless",
            "true",
            "--server.address",
            "localhost",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("streamlit did not become healthy")
            time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def app_server(demo_db):
    """The app on the shared demo database; yields its URL."""
    with serve(demo_db) as url:
        yield url


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
    with serve(upload_db) as url:
        yield url


@pytest.fixture(scope="session")
def base_url(app_server):
    return app_server
