"""Which canonical table a file is, and how its columns become the canonical columns (as text).

Three kinds of source, tried in this order:
- `mapping`: a TOML mapping file names the table and, per canonical column, the source column,
  its date format, a value map and a default;
- `shopify`: the Shopify orders export, recognised by its header;
- `canonical`: headers are canonical column names (case, spaces and punctuation ignored); the
  table comes from the file name (`order_lines*.csv`, `shipments*`, ...) or else is the table
  whose required columns the header carries (the one matching most columns).

`shape()` returns a `Shape`: a SELECT over the staged rows giving `_pos`, `_row`, `_blank` and
one text column per carried canonical column, from the row view's cells (trimmed, empty = null:
`sources._cells`).
"""

from __future__ import annotations

import difflib
import fnmatch
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.contract import TABLES, Table
from dashboard.importer.sources import Refused, ident, literal


def norm(name: str) -> str:
    """`Order ID ` -> `order_id`: how headers are compared with canonical names."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


@dataclass
class Mapping:
    table: str
    columns: dict[str, dict]
    delimiter: str | None = None
    encoding: str | None = None
    files: str | None = None  # optional glob: the mapping applies only to matching names
    path: Path | None = None

    def applies_to(self, name: str) -> bool:
        return self.files is None or fnmatch.fnmatch(Path(name).name, self.files)


def load_mapping(path: Path) -> Mapping:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"mapping {path}: {e}") from e
    table = data.get("table")
    if table not in TABLES:
        raise ValueError(f"mapping {path}: table must be one of {', '.join(TABLES)}, not {table!r}")
    columns = data.get("columns", {})
    unknown = [c for c in columns if c not in TABLES[table].column_names]
    if unknown:
        raise ValueError(
            f"mapping {path}: {', '.join(unknown)} not a column of {table} "
            f"({', '.join(TABLES[table].column_names)})"
        )
    for name, spec in columns.items():
        if not isinstance(spec, dict) or not ({"source", "default"} & set(spec)):
            raise ValueError(f"mapping {path}: [columns.{name}] needs a source or a default")
    return Mapping(
        table,
        columns,
        data.get("delimiter"),
        data.get("encoding"),
        data.get("files"),
        path,
    )


@dataclass
class Shape:
    table: Table
    kind: str  # "mapping", "shopify" or "canonical"
    sql: str  # SELECT _pos, _row, _blank, <canonical text columns>, <_x_ extras>
    carried: list[str]  # canonical columns the file carries (defaults included)
    source_names: dict[str, str]  # canonical column -> the file's column, for rejects
    formats: dict[str, str] = field(default_factory=dict)  # explicit strptime formats
    derived: set[str] = field(default_factory=set)  # computed from other cells: no rejects
    currency_column: str | None = None  # the file's column holding a currency code
    notes_sql: dict[str, str] = field(default_factory=dict)  # note template -> count query
    materialize: bool = False  # worth storing as a table (window functions over the file)


SHOPIFY_REQUIRED = ("Name", "Created at", "Lineitem quantity", "Lineitem name")


def is_shopify(columns: list[str]) -> bool:
    return all(c in columns for c in SHOPIFY_REQUIRED)


def closest(wanted: str, columns: list[str]) -> str | None:
    by_norm = {norm(c): c for c in columns}
    match = difflib.get_close_matches(wanted, list(by_norm), n=1, cutoff=0.5)
    return by_norm[match[0]] if match else None


def missing_message(table: str, missing: list[str], columns: list[str]) -> str:
    parts = []
    for name in missing:
        near = closest(name, columns)
        parts.append(f"{name} (closest: {near!r})" if near else f"{name} (no close match)")
    return (
        f"missing required column{'s' if len(missing) > 1 else ''} for {table}: "
        f"{'; '.join(parts)}. Columns found: {', '.join(columns)}"
    )


def _blank(columns: list[str]) -> str:
    """A row with no value: the row views give trimmed cells, an empty one as null."""
    if not columns:
        return "true"
    return f"coalesce({', '.join(ident(c) for c in columns)}) is null"


def _position(order_id_sql: str) -> str:
    """Default line_id: the line's position within its order in the file."""
    return f"cast(row_number() over (partition by {order_id_sql} order by _pos) as varchar)"


def shape(columns: list[str], file_name: str, rows_view: str, mapping: Mapping | None) -> Shape:
    if mapping is not None:
        return _mapping_shape(columns, rows_view, mapping)
    if is_shopify(columns):
        return _shopify_shape(columns, rows_view)
    return _canonical_shape(columns, file_name, rows_view)


