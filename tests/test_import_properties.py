"""Hypothesis: messy CSVs (encodings, separators, quoting, line endings, blank rows, empty
lines, malformed lines, bad cells, repeated keys, quotes and newlines inside values) never lose
or invent a row.

For each generated file the expected outcome is computed independently, row by row: which rows
are blank, which are rejected (and for which columns), and which row of each key is stored
(the last loaded one). The import must match it exactly: rows read = loaded + rejected +
blank, every rejected row is in `rejects` with its bad columns, every stored row is traceable
through `_import_id` and `_source_row` to the row of the file that holds exactly its values.
(tests/test_import_reconciliation.py checks the counts on comma-separated UTF-8 files; this
adds encodings, separators, quoting and the row-level trace.)
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import store
from dashboard.importer import import_paths

HEADER = ["order_id", "line_id", "ordered_at", "sku", "qty", "note"]
BAD_QTY = {"0": "expected an integer >= 1", "-1": "expected an integer >= 1",
           "2.5": "expected an integer >= 1", "many": "expected an integer >= 1"}  # fmt: skip
GOOD_QTY = ["1", "3", " 2 ", "4.0"]
GOOD_TIMES = ["2026-11-02T08:00:00Z", "2026-11-02 09:15", "2026-11-03T10:00:00+02:00"]
BAD_TIMES = ["not a time", "2026-02-30T08:00:00Z", "2150-01-01T00:00:00Z"]
# Text every encoding below can hold, with separators, quotes and newlines inside values.
TEXT = ["MUG-02", "Crème brûlée", 'say "hi"', "a,b", "a;b", "tab\there", "two\nlines",
        "pipe|x", "naïve café", "#13527", "000123", "=1+2", "'quoted'"]  # fmt: skip
ENCODINGS = ["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16"]
DELIMITERS = [",", ";", "\t", "|"]
QUOTING = [csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]

record = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["row"] * 6 + ["blank", "empty_line", "malformed"]),
        "order_id": st.sampled_from(["1001", "1002", "#1003", "000104", ""]),
        "line_id": st.sampled_from(["1", "2"]),
        "ordered_at": st.sampled_from(GOOD_TIMES * 3 + BAD_TIMES),
        "sku": st.sampled_from(TEXT),
        "qty": st.sampled_from(GOOD_QTY * 2 + list(BAD_QTY)),
        "note": st.sampled_from(["", *TEXT]),
    }
)
layout = st.fixed_dictionaries(
    {
        "encoding": st.sampled_from(ENCODINGS),
        "delimiter": st.sampled_from(DELIMITERS),
        "quoting": st.sampled_from(QUOTING),
        "newline": st.sampled_from(["\n", "\r\n"]),
    }
)


def render(records: list[dict], form: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=form["delimiter"], quoting=form["quoting"], lineterminator=form["newline"]
    )
    writer.writerow(HEADER)
    for r in records:
        if r["kind"] == "empty_line":
            out.write(form["newline"])
        elif r["kind"] == "blank":  # Excel's row of empty cells
            out.write(form["delimiter"] * (len(HEADER) - 1) + form["newline"])
        elif r["kind"] == "malformed":
            writer.writerow([r["order_id"] or "X", r["line_id"], r["sku"]])
        else:
            writer.writerow([r[c] for c in HEADER])
    return out.getvalue().encode(form["encoding"])


def expected_outcome(records: list[dict]):
    """(blank rows, {rejected row: {column: reason}}, {key: stored row})."""
    blank, rejected, stored = set(), {}, {}
    for i, r in enumerate(records):
        row = i + 2  # header = row 1
        if r["kind"] in ("blank", "empty_line"):
            blank.add(row)
            continue
        if r["kind"] == "malformed":
            rejected[row] = {"": "malformed line"}
            continue
        bad = {}
        if not r["order_id"]:
            bad["order_id"] = "required value missing"
        if r["ordered_at"] in BAD_TIMES:
            bad["ordered_at"] = "expected"
        if r["qty"] in BAD_QTY:
            bad["qty"] = BAD_QTY[r["qty"]]
        if bad:
            rejected[row] = bad
        else:
            stored[(r["order_id"], r["line_id"])] = row
    return blank, rejected, stored


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(record, max_size=14), layout)
def test_messy_csvs_lose_and_invent_nothing(records, form):
    blank, rejected, stored = expected_outcome(records)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "order_lines.csv"
        path.write_bytes(render(records, form))
        db = Path(tmp) / "db.duckdb"
        report = import_paths([path], db)
        assert report.error is None
        (f,) = report.files
        assert f.status == "loaded", f.message
        assert f.rows_read == len(records)
        assert f.rows_read == f.rows_loaded + f.rows_rejected + f.rows_blank
        assert f.rows_blank == len(blank)
        assert f.rows_rejected == len(rejected)
        assert f.rows_loaded == len(records) - len(blank) - len(rejected)
        assert f.rows_loaded == f.rows_inserted + f.rows_replaced
        assert f.rows_inserted == len(stored)

        with store.connect(db) as con:
            rejects = con.execute(
                "select row, coalesce(column_name, ''), reason from rejects where file_id = ?",
                [f.file_id],
            ).fetchall()
            rows = con.execute(
                "select order_id, line_id, sku, qty, _import_id, _source_row from order_lines"
            ).fetchall()
        # every rejected row is in rejects, with exactly its bad columns
        got: dict[int, dict[str, str]] = {}
        for row, column, reason in rejects:
            got.setdefault(row, {})[column] = reason
        assert set(got) == set(rejected)
        for row, columns in rejected.items():
            assert set(got[row]) == set(columns), row
            for column, reason in columns.items():
                assert reason in got[row][column], (row, column, got[row][column])
        # every stored row is the last loaded row of its key, with the file's own values
        assert {(o, line): source for o, line, _, _, _, source in rows} == stored
        for order_id, _, sku, qty, import_id, source in rows:
            r = records[source - 2]
            assert import_id == f.file_id
            assert (order_id, sku, qty) == (r["order_id"], r["sku"].strip(), int(float(r["qty"])))
