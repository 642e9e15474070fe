"""A clean CSV is loaded straight from the file (streamed, no staged copy); any file that needs
its row numbers falls back to the staged copy. Either way the database ends up the same: each
case here imports the same files twice, once as the importer chooses and once with streaming
turned off, and compares every stored row, reject and count."""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb
import numpy as np
import pytest
from polars.testing import assert_frame_equal
from test_import import EXPORTS, counts, query

from dashboard import contract, demo, importer
from dashboard.importer import import_paths, load, sources

HEADER = "order_id,line_id,ordered_at,sku,qty,unit_price,channel,shipped_at\n"


@pytest.fixture
def loads(monkeypatch) -> list[str]:
    """How each load went: "streamed", "needs staging: <why>" or "staged"."""
    seen: list[str] = []
    real = load.load

    def spy(con, n, shape, file_id, file_name, zone, streamed=False):
        try:
            loaded = real(con, n, shape, file_id, file_name, zone, streamed)
        except (load.NeedsStaging, duckdb.Error) as e:
            seen.append(f"needs staging: {sources.first_line(str(e))}")
            raise
        seen.append("streamed" if streamed else "staged")
        return loaded

    monkeypatch.setattr(load, "load", spy)
    return seen


def imported(db: Path, batches: list[list[Path]], **options) -> tuple:
    reports = [import_paths(paths, db, **options) for paths in batches]
    tables = {
        table: query(db, f"select * from {table} order by all")
        for table in ("order_lines", "shipments", "inbound", "contacts", "notices", "skus")
    }
    rejects = query(db, "select * from rejects order by all")
    return [counts(r) for r in reports], tables, rejects


def assert_same_as_staged(tmp_path, monkeypatch, batches: list[list[Path]], **options) -> None:
    streamed = imported(tmp_path / "streamed.duckdb", batches, **options)
    real_stage = sources.stage

    def staged_only(*args, **kwargs):
        return real_stage(*args, **{**kwargs, "stream": False})

    monkeypatch.setattr(sources, "stage", staged_only)
    staged = imported(tmp_path / "staged.duckdb", batches, **options)
    assert streamed[0] == staged[0]
    for table, rows in staged[1].items():
        assert_frame_equal(streamed[1][table], rows)
    assert_frame_equal(streamed[2], staged[2])


def test_the_demo_exports_stream_and_store_what_the_staged_path_stores(
    tmp_path, monkeypatch, loads
):
    files = demo.generate(tmp_path / "demo", orders=1500)
    assert_same_as_staged(
        tmp_path, monkeypatch, [list(files.values())], timezone=demo.DEMO_TIMEZONE
    )
    # six files streamed the first time; none the second (streaming turned off)
    assert loads[:6] == ["streamed"] * 6
    assert set(loads[6:]) == {"staged"}
    rows = query(tmp_path / "streamed.duckdb", "select count(*) as n from order_lines")
    assert int(rows["n"][0]) > 1500


def test_source_rows_of_a_streamed_file_are_its_lines(tmp_path, loads):
    body = "".join(
        f"#{i},1,2026-11-0{1 + i % 9}T10:00:00Z,A-{i % 7},{1 + i % 3},9.50,web,\n"
        for i in range(1, 3001)
    )
    path = tmp_path / "order_lines.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    report = import_paths([path], tmp_path / "db.duckdb")
    assert loads == ["streamed"]
    assert counts(report)[0][1:4] == ("loaded", 3000, 3000)
    rows = query(
        tmp_path / "db.duckdb",
        "select count(*) filter (where _source_row <> cast(substr(order_id, 2) as bigint) + 1) "
        "as off, min(_source_row) as first, max(_source_row) as last from order_lines",
    )
    assert rows.row(0) == ("0", "2", "3001")


def test_source_rows_across_row_groups_and_the_column_order_stay(tmp_path, loads):
    # 300,000 rows fill three of DuckDB's row groups (122,880 rows each): the numbers are
    # added after the insert, from the rowids, and _source_row stays the last column.
    body = "".join(f"#{i},1,2026-11-02T10:00:00Z,A-1,1,9.50,web,\n" for i in range(1, 300_001))
    path = tmp_path / "order_lines.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    import_paths([path], tmp_path / "db.duckdb")
    assert loads == ["streamed"]
    rows = query(
        tmp_path / "db.duckdb",
        "select count(*) filter (where _source_row <> cast(substr(order_id, 2) as bigint) + 1) "
        "as off, max(_source_row) as last from order_lines",
    )
    assert rows.row(0) == ("0", "300001")
    with duckdb.connect(str(tmp_path / "db.duckdb"), read_only=True) as con:
        columns = [d[0] for d in con.execute("select * from order_lines limit 0").description]
    assert columns == [c.name for c in contract.stored_columns(contract.TABLES["order_lines"])]


def test_number_rows_follows_the_rowids():
    # Rows deleted before numbering leave gaps in the rowids: the numbers keep them.
    con = duckdb.connect()
    con.execute("create table t as select range as id from range(10)")
    con.execute("delete from t where id in (3, 4)")
    load.number_rows(con, "t")
    rows = con.execute("select id, _source_row from t order by id").fetchall()
    assert rows == [(i, i + 2) for i in range(10) if i not in (3, 4)]


LINES = [
    "#1,1,2026-11-02T10:00:00Z,A-1,1,10.00,web,",
    "#2,1,2026-11-03T10:00:00Z,A-2,2,5.00,amazon,2026-11-04T09:00:00Z",
    "#3,1,2026-11-04T10:00:00Z,A-3,1,7.50,web,",
]


