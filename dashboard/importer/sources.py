"""Find the export files of an import and stage each one as a table of text.

A path is a file, a folder (read recursively, files in name order) or a ZIP of exports. CSV is
read by DuckDB's reader (`all_varchar`) when it is UTF-8 or Latin-1, has no empty lines and
reads whole. Anything else (cp1252, UTF-16 with or without a byte-order mark, UTF-8 with a few
foreign bytes, empty lines, malformed lines, stray quotes) is first rewritten record by record
by Python's csv reader (`normalise`): empty lines become blank rows, malformed records become
rejects with their row, and an unclosed quote refuses the file naming its row. Binary files
(images, workbooks) are refused.

The staged table `raw_<n>` keeps the file's own column names; the view `raw_<n>_rows` adds
`_pos` (0-based position among the records read) and `_row` (the record's row as a
spreadsheet shows it: header = row 1; Parquet: first record = row 1).
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
MAPPING_SUFFIX = ".toml"

# Encodings DuckDB's CSV reader handles itself, by the names Python and users give them.
DUCKDB_ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
    "iso8859-1": "latin-1",
}
CHUNK = 1 << 24


class Refused(Exception):
    """The file cannot be imported; the message says why, in the user's terms."""

    def __init__(self, message: str, table: str | None = None, kind: str | None = None):
        super().__init__(message)
        self.table, self.kind = table, kind


@dataclass
class SourceFile:
    path: Path  # where the bytes are (a ZIP member is extracted first)
    name: str  # as reported: the path given, or "archive.zip/member.csv"
    mapping: Path | None = None  # a `<stem>.toml` next to the file


@dataclass
class Staged:
    rows_view: str  # view with _pos, _row and the file's columns as text
    columns: list[str]  # the file's column names as read
    rows: int | None  # records read (malformed lines not included); streamed: not yet known
    malformed: list[tuple[int, str, str]] = field(default_factory=list)  # row, line, reason
    notes: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)  # the header line's names, as written
    streamed: bool = False  # rows_view reads the file itself: no _pos and _row (null)


def discover(paths: list[Path], workdir: Path) -> list[SourceFile]:
    """Every data file under `paths`, in the order given (folders and ZIPs by name)."""
    found: list[SourceFile] = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        _add(path, str(path), workdir, found, explicit=True)
    return found


def _add(path: Path, name: str, workdir: Path, found: list[SourceFile], explicit: bool) -> None:
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            relative = child.relative_to(path)
            if child.is_file() and not any(p.startswith(".") for p in relative.parts):
                _add(child, f"{name.rstrip('/')}/{relative.as_posix()}", workdir, found, False)
        return
    suffix = path.suffix.lower()
    if suffix == ".zip":
        target = workdir / f"zip{len(list(workdir.glob('zip*')))}"
        try:
            with zipfile.ZipFile(path) as archive:
                archive.extractall(target)
        except zipfile.BadZipFile as e:
            raise OSError(f"{name}: not a ZIP archive that can be read ({e})") from e
        _add(target, name, workdir, found, explicit=False)
        return
    if suffix == MAPPING_SUFFIX or path.name.startswith("."):
        return
    if suffix in CSV_SUFFIXES | PARQUET_SUFFIXES or explicit:
        sidecar = path.with_suffix(MAPPING_SUFFIX)
        found.append(SourceFile(path, name, sidecar if sidecar.exists() else None))


def sniff_encoding(path: Path) -> str:
    """utf-16 (byte-order mark, or zero bytes in every other place), utf-8 (valid
    throughout), utf-8+cp1252 (valid UTF-8 with a few bytes from another source, e.g. a row
    pasted from a Latin-1 file), else cp1252 when a byte in 0x80-0x9F occurs (Excel's "CSV" on
    Windows), else latin-1."""
    return sniff(path).encoding


@dataclass
class Sniffed:
    encoding: str
    blank_lines: bool = False  # empty lines, which DuckDB's reader skips without a trace
    first_bad_line: int | None = None  # utf-8+cp1252: the first line that is not UTF-8
    # A cell may begin or end with a space (then every cell is trimmed); False only when no
    # space in the file stands next to a separator, a quote or a line end.
    edge_spaces: bool = True


