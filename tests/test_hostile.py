"""The hostile corpus (tests/hostile/<case>/): every input is imported on top of a small
previous dataset and its report is checked against the case's expected.toml.

expected.toml per case:
- `about`: what is hostile about the input;
- `[[file]]`: per reported file (its name relative to the case folder, ZIP members as
  `x.zip/member`): `status` (loaded/refused), `table`, `counts` = [read, loaded, rejected,
  blank], `inserted`/`replaced` (default: all loaded rows inserted), `rejects` = every reject
  as [row, column ("" = the whole line), reason substring], `notes` (substrings), `message`
  (substring of the refusal);
- `problems`: the referential problems, exactly; `error`: the whole import refused;
- `[[value]]`: a query over the database and its rows as text (null = ""), to show nothing
  was garbled or invented;
- `generate`: the input is written at test time (too big or too odd to commit).

For every case, whatever it expects: no exception; rows read = loaded + rejected + blank; the
rejects table holds one row per bad cell naming file, row, column and reason; every stored
row of the file points at a row that was not rejected; every table the import did not load
into is exactly as before (a refused file changes nothing).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import duckdb
import psutil
import pytest

from dashboard import store
from dashboard.contract import TABLES
from dashboard.importer import import_paths

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).parent / "hostile"
CASES = sorted(p.name for p in HOSTILE.iterdir() if (p / "expected.toml").exists())
ORDER_LINES = (
    "order_id,line_id,ordered_at,sku,qty,unit_price,channel,customer_id,backordered_qty,"
    "shipped_at,canceled_at"
)
PREVIOUS = {
    "order_lines.csv": f"{ORDER_LINES}\n"
    "P-1,1,2026-10-01T08:00:00Z,MUG-02,1,9.00,web,,0,,\n"
    "P-2,1,2026-10-02T08:00:00Z,APR-01,2,24.00,web,,1,,\n",
    "skus.csv": "sku,title,family,supplier,price\n"
    "MUG-02,Mug,Kitchen,Poterie,9\nAPR-01,Apron,Textiles,Weaver,24\n",
    "shipments.csv": "shipment_id,order_id,shipped_at,shipping_cost\n"
    "PS-1,P-1,2026-10-02T08:00:00Z,4.5\n",
}


def test_the_corpus_has_at_least_40_cases():
    assert len(CASES) >= 40, CASES


# --- generated inputs -------------------------------------------------------------------


def hundred_k_columns(folder: Path) -> None:
    wide = ",".join(["x"] * 100_000)
    (folder / "order_lines.csv").write_text(
        f"{ORDER_LINES}\n"
        "HK-1,1,2026-11-02T08:00:00Z,MUG-02,1,9.00,web,,0,,\n"
        f"{wide}\n"
        "HK-2,1,2026-11-02T09:00:00Z,APR-01,1,9.00,web,,0,,\n"
    )


def long_cell(folder: Path) -> None:
    (folder / "skus.csv").write_text(
        f'sku,title,price\nLC-1,"{"lorem, ipsum " * 76_923}x",9\nLC-2,Mug,9\n'
    )
    text = (folder / "skus.csv").read_text()
    assert len(text.splitlines()[1]) == len('LC-1,"",9') + 1_000_000


GENERATORS = {"hundred_k_columns": hundred_k_columns, "long_cell": long_cell}


# --- helpers ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def previous(tmp_path_factory) -> Path:
    """The database every case is imported on top of."""
    folder = tmp_path_factory.mktemp("previous")
    for name, text in PREVIOUS.items():
        (folder / name).write_text(text)
    db = folder / "previous.duckdb"
    report = import_paths([folder / name for name in PREVIOUS], db)
    assert report.ok, report.format()
    return db


def snapshot(db: Path) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent checksum of every canonical table."""
    with store.connect(db) as con:
        return {
            t: tuple(
                con.execute(f"select count(*), coalesce(sum(hash(t)), 0) from {t} as t").fetchall()[
                    0
                ]
            )
            for t in TABLES
        }