@pytest.mark.parametrize(
    ("case", "lines", "why"),
    [
        ("a bad value", [*LINES, "#4,1,2026-11-05T10:00:00Z,A-4,0,1.00,web,"], "a bad row"),
        ("a blank row", [LINES[0], ",,,,,,,", *LINES[1:]], "a blank row"),
        ("a repeated key", [*LINES, LINES[1].replace(",2,5.00,", ",3,5.00,")], "repeated key"),
        # past the sampled rows, a time without an offset: a wall time in the store's zone
        ("a late local time", [*LINES, "#4,1,2026-11-05 10:00,A-4,1,1.00,web,"], "a bad row"),
        ("a malformed line", [*LINES, '#4,1,2026-11-05T10:00:00Z,"A-4,1,1.00,web,'], None),
    ],
)
def test_a_file_that_needs_row_numbers_falls_back_to_the_staged_copy(
    tmp_path, monkeypatch, loads, case, lines, why
):
    monkeypatch.setattr(load, "FORM_SAMPLE", 2)
    path = tmp_path / "order_lines.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    assert_same_as_staged(tmp_path, monkeypatch, [[path]], timezone="America/New_York")
    first = [seen for seen in loads if seen != "staged"]
    if why:
        assert len(first) == 1 and why in first[0], (case, loads)
    else:  # DuckDB's reader refuses the file: it is read record by record, never streamed
        assert first == [], (case, loads)


def test_a_second_export_into_a_loaded_table_is_merged_from_the_staged_copy(
    tmp_path, monkeypatch, loads
):
    overlap = EXPORTS / "overlap"
    batches = [[overlap / "order_lines_2026-11-16.csv"], [overlap / "order_lines_2026-11-20.csv"]]
    assert_same_as_staged(tmp_path, monkeypatch, batches)
    assert loads[:3] == ["streamed", "needs staging: a merge needs the row order", "staged"]


def test_a_connection_that_may_reorder_rows_never_streams(tmp_path, monkeypatch, loads):
    real = importer.store.writing

    @contextlib.contextmanager
    def reordering(path):
        with real(path) as con:
            con.execute("set preserve_insertion_order = false")
            yield con

    monkeypatch.setattr(importer.store, "writing", reordering)
    path = tmp_path / "order_lines.csv"
    path.write_text(HEADER + "\n".join(LINES) + "\n", encoding="utf-8")
    assert_same_as_staged(tmp_path, monkeypatch, [[path]])
    assert loads[:2] == ["needs staging: rows may be inserted out of the file's order", "staged"]


@pytest.mark.parametrize(
    "text",
    [b"a\n\nb", b"ab\n\nc", b"a\n\r\nb", b"a\r\rb", b"\n\nab", b"ab\n\n", b"abc\n\n"],
)
def test_a_blank_line_is_found_at_any_offset(tmp_path, text):
    for at in range(4):  # the blank line at even and odd offsets, and across chunks
        path = tmp_path / "lines.csv"
        path.write_bytes(b"x" * at + text + b"\nrow\n")
        assert sources.sniff(path).blank_lines, (at, text)
    assert blank_line(b"a\n", b"\nb")
    assert blank_line(b"a\r", b"\rb")


def test_lines_without_a_blank_one_have_none(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_bytes(b"a,b\n1,2\r\n3,4\n" * 1000)
    assert not sources.sniff(path).blank_lines
    assert not blank_line(b"\n", b"a\nb\nc\r\n")


def blank_line(tail: bytes, chunk: bytes) -> bool:
    return sources._blank_line(tail, chunk, np.frombuffer(chunk, np.uint8))


@pytest.mark.parametrize(
    "text",
    [b"a, b", b"a ,b", b"a;b \n", b'a," b"', b'a,"b "', b"a\tb \r\n", b" a,b", b"a,b\n c"],
)
def test_a_space_that_may_begin_or_end_a_cell_is_found(tmp_path, text):
    path = tmp_path / "lines.csv"
    path.write_bytes(b"x,y\n" + text + b"\n")
    assert sources.sniff(path).edge_spaces, text


def test_spaces_inside_cells_leave_the_cells_untrimmed(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_bytes(b"x,y\nBlue Widget,2026-11-05 10:00\n" * 1000)
    assert not sources.sniff(path).edge_spaces


def test_cells_are_trimmed_and_empty_ones_null_either_way(tmp_path):
    """The same rows with and without spaces at cell edges load the same."""
    rows = ["#1,1,2026-11-05T10:00:00Z,A-1,2,5.00,web,", "#2,1,2026-11-05T11:00:00Z,A-2,1,,web,"]
    padded = [
        "#1 , 1,2026-11-05T10:00:00Z , A-1,2,5.00,web,  ",
        "#2,1,2026-11-05T11:00:00Z,A-2,1, ,web,",
    ]
    stored = []
    for name, lines in (("plain", rows), ("padded", padded)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "order_lines.csv").write_text(HEADER + "\n".join(lines) + "\n")
        db = folder / "d.duckdb"
        assert import_paths([folder / "order_lines.csv"], db).ok
        with duckdb.connect(str(db), read_only=True) as con:
            stored.append(
                con.sql(
                    "select order_id, line_id, sku, unit_price, channel, shipped_at "
                    "from order_lines order by 1"
                ).fetchall()
            )
    assert stored[0] == stored[1]
    assert stored[0][1][3] is None and stored[0][0][5] is None
