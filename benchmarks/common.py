"""Shared pieces of the benchmark harness: sizes, data folders, periods, child steps, targets.

Every measured step runs in its own Python process (benchmarks/step.py), so its peak memory is
its own: the child reports `ru_maxrss` of itself (RUSAGE_SELF) together with its timings.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
DATA = BENCH / "data"
OUT = BENCH / "out"

LINES_PER_ORDER = 2.4  # the demo's mean lines per order (dashboard/demo.py)
SEED = 7
SIZES = {"1M": 1_000_000, "10M": 10_000_000, "100M": 100_000_000}


def parse_size(text: str) -> int:
    """`1M` -> 1_000_000, `250k` -> 250_000, `5000` -> 5000."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]?)", text.strip())
    if not m:
        raise ValueError(f"not a size: {text!r} (like 1M, 250k)")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[m[2].lower()]
    return int(float(m[1]) * scale)


def orders_for(lines: int) -> int:
    return max(1, round(lines / LINES_PER_ORDER))


def size_dir(label: str) -> Path:
    return DATA / label


def csv_dir(label: str) -> Path:
    return size_dir(label) / "csv"


def db_file(label: str) -> Path:
    return size_dir(label) / "dashboard.duckdb"


def generated_marker(label: str) -> Path:
    return size_dir(label) / "generated.json"


def imported_marker(label: str) -> Path:
    return size_dir(label) / "imported.json"


# Periods ---------------------------------------------------------------------------------


def last_full_week(last_day: date) -> str:
    """The ISO week (label) of the last Sunday on or before `last_day`."""
    sunday = last_day - timedelta(days=(last_day.weekday() + 1) % 7)
    year, week, _ = sunday.isocalendar()
    return f"{year}-W{week:02d}"


def last_full_quarter(last_day: date) -> str:
    """The last quarter whose last day is on or before `last_day`."""
    q = (last_day.month - 1) // 3 + 1
    next_day = last_day + timedelta(days=1)
    if (next_day.month - 1) // 3 + 1 != q or next_day.year != last_day.year:
        return f"{last_day.year}-Q{q}"  # last_day closes its quarter
    year, q = (last_day.year, q - 1) if q > 1 else (last_day.year - 1, 4)
    return f"{year}-Q{q}"


# Machine ---------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    free = subprocess.run(["free", "-g"], capture_output=True, text=True).stdout
    mem = next((ln.split()[1] for ln in free.splitlines() if ln.startswith("Mem:")), "?")
    return {
        "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
        "memory_gb": mem,
        "cpu": cpu,
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


# Child steps -----------------------------------------------------------------------------


@dataclass
class StepResult:
    ok: bool
    times: list[float]  # the timed (warm) runs, seconds
    first: float | None  # the untimed warm-up run (cold within its process), seconds
    peak_mb: float | None
    info: dict
    error: str | None = None

    @property
    def median(self) -> float | None:
        if not self.times:
            return None
        xs = sorted(self.times)
        n = len(xs)
        return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def run_step(
    spec: dict, timeout: float = 4 * 3600, log=None, script: str = "step.py"
) -> StepResult:
    """Run benchmarks/<script> with `spec` in a fresh process; parse its last JSON line."""
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, str(BENCH / script), json.dumps(spec, default=str)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return StepResult(False, [], None, None, {}, f"timed out after {timeout:.0f} s")
    wall = time.perf_counter() - started
    if log:
        log.write(f"\n### {json.dumps(spec, default=str)} rc={proc.returncode} {wall:.1f}s\n")
        log.write(proc.stderr[-20000:])
        log.flush()
    payload = None
    for line in reversed(proc.stdout.strip().splitlines()):
        if line.startswith("{"):
            payload = json.loads(line)
            break
    if payload is None:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return StepResult(False, [], None, None, {}, f"rc={proc.returncode}: " + " | ".join(tail))
    return StepResult(
        payload.get("error") is None,
        payload.get("times", []),
        payload.get("first"),
        payload.get("peak_mb"),
        payload.get("info", {}),
        payload.get("error"),
    )


# Targets ---------------------------------------------------------------------------------

GB = 1024.0


@dataclass(frozen=True)
class Target:
    """`value <op> limit` passes; `unit` is how figures print."""

    limit: float
    op: str  # "<" or ">="
    unit: str

    def check(self, value: float | None) -> str:
        if value is None:
            return "MISS"
        ok = value < self.limit if self.op == "<" else value >= self.limit
        return "PASS" if ok else "MISS"

    def text(self) -> str:
        return f"{self.op} {fmt(self.limit, self.unit)}"


# (figure, size label) -> target, from the issue. Figures not listed print without a target.
TARGETS: dict[tuple[str, str], Target] = {
    ("weekly_review", "10M"): Target(1.0, "<", "s"),
    ("weekly_review vs pandas", "10M"): Target(20.0, ">=", "x"),
    ("quarterly_top20", "10M"): Target(1.0, "<", "s"),
    ("replay", "10M"): Target(1.0, "<", "s"),
    ("import", "10M"): Target(30.0, "<", "s"),
    ("peak memory", "10M"): Target(4 * GB, "<", "MB"),
    ("weekly_review", "100M"): Target(10.0, "<", "s"),
}


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "MB":
        return f"{value / GB:.2f} GB" if value >= GB else f"{value:.0f} MB"
    if unit == "x":
        return f"{value:.1f}x"
    if unit == "rows/s":
        return f"{value / 1e6:.2f} M/s"
    return f"{value:g} {unit}"
