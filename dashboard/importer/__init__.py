"""Import exports into the canonical tables: `import_paths(paths, db, ...)`.

One call is one `store.writing(db)` block: every file of the call lands together (one atomic
swap of the database file) or nothing changes. Per file: stage (sources.py), recognise its
shape (shapes.py), cast and validate in SQL (values.py, load.py), merge by key. Then column
presence, sku attributes, the import log and referential checks. docs/importing.md is the
user's side of this.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from dashboard import store
from dashboard.contract import TABLES
from dashboard.importer import load, shapes, sources, values
from dashboard.importer.sources import Refused

__all__ = ["FileReport", "ImportReport", "import_paths"]

DEFAULT_CURRENCY = "USD"
MEMORY_LIMIT = "1GB"
SHOWN_REJECTS = 5


@dataclass
class FileReport:
    """One row of `import_files`."""

    file_id: int
    import_id: int
    file: str
    table_name: str | None
    source_kind: str | None
    status: str  # "loaded" or "refused"
    message: str | None = None
    columns: list[str] = field(default_factory=list)  # canonical columns carried
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_blank: int = 0
    rows_inserted: int = 0
    rows_replaced: int = 0
    notes: list[str] = field(default_factory=list)
    rejects: list[tuple] = field(default_factory=list)  # first rejects: row, column, value, reason
    reject_cells: int = 0
    currency: str | None = None  # the file's currency column's one value, when it has one
    seconds: float = 0.0

    def line(self) -> str:
        if self.status != "loaded":
            return f"{self.file}: REFUSED: {self.message}"
        return (
            f"{self.file} -> {self.table_name} ({self.source_kind}): read {self.rows_read} = "
            f"loaded {self.rows_loaded} + rejected {self.rows_rejected} + blank "
            f"{self.rows_blank}; inserted {self.rows_inserted}, replaced {self.rows_replaced}"
        )


@dataclass
class ImportReport:
    import_id: int | None
    files: list[FileReport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # referential problems
    error: str | None = None  # the whole import was refused (nothing changed)
    timezone: str | None = None
    currency: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and all(f.status == "loaded" for f in self.files)

    def format(self) -> str:
        if self.error:
            return f"import refused, nothing changed: {self.error}"
        out = []
        for f in self.files:
            out.append(f.line())
            out += [f"  note: {note}" for note in f.notes]
            if f.rejects:
                out.append(
                    f"  rejects: {f.rows_rejected} rows, {f.reject_cells} cells "
                    f"(first {len(f.rejects)} here, all in the rejects table):"
                )
                out += [
                    f"    {f.file} row {row}, {column or 'whole line'}, {value!r}: {reason}"
                    for row, column, value, reason in f.rejects
                ]
        if self.problems:
            out.append("referential problems:")
            out += [f"  {p}" for p in self.problems]
        loaded = sum(f.status == "loaded" for f in self.files)
        out.append(
            f"{loaded} of {len(self.files)} files loaded in {self.seconds:.1f} s "
            f"(time zone {self.timezone}, currency {self.currency})"
        )
        return "\n".join(out)


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"unknown time zone {name!r} (use a name like Europe/Berlin)") from e
    return name


def import_paths(
    paths: Sequence[Path],
    db: Path,
    mapping: Path | None = None,
    timezone: str | None = None,
    currency: str | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> ImportReport:
    """Import files, folders and ZIPs of exports into `db` in one atomic write."""
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    say = progress or (lambda fraction, message: None)
    try:
        explicit = shapes.load_mapping(Path(mapping)) if mapping else None
        if timezone:
            _zone(timezone)
    except ValueError as e:
        return ImportReport(None, error=str(e))
    with tempfile.TemporaryDirectory(prefix="import-") as tmp, store.writing(Path(db)) as con:
        workdir = Path(tmp)
        # Bounded memory: beyond this DuckDB spills to the import's own folder (a 1 GB export
        # otherwise peaked near 4 GB).
        con.execute(f"set temp_directory = '{workdir.as_posix()}'")
        con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
        try:
            found = sources.discover([Path(p) for p in paths], workdir)
        except (FileNotFoundError, OSError) as e:
            return ImportReport(None, error=str(e))
        settings = store.dataset_settings(con)
        zone = timezone or settings.get("timezone") or "UTC"
        money = (currency or settings.get("currency") or "").upper() or None
        saved = settings.get("currency")
        if currency and saved and saved != money and _has_rows(con):
            return ImportReport(
                None,
                error=f"the dataset's currency is {settings['currency']}, not {money}; a "
                "dataset holds one currency (start a new database for another)",
            )
        new_dates = bool(settings.get("timezone")) and zone != settings["timezone"]
        if new_dates:
            recompute_local_dates(con, zone)
        con.execute("set TimeZone = 'UTC'")
        import_id = _next(con, "imports", "import_id")
        file_id = first_file_id = _next(con, "import_files", "file_id")
        report = ImportReport(import_id, timezone=zone)
        for i, source in enumerate(found):
            say(i / max(len(found), 1), f"reading {source.name}")
            f = _import_file(con, source, import_id, file_id, explicit, workdir, zone, money, i)
            _drop_temp(con, keep=store.REPLACED)  # the file's staged rows: the next file's memory
            money = money or f.currency
            report.files.append(f)
            _record_file(con, f)
            file_id += 1
        say(0.95, "checking references")
        report.currency = money or DEFAULT_CURRENCY
        update_presence(con)
        store.refresh_derived(con, None if new_dates else first_file_id)
        report.problems = referential_problems(con)
        con.execute("insert or replace into dataset values ('timezone', ?)", [zone])
        if money:  # known: given, saved, or read from a file; a default is not a decision
            con.execute("insert or replace into dataset values ('currency', ?)", [money])
        con.execute(
            "insert into imports values (?, ?, ?, ?)",
            [import_id, started_at, datetime.now(UTC), _command(paths)],
        )
        _drop_temp(con)
        say(0.99, "saving")
    report.seconds = time.perf_counter() - started
    say(1.0, "done")
    return report


def _command(paths: Sequence[Path]) -> str:
    if sys.argv and Path(sys.argv[0]).name in ("dashboard", "__main__.py"):
        return " ".join(["dashboard", *sys.argv[1:]])
    return "import " + " ".join(str(p) for p in paths)


def _next(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    return con.execute(f"select coalesce(max({column}), 0) + 1 from {table}").fetchone()[0]


def _has_rows(con: duckdb.DuckDBPyConnection) -> bool:
    return any(
        con.execute(f"select count(*) > 0 from (from {t} limit 1)").fetchone()[0] for t in TABLES
    )


def _import_file(
    con: duckdb.DuckDBPyConnection,
    source: sources.SourceFile,
    import_id: int,
    file_id: int,
    explicit: shapes.Mapping | None,
    workdir: Path,
    zone: str,
    currency: str | None,
    n: int,
) -> FileReport:
    started = time.perf_counter()
    f = FileReport(file_id, import_id, source.name, None, None, "refused")
    try:
        mapping = explicit if explicit and explicit.applies_to(source.name) else None
        if source.mapping is not None:
            mapping = shapes.load_mapping(source.mapping)

        def staged_and_shaped(stream: bool) -> tuple[sources.Staged, shapes.Shape]:
            staged = sources.stage(
                con,
                source,
                n,
                workdir,
                delimiter=mapping.delimiter if mapping else None,
                encoding=mapping.encoding if mapping else None,
                stream=stream,
            )
            shape = shapes.shape(staged.columns, source.name, staged.rows_view, mapping)
            f.table_name, f.source_kind = shape.table.name, shape.kind
            _check_header(staged, shape)
            if staged.streamed and shape.materialize:  # window functions over the file
                return staged_and_shaped(stream=False)
            kind = "table" if shape.materialize else "view"
            con.execute(f"create or replace temp {kind} src_{n} as {shape.sql}")
            return staged, shape

        def loaded_in_one_transaction(staged, shape) -> tuple[str | None, load.Loaded]:
            """(the file's currency, what was loaded)."""
            con.execute("begin transaction")
            try:
                with load.unless_unreadable(staged.streamed):
                    found_currency = load.check_currency(con, f"src_{n}", shape, currency)
                    loaded = load.load(con, n, shape, file_id, source.name, zone, staged.streamed)
                for row, line, reason in staged.malformed:
                    con.execute(
                        "insert into rejects values (?, ?, ?, ?, ?, ?)",
                        [file_id, source.name, row, None, line, reason],
                    )
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
            return found_currency, loaded

        # First straight from the file; a file that needs its row numbers (blank or bad
        # rows, a repeated key, a merge) is then loaded from a staged copy.
        staged, shape = staged_and_shaped(stream=True)
        try:
            found_currency, loaded = loaded_in_one_transaction(staged, shape)
        except load.NeedsStaging:
            staged, shape = staged_and_shaped(stream=False)
            found_currency, loaded = loaded_in_one_transaction(staged, shape)
        f.notes += staged.notes
        f.columns = shape.carried
        if shape.kind != "shopify":
            used = {*shape.source_names.values(), shape.currency_column}
            ignored = [c for c in staged.columns if c not in used]
            if ignored:
                f.notes.append(
                    f"columns not imported (not in the contract for {shape.table.name}): "
                    + ", ".join(ignored)
                )
        f.status = "loaded"
        f.rows_blank = loaded.rows_blank
        f.rows_rejected = loaded.rows_rejected + len(staged.malformed)
        f.rows_loaded = loaded.rows_loaded
        f.rows_inserted, f.rows_replaced = loaded.rows_inserted, loaded.rows_replaced
        f.rows_read = f.rows_loaded + f.rows_rejected + f.rows_blank
        if not staged.streamed:  # streamed: every row read was loaded
            assert f.rows_read == staged.rows + len(staged.malformed), "rows lost"
        f.notes += loaded.notes
        if found_currency:
            f.currency = found_currency
            f.notes.append(f"currency {found_currency}")
        f.reject_cells = con.execute(
            "select count(*) from rejects where file_id = ?", [file_id]
        ).fetchone()[0]
        f.rejects = con.execute(
            "select row, column_name, value, reason from rejects where file_id = ? "
            "order by row, column_name limit ?",
            [file_id, SHOWN_REJECTS],
        ).fetchall()
    except (Refused, ValueError, duckdb.Error) as e:
        f.status, f.message = "refused", str(e).strip().splitlines()[0]
        if isinstance(e, Refused) and e.table:
            f.table_name, f.source_kind = e.table, e.kind
    f.seconds = time.perf_counter() - started
    return f


def _check_header(staged: sources.Staged, shape: shapes.Shape) -> None:
    """Two header cells naming the same canonical column: which one is meant is unknown."""
    if shape.kind == "shopify":
        return
    names = [shapes.norm(c) for c in staged.header]
    for column in shape.carried:
        if names.count(column) > 1:
            raise Refused(
                f"the column {column} appears {names.count(column)} times in the header; which "
                "one to use cannot be known: keep one and import again",
                shape.table.name,
                shape.kind,
            )


def _record_file(con: duckdb.DuckDBPyConnection, f: FileReport) -> None:
    con.execute(
        "insert into import_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            f.file_id,
            f.import_id,
            f.file,
            f.table_name,
            f.source_kind,
            f.status,
            f.message,
            f.columns,
            f.rows_read,
            f.rows_loaded,
            f.rows_rejected,
            f.rows_blank,
            f.rows_inserted,
            f.rows_replaced,
            f.notes,
        ],
    )


