"""Every import reconciles: rows read = loaded + rejected + blank, loaded = inserted + replaced,
on generated exports with bad cells, blank rows, malformed lines and repeated keys."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import store
from dashboard.importer import import_paths

GOOD_QTY = ["1", "2", "17"]
BAD_QTY = ["0", "-3", "2.5", "many"]
TIMES = ["2026-11-02T08:00:00Z", "2026-11-02 09:15", "11/3/2026 10:56", "not a time"]

row = st.fixed_dictionaries(
    {
        "order_id": st.sampled_from(["1001", "1002", "1003", "#1004", ""]),
        "line_id": st.sampled_from(["1", "2"]),
        "ordered_at": st.sampled_from(TIMES),
        "sku": st.sampled_from(["MUG-02", "APR-01", ""]),
        "qty": st.sampled_from(GOOD_QTY + BAD_QTY),
        "kind": st.sampled_from(["row", "row", "row", "blank", "malformed"]),
    }
)


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, max_size=30))
def test_rows_read_equal_loaded_plus_rejected_plus_blank(rows):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "order_lines.csv"
        with open(path, "w", newline="") as f:
            out = csv.writer(f)
            out.writerow(["order_id", "line_id", "ordered_at", "sku", "qty"])
            for r in rows:
                if r["kind"] == "blank":
                    out.writerow([""] * 5)
                elif r["kind"] == "malformed":
                    out.writerow([r["order_id"], r["line_id"], r["sku"]])
                else:
                    out.writerow([r["order_id"], r["line_id"], r["ordered_at"], r["sku"], r["qty"]])
        db = Path(tmp) / "db.duckdb"
        report = import_paths([path], db)
        (f,) = report.files
        assert f.status == "loaded"
        assert f.rows_read == len(rows)
        assert f.rows_read == f.rows_loaded + f.rows_rejected + f.rows_blank
        assert f.rows_loaded == f.rows_inserted + f.rows_replaced
        assert f.rows_blank == sum(r["kind"] == "blank" for r in rows)
        with store.connect(db) as con:
            stored = con.execute("select count(*) from order_lines").fetchone()[0]
            rejected_rows = con.execute("select count(distinct row) from rejects").fetchone()[0]
            bad_qty = con.execute(
                "select count(*) from rejects where column_name = 'qty'"
            ).fetchone()[0]
        assert stored == f.rows_inserted
        assert rejected_rows == f.rows_rejected
        assert bad_qty == sum(r["kind"] == "row" and r["qty"] in BAD_QTY for r in rows)
