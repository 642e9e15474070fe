"""The app as tests and benchmarks drive it: a demo database, the server on a free port, and
the chromium that looks at it (the launch flags of shared/toolchain.md).

    db = build_demo(folder)
    with serve(db) as server:
        ...  # server.url answers; the server is terminated by its own PID afterwards
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


def build_demo(folder: Path, orders: int = 3000) -> Path:
    """`dashboard demo` into `folder`/demo.duckdb (its CSV in `folder`/csv), the way a user
    builds it; returns the database path."""
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
            str(orders),
            "--out",
            str(folder / "csv"),
            "--quiet",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Server:
    url: str
    pid: int


@contextlib.contextmanager
def serve(
    db: Path, log=subprocess.DEVNULL, timeout: float = 120, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """`streamlit run dashboard/app.py` on `db` and a free port; yields once
    /_stcore/health answers ok, then terminates the server by its own PID. `log` takes the
    server's output (a file, or DEVNULL); `env` adds to the environment it runs in."""
    port = free_port()
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
        env={**os.environ, **(env or {}), "DASHBOARD_DB": str(db)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://localhost:{port}"
    try:
        wait_healthy(url, proc, timeout)
        yield Server(url, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"streamlit did not become healthy in {timeout:.0f} s")