BLANK_LINE = re.compile(rb"\n\r?\n|\r\r")
VALID_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _binary(head: bytes) -> str | None:
    """Why the first bytes are not a text export, or None."""
    if head.startswith(b"PK\x03\x04"):
        return "it is a ZIP archive or an Excel workbook (.xlsx): save the sheet as CSV"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "it is an old Excel workbook (.xls): save the sheet as CSV"
    control = sum(b < 9 or 13 < b < 32 for b in head)
    if head and control / len(head) > 0.05:
        return "it holds binary data (an image, a workbook?), not exported rows"
    return None


def _utf16_without_bom(head: bytes) -> str | None:
    even, odd = head[0::2], head[1::2]
    if len(head) >= 8 and odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if len(head) >= 8 and even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


NEWLINES = 0x0A0A  # b"\n\n" as a 16-bit word, the same in either byte order
SEPARATORS = ",;\t|"  # the ones sniff_delimiter finds
CELL_EDGES = np.frombuffer((SEPARATORS + '"\n\r').encode(), np.uint8)


def _blank_line(tail: bytes, chunk: bytes, data: np.ndarray) -> bool:
    """`BLANK_LINE.search(tail + chunk)`, fast (`data`: the chunk as bytes): the regexp over
    every byte cost more than DuckDB's whole read of the file, and a byte search for two
    newlines 1.5 s per GB. Two newlines in a row are a 16-bit word at an even or an odd
    offset, compared as arrays (0.6 s per GB)."""
    if BLANK_LINE.search(tail + chunk[:2]):
        return True
    pairs = (len(data) - 1) // 2 * 2
    for start in (0, 1):
        if (data[start : start + pairs].view(np.uint16) == NEWLINES).any():
            return True
    return b"\r" in chunk and (b"\n\r\n" in chunk or b"\r\r" in chunk)


def _edge_space(chunk: bytes, data: np.ndarray) -> bool:
    """Whether a space in `chunk` (`data`: as bytes) may begin or end a cell: it stands next
    to a separator, a quote or a line end, or at the chunk's edge (not looked across)."""
    if b" " not in chunk:  # a byte search, 20x faster than the array compare
        return False
    spaces = np.flatnonzero(data == 0x20)
    if not len(spaces):
        return False
    if spaces[0] == 0 or spaces[-1] == len(data) - 1:
        return True
    return bool(
        np.isin(data[spaces - 1], CELL_EDGES).any() or np.isin(data[spaces + 1], CELL_EDGES).any()
    )


def _blank_and_edge(tail: bytes, chunk: bytes) -> tuple[bool, bool]:
    data = np.frombuffer(chunk, np.uint8)
    return _blank_line(tail, chunk, data), _edge_space(chunk, data)


def sniff(path: Path) -> Sniffed:
    with open(path, "rb") as f:
        head = f.read(1 << 16)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return Sniffed("utf-16")
        if bare := _utf16_without_bom(head):
            return Sniffed(bare)
        if why := _binary(head):
            raise Refused(f"not a text file: {why}")
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        found, tail = [], b""
        # The chunks' blank lines and edge spaces are looked for on other threads (NumPy lets
        # go of the GIL) while this one reads and decodes: 1.6 s -> 1.0 s for 1.2 GB.
        with ThreadPoolExecutor(2) as pool:
            try:
                for chunk in iter(lambda: f.read(CHUNK), b""):
                    if not (chunk.isascii() and not decoder.getstate()[0]):  # ASCII is UTF-8
                        decoder.decode(chunk)
                    found.append(pool.submit(_blank_and_edge, tail, chunk))
                    if len(found) > 4:  # a few chunks in memory, not the file
                        found[-5].result()
                    tail = chunk[-2:]
                decoder.decode(b"", final=True)
                marks = [f.result() for f in found]
                blank, edge = any(b for b, _ in marks), any(e for _, e in marks)
                return Sniffed("utf-8", blank, edge_spaces=edge)
            except UnicodeDecodeError:
                pass
        f.seek(0)
        cp1252, multibyte, blank, tail = False, False, False, b""
        for chunk in iter(lambda: f.read(CHUNK), b""):
            cp1252 = cp1252 or bool(re.search(rb"[\x80-\x9f]", chunk))
            multibyte = multibyte or bool(VALID_MULTIBYTE.search(chunk))
            blank = blank or _blank_line(tail, chunk, np.frombuffer(chunk, np.uint8))
            tail = chunk[-2:]
        if multibyte:
            return Sniffed("utf-8+cp1252", blank, _first_bad_line(path))
    return Sniffed("cp1252" if cp1252 else "latin-1", blank)


