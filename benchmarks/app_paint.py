"""App first paint: server start until the weekly review is drawn in chromium.

`python benchmarks/app_paint.py '{"db": ..., "repeat": 3, "path": ""}'` prints one JSON line in
the format of benchmarks/step.py. Chromium (Debian's, flags of shared/toolchain.md) is launched
once, before the clock starts; each run then starts a fresh server (empty Streamlit caches, the
Monday-morning case):

  t0  `python -m streamlit run dashboard/app.py --server.headless true --server.address
      localhost --server.port P` with DASHBOARD_DB=<db>
  health  /_stcore/health answers ok
  headline  a new tab on the URL shows `[data-testid="stMetric"]` or a drawn Plotly chart
  drawn   and then the app is idle: connected, script not running, nothing stale, no skeleton
      (the whole page, queues included).

Python bytecode: a server started where PYTHONDONTWRITEBYTECODE is set (these benchmark
machines set it) compiles every module it imports from source, every start (~800 modules:
streamlit, pandas, numba, plotly...; about half the first paint). An installed app writes its
bytecode on first start and reads it afterwards, so the server gets a bytecode cache of its own,
benchmarks/out/pycache (PYTHONPYCACHEPREFIX), which the warm-up run fills: the timed runs measure
the app, not the compiler. `"bytecode": false` in the spec measures without it.

`times` are the totals (t0 -> drawn) of the timed runs, `first` the warm-up run's. `info` has
the parts (health, page), a second visitor's page time on the same server (caches warm) and
the server's peak RSS (VmHWM from /proc, read before it is stopped); `peak_mb` is the largest
server peak.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from dashboard.serve import CHROMIUM, CHROMIUM_ARGS, serve

ROOT = Path(__file__).resolve().parent.parent
DRAWN = '[data-testid="stMetric"], [data-testid="stPlotlyChart"] .main-svg'
EXCEPTION = '[data-testid="stException"]'
IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app
    && app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-stale="true"]')
    && !document.querySelector('[data-testid="stSkeleton"]');
}"""
TIMEOUT_S = 600


def vm_hwm_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except FileNotFoundError:
        return None
    return None


def wait_drawn(page, url: str) -> float:
    """Load `url` until drawn and idle; return when the first headline became visible."""
    page.goto(url, wait_until="commit", timeout=TIMEOUT_S * 1000)
    page.locator(f"{DRAWN}, {EXCEPTION}").first.wait_for(state="visible", timeout=TIMEOUT_S * 1000)
    if page.locator(EXCEPTION).count():
        raise RuntimeError("the app raised: " + page.locator(EXCEPTION).first.inner_text()[:300])
    t_headline = time.perf_counter()
    page.wait_for_function(IDLE, timeout=TIMEOUT_S * 1000, polling=50)
    return t_headline


def one_run(
    browser, db: str, path: str, shot: Path | None, second_visit: bool, env: dict[str, str]
) -> dict:
    logs = ROOT / "benchmarks" / "out"
    with open(logs / f"streamlit-{time.time_ns()}.log", "w", encoding="utf-8") as log:
        t0 = time.perf_counter()
        with serve(Path(db), log=log, timeout=TIMEOUT_S, env=env) as server:
            t_health = time.perf_counter()
            url = server.url + "/" + path.lstrip("/")
            page = browser.new_page(viewport={"width": 1400, "height": 2000})
            t_headline = wait_drawn(page, url)
            t_drawn = time.perf_counter()
            out = {
                "total": t_drawn - t0,
                "health": t_health - t0,
                "page": t_drawn - t_health,
                "headline": t_headline - t0,
            }
            if shot:
                page.screenshot(path=str(shot))
            page.close()
            if second_visit:
                page = browser.new_page(viewport={"width": 1400, "height": 2000})
                t1 = time.perf_counter()
                wait_drawn(page, url)
                out["second_visit"] = time.perf_counter() - t1
                page.close()
            out["server_peak_mb"] = vm_hwm_mb(server.pid)
            return out


def main() -> None:
    spec = json.loads(sys.argv[1])
    repeat = int(spec.get("repeat", 3))
    out: dict = {"times": [], "first": None, "info": {}, "error": None, "peak_mb": None}
    try:
        from playwright.sync_api import sync_playwright

        (ROOT / "benchmarks" / "out").mkdir(parents=True, exist_ok=True)
        env = {}
        if spec.get("bytecode", True):
            pycache = ROOT / "benchmarks" / "out" / "pycache"
            env = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(pycache)}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            runs = []
            for i in range(repeat + 1):
                last = i == repeat
                shot = Path(spec["shot"]) if last and spec.get("shot") else None
                runs.append(one_run(browser, spec["db"], spec.get("path", ""), shot, last, env))
            browser.close()
        out["first"] = runs[0]["total"]
        out["times"] = [r["total"] for r in runs[1:]]
        out["info"] = {
            "health": [round(r["health"], 3) for r in runs],
            "page": [round(r["page"], 3) for r in runs],
            "headline": [round(r["headline"], 3) for r in runs],
            "second_visit": runs[-1].get("second_visit"),
            "server_peak_mb": [r["server_peak_mb"] for r in runs],
        }
        peaks = [r["server_peak_mb"] for r in runs if r["server_peak_mb"]]
        out["peak_mb"] = max(peaks) if peaks else None
    except Exception as exc:
        import traceback

        traceback.print_exc()
        out["error"] = f"{type(exc).__name__}: {exc}"
    sys.stdout.write(json.dumps(out, default=str) + "\n")


if __name__ == "__main__":
    main()