def text_rows(db: Path, sql: str) -> list[list[str]]:
    with store.connect(db) as con:
        con.execute("set TimeZone = 'UTC'")
        rows = con.execute(f"select columns(*)::varchar from ({sql})").fetchall()
    return [["" if v is None else v for v in row] for row in rows]


def stage_inputs(case: str, spec: dict, folder: Path) -> list[Path]:
    folder.mkdir()
    if spec.get("generate"):
        GENERATORS[spec["generate"]](folder)
    for f in sorted((HOSTILE / case).iterdir()):
        if f.name != "expected.toml":
            shutil.copyfile(f, folder / f.name)
    return sorted(folder.iterdir())


def check_loaded(db: Path, f, expected: dict, shown: str) -> None:
    read, loaded, rejected, blank = expected["counts"]
    assert (f.rows_read, f.rows_loaded, f.rows_rejected, f.rows_blank) == (
        read,
        loaded,
        rejected,
        blank,
    ), f.notes
    assert f.rows_read == f.rows_loaded + f.rows_rejected + f.rows_blank
    assert (f.rows_inserted, f.rows_replaced) == (
        expected.get("inserted", loaded),
        expected.get("replaced", 0),
    )
    for note in expected.get("notes", []):
        assert any(note in n for n in f.notes), (note, f.notes)

    # Every bad cell is in the rejects table, naming file, row, column and reason.
    with store.connect(db) as con:
        actual = con.execute(
            "select file, row, coalesce(column_name, ''), value, reason from rejects "
            "where file_id = ? order by row, column_name",
            [f.file_id],
        ).fetchall()
        stored_rows = [
            r
            for (r,) in con.execute(
                f"select _source_row from {f.table_name} where _import_id = ?", [f.file_id]
            ).fetchall()
        ]
    assert {file for file, *_ in actual} <= {f.file}
    assert all(row is not None and reason for _, row, _, _, reason in actual)
    wanted = [tuple(r) for r in expected.get("rejects", [])]
    assert len(actual) == len(wanted), actual
    for row, column, reason in wanted:
        hits = [a for a in actual if a[1] == row and a[2] == column and reason in a[4]]
        assert len(hits) == 1, (row, column, reason, actual)
    assert len({row for _, row, *_ in actual}) == f.rows_rejected == rejected
    assert f.reject_cells == len(actual)

    # Nothing invented: each stored row comes from one row of the file that was not rejected.
    assert len(stored_rows) == len(set(stored_rows)) <= f.rows_loaded
    assert not set(stored_rows) & {row for _, row, *_ in actual}
    assert all(1 <= r <= f.rows_read + 1 + read for r in stored_rows)

    # The printed report names the file and, for the rejects it shows, row and column.
    assert f"{f.file} -> {f.table_name}" in shown
    for row, column, _, _ in f.rejects:
        assert f"{f.file} row {row}, {column or 'whole line'}," in shown