def _first_bad_line(path: Path) -> int:
    with open(path, "rb") as f:
        for number, line in enumerate(f, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 0


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    bad = error.object[error.start : error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("cp1252-fallback", _cp1252_fallback)


def _python_encoding(encoding: str) -> tuple[str, str]:
    """(codec, error handler) to read a file in `encoding` with Python."""
    if encoding == "utf-8+cp1252":
        return "utf-8-sig", "cp1252-fallback"
    return ("utf-8-sig" if encoding in ("utf-8", "utf8") else encoding), "replace"


def sniff_delimiter(path: Path, encoding: str) -> str:
    """The separator the header line uses most: comma, semicolon, tab or pipe."""
    if path.suffix.lower() == ".tsv":
        return "\t"
    codec, errors = _python_encoding(encoding)
    with open(path, encoding=codec, errors=errors, newline="") as f:
        header = f.readline()
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


ROW_COLUMN = "__source_row__"
LONGEST_KEPT_LINE = 100_000


def normalise(
    path: Path, encoding: str, delimiter: str, workdir: Path
) -> tuple[Path, list[tuple[int, str, str]]]:
    """A UTF-8 copy of a CSV, record by record (Python's csv reader, strict quoting), with
    the record's row as a last column: what DuckDB's reader cannot be trusted with. Empty
    lines become blank rows (DuckDB skips them, shifting every later row number); records
    with the wrong number of fields are left out and returned as (row, line, reason); a
    quote that is never closed properly refuses the file, naming its row."""
    out = workdir / f"normalised{len(list(workdir.glob('normalised*')))}.csv"
    codec, errors = _python_encoding(encoding)
    malformed: list[tuple[int, str, str]] = []
    csv.field_size_limit(2**31 - 1)
    with (
        open(path, encoding=codec, errors=errors, newline="") as src,
        open(out, "w", encoding="utf-8", newline="") as dst,
    ):
        consumed: list[str] = []

        def lines():
            for line in src:
                consumed.append(line)
                yield line

        reader = csv.reader(lines(), delimiter=delimiter, quotechar='"', strict=True)
        writer = csv.writer(dst, lineterminator="\n")
        row = 1
        try:
            header = next(reader, [])
            width = len(header)
            writer.writerow([*header, ROW_COLUMN])
            for record in reader:
                row += 1
                line = "".join(consumed).rstrip("\r\n")
                consumed.clear()
                if not record:
                    record = [""] * width
                if len(record) != width:
                    if len(line) > LONGEST_KEPT_LINE:
                        line = f"{line[:LONGEST_KEPT_LINE]}... ({len(line):,} characters)"
                    reason = (
                        f"malformed line: Expected Number of Columns: {width} Found: {len(record)}"
                    )
                    malformed.append((row, line, reason))
                    continue
                writer.writerow([*record, row])
        except csv.Error as e:
            raise Refused(
                f"row {row + 1}: {e}: a quote opened there is not closed properly, so the rows "
                "after it cannot be told apart; fix the quoting and import again"
            ) from e
    return out, malformed


def literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def clean(column: str) -> str:
    """Trimmed, empty = null (the LIKE test first: 5x cheaper than trimming every cell)."""
    c = ident(column)
    return f"nullif(case when {c} like ' %' or {c} like '% ' then trim({c}) else {c} end, '')"


def _cells(columns: list[str], trimmed: bool = False) -> str:
    """The select list of a row view: each column `clean`ed, unless the cells are known to be
    `trimmed` (DuckDB's reader already reads an empty cell, quoted or not, as null)."""
    return ", ".join(ident(c) if trimmed else f"{clean(c)} as {ident(c)}" for c in columns)


def stage(
    con: duckdb.DuckDBPyConnection,
    source: SourceFile,
    n: int,
    workdir: Path,
    delimiter: str | None = None,
    encoding: str | None = None,
    stream: bool = False,
) -> Staged:
    """Read one file into `raw_<n>` (all text) and return its row view.

    DuckDB reads a well-formed UTF-8 or Latin-1 file directly (fast). Other encodings, files
    with empty lines and files DuckDB cannot read whole go through `normalise` first. With
    `stream`, a file DuckDB reads directly is not copied at all: the row view reads the file
    each time, without row numbers (`load` then finds them from the insert order, or asks for
    the copy)."""
    path = source.path
    if path.stat().st_size == 0:
        raise Refused("the file is empty")
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return _stage_parquet(con, path, n)
    notes = []
    sniffed = Sniffed(encoding.lower()) if encoding else sniff(path)
    encoding = sniffed.encoding
    try:
        codecs.lookup(_python_encoding(encoding)[0])
    except LookupError as e:
        raise Refused(f"unknown encoding {encoding!r}") from e
    if encoding == "utf-8+cp1252":
        notes.append(
            f"read as utf-8; from line {sniffed.first_bad_line} some bytes are not UTF-8 and "
            "were read as cp1252 (a row pasted from another file?): check those rows"
        )
    elif encoding not in ("utf-8", "utf8"):
        notes.append(f"read as {encoding}")
    delimiter = delimiter or sniff_delimiter(path, encoding)
    if delimiter != ",":
        notes.append(f"separator {'tab' if delimiter == chr(9) else repr(delimiter)}")
    raw = f"raw_{n}"
    kind, table = _staging_table(con, raw, path, workdir)
    view = f"{raw}_rows"
    duck_encoding = DUCKDB_ENCODINGS.get(encoding)
    # No cell to trim: at 10M lines, trimming cost 12% of the load.
    trimmed = not sniffed.edge_spaces and delimiter in SEPARATORS
    if duck_encoding and not sniffed.blank_lines:
        reader = _read_csv(path, delimiter, duck_encoding)
        try:
            if stream:  # a malformed line fails the load, which then asks for the copy
                columns = [d[0] for d in con.execute(f"select * from {reader} limit 0").description]
                # The columns named, so that DuckDB's sniffer does not run again each time the
                # view is read (40 ms each, ten times before the load is done).
                named = _read_csv(path, delimiter, duck_encoding, columns)
                con.execute(
                    f"create or replace temp view {view} as select null::bigint as _pos, "
                    f"null::bigint as _row, {_cells(columns, trimmed)} from {named}"
                )
                header = _header(path, encoding, delimiter)
                return Staged(view, columns, None, [], notes, header, streamed=True)
            con.execute(f"create or replace {kind} {table} as select * from {reader}")
            columns = [d[0] for d in con.execute(f"select * from {table} limit 0").description]
            rows = con.execute(f"select count(*) from {table}").fetchone()[0]
            con.execute(
                f"create or replace temp view {view} as select rowid as _pos, rowid + 2 as _row, "
                f"{_cells(columns, trimmed)} from {table}"
            )
            return Staged(view, columns, rows, [], notes, _header(path, encoding, delimiter))
        except duckdb.OutOfMemoryException as e:
            raise Refused(f"out of memory while reading the file: {first_line(str(e))}") from e
        except duckdb.Error:
            pass  # malformed lines: read record by record below
    normalised, malformed = normalise(path, encoding, delimiter, workdir)
    try:
        con.execute(
            f"create or replace {kind} {table} as select * from "
            f"{_read_csv(normalised, ',', 'utf-8')}"
        )
    except duckdb.Error as e:
        raise Refused(first_line(str(e))) from e
    columns = [
        d[0]
        for d in con.execute(f"select * from {table} limit 0").description
        if d[0] != ROW_COLUMN
    ]
    rows = con.execute(f"select count(*) from {table}").fetchone()[0]
    con.execute(
        f"create or replace temp view {view} as select rowid as _pos, "
        f"cast({ROW_COLUMN} as bigint) as _row, {_cells(columns)} from {table}"
    )
    return Staged(view, columns, rows, malformed, notes, _header(path, encoding, delimiter))


# A file larger than this is staged into a scratch database on disk, not into an in-memory
# temp table: staging an 11 GB file (100M order lines) in a temp table ran out of memory under
# the 1 GB limit, while a table in a database file stays within it.
STAGE_ON_DISK_BYTES = 2 * 1024**3


def _staging_table(
    con: duckdb.DuckDBPyConnection, raw: str, path: Path, workdir: Path
) -> tuple[str, str]:
    """(kind, name) of the table for the file's text rows: a temp table, or `staging.<raw>`
    in the import's own folder for a file over STAGE_ON_DISK_BYTES (attached on first use,
    removed with the folder)."""
    if path.stat().st_size <= STAGE_ON_DISK_BYTES:
        return "temp table", f"temp.{raw}"
    attached = con.execute(
        "select count(*) from duckdb_databases() where database_name = 'staging'"
    ).fetchone()[0]
    if not attached:
        con.execute(f"attach {literal(str(workdir / 'staging.duckdb'))} as staging")
    return "table", f"staging.{raw}"


def _header(path: Path, encoding: str, delimiter: str) -> list[str]:
    codec, errors = _python_encoding(encoding)
    with open(path, encoding=codec, errors=errors, newline="") as f:
        try:
            return next(csv.reader(f, delimiter=delimiter, quotechar='"'), [])
        except csv.Error:
            return []


# DuckDB's CSV buffer: its default (16 MB) hands the insert pieces of more rows than a row group
# holds for a narrow file (10M shipments: 290k rows of 57 bytes each), which the insert writes as
# two full row groups and a partial one; DuckDB's checkpoint then merges those partial groups,
# rewriting the table on one thread, and again at the next write's checkpoint (10M shipments:
# 10.8 s, then 3.4 s). Pieces of 2 MB are merged into full row groups as they are inserted
# (7.8 s against 6.5 s for that insert, then nothing to merge); the order lines insert is no
# slower. 2 MB is also DuckDB's default longest line, which the buffer bounds.
CSV_BUFFER_BYTES = 2 * 1024 * 1024


def _read_csv(path: Path, delimiter: str, encoding: str, columns: list[str] | None = None) -> str:
    """DuckDB's reader of the file, every cell as text; with `columns` (the names a first read
    gave), without detecting anything."""
    options = (
        f"all_varchar = true, header = true, delim = {literal(delimiter)}, quote = '\"', "
        f"escape = '\"', encoding = {literal(encoding)}, null_padding = false, "
        # nothing left to guess: '#13527' is an order id, not a comment
        "comment = '', skip = 0, "
        f"buffer_size = {CSV_BUFFER_BYTES}"
    )
    if columns:
        named = ", ".join(f"{literal(c)}: 'VARCHAR'" for c in columns)
        options += f", auto_detect = false, columns = {{{named}}}"
    return f"read_csv({literal(str(path))}, {options})"


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, n: int) -> Staged:
    raw = f"raw_{n}"
    try:
        con.execute(
            f"create or replace temp table {raw} as "
            f"select columns(*)::varchar from read_parquet({literal(str(path))})"
        )
    except duckdb.Error as e:
        raise Refused(first_line(str(e))) from e
    columns = [d[0] for d in con.execute(f"select * from {raw} limit 0").description]
    rows = con.execute(f"select count(*) from {raw}").fetchone()[0]
    view = f"{raw}_rows"
    con.execute(
        f"create or replace temp view {view} as select rowid as _pos, rowid + 1 as _row, "
        f"{_cells(columns)} from {raw}"
    )
    return Staged(view, columns, rows)


def first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "unreadable file"