def _table_for(columns: list[str], file_name: str) -> Table:
    have = {norm(c) for c in columns}
    stem = norm(Path(file_name).stem)
    for table in TABLES.values():
        singular = table.name.removesuffix("s")
        if stem.startswith(table.name) or stem.startswith(singular):
            return table
    complete = [t for t in TABLES.values() if set(t.required_columns) <= have]
    if complete:
        return max(
            complete,
            key=lambda t: (len(have & set(t.column_names)), len(t.required_columns)),
        )
    best = max(TABLES.values(), key=lambda t: len(have & set(t.column_names)))
    if not have & set(best.column_names):
        raise Refused(
            "cannot tell which table this file is: its columns match no canonical table and it "
            "is not a Shopify orders export; give a mapping file (--mapping). "
            f"Columns found: {', '.join(columns)}"
        )
    return best


def _canonical_shape(columns: list[str], file_name: str, rows_view: str) -> Shape:
    table = _table_for(columns, file_name)
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(norm(c), c)
    sources = {name: by_norm[name] for name in table.column_names if name in by_norm}
    missing = [c for c in table.required_columns if c not in sources]
    if missing:
        raise Refused(missing_message(table.name, missing, columns), table.name, "canonical")
    return _simple_shape(
        table,
        "canonical",
        columns,
        rows_view,
        sources,
        {name: ident(src) for name, src in sources.items()},
    )


def _simple_shape(
    table: Table,
    kind: str,
    columns: list[str],
    rows_view: str,
    sources: dict[str, str],
    exprs: dict[str, str],
    formats: dict[str, str] | None = None,
) -> Shape:
    carried = [c for c in table.column_names if c in exprs]
    select = [f"{expr} as {ident(name)}" for name, expr in exprs.items()]
    derived = set()
    if table.name == "order_lines" and "line_id" not in exprs:
        select.append(f"{_position(exprs['order_id'])} as line_id")
        carried.append("line_id")
        derived.add("line_id")
    # Columns with a contract default count as carried.
    if table.name == "order_lines":
        carried.append("channel")  # default direct
        if "backordered_qty" in exprs:
            carried.append("backordered_at")  # default: ordered_at when backordered
    if table.name == "notices":
        carried.append("notice_id")  # default order_id|sent_at|kind
    if table.name == "inbound" and "received_at" in exprs:
        carried.append("qty_received")  # default qty when received
    currency = next((c for c in columns if norm(c) == "currency"), None)
    if currency:
        select.append(f"{ident(currency)} as _x_currency")
    sql = f"select _pos, _row, {_blank(columns)} as _blank, {', '.join(select)} from {rows_view}"
    return Shape(
        table,
        kind,
        sql,
        [c for c in table.column_names if c in carried],
        sources,
        formats or {},
        derived,
        currency,
        materialize="line_id" in derived,
    )


def _mapping_shape(columns: list[str], rows_view: str, mapping: Mapping) -> Shape:
    table = TABLES[mapping.table]
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(norm(c), c)
    exprs: dict[str, str] = {}
    sources: dict[str, str] = {}
    formats: dict[str, str] = {}
    missing_sources = []
    for name in table.column_names:
        spec = mapping.columns.get(name)
        if spec is None:
            if name in by_norm:  # an unmapped column that already has its canonical name
                exprs[name] = ident(by_norm[name])
                sources[name] = by_norm[name]
            continue
        source = spec.get("source")
        if source is not None and source not in columns:
            if spec.get("default") is None:
                missing_sources.append((name, source))
                continue
            source = None
        expr = ident(source) if source else "null::varchar"
        values = spec.get("values") or {}
        if values:
            cases = " ".join(f"when {literal(k)} then {literal(v)}" for k, v in values.items())
            expr = f"(case {expr} {cases} else {expr} end)"
        if spec.get("default") is not None:
            expr = f"coalesce({expr}, {literal(spec['default'])})"
        exprs[name] = expr
        sources[name] = source or f"default of {name}"
        if spec.get("format"):
            formats[name] = spec["format"]
    missing = [c for c in table.required_columns if c not in exprs]
    if missing_sources or missing:
        parts = []
        for name, source in missing_sources:
            near = closest(norm(source), columns)
            parts.append(
                f"{name} from {source!r} (closest: {near!r})" if near else f"{name} from {source!r}"
            )
        parts += [f"{name} (not mapped)" for name in missing if name not in dict(missing_sources)]
        raise Refused(
            f"mapping {mapping.path.name if mapping.path else ''}: missing column"
            f"{'s' if len(parts) > 1 else ''} {'; '.join(parts)}. "
            f"Columns found: {', '.join(columns)}",
            table.name,
            "mapping",
        )
    return _simple_shape(table, "mapping", columns, rows_view, sources, exprs, formats)


