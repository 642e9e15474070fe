"""Typed rows, rejects, defaults and the merge into a canonical table, all in SQL.

`load()` turns one shaped file (`src_<n>`: text columns named as the contract) into:
- `rejects` rows, one per bad cell (a row with several bad cells counts once);
- the file's valid rows, typed, with defaults and derived local dates, in the canonical table.
Into an empty table, a file without a repeated key is inserted as it is checked (no copy).
Otherwise the rows go through `typed_<n>` and are merged: a key seen again replaces the stored
row (within one file the later row wins), a row identical to the stored one is left as it is.
For order lines and shipments, the order (and order date) of each replaced stored row is kept in
`replaced_<table>` until the import ends, for the derived tables' update
(`store.refresh_derived`).

A streamed file (`streamed`: the rows are read from the file itself, without row numbers) is
loaded only when nothing above needs the row numbers: an empty table, no blank or bad row, no
repeated key, a file DuckDB reads whole. Its rows are inserted in the file's order, so their
row numbers follow from the insert; otherwise `NeedsStaging` is raised and the caller rolls
back and loads the file again from a staged copy.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import duckdb

from dashboard import store
from dashboard.contract import CODES, Column, Table, stored_columns
from dashboard.importer import values
from dashboard.importer.shapes import Shape
from dashboard.importer.sources import Refused, first_line, ident, literal

# Rows sampled for a streamed file's timestamp forms; a later cell of another form sends the
# file to the staged path.
FORM_SAMPLE = 10_000


class NeedsStaging(Exception):
    """A streamed file needs the staged path (its row numbers, or a merge)."""


@dataclass
class Loaded:
    rows_blank: int = 0
    rows_rejected: int = 0
    rows_loaded: int = 0
    rows_inserted: int = 0
    rows_replaced: int = 0
    notes: list[str] = field(default_factory=list)


def _q(prefix: str, column: str) -> str:
    return ident(f"{prefix}${column}")


def _columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [d[0] for d in con.execute(f"select * from {table} limit 0").description]


def check_currency(
    con: duckdb.DuckDBPyConnection, src: str, shape: Shape, currency: str | None
) -> str | None:
    """The file's one currency (None when it has no currency column); refuses mixtures and a
    currency other than the dataset's."""
    if not shape.currency_column:
        return None
    found = [
        v
        for (v,) in con.execute(
            f"select distinct upper(_x_currency) from {src} "
            "where not _blank and _x_currency is not null order by 1"
        ).fetchall()
    ]
    if len(found) > 1:
        raise Refused(
            f"several currencies in {shape.currency_column}: {', '.join(found)}; a dataset holds "
            "one currency: split the export by currency"
        )
    if found and currency and found[0] != currency.upper():
        raise Refused(
            f"currency {found[0]} in {shape.currency_column}, but the dataset's currency is "
            f"{currency.upper()}"
        )
    return found[0] if found else None


@contextlib.contextmanager
def unless_unreadable(streamed: bool):
    """A read of a streamed file that fails (a malformed line, out of memory) raises
    NeedsStaging: the staged path reads such a file record by record, or on disk."""
    if not streamed:
        yield
        return
    try:
        yield
    except duckdb.Error as e:
        raise NeedsStaging(first_line(str(e))) from e


