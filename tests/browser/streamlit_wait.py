"""Waiting for Streamlit in the browser, as ../../shared/toolchain.md measured it."""

from __future__ import annotations


def wait_idle(page, timeout: float = 180_000) -> None:
    """Connected, script not running, nothing stale, no skeletons (toolchain.md)."""
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=timeout
    )
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout
    )
    page.wait_for_function(
        "() => !document.querySelector('[data-stale=\"true\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')",
        timeout=timeout,
    )


def open_page(page, url: str, heading: str) -> None:
    """Go to `url`, wait for the page's heading, then for the app to be idle."""
    page.goto(url)
    page.get_by_role("heading", name=heading).first.wait_for(timeout=180_000)
    wait_idle(page)