def _shopify_shape(columns: list[str], rows_view: str) -> Shape:
    table = TABLES["order_lines"]

    def col(name: str) -> str:
        return ident(name) if name in columns else "null::varchar"

    order_level = {
        "created": "Created at",
        "order_status": "Fulfillment Status",
        "fulfilled": "Fulfilled at",
        "cancelled": "Cancelled at",
        "email": "Email",
        "source": "Source",
        "currency": "Currency",
    }
    cleaned = ", ".join(
        [f"{col(src)} as {key}" for key, src in order_level.items()]
        + [
            f"{col('Name')} as name",
            f"{col('Lineitem quantity')} as qty",
            f"{col('Lineitem name')} as item_name",
            f"{col('Lineitem sku')} as item_sku",
            f"{col('Lineitem price')} as price",
            f"{col('Lineitem discount')} as discount",
            f"lower({col('Lineitem fulfillment status')}) as line_status",
        ]
    )
    firsts = ", ".join(
        f"arg_min({key}, _pos) filter (where {key} is not null) as {key}" for key in order_level
    )

    def filled(key: str) -> str:
        return f"coalesce(m.{key}, o.{key})"

    has_status = "Fulfillment Status" in columns and "Lineitem fulfillment status" in columns
    backordered = (
        f"case when lower({filled('order_status')}) = 'partial' "
        "and m.line_status in ('pending', 'partial') then m.qty else '0' end"
    )
    select = {
        "order_id": "m.name",
        "line_id": "cast(row_number() over (partition by m.name order by m._pos) as varchar)",
        "ordered_at": filled("created"),
        "sku": "coalesce(m.item_sku, m.item_name)",
        "qty": "m.qty",
        "unit_price": "m.price",
        "channel": filled("source"),
        "customer_id": filled("email"),
        "backordered_qty": backordered,
        "shipped_at": f"case when m.line_status = 'fulfilled' then {filled('fulfilled')} end",
        "canceled_at": (
            f"case when coalesce(m.line_status, '') <> 'fulfilled' then {filled('cancelled')} end"
        ),
    }
    present = {
        "unit_price": "Lineitem price" in columns,
        "channel": True,  # default direct
        "customer_id": "Email" in columns,
        "backordered_qty": has_status,
        "shipped_at": "Fulfilled at" in columns and "Lineitem fulfillment status" in columns,
        "canceled_at": "Cancelled at" in columns,
    }
    carried = [c for c in select if present.get(c, True)]
    sql = f"""
        with marked as (
            select _pos, _row, {_blank(columns)} as _blank, {cleaned} from {rows_view}
        ),
        orders as (
            select name, {firsts} from marked where not _blank group by name
        )
        select m._pos, m._row, m._blank,
            {", ".join(f"{select[c]} as {c}" for c in carried)},
            m.discount as _x_discount,
            {filled("currency")} as _x_currency,
            (m.item_sku is null and m.item_name is not null) as _x_sku_from_name,
            (m.line_status = 'fulfilled' and {filled("fulfilled")} is null) as _x_no_fulfilled_at
        from marked as m left join orders as o on m.name = o.name
    """
    sources = {
        "order_id": "Name",
        "line_id": "Name",
        "ordered_at": "Created at",
        "sku": "Lineitem sku",
        "qty": "Lineitem quantity",
        "unit_price": "Lineitem price",
        "channel": "Source",
        "customer_id": "Email",
        "backordered_qty": "Lineitem fulfillment status",
        "shipped_at": "Fulfilled at",
        "canceled_at": "Cancelled at",
    }
    if present["backordered_qty"]:
        carried.append("backordered_at")
    return Shape(
        table,
        "shopify",
        sql,
        [c for c in table.column_names if c in carried],
        sources,
        derived={"line_id", "backordered_qty"},
        currency_column="Currency" if "Currency" in columns else None,
        materialize=True,
        notes_sql={
            "{} lines without Lineitem sku took their Lineitem name as sku": "_x_sku_from_name",
            "{} fulfilled lines have no Fulfilled at (their order is not fully fulfilled): "
            "shipped_at left empty, so they count as open": "_x_no_fulfilled_at",
        },
    )
