"""Text cells to typed values, in SQL: the parse expression and the reason when it fails.

Timestamps. A value with an offset or `Z` is an exact instant; one without is a wall-clock time
in the store time zone. Each timestamp column is parsed to two naive TIMESTAMPs: `u` (UTC) and
`l` (local wall time), stored as `make_timestamptz(epoch_us(u))` and `l::date`. The zone's
offsets are not looked up per row: `offset_sql` is a small CASE tree over the zone's
transitions (from zoneinfo), so an import never calls ICU per row.

Formats recognised per column (`detect_format`): ISO (`T` or space, with or without seconds,
fractions, offsets `Z`, `+02:00`, `+0200`, ` +0200`), and day/month/year with `/`, `.` or `-`
(`10/2/2017 10:56`, `2.10.2017`, `02/10/2017 10:56:00`, `10/2/17 10:56 PM`). Slashes are read
month-first (US) unless a first part > 12 occurs somewhere in the column; dots are day-first.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb

from dashboard.importer.sources import ident, literal

INTEGER_RULES = {
    ("order_lines", "qty"): 1,
    ("inbound", "qty"): 1,
    ("order_lines", "backordered_qty"): 0,
    ("inbound", "qty_received"): 0,
    ("skus", "oversell_cap"): 0,
    ("skus", "lead_time_days"): 0,
}
NON_NEGATIVE_MONEY = {"unit_price", "shipping_cost", "handling_cost", "price", "unit_cost"}

EXPECT_DATE = "expected a date like 2026-11-21"
EXPECT_TIMESTAMP = "expected a timestamp like 2026-11-21 14:30 or 2026-11-21T14:30:00Z"
EXPECT_BOOLEAN = "expected true or false (also yes/no, 1/0)"
FIRST_YEAR, LAST_YEAR = 1970, 2100
EXPECT_YEAR = f"expected a year from {FIRST_YEAR} to {LAST_YEAR - 1}"


# Each *_sql gives (value, reason, bad): `bad` is a template over `{v}` (the value) and `{s}`
# (the text), true for a cell whose text is not a valid value and never null for one, so a
# row's rules are OR-ed as they are (`not coalesce(check, false)` per rule cost a tenth of a
# 10M load).


def integer_sql(s: str, minimum: int | None) -> tuple[str, str, str]:
    """'3.0' is 3; '3.5' is refused, not rounded (DuckDB's integer cast rounds it)."""
    bad = "({v} is null or try_cast({s} as double) is distinct from {v}"
    bad += f" or {{v}} < {minimum})" if minimum is not None else ")"
    reason = "expected an integer" + (f" >= {minimum}" if minimum is not None else "")
    return f"try_cast({s} as integer)", reason, bad


def money_sql(s: str, non_negative: bool) -> tuple[str, str, str]:
    """Plain numbers; else without a currency sign, US thousands commas or a decimal comma."""
    plain = f"try_cast({s} as decimal(18, 4))"
    # Only for cells that are not plain numbers: DuckDB computes a repeated subexpression once
    # for every row, so an unguarded regexp here ran on every price.
    bare = (
        f"case when {plain} is null then "
        f"regexp_replace({s}, '^[$€£]\\s*|\\s*([$€£]|USD|EUR|GBP)$', '', 'g') end"
    )
    fallback = (
        f"case when regexp_matches({bare}, '^-?\\d{{1,3}}(,\\d{{3}})+(\\.\\d+)?$') "
        f"then try_cast(replace({bare}, ',', '') as decimal(18, 4)) "
        # EU thousands dots with a decimal comma: 1.234,50
        f"when regexp_matches({bare}, '^-?\\d{{1,3}}(\\.\\d{{3}})+(,\\d+)?$') "
        f"then try_cast(replace(replace({bare}, '.', ''), ',', '.') as decimal(18, 4)) "
        f"else try_cast(replace({bare}, ',', '.') as decimal(18, 4)) end"
    )
    bad = "({v} is null" + (" or {v} < 0)" if non_negative else ")")
    reason = "expected a number" + (" >= 0" if non_negative else "")
    return f"coalesce({plain}, {fallback})", reason, bad


def boolean_sql(s: str) -> tuple[str, str, str]:
    value = (
        f"case when lower({s}) in ('true', 't', 'yes', 'y', '1') then true "
        f"when lower({s}) in ('false', 'f', 'no', 'n', '0') then false end"
    )
    return value, EXPECT_BOOLEAN, "({v} is null)"


@dataclass(frozen=True)
class DateFormat:
    family: str  # "iso", "dmy" (day first) or "mdy" (month first), or "strptime"
    separator: str = "/"
    pattern: str | None = None  # the mapping file's strptime format
    note: str | None = None


def detect_format(con: duckdb.DuckDBPyConnection, table: str, column: str) -> DateFormat:
    """The column's date family, from its first values; day-first from the whole column."""
    col = ident(column)
    sample = [
        v
        for (v,) in con.execute(
            f"select {col} from {table} where {col} is not null limit 1000"
        ).fetchall()
    ]
    iso = sum(bool(re.match(r"\d{4}-\d{1,2}-\d{1,2}", v)) for v in sample)
    other = [m.group(1) for v in sample if (m := re.match(r"\d{1,2}([/.-])\d{1,2}\1\d{2,4}", v))]
    if iso >= len(other):
        return DateFormat("iso")
    separator = max(set(other), key=other.count)
    first, second = con.execute(
        f"""select max(try_cast(split_part({col}, {literal(separator)}, 1) as integer)),
            max(try_cast(split_part({col}, {literal(separator)}, 2) as integer))
        from {table} where {col} is not null"""
    ).fetchone()
    if (first or 0) > 12:
        return DateFormat("dmy", separator)
    if (second or 0) > 12 or separator != ".":
        note = None
        if (second or 0) <= 12:
            note = (
                f"{column}: day and month both <= 12 throughout, read as month first "
                "(US, 10/2/2017 = October 2); give a mapping format to read day first"
            )
        return DateFormat("mdy", separator, note=note)
    return DateFormat("dmy", separator)


def _formats(fmt: DateFormat, with_time: bool) -> list[str]:
    s = fmt.separator
    day = f"%m{s}%d" if fmt.family == "mdy" else f"%d{s}%m"
    times = [" %H:%M:%S", " %H:%M", " %I:%M:%S %p", " %I:%M %p", ""] if with_time else [""]
    return [f"{day}{s}{year}{t}" for year in ("%y", "%Y") for t in times]


def date_sql(s: str, fmt: DateFormat) -> tuple[str, str, str]:
    if fmt.family == "strptime":
        value = f"cast(try_strptime({s}, {literal(fmt.pattern)}) as date)"
    elif fmt.family == "iso":
        value = f"coalesce(try_cast({s} as date), try_cast(left({s}, 10) as date))"
    else:
        formats = ", ".join(literal(f) for f in _formats(fmt, with_time=True))
        value = f"cast(try_strptime({s}, [{formats}]) as date)"
    return value, EXPECT_DATE, "({v} is null)"


def date_out_of_range(v: str) -> str:
    """True for a date outside 1970-2099; null for none."""
    return f"({v} < date '{FIRST_YEAR}-01-01' or {v} >= date '{LAST_YEAR}-01-01')"


OFFSET_RE = "(Z|[+-]\\d\\d(:?\\d\\d)?)$"
# Per ISO column, which forms its values take (`timestamp_forms_sql`, one aggregate per file):
# a column whose values all carry an offset, or all carry none, is parsed by a single cast
# instead of the general expression (a regexp, two replaces and two casts per cell).
FORM_PLAIN, FORM_SPACED, FORM_LOCAL = 2, 4, 8  # bits; 1 = empty


def timestamp_form_sql(s: str) -> str:
    """The form of one cell `s` as its bit: 1 = empty; PLAIN: an offset and no space before a
    sign (DuckDB's cast reads it as it is); SPACED: an offset after a space before a sign
    (Shopify's ` +0200`); LOCAL: no offset. `Z` first and taken as PLAIN: no regexp and no
    search for a sign (a `Z` after a signed offset is no timestamp in any form)."""
    offset = (
        f"case when strpos({s}, ' +') > 0 or strpos({s}, ' -') > 0 then {FORM_SPACED} "
        f"else {FORM_PLAIN} end"
    )
    return (
        f"case when {s} is null then 1 when length({s}) <= 10 then {FORM_LOCAL} "
        f"when suffix({s}, 'Z') then {FORM_PLAIN} "
        f"when regexp_matches({s}, '{OFFSET_RE}') then {offset} else {FORM_LOCAL} end"
    )


def timestamp_forms_sql(s: str) -> str:
    """An aggregate over the column's text `s`: a bit per form seen (`timestamp_form_sql`)."""
    return f"bit_or({timestamp_form_sql(s)})"


NO_INSTANT, NO_LOCAL = "null::timestamptz", "null::timestamp"  # a kind the column has none of


def timestamp_sql(s: str, fmt: DateFormat, forms: int | None = None) -> tuple[str, str]:
    """(instant, local): an instant TIMESTAMPTZ when the text has an offset, else a naive
    local TIMESTAMP; exactly one is non-null for a valid value. `forms` (from
    `timestamp_forms_sql`, ISO only) picks the single cast that gives the same values as the
    general expression for every value the column holds."""
    if fmt.family == "strptime":
        parsed = f"try_strptime({s}, {literal(fmt.pattern)})"
        if "%z" in fmt.pattern or "%Z" in fmt.pattern:
            return parsed, NO_LOCAL
        return NO_INSTANT, parsed
    if fmt.family != "iso":
        formats = ", ".join(literal(f) for f in _formats(fmt, with_time=True))
        return NO_INSTANT, f"try_strptime({s}, [{formats}])"
    # DuckDB reads Z, +02:00, +0200 and +02, but not a space before the sign (Shopify's)
    if forms is not None and not forms & ~(1 | FORM_PLAIN):
        return f"try_cast({s} as timestamptz)", NO_LOCAL
    if forms is not None and not forms & ~(1 | FORM_PLAIN | FORM_SPACED):
        spaced = f"try_cast(replace(replace({s}, ' +', '+'), ' -', '-') as timestamptz)"
        return spaced, NO_LOCAL
    if forms is not None and not forms & ~(1 | FORM_LOCAL):
        return NO_INSTANT, f"try_cast({s} as timestamp)"
    has_offset = f"(length({s}) > 10 and regexp_matches({s}, '{OFFSET_RE}'))"
    instant = (
        f"case when {has_offset} then try_cast(replace(replace({s}, ' +', '+'), ' -', '-') "
        "as timestamptz) end"
    )
    local = f"case when not {has_offset} then try_cast({s} as timestamp) end"
    return instant, local


@functools.cache
def segments(zone_name: str, from_utc: bool) -> tuple[tuple[datetime, int], ...]:
    """The zone's UTC offsets (seconds) as [(start, offset)], start naive: in UTC when
    `from_utc`, else in local wall time (a wall time in a DST gap or overlap takes the
    offset before the change, as zoneinfo's fold=0 does)."""
    zone = ZoneInfo(zone_name)

    def offset(t: datetime) -> int:
        if from_utc:
            return int(t.replace(tzinfo=UTC).astimezone(zone).utcoffset().total_seconds())
        return int(t.replace(tzinfo=zone).utcoffset().total_seconds())

    t = datetime(FIRST_YEAR, 1, 1)
    end = datetime(LAST_YEAR, 1, 1)
    out = [(t, offset(t))]
    step = timedelta(days=7)  # offsets change at most twice a year in practice
    while t < end:
        nxt = t + step
        if offset(nxt) != out[-1][1]:
            lo, hi = t, nxt  # offset(lo) == previous, offset(hi) == new
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid <= lo:
                    mid = lo + timedelta(minutes=1)
                if offset(mid) == out[-1][1]:
                    lo = mid
                else:
                    hi = mid
            out.append((hi, offset(hi)))
        t = nxt
    return tuple(out)


def offset_sql(x: str, zone_name: str, from_utc: bool) -> str:
    """Seconds to add (from UTC) or subtract (from local) for the naive TIMESTAMP column x:
    a balanced CASE tree over the zone's transitions, cheap per row."""
    segs = segments(zone_name, from_utc)

    def tree(lo: int, hi: int) -> str:
        if hi - lo == 1:
            return str(segs[lo][1])
        mid = (lo + hi) // 2
        return (
            f"case when {x} < timestamp '{segs[mid][0].isoformat(sep=' ')}' "
            f"then {tree(lo, mid)} else {tree(mid, hi)} end"
        )

    return tree(0, len(segs))


def utc_and_local_sql(
    from_instant: str | None, local: str | None, zone_name: str
) -> tuple[str, str]:
    """Naive UTC and naive local wall time from the parsed columns: `from_instant` (the
    instant as a naive UTC TIMESTAMP) and `local` (a naive wall time), column names; None for
    a kind the column holds no value of (`timestamp_sql`'s NO_INSTANT or NO_LOCAL). The zone's
    CASE tree runs only on the cells that need it: not on empty ones, nor on the other kind
    (the trees on empty cells were a fifth of a 10M load)."""
    if from_instant is None and local is None:
        return "null::timestamp", "null::timestamp"
    if zone_name in ("UTC", "Etc/UTC"):
        both = (
            f"coalesce({from_instant}, {local})"
            if from_instant and local
            else from_instant or local
        )
        return both, both

    def shifted(x: str, sign: str, from_utc: bool) -> str:
        return (
            f"case when {x} is not null then "
            f"{x} {sign} to_seconds({offset_sql(x, zone_name, from_utc)}) end"
        )

    if local is None:
        return from_instant, shifted(from_instant, "+", True)
    if from_instant is None:
        return shifted(local, "-", False), local
    utc = f"coalesce({from_instant}, {shifted(local, '-', False)})"
    wall = f"coalesce({local}, {shifted(from_instant, '+', True)})"
    return utc, wall


def out_of_range(utc: str) -> str:
    """True for a time outside 1970-2099; null for none."""
    return f"({utc} < timestamp '{FIRST_YEAR}-01-01' or {utc} >= timestamp '{LAST_YEAR}-01-01')"
