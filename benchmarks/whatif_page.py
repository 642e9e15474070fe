"""What-if page update in chromium: a changed cap or slider until the page is redrawn.

    uv run python benchmarks/whatif_page.py [--db benchmarks/data/1M/dashboard.duckdb]
        [--repeat 7]

Opens the what-if page on a scenario with a default cap (in the URL, as a saved link would)
and waits until it is drawn. Then, `repeat` times each:
- clicks the default cap's "-": a cap never tried before on this server, so the replay's walk
  and the scenario figures are computed afresh (features, events and baseline figures stay
  cached, as they do for a planner moving a control);
- clicks "+": caps already tried, whose figures are cached, so what remains is the page's own
  cost (the script's rerun, sending and drawing it);
- presses PageDown on the supplier-slip slider (a tenth of its range: each threshold is new
  and blocks other lines).
Each is timed in the page's own clock from the click or key press: until the blocked-lines
card shows its new value (the replay's outcome, drawn before the figures under the scenario)
and until the whole page is idle again (script finished, nothing stale, no skeleton). Prints
each time, the medians, and the blocked lines shown.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.app_paint import IDLE, TIMEOUT_S  # noqa: E402
from dashboard.serve import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402
from dashboard.whatif import Rule, Scenario  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
START_CAP = 40
STEP_DOWN = '[data-testid="stNumberInputStepDown"]'
STEP_UP = '[data-testid="stNumberInputStepUp"]'
BLOCKED = '[data-testid="stMetric"]:has-text("Blocked lines / units") [data-testid="stMetricValue"]'
SLIP_SLIDER = 'input[type=range][aria-label="at most (median days late)"]'
# Installed before each action: the page's own clock (performance.now) at its event and
# when the outcome card changes and the app is idle again, checked every 5 ms in the page, so
# neither Playwright's click (its actionability checks) nor a round trip per poll is timed.
TRACK = f"""() => {{
  const state = () => {{
    const app = document.querySelector('[data-testid="stApp"]');
    const card = [...document.querySelectorAll('[data-testid="stMetric"]')]
      .find(m => m.innerText.includes('Blocked lines / units'));
    const value = card && card.querySelector('[data-testid="stMetricValue"]');
    return [
      value ? value.innerText : null,
      app.getAttribute('data-test-script-state') === 'running',
      !!document.querySelector('[data-stale="true"]'),
      ({IDLE})(),
    ];
  }};
  const t = {{ clicked: null, outcome: null, idle: null, rerun: false, before: state()[0] }};
  window.__whatif = t;
  document.addEventListener(EVENT, () => {{ t.clicked = performance.now(); }},
                            {{ capture: true, once: true }});
  const tick = () => {{
    if (t.clicked !== null) {{
      const [blocked, running, stale, idle] = state();
      const now = performance.now();
      t.rerun = t.rerun || running || stale;
      if (t.outcome === null && blocked !== null && blocked !== t.before) t.outcome = now;
      if (t.rerun && idle) {{ t.idle = now; return; }}
    }}
    setTimeout(tick, 5);
  }};
  tick();
}}"""


def scenario() -> Scenario:
    """A supplier-slip rule and a default cap; the window is the data's last full quarter."""
    return Scenario(supplier_slip=Rule(True, 5.0), cap_default=START_CAP)


def wait_idle(page) -> None:
    page.wait_for_function(IDLE, timeout=TIMEOUT_S * 1000, polling=20)


def click_and_watch(page, button: str) -> tuple[float, float]:
    """Click `button`; seconds from the click event until the blocked-lines card shows another
    value (the replay's outcome is redrawn; the idle time when it does not change) and until
    the app is idle again after the rerun."""
    return watch(page, "click", lambda: page.locator(button).first.click())


def slide_and_watch(page, slider: str, key: str) -> tuple[float, float]:
    """Press `key` on the focused `slider`; timed like `click_and_watch`, from the key press."""
    page.locator(slider).focus()
    return watch(page, "keydown", lambda: page.keyboard.press(key))


def watch(page, event: str, act) -> tuple[float, float]:
    page.evaluate(TRACK.replace("EVENT", repr(event)))
    act()
    page.wait_for_function(
        "() => window.__whatif.idle !== null", timeout=TIMEOUT_S * 1000, polling=20
    )
    t = page.evaluate("() => window.__whatif")
    outcome = t["outcome"] if t["outcome"] is not None else t["idle"]
    return (outcome - t["clicked"]) / 1000, (t["idle"] - t["clicked"]) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(ROOT / "benchmarks/data/1M/dashboard.duckdb"))
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    query = urllib.parse.urlencode({"scenario": scenario().to_json()})
    with sync_playwright() as p, serve(Path(args.db), timeout=TIMEOUT_S) as server:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 2400})
        started = time.perf_counter()
        page.goto(f"{server.url}/whatif?{query}", timeout=TIMEOUT_S * 1000)
        page.locator(BLOCKED).wait_for(timeout=TIMEOUT_S * 1000)
        wait_idle(page)
        print(f"first draw of the page: {time.perf_counter() - started:.2f} s", flush=True)
        times = {kind: [] for kind in ("new", "seen", "slider")}
        times.update({f"{kind} outcome": [] for kind in ("new", "seen", "slider")})
        for i in range(3 * args.repeat):
            before = page.locator(BLOCKED).inner_text()
            if i < 2 * args.repeat:
                kind, button = ("new", STEP_DOWN) if i < args.repeat else ("seen", STEP_UP)
                outcome, idle = click_and_watch(page, button)
            else:
                kind = "slider"
                outcome, idle = slide_and_watch(page, SLIP_SLIDER, "PageDown")
            times[kind].append(idle)
            times[f"{kind} outcome"].append(outcome)
            print(
                f"  {kind}: outcome {outcome * 1000:6.0f} ms, whole page {idle * 1000:6.0f} "
                f"ms  (blocked {before} -> {page.locator(BLOCKED).inner_text()})",
                flush=True,
            )
        page.screenshot(path=str(ROOT / "benchmarks/out/whatif_page.png"), full_page=True)
        browser.close()
    for kind, label in (
        ("new", "a cap not tried before"),
        ("seen", "a cap tried before"),
        ("slider", "the supplier-slip slider moved"),
    ):
        print(
            f"{label} (median of {args.repeat}): outcome cards "
            f"{statistics.median(times[f'{kind} outcome']) * 1000:.0f} ms, whole page "
            f"{statistics.median(times[kind]) * 1000:.0f} ms",
            flush=True,
        )


if __name__ == "__main__":
    main()