def load(
    con: duckdb.DuckDBPyConnection,
    n: int,
    shape: Shape,
    file_id: int,
    file_name: str,
    zone: str,
    streamed: bool = False,
) -> Loaded:
    table = shape.table
    src = f"src_{n}"
    out = Loaded()
    have = set(_columns_of(con, src))
    formats: dict[str, values.DateFormat] = {}
    for column in table.columns:
        name = column.name
        if name not in have or column.type not in ("DATE", "TIMESTAMPTZ"):
            continue
        if name in shape.derived:
            formats[name] = values.DateFormat("iso")
        elif name in shape.formats:
            formats[name] = values.DateFormat("strptime", pattern=shape.formats[name])
        else:
            formats[name] = values.detect_format(
                con, f"(select * from {src} where not _blank)", name
            )
            if formats[name].note:
                out.notes.append(formats[name].note)
    # One pass: the blank rows, which forms each ISO timestamp column holds and, when the
    # file can go straight into an empty table, whether a key repeats within it.
    iso = [
        c.name
        for c in table.columns
        if c.type == "TIMESTAMPTZ" and c.name in formats and formats[c.name].family == "iso"
    ]
    direct = set(table.key) <= have and _is_empty(con, table.name)
    key = ", ".join(ident(k) for k in table.key)
    if streamed:
        if not direct:
            raise NeedsStaging("a merge needs the row order")
        if not con.execute("select current_setting('preserve_insertion_order')").fetchall()[0][0]:
            raise NeedsStaging("rows may be inserted out of the file's order")
        # The forms of a sample; cells of any other form make the rows bad (`off_form`).
        sampled = con.execute(
            "select 0"
            + "".join(f", {values.timestamp_forms_sql(ident(name))}" for name in iso)
            + f" from (from {src} limit {FORM_SAMPLE}) where not _blank"
        ).fetchall()[0]
        forms = {name: (bits or 0) | 1 for name, bits in zip(iso, sampled[1:], strict=True)}
    else:
        counted = con.execute(
            "select count(*) filter (where _blank), count(*) filter (where not _blank)"
            + "".join(
                f", {values.timestamp_forms_sql(ident(name))} filter (where not _blank)"
                for name in iso
            )
            + f" from {src}"
        ).fetchall()[0]
        out.rows_blank, rows = counted[0], counted[1]
        forms = dict(zip(iso, counted[2:], strict=True))
        direct = direct and not repeats_a_key(con, f"(from {src} where not _blank)", key)

    parsed, bads, post, final_checks = [], {}, [], []
    reasons: dict[str, str] = {}
    ranges: dict[str, str] = {}  # true for a parsed date or time outside 1970-2099
    for column in table.columns:
        name = column.name
        if name not in have:
            continue
        s = f"{ident(name)}"
        parsed.append(f"{s} as {_q('t', name)}")
        fmt = formats.get(name)
        if column.type == "TIMESTAMPTZ":
            instant, local = values.timestamp_sql(s, fmt, forms.get(name))
            parsed += [f"{instant} as {_q('i', name)}", f"{local} as {_q('l', name)}"]
            post.append(f"make_timestamp(epoch_us({_q('i', name)})) as {_q('n', name)}")
            utc, wall = values.utc_and_local_sql(
                _q("n", name) if instant != values.NO_INSTANT else None,
                _q("l", name) if local != values.NO_LOCAL else None,
                zone,
            )
            final_checks.append(f"{utc} as {_q('u', name)}")
            final_checks.append(f"{wall} as {_q('w', name)}")
            bads[name] = f"{_q('u', name)} is null"
            reasons[name] = values.EXPECT_TIMESTAMP
            ranges[name] = values.out_of_range(_q("u", name))
            continue
        value = bad = reason = None
        if column.type == "INTEGER":
            value, reason, bad = values.integer_sql(s, values.INTEGER_RULES.get((table.name, name)))
        elif column.type.startswith("DECIMAL"):
            value, reason, bad = values.money_sql(s, name in values.NON_NEGATIVE_MONEY)
        elif column.type == "BOOLEAN":
            value, reason, bad = values.boolean_sql(s)
        elif column.type == "DATE":
            value, reason, bad = values.date_sql(s, fmt or values.DateFormat("iso"))
        if value is None:
            continue
        parsed.append(f"{value} as {_q('v', name)}")
        bads[name] = bad.format(v=_q("v", name), s=_q("t", name))
        reasons[name] = reason
        if column.type == "DATE":
            ranges[name] = values.date_out_of_range(_q("v", name))
    extras = [c for c in have if c.startswith("_x_")]

    required = set(table.required_columns) | (set(table.key) & have)
    # Per checked column, its rules as (condition, reason): the first that holds is the
    # cell's reason (`e$`); a row is bad when any holds (`any_error`, no reason text built).
    # A condition is true for a bad cell, null or false otherwise, so they are OR-ed as they
    # are and tested with CASE WHEN (a null is not true).
    errors: list[tuple[str, list[tuple[str, str]]]] = []
    for column in table.columns:
        name = column.name
        if name not in have or name in shape.derived:
            continue
        rules = []
        if name in required:
            rules.append((f"{_q('t', name)} is null", "'required value missing'"))
        if name in bads:
            rules.append((f"{_q('t', name)} is not null and {bads[name]}", literal(reasons[name])))
        if name in ranges:
            rules.append((ranges[name], literal(values.EXPECT_YEAR)))
        rules += _row_rules(table, name, have, shape)
        if rules:
            errors.append((name, rules))

    typed = f"typed_{n}"
    select = _canonical_select(table, shape, have, file_id)
    error_columns = "".join(
        f", {_q('e', name)}, case when {_q('e', name)} is not null then {_q('t', name)} end "
        f"as {_q('x', name)}"
        for name, _ in errors
    )

    # A streamed file stops at its first blank or bad row: without row numbers, such a row
    # can be neither reported nor skipped (`NeedsStaging`).
    not_blank = "case when _blank then error('a blank row') else true end"
    if not streamed:
        not_blank = "not _blank"

    def checked(rows: str) -> str:
        return f"""with parsed as (
            select _pos, _row, {", ".join(parsed + extras)} from {rows} where {not_blank}
        ),
        instants as (
            select *{"".join(", " + p for p in post)} from parsed
        ),
        zoned as (
            select *{"".join(", " + p for p in final_checks)} from instants
        ),
        checked as (
            select *{"".join(f", {_reason(rules)} as {_q('e', name)}" for name, rules in errors)}
            from zoned
        )"""

    conditions = [condition for _, rules in errors for condition, _ in rules]
    any_error = " or ".join(conditions) or "false"  # true, or null or false
    is_bad = f"case when {any_error} then true else false end"  # the row, never null
    off_form = "".join(
        f" or ({values.timestamp_form_sql(_q('t', name))} & ~{bits}) <> 0"
        for name, bits in forms.items()
        if streamed
    )

    def record_rejects(rows: str) -> None:
        """Each bad cell of `rows` (the bad rows) with its reason, in the file's order."""
        bad = f"rejected_{n}"
        con.execute(
            f"""create or replace temp table {bad} as {checked(rows)}
            select _pos, cast(_row as bigint) as _row{error_columns} from checked"""
        )
        for name, _ in errors:
            con.execute(
                f"""insert into rejects
                select ?, ?, _row, ?, {_q("x", name)}, {_q("e", name)} from {bad}
                where {_q("e", name)} is not null order by _pos""",
                [file_id, file_name, shape.source_names.get(name, name)],
            )
        con.execute(f"drop table {bad}")

    mine = f"(select * from {table.name} where _import_id = {file_id})"  # the rows inserted
    if streamed:
        # Into an empty table, without its last column, _source_row: see number_rows.
        con.execute(f"alter table {table.name} drop column _source_row")
        loaded = con.execute(
            f"""insert into {table.name} by name {checked(src)}
            select {_canonical_select(table, shape, have, file_id, numbered=False)} from checked
            where case when {any_error}{off_form} then error('a bad row') else true end"""
        ).fetchall()[0][0]
        if repeats_a_key(con, mine, key):
            raise NeedsStaging("a repeated key: the later row wins")
        number_rows(con, table.name)
        out.rows_loaded = out.rows_inserted = loaded
        out.notes += _notes(con, src, mine, shape)
        return out

    if direct:
        # An empty table and no repeated key: nothing to merge, so the valid rows go straight
        # into the table, without a typed copy of the file. The bad rows are the ones whose
        # source row did not arrive; only those are checked again, for their reasons.
        out.rows_loaded = con.execute(
            f"""insert into {table.name} by name {checked(src)}
            select {select} from checked where not {is_bad}"""
        ).fetchone()[0]
        out.rows_rejected = rows - out.rows_loaded
        if out.rows_rejected:
            record_rejects(f"(from {src} as s anti join {mine} as k on s._row = k._source_row)")
        out.rows_inserted = out.rows_loaded
        out.notes += _notes(con, src, mine, shape)
        return out

    # The typed rows carry one flag for a bad cell, not each cell's reason and text (two
    # columns per checked column, a full-width copy): those are recomputed for the bad rows.
    con.execute(
        f"""create or replace temp table {typed} as {checked(src)}
        select _pos, {select}, {is_bad} as _bad
        from checked"""
    )
    if errors:
        out.rows_rejected = con.execute(f"select count(*) from {typed} where _bad").fetchall()[0][0]
    if out.rows_rejected:
        record_rejects(f"(select * from {src} where _pos in (select _pos from {typed} where _bad))")
        con.execute(f"delete from {typed} where _bad")
    out.rows_loaded = con.execute(f"select count(*) from {typed}").fetchone()[0]
    out.notes += _notes(con, src, typed, shape)
    out.rows_inserted, out.rows_replaced, identical = merge(
        con, typed, table, shape.kind == "shopify"
    )
    con.execute(f"drop table {typed}")
    if identical:
        out.notes.append(f"{identical} of the replaced rows were identical to the stored ones")
    return out