def _drop_temp(con: duckdb.DuckDBPyConnection, keep: str | None = None) -> None:
    """Drop the temporary tables and views, except those whose name starts with `keep`."""
    for name, kind in con.execute(
        "select table_name, table_type from information_schema.tables where table_catalog = 'temp'"
    ).fetchall():
        if keep and name.startswith(keep):
            continue
        con.execute(f"drop {'view' if kind == 'VIEW' else 'table'} if exists temp.{name}")
    staging = con.execute(
        "select table_name from information_schema.tables where table_catalog = 'staging'"
    ).fetchall()
    for (name,) in staging:
        con.execute(f"drop table if exists staging.{name}")


def update_presence(con: duckdb.DuckDBPyConnection) -> None:
    """A table is present once a file was loaded into it (even with 0 rows). A column is
    present when every loaded file that still has rows in the table carried it (all loaded
    files, when none has rows)."""
    con.execute("delete from column_presence")
    for table in TABLES.values():
        files = con.execute(
            "select file_id, columns from import_files where status = 'loaded' and table_name = ?",
            [table.name],
        ).fetchall()
        if not files:
            continue
        with_rows = {
            i for (i,) in con.execute(f"select distinct _import_id from {table.name}").fetchall()
        }
        counted = [set(cols) for i, cols in files if i in with_rows] or [set(c) for _, c in files]
        carried = set.intersection(*counted)
        con.executemany(
            "insert into column_presence values (?, ?)",
            [[table.name, c] for c in table.column_names if c in carried],
        )


