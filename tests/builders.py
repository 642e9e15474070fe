"""Build a database from a few literal rows per canonical table (for tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from dashboard import store
from dashboard.contract import TABLES


def build_db(
    path: Path, tables: dict[str, list[dict]], timezone: str = "UTC"
) -> duckdb.DuckDBPyConnection:
    """Write `tables` (canonical column names; timestamps as ISO text with offset or
    datetimes) to a new database at `path` and return a read-only connection to it.

    The columns given are the columns "present": a fixture that leaves out canceled_at is an
    export without canceled_at. A table given as [] is present and empty; a table not given is
    absent. line_id / notice_id default as the importer does (position within the order in
    the file; order_id|sent_at|kind).
    """
    with store.writing(path) as con:
        for name, rows in tables.items():
            table = TABLES[name]
            given = list(rows[0]) if rows else [c for c in table.column_names]
            frame = pl.DataFrame(rows, schema={c: pl.String for c in given}, strict=False)
            frame = frame.with_columns(pl.all().cast(pl.String)).with_row_index("fixture_row")
            con.register("fixture_rows", frame.to_arrow())
            exprs = []
            for column in table.columns:
                if column.name in given:
                    exprs.append(
                        f"cast(fixture_rows.{column.name} as {column.type}) as {column.name}"
                    )
                elif column.name == "line_id":
                    exprs.append(
                        "cast(row_number() over (partition by order_id order by fixture_row) as varchar) as line_id"
                    )
                elif column.name == "notice_id":
                    exprs.append(
                        "order_id || '|' || strftime(cast(sent_at as timestamptz) at time zone 'UTC',"
                        " '%Y-%m-%dT%H:%M:%SZ') || '|' || kind as notice_id"
                    )
            for ts, local in table.date_columns.items():
                if ts in given:
                    exprs.append(
                        f"cast(timezone($tz, cast(fixture_rows.{ts} as timestamptz)) as date) as {local}"
                    )
            if (
                name == "order_lines"
                and "backordered_qty" in given
                and "backordered_at" not in given
            ):
                exprs.append(
                    "case when cast(backordered_qty as integer) > 0 then cast(ordered_at as timestamptz) end as backordered_at"
                )
                exprs.append(
                    "case when cast(backordered_qty as integer) > 0 then cast(timezone($tz, cast(ordered_at as timestamptz)) as date) end as backordered_date"
                )
                given = [*given, "backordered_at"]
            if rows:
                sql = f"insert into {name} by name select {', '.join(exprs)} from fixture_rows"
                con.execute(sql, {"tz": timezone} if "$tz" in sql else None)
            con.unregister("fixture_rows")
            present = set(given) | {"line_id", "notice_id", "channel"} & set(table.column_names)
            for column in table.column_names:
                if column in present:
                    con.execute("insert into column_presence values (?, ?)", [name, column])
        store.refresh_derived(con)
        con.execute("insert or replace into dataset values ('timezone', ?)", [timezone])
    return store.connect(path)


@contextmanager
def reading(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the current version of `db`, as the app's threads read it."""
    connection = store.connect(db)
    cursor = store.cursor(connection)
    try:
        yield cursor
    finally:
        cursor.close()
        connection.close()
