"""Find the export files of an import and stage each one as a table of text.

A path is a file, a folder (read recursively, files in name order) or a ZIP of exports. CSV is
read by DuckDB's reader (`all_varchar`); only encodings it cannot read (cp1252 with its
0x80-0x9F characters, UTF-16 without a byte-order mark, ...) are transcoded to UTF-8 first.
Malformed lines (wrong number of fields) are kept as rejects through DuckDB's `store_rejects`.

The staged table `raw_<n>` keeps the file's own column names; the view `raw_<n>_rows` adds
`_pos` (0-based position among the records read) and `_row` (the record's row as a
spreadsheet shows it: header = row 1; Parquet: first record = row 1).
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
MAPPING_SUFFIX = ".toml"

# Encodings DuckDB's CSV reader handles itself, by the names Python and users give them.
DUCKDB_ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "utf-16": "utf-16",
    "utf16": "utf-16",
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
    rows: int  # records read (malformed lines not included)
    malformed: list[tuple[int, str, str]] = field(default_factory=list)  # row, line, reason
    notes: list[str] = field(default_factory=list)


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
        with zipfile.ZipFile(path) as archive:
            archive.extractall(target)
        _add(target, name, workdir, found, explicit=False)
        return
    if suffix == MAPPING_SUFFIX or path.name.startswith("."):
        return
    if suffix in CSV_SUFFIXES | PARQUET_SUFFIXES or explicit:
        sidecar = path.with_suffix(MAPPING_SUFFIX)
        found.append(SourceFile(path, name, sidecar if sidecar.exists() else None))


def sniff_encoding(path: Path) -> str:
    """utf-16 (byte-order mark), utf-8 (valid throughout), else cp1252 when a byte in
    0x80-0x9F occurs (Excel's "CSV" on Windows), else latin-1."""
    with open(path, "rb") as f:
        head = f.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for chunk in iter(lambda: f.read(CHUNK), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
        f.seek(0)
        for chunk in iter(lambda: f.read(CHUNK), b""):
            if re.search(rb"[\x80-\x9f]", chunk):
                return "cp1252"
    return "latin-1"


def _python_encoding(encoding: str) -> str:
    return "utf-8-sig" if encoding == "utf-8" else encoding


def sniff_delimiter(path: Path, encoding: str) -> str:
    """The separator the header line uses most: comma, semicolon, tab or pipe."""
    if path.suffix.lower() == ".tsv":
        return "\t"
    with open(path, encoding=_python_encoding(encoding), errors="replace", newline="") as f:
        header = f.readline()
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def transcode(path: Path, encoding: str, workdir: Path) -> Path:
    """A UTF-8 copy of a file in an encoding DuckDB cannot read, streamed in chunks."""
    out = workdir / f"transcoded{len(list(workdir.glob('transcoded*')))}.csv"
    with (
        open(path, encoding=encoding, errors="replace", newline="") as src,
        open(out, "w", encoding="utf-8", newline="") as dst,
    ):
        for chunk in iter(lambda: src.read(CHUNK), ""):
            dst.write(chunk)
    return out


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def stage(
    con: duckdb.DuckDBPyConnection,
    source: SourceFile,
    n: int,
    workdir: Path,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> Staged:
    """Read one file into `raw_<n>` (all text) and return its row view."""
    path = source.path
    if path.stat().st_size == 0:
        raise Refused("the file is empty")
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return _stage_parquet(con, path, n)
    if encoding is None:
        with open(path, "rb") as f:
            bom = f.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
        try:  # most exports are UTF-8: let DuckDB find out, scan the bytes only if not
            return _stage_csv(con, path, n, workdir, delimiter, "utf-16" if bom else "utf-8")
        except _NotUtf8:
            encoding = sniff_encoding(path)
    return _stage_csv(con, path, n, workdir, delimiter, encoding)


class _NotUtf8(Exception):
    pass


def _stage_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    n: int,
    workdir: Path,
    delimiter: str | None,
    encoding: str,
) -> Staged:
    notes = []
    encoding = encoding.lower()
    duck_encoding = DUCKDB_ENCODINGS.get(encoding)
    if duck_encoding is None:
        try:
            codecs.lookup(encoding)
        except LookupError as e:
            raise Refused(f"unknown encoding {encoding!r}") from e
        path = transcode(path, encoding, workdir)
        duck_encoding = "utf-8"
    if encoding not in ("utf-8", "utf8"):
        notes.append(f"read as {encoding}")
    delimiter = delimiter or sniff_delimiter(path, duck_encoding)
    if delimiter != ",":
        notes.append(f"separator {'tab' if delimiter == chr(9) else repr(delimiter)}")
    options = (
        f"all_varchar = true, header = true, delim = {_literal(delimiter)}, quote = '\"', "
        f"escape = '\"', encoding = {_literal(duck_encoding)}, null_padding = false, "
        # nothing left to guess: '#13527' is an order id, not a comment
        "comment = '', skip = 0"
    )
    raw = f"raw_{n}"
    read = f"read_csv({_literal(str(path))}, {options}"
    malformed: list[tuple[int, str, str]] = []
    try:
        con.execute(f"create or replace temp table {raw} as select * from {read})")
    except duckdb.Error as first:
        if "invalid unicode" in str(first).lower() and encoding in ("utf-8", "utf8"):
            raise _NotUtf8 from first
        # Malformed lines: read again, keeping them aside (slower, so only when needed).
        errors, scans = f"csv_errors_{n}", f"csv_scans_{n}"
        try:
            con.execute(
                f"create or replace temp table {raw} as select * from {read}, "
                f"store_rejects = true, rejects_table = '{errors}', rejects_scan = '{scans}')"
            )
        except duckdb.Error as second:
            raise Refused(_first_line(str(second))) from first
        malformed = [
            (line, text, f"malformed line: {message}")
            for line, text, message in con.execute(
                f"""select line, any_value(csv_line), string_agg(distinct error_message, '; ')
                from {errors} group by line order by line"""
            ).fetchall()
        ]
        if not malformed:
            raise Refused(_first_line(str(first))) from first
    columns = [d[0] for d in con.execute(f"select * from {raw} limit 0").description]
    rows = con.execute(f"select count(*) from {raw}").fetchone()[0]
    view = f"{raw}_rows"
    if malformed:
        # Good record p (1-based) sits at row p + 1 + (rejected lines before it).
        shift = f"shift_{n}"
        con.execute(
            f"""create or replace temp table {shift} as
            select k, max(i) as i from (
                select line - row_number() over (order by line) + 1 as k,
                    row_number() over (order by line) as i
                from (select distinct line from csv_errors_{n})
            ) group by k"""
        )
        con.execute(
            f"""create or replace temp view {view} as
            select r._pos, r._pos + 2 + coalesce(s.i, 0) as _row, r.* exclude (_pos)
            from (select rowid as _pos, * from {raw}) as r
            asof left join {shift} as s on r._pos + 2 >= s.k"""
        )
    else:
        con.execute(
            f"create or replace temp view {view} as select rowid as _pos, rowid + 2 as _row, * "
            f"from {raw}"
        )
    return Staged(view, columns, rows, malformed, notes)


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, n: int) -> Staged:
    raw = f"raw_{n}"
    try:
        con.execute(
            f"create or replace temp table {raw} as "
            f"select columns(*)::varchar from read_parquet({_literal(str(path))})"
        )
    except duckdb.Error as e:
        raise Refused(_first_line(str(e))) from e
    columns = [d[0] for d in con.execute(f"select * from {raw} limit 0").description]
    rows = con.execute(f"select count(*) from {raw}").fetchone()[0]
    view = f"{raw}_rows"
    con.execute(
        f"create or replace temp view {view} as select rowid as _pos, rowid + 1 as _row, * "
        f"from {raw}"
    )
    return Staged(view, columns, rows)


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "unreadable file"