REFERENCES = [
    ("order_lines", "sku", "skus", "sku", "order lines whose sku is not in skus"),
    ("shipments", "order_id", "order_lines", "order_id", "shipments for orders not in order_lines"),
    ("contacts", "order_id", "order_lines", "order_id", "contacts for orders not in order_lines"),
    ("notices", "order_id", "order_lines", "order_id", "notices for orders not in order_lines"),
    ("inbound", "sku", "skus", "sku", "inbound rows whose sku is not in skus"),
]


def referential_problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    """References to keys the other table does not have (checked only when that table was
    imported); counts and up to three examples."""
    present = store.presence(con)
    problems = []
    for table, column, other, other_column, what in REFERENCES:
        if table not in present or other not in present:
            continue
        count, examples = con.execute(
            f"""select count(*), list(distinct t.{column} order by t.{column})[1:3]
            from {table} as t anti join {other} as o on t.{column} = o.{other_column}"""
        ).fetchone()
        if count:
            problems.append(f"{count} {what}, e.g. {', '.join(examples)}")
    return problems


def recompute_local_dates(con: duckdb.DuckDBPyConnection, zone: str) -> None:
    """Every derived local date in the new store time zone (the instants do not change)."""
    con.execute("set TimeZone = 'UTC'")
    for table in TABLES.values():
        sets = []
        for ts, local in table.date_columns.items():
            utc = f"make_timestamp(epoch_us({ts}))"
            _, wall = values.utc_and_local_sql(utc, None, zone)
            sets.append(f"{local} = cast({wall} as date)")
        if sets:
            con.execute(f"update {table.name} set {', '.join(sets)}")