@pytest.mark.parametrize("case", CASES)
def test_hostile_input(case, previous, tmp_path):
    spec = tomllib.loads((HOSTILE / case / "expected.toml").read_text(encoding="utf-8"))
    assert spec["about"]
    db = tmp_path / "db.duckdb"
    shutil.copyfile(previous, db)
    folder = tmp_path / "in"
    paths = stage_inputs(case, spec, folder)
    before = snapshot(db)

    report = import_paths(paths, db)

    after = snapshot(db)
    shown = report.format()
    if "error" in spec:
        assert report.files == []
        assert spec["error"] in report.error
        assert shown.startswith("import refused, nothing changed:")
        assert after == before
        return
    assert report.error is None
    names = [str(Path(f.file).relative_to(folder)) for f in report.files]
    assert sorted(names) == sorted(e["name"] for e in spec["file"])
    by_name = dict(zip(names, report.files, strict=True))
    for expected in spec["file"]:
        f = by_name[expected["name"]]
        assert f.status == expected["status"], f.message
        if "table" in expected:
            assert f.table_name == expected["table"]
        if f.status == "refused":
            assert expected["message"] in f.message
            assert f"{f.file}: REFUSED: {f.message}" in shown
            assert f.rows_loaded == f.rows_rejected == 0
        else:
            check_loaded(db, f, expected, shown)
    assert report.ok == all(e["status"] == "loaded" for e in spec["file"])

    # Tables no file loaded into are untouched; the others grew by exactly what was inserted.
    loaded = {f.table_name for f in report.files if f.status == "loaded"}
    for table in TABLES:
        if table not in loaded:
            assert after[table] == before[table], table
        else:
            inserted = sum(
                f.rows_inserted
                for f in report.files
                if f.status == "loaded" and f.table_name == table
            )
            assert after[table][0] == before[table][0] + inserted, table
    assert report.problems == spec.get("problems", [])
    for value in spec.get("value", []):
        assert text_rows(db, value["sql"]) == value["rows"], value["sql"]


def test_zip_members_never_land_outside_the_import_folder(tmp_path):
    db = tmp_path / "db.duckdb"
    shutil.copyfile(HOSTILE / "zip_slip" / "exports.zip", tmp_path / "exports.zip")
    report = import_paths([tmp_path / "exports.zip"], db)
    assert [f.status for f in report.files] == ["loaded", "loaded"]
    assert not list(tmp_path.parent.rglob("escaped_order_lines.csv"))
    assert not Path("/abs/skus.csv").exists()


# --- a 1 GB export ----------------------------------------------------------------------

GIGABYTE = 1 << 30


def write_gigabyte(path: Path) -> int:
    """~1 GB of order lines (each with a 1 KB note), streamed by DuckDB; returns the rows."""
    rows = GIGABYTE // 1100
    duckdb.sql(
        f"""copy (
            select 'G' || i::varchar as order_id, '1' as line_id,
                strftime(timestamp '2026-01-01' + to_seconds(i % 86400 * 300), '%Y-%m-%dT%H:%M:%SZ')
                    as ordered_at,
                'SKU-' || (i % 300)::varchar as sku,
                case when i % 100000 = 7 then 'lots' else (1 + i % 4)::varchar end as qty,
                repeat(chr(97 + (i % 26)::integer), 1024) as customer_id
            from range({rows}) as r(i)
        ) to '{path}' (header)"""
    )
    return rows


@pytest.mark.slow
def test_one_gigabyte_export_loads_with_bounded_memory(tmp_path):
    csv = tmp_path / "order_lines.csv"
    rows = write_gigabyte(csv)
    assert csv.stat().st_size >= GIGABYTE * 0.95
    db = tmp_path / "db.duckdb"
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "--db", str(db), "import", "--quiet", str(csv)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    watched = psutil.Process(proc.pid)
    peak = 0
    started = time.monotonic()
    while proc.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.1)
    out, err = proc.communicate()
    seconds = time.monotonic() - started
    assert proc.returncode == 0, err.decode()
    bad = len(range(7, rows, 100_000))
    assert (
        f"read {rows} = loaded {rows - bad} + rejected {bad} + blank 0; inserted {rows - bad}"
        in out.decode()
    )
    # The file is streamed, never held whole in memory.
    assert peak < 1.5 * GIGABYTE, f"peak {peak / GIGABYTE:.2f} GB in {seconds:.0f} s"
    with store.connect(db) as con:
        assert con.execute("select count(*) from order_lines").fetchall() == [(rows - bad,)]
        assert con.execute("select count(distinct row) from rejects").fetchall() == [(bad,)]
    print(f"1 GB import: {seconds:.0f} s, peak {peak / GIGABYTE:.2f} GB")
