"""Where the data lives, and the one way it changes.

The database file at `db_path` is never modified in place. A write (an import, a settings
change, a saved scenario) copies it to a private file, changes the copy, checkpoints it and
renames it over the original (`os.replace`, atomic on POSIX) while holding an exclusive lock
on `<db>.lock`. So:
- a reader always sees a whole database, the one before or the one after a write;
- a write killed at any point (even SIGKILL) leaves the previous file untouched, and at worst a
  stale private copy, removed by the next write;
- readers open the file read-only and are never blocked by a writer (DuckDB's file lock is on
  the private copy, which no reader opens). A reader notices a new version by `version()`
  (inode and mtime) and reopens.

Two files: the data (canonical tables, import log, rejects, dataset settings such as the store
time zone) and the state (user settings and saved what-if scenarios), so that changing a
setting never rewrites the order history.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb

from dashboard.contract import TABLES, create_table_sql

DEFAULT_DB = Path("data") / "dashboard.duckdb"
MACROS = Path(__file__).resolve().parent.parent / "queries" / "_filters.sql"
# Tables derived from the imported ones (store.refresh_derived). shipment_extras is part of the
# schema (the weekly review reads it); the what-if's tables are optional (the replay reads
# order_lines without them).
SHIPMENT_EXTRAS = MACROS.parent / "shipment_extras.sql"
DERIVED_ROWS = MACROS.parent / "derived_rows.sql"  # temp macros: each derived table's rows
WHATIF_DERIVED = MACROS.parent / "whatif_derived.sql"
WHATIF_DERIVED_UPDATE = MACROS.parent / "whatif_derived_update.sql"
SHIPMENT_EXTRAS_UPDATE = MACROS.parent / "shipment_extras_update.sql"
DERIVED_TABLES = ("whatif_basket_days", "whatif_basket_multiday_lines", "whatif_backordered_lines")
# An import that changed fewer than this share of a table's rows (order lines, shipments)
# updates the tables derived from it for the orders it changed; more, and they are rebuilt. At
# 10M lines the what-if tables' update for 150k changed lines took 0.45 s against 5.8 s for a
# rebuild, and for every line 14.9 s against 6.5 s.
UPDATE_SHARE = 0.25
# A merge keeps the stored rows it replaces in `replaced_<table>` (load.merge), with these
# columns, until the import ends: the updates need the orders and days they left.
REPLACED = "replaced_"
CHANGE_COLUMNS = {"order_lines": ("order_id", "ordered_date"), "shipments": ("order_id",)}

META_SQL = [
    """create table if not exists imports (
      import_id integer primary key,
      started_at timestamptz,
      finished_at timestamptz,
      command varchar
    )""",
    """create table if not exists import_files (
      file_id integer primary key,
      import_id integer,
      file varchar,
      table_name varchar,
      source_kind varchar,
      status varchar,
      message varchar,
      columns varchar[],
      rows_read bigint,
      rows_loaded bigint,
      rows_rejected bigint,
      rows_blank bigint,
      rows_inserted bigint,
      rows_replaced bigint,
      notes varchar[]
    )""",
    """create table if not exists rejects (
      file_id integer,
      file varchar,
      row bigint,
      column_name varchar,
      value varchar,
      reason varchar
    )""",
    """create table if not exists column_presence (
      table_name varchar,
      column_name varchar
    )""",
    """create table if not exists dataset (
      key varchar primary key,
      value varchar
    )""",
    """create table if not exists sku_attributes (
      sku varchar primary key,
      family varchar,
      supplier varchar
    )""",
]

STATE_SQL = [
    """create table if not exists settings (
      key varchar primary key,
      value json
    )""",
    """create table if not exists scenarios (
      name varchar primary key,
      saved_at timestamptz,
      spec json
    )""",
]


def db_path(path: str | os.PathLike | None = None) -> Path:
    """The data file: the argument, else $DASHBOARD_DB, else data/dashboard.duckdb."""
    return Path(path or os.environ.get("DASHBOARD_DB") or DEFAULT_DB)


def state_path(path: str | os.PathLike | None = None) -> Path:
    """The state file that goes with a data file: `x.duckdb` -> `x.state.duckdb`."""
    data = db_path(path)
    return data.with_name(data.stem + ".state" + data.suffix)


def schema_version() -> str:
    """Changes when the tables or macros the code expects change."""
    text = "\n".join(
        [
            *map(create_table_sql, TABLES.values()),
            *META_SQL,
            MACROS.read_text(),
            SHIPMENT_EXTRAS.read_text(),
            DERIVED_ROWS.read_text(),
        ]
    )
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    for table in TABLES.values():
        con.execute(create_table_sql(table))
    for sql in META_SQL:
        con.execute(sql)
    _run(con, MACROS)
    _run(con, DERIVED_ROWS)
    if not _has_tables(con, ["shipment_extras"]):  # new, or imported before the table existed
        _run(con, SHIPMENT_EXTRAS)
    con.execute("insert or replace into dataset values ('schema_version', ?)", [schema_version()])


def _run(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    for statement in statements(path.read_text(encoding="utf-8")):
        con.execute(statement)


def statements(sql: str) -> list[str]:
    """The statements of a SQL file (separated by `;` at a line end), without comment-only
    pieces."""
    out = []
    for statement in sql.split(";\n"):
        code = [line for line in statement.strip().splitlines() if not line.startswith("--")]
        if "".join(code).strip():
            out.append(statement)
    return out


def refresh_derived(con: duckdb.DuckDBPyConnection, since: int | None = None) -> None:
    """Bring the tables derived from the imported ones up to date; the importer calls it last
    (after the local dates are recomputed for a new time zone): sku_attributes,
    shipment_extras, and the what-if's tables of queries/whatif_derived.sql (created here,
    not in the schema: a database imported before them lacks them and the replay reads
    order_lines instead).

    `since`: the import's first file id, or None when every row may have changed (new local
    dates). An import that changed few rows of a table (UPDATE_SHARE: those its files inserted,
    `_import_id >= since`, and the stored ones they replaced, `replaced_<table>`) updates the
    tables derived from it for the orders it changed (queries/*_update.sql) instead of
    rebuilding them from every row: a weekly export into a 10M-line history costs its own
    lines."""
    refresh_sku_attributes(con)
    _run(con, DERIVED_ROWS)
    _refresh(con, "shipments", SHIPMENT_EXTRAS, SHIPMENT_EXTRAS_UPDATE, since, built=True)
    built = has_derived_tables(con)
    _refresh(con, "order_lines", WHATIF_DERIVED, WHATIF_DERIVED_UPDATE, since, built=built)


def _refresh(
    con: duckdb.DuckDBPyConnection,
    table: str,
    build: Path,
    update: Path,
    since: int | None,
    built: bool,
) -> None:
    """Run `update` over `changed_<table>` (the CHANGE_COLUMNS of each row the import changed,
    both versions of a replaced one) when few rows changed, else `build`."""
    if since is not None and built:
        changed = f"changed_{table}"
        columns = ", ".join(CHANGE_COLUMNS[table])
        query = f"select {columns} from {table} where _import_id >= {int(since)}"
        if _has_tables(con, [REPLACED + table], database="temp"):
            query += f" union all select {columns} from {REPLACED}{table}"
        con.execute(f"create or replace temp table {changed} as {query}")
        count_changed, count_rows = con.execute(
            f"select (select count(*) from {changed}), (select count(*) from {table})"
        ).fetchall()[0]
        few = count_changed < UPDATE_SHARE * count_rows
        if few:
            _run(con, update)
        con.execute(f"drop table {changed}")
        if few:
            return
    _run(con, build)


def _has_tables(
    con: duckdb.DuckDBPyConnection, names: list[str], database: str | None = None
) -> bool:
    """Whether every table of `names` exists in `database` (default: the current one)."""
    rows = con.execute(
        "select count(*) from duckdb_tables() "
        "where database_name = coalesce($database, current_database()) and table_name in $names",
        {"database": database, "names": names},
    ).fetchall()
    return rows[0][0] == len(names)


def has_derived_tables(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database holds the what-if's derived tables. One imported before they
    existed does not (until its next import): the replay then reads order_lines directly,
    slower, same result."""
    return _has_tables(con, list(DERIVED_TABLES))


def refresh_sku_attributes(con: duckdb.DuckDBPyConnection) -> None:
    """Family and supplier per sku, for filters: skus first, supplier falling back to the
    sku's latest inbound row (by created_at, then po_id)."""
    con.execute("delete from sku_attributes")
    con.execute(
        """
        insert into sku_attributes
        with all_skus as (
            select sku from order_lines union select sku from skus union select sku from inbound
        ),
        latest_inbound as (
            select sku, arg_max(supplier, (created_at, po_id)) as supplier
            from inbound where supplier is not null group by sku
        )
        select all_skus.sku, skus.family, coalesce(skus.supplier, latest_inbound.supplier)
        from all_skus
        left join skus on all_skus.sku = skus.sku
        left join latest_inbound on all_skus.sku = latest_inbound.sku
        """
    )


def create_state_schema(con: duckdb.DuckDBPyConnection) -> None:
    for sql in STATE_SQL:
        con.execute(sql)


def version(path: Path) -> tuple[int, int] | None:
    """Changes whenever a write lands (a new file replaces the old one)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns)


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current version of the file.

    Creates the file if absent, and upgrades one written by an older version of the code
    (new tables, new macros) before opening it. Each call attaches the file to a fresh
    in-memory instance: `duckdb.connect(path)` would hand back the process's cached instance
    of an older version while any connection to it is open, so a running app would never see
    an import land. Use `cursor(con)` for a connection on another thread.
    """
    if not path.exists():
        ensure(path)
    con = _attach(path)
    if is_state_path(path):
        return con
    rows = con.execute("select value from dataset where key = 'schema_version'").fetchall()
    if rows and rows[0][0] == schema_version():
        return con
    con.close()
    with writing(path):
        pass
    return _attach(path)


# DASHBOARD_MEMORY_LIMIT (e.g. "2GB") caps the memory of the app's queries; beyond it DuckDB
# spills to disk. Unset: DuckDB's default, 80% of RAM.
MEMORY_LIMIT_ENV = "DASHBOARD_MEMORY_LIMIT"
_MEMORY = re.compile(r"\d+(\.\d+)?\s*[KMGT]i?B", re.IGNORECASE)


def _attach(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    limit = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if limit:
        if not _MEMORY.fullmatch(limit):
            raise ValueError(f"{MEMORY_LIMIT_ENV}={limit!r}: expected a size like 2GB or 512MB")
        con.execute(f"set memory_limit = '{limit}'")
    quoted = str(path.resolve()).replace("'", "''")
    con.execute(f"attach '{quoted}' as data (read_only)")
    con.execute("use data")
    return con


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A connection for another thread, reading the same version as `con`."""
    other = con.cursor()
    attached = other.execute(
        "select count(*) from duckdb_databases() where database_name = 'data'"
    ).fetchall()
    if attached[0][0]:
        other.execute("use data")
    return other


def is_state_path(path: Path) -> bool:
    return path.name.endswith(".state" + path.suffix)


def ensure(path: Path) -> None:
    """Create the file with its schema if it does not exist yet."""
    if path.exists():
        return
    with writing(path, schema=create_state_schema if is_state_path(path) else create_schema):
        pass


def _clean_stale_copies(path: Path) -> None:
    for stale in path.parent.glob(f".{path.name}.*.tmp*"):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def writing(path: Path, schema=create_schema) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a private copy of `path`, swapped in when the block ends.

    If the block raises (or the process dies), the copy is dropped and `path` is unchanged.
    Writers are serialised by an exclusive lock; readers are never blocked.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _clean_stale_copies(path)  # left by a killed writer; we hold the lock
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            if path.exists():
                shutil.copyfile(path, tmp)
            con = duckdb.connect(str(tmp))
            try:
                schema(con)
                yield con
                con.execute("checkpoint")
            except BaseException:
                con.close()
                _clean_stale_copies(path)
                raise
            con.close()
            _fsync(tmp)
            os.replace(tmp, path)
            _fsync(path.parent)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def presence(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Which canonical tables and columns the loaded exports carry.

    A table is absent from the result when no export has been loaded into it. A column that is
    present but empty is data; a column no export carried is missing.
    """
    rows = con.execute("select table_name, column_name from column_presence").fetchall()
    out: dict[str, set[str]] = {}
    for table, column in rows:
        out.setdefault(table, set()).add(column)
    return out


def dataset_settings(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("select key, value from dataset").fetchall())