def repeats_a_key(con: duckdb.DuckDBPyConnection, rows: str, key: str) -> bool:
    """Whether two of `rows` share a hash of `key` (a collision only costs the exact path).
    The hashes are sorted by NumPy and neighbours compared: 0.5 s for 10M rows, where
    DuckDB's count(distinct hash(...)) took 1.8 s (a hash table of 10M groups)."""
    hashes = con.execute(f"select hash({key}) as h from {rows}").fetchnumpy()["h"]
    hashes.sort()
    return bool((hashes[1:] == hashes[:-1]).any())


def _is_empty(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return con.execute(f"select count(*) = 0 from (from {table} limit 1)").fetchone()[0]


def _reason(rules: list[tuple[str, str]]) -> str:
    """The reason of the first rule that holds, else null."""
    return f"case {' '.join(f'when {c} then {r}' for c, r in rules)} end"


def _row_rules(table: Table, name: str, have: set[str], shape: Shape) -> list[tuple[str, str]]:
    if table.name != "order_lines":
        return []
    if name == "backordered_qty" and "qty" in have:
        bq, qty = _q("v", "backordered_qty"), _q("v", "qty")
        return [
            (
                f"{qty} >= 1 and {bq} > {qty}",
                f"format('backordered_qty {{}} > qty {{}}', {bq}, {qty})",
            )
        ]
    rules = []
    if name == "canceled_at" and "shipped_at" in have:
        rules.append(
            (
                f"{_q('u', 'shipped_at')} is not null and {_q('u', 'canceled_at')} is not null",
                "'both shipped_at and canceled_at set'",
            )
        )
    if name in ("shipped_at", "canceled_at") and "ordered_at" in have:
        # a line cannot leave before it was ordered: a wrong column or a wrong time zone
        at, ordered = _q("u", name), _q("u", "ordered_at")
        rules.append(
            (
                f"{at} < {ordered}",
                f"format('{name} {{}} is before ordered_at {{}}', "
                f"strftime({at}, '%Y-%m-%d %H:%M'), strftime({ordered}, '%Y-%m-%d %H:%M'))",
            )
        )
    return rules


def _stored(column: Column, have: set[str]) -> str | None:
    """The stored value of a carried column, from the typed view."""
    if column.name not in have:
        return None
    if column.type == "TIMESTAMPTZ":
        return f"make_timestamptz(epoch_us({_q('u', column.name)}))"
    if column.type == "VARCHAR":
        return _q("t", column.name)
    return _q("v", column.name)


def _canonical_select(
    table: Table, shape: Shape, have: set[str], file_id: int, numbered: bool = True
) -> str:
    """The stored columns from the checked rows (without _source_row unless `numbered`)."""
    exprs: dict[str, str] = {}
    for column in table.columns:
        value = _stored(column, have)
        if value is not None:
            exprs[column.name] = value
    for ts, local in table.date_columns.items():
        if ts in have:
            exprs[local] = f"cast({_q('w', ts)} as date)"
    if table.name == "order_lines":
        exprs["channel"] = f"coalesce({exprs.get('channel', 'null')}, 'direct')"
        if shape.kind == "shopify" and "unit_price" in have:
            exprs["unit_price"] = (
                f"cast(greatest({_q('v', 'unit_price')} - coalesce(try_cast(_x_discount as "
                f"decimal(18, 4)), 0) / {_q('v', 'qty')}, 0) as decimal(18, 4))"
            )
        if "backordered_qty" in have:
            backordered = f"{_q('v', 'backordered_qty')} > 0"
            exprs["backordered_at"] = (
                f"coalesce({exprs.get('backordered_at', 'null')}, "
                f"case when {backordered} then {exprs['ordered_at']} end)"
            )
            exprs["backordered_date"] = (
                f"coalesce({exprs.get('backordered_date', 'null')}, "
                f"case when {backordered} then {exprs['ordered_date']} end)"
            )
    if table.name == "inbound" and "received_at" in have:
        exprs["qty_received"] = (
            f"coalesce({exprs.get('qty_received', 'null')}, "
            f"case when {_q('u', 'received_at')} is not null then {_q('v', 'qty')} end)"
        )
    if table.name == "notices" and "notice_id" not in have:
        exprs["notice_id"] = (
            f"{_q('t', 'order_id')} || '|' || strftime({_q('u', 'sent_at')}, "
            f"'%Y-%m-%dT%H:%M:%SZ') || '|' || {_q('t', 'kind')}"
        )
    exprs["_import_id"] = str(file_id)
    exprs["_source_row"] = "_row"
    return ", ".join(
        f"cast({exprs.get(c.name, 'null')} as {c.type}) as {c.name}"
        for c in stored_columns(table)
        if numbered or c.name != "_source_row"
    )


def number_rows(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Add back `table`'s _source_row to rows inserted in the file's order into an empty
    table: row = position + 2 (the header is row 1), the position from the rowid.

    DuckDB's CSV reader gives no row numbers, and `row_number() over ()` would run the whole
    insert on one thread. At 10M lines the update takes 0.3-0.4 s and its commit 0.5-0.7 s (a
    column added with a sequence as its default took 1.0-1.4 s, on one thread)."""
    con.execute(f"alter table {table} add column _source_row bigint")
    con.execute(f"update {table} set _source_row = rowid - (select min(rowid) from {table}) + 2")


def _notes(con: duckdb.DuckDBPyConnection, src: str, new: str, shape: Shape) -> list[str]:
    notes = []
    for column in shape.table.columns:
        if column.type != "TIMESTAMPTZ" or column.name not in shape.carried:
            continue
        count, latest = con.execute(
            f"select count(*), strftime(max({column.name}), '%Y-%m-%d') from {new} "
            f"where {column.name} > now() + interval 1 day"
        ).fetchall()[0]
        if count:
            notes.append(
                f"{column.name}: {count} rows after the import (latest {latest}), kept: check the "
                "export's dates"
            )
    for template, flag in shape.notes_sql.items():
        count = con.execute(f"select count(*) from {src} where not _blank and {flag}").fetchone()[0]
        if count:
            notes.append(template.format(count))
    for (table_name, column), allowed in CODES.items():
        if table_name != shape.table.name or column not in shape.carried:
            continue
        rows = con.execute(
            f"""select {column}, count(*) from {new}
            where {column} is not null and {column} not in ({", ".join(map(literal, allowed))})
            group by all order by 2 desc, 1"""
        ).fetchall()
        if rows:
            total = sum(c for _, c in rows)
            shown = ", ".join(f"{v!r} ({c})" for v, c in rows[:5])
            notes.append(
                f"{column}: {total} rows with codes outside the contract, kept: {shown}"
                + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
            )
    return notes


def merge(
    con: duckdb.DuckDBPyConnection, new: str, table: Table, keep_backorders: bool
) -> tuple[int, int, int]:
    """Merge `new` (with `_pos`) into `table`; returns (inserted, replaced, identical): an
    identical row keeps the stored one (and its _import_id), counted as replaced."""
    key = ", ".join(table.key)
    total = distinct = con.execute(f"select count(*) from {new}").fetchall()[0][0]
    if repeats_a_key(con, new, key):  # within one file the later row wins
        stored = ", ".join(c.name for c in stored_columns(table))
        con.execute(
            f"""create or replace temp table {new} as select _pos, {stored} from {new}
            qualify row_number() over (partition by {key} order by _pos desc) = 1"""
        )
        distinct = con.execute(f"select count(*) from {new}").fetchone()[0]
    replaced_in_file = total - distinct
    stored_empty = _is_empty(con, table.name)
    matched = identical = 0
    on = " and ".join(f"s.{k} = n.{k}" for k in table.key)
    if not stored_empty:
        if keep_backorders:
            # A backorder once seen stays in the history: a later Shopify export of a fulfilled
            # order no longer shows it.
            con.execute(
                f"""update {new} as n set
                    backordered_qty = least(greatest(n.backordered_qty, s.backordered_qty), n.qty),
                    backordered_at = least(n.backordered_at, s.backordered_at),
                    backordered_date = case when s.backordered_at < n.backordered_at
                        or n.backordered_at is null then s.backordered_date
                        else n.backordered_date end
                from {table.name} as s
                where {on} and (s.backordered_qty > coalesce(n.backordered_qty, 0)
                    or s.backordered_at < n.backordered_at
                    or (n.backordered_at is null and s.backordered_at is not null))"""
            )
        matched = con.execute(
            f"select count(*) from {new} as n join {table.name} as s on {on}"
        ).fetchone()[0]
        if matched:
            same = " and ".join(
                f"s.{c.name} is not distinct from n.{c.name}"
                for c in stored_columns(table)
                if not c.name.startswith("_")
            )
            identical = con.execute(
                f"select count(*) from {new} as n join {table.name} as s on {on} and {same}"
            ).fetchone()[0]
            if identical:
                con.execute(f"delete from {new} as n using {table.name} as s where {on} and {same}")
            if table.name in store.CHANGE_COLUMNS:  # a table others are derived from
                kept = ", ".join(f"s.{c}" for c in store.CHANGE_COLUMNS[table.name])
                replaced = store.REPLACED + table.name
                con.execute(
                    f"create temp table if not exists {replaced} as "
                    f"select {kept} from {table.name} as s limit 0"
                )
                con.execute(
                    f"insert into {replaced} select {kept} from {table.name} as s "
                    f"semi join {new} as n on {on}"
                )
            con.execute(f"delete from {table.name} as s using {new} as n where {on}")
    stored = ", ".join(c.name for c in stored_columns(table))
    con.execute(f"insert into {table.name} by name select {stored} from {new}")
    return distinct - matched, replaced_in_file + matched, identical
