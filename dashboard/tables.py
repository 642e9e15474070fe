"""Pure helpers for what the pages show: figures as text, column labels, table rows, exports.

No streamlit here: dashboard/ui.py renders what these return. Polars in, Polars (or text,
bytes) out, so each is tested without an app.
"""

from __future__ import annotations

import dataclasses
import io
import math
import urllib.parse
from collections.abc import Iterable

import polars as pl

from dashboard import queries
from dashboard.params import ChannelRules, Filters, Settings
from dashboard.view import FILTER_KEYS

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHANNEL_RULE_FIELDS = (
    "channel",
    "handling_days",
    "late_shipment_threshold",
    "late_shipment_window_days",
    "seller_cancel_threshold",
    "seller_cancel_window_days",
)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt(value, unit: str, currency: str = "USD") -> str:
    """A figure as text: unit is pct, pts, money, days, hours, count or ratio."""
    if isinstance(value, str):
        if value.startswith(queries.UNAVAILABLE):
            return "unavailable"
        return value
    if _missing(value):
        return "no data"
    value = float(value)
    if unit == "pct":
        return f"{value:.1%}"
    if unit == "pts":
        return f"{value * 100:+.1f} pts"
    if unit == "money":
        digits = 2 if abs(value) < 10 else 0
        return f"{'-' if value < 0 else ''}{money_symbol(currency)}{abs(value):,.{digits}f}"
    if unit == "days":
        return f"{value:.1f} days"
    if unit == "hours":
        return f"{value:.1f} h"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "ratio":
        return f"{value:.2f}x"
    return f"{value:,.2f}"


def fmt_change(value, unit: str, currency: str = "USD") -> str | None:
    """The week-on-week change: rate points for rates, signed values otherwise."""
    if isinstance(value, str) or _missing(value):
        return None
    value = float(value)
    if unit == "pct":
        return f"{value * 100:+.1f} pts"
    if unit == "money":
        sign = "+" if value >= 0 else "-"
        return f"{sign}{fmt(abs(value), 'money', currency)}"
    if unit == "count":
        return f"{value:+,.0f}"
    if unit == "days":
        return f"{value:+.1f} days"
    if unit == "ratio":
        return f"{value:+.2f}"
    return f"{value:+,.2f}"


def shows_change(change: str | None) -> bool:
    """Whether a formatted change shows a change: "+0", "+0.0 pts" and "+$0.00" do not."""
    return change is not None and any(c in "123456789" for c in change)


def delta_color(change: str | None, up_is_good: bool = True) -> str:
    """st.metric's delta_color for a formatted change: grey ("off") when it shows no change,
    so a zero is not drawn as a coloured rise."""
    if not shows_change(change):
        return "off"
    return "normal" if up_is_good else "inverse"


def delta_arrow(change: str | None) -> str:
    """st.metric's delta_arrow: none when the change shows no change (no rise arrow on +0)."""
    return "auto" if shows_change(change) else "off"


def delta(change: str | None, up_is_good: bool = True) -> dict:
    """st.metric's delta arguments for a formatted change: the change, its colour and arrow."""
    return {
        "delta": change,
        "delta_color": delta_color(change, up_is_good),
        "delta_arrow": delta_arrow(change),
    }


def money_symbol(currency: str) -> str:
    return {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}.get(currency, f"{currency} ")


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would run as a formula (= + - @, tab, CR first) get a
    leading apostrophe. Only text columns change; numbers stay numbers."""
    text_columns = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(
        pl.when(_starts_with_any(pl.col(c)))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text_columns
    )


def _starts_with_any(expr: pl.Expr) -> pl.Expr:
    out = expr.str.starts_with(FORMULA_PREFIXES[0])
    for prefix in FORMULA_PREFIXES[1:]:
        out = out | expr.str.starts_with(prefix)
    return out.fill_null(False)


def _for_export(frame: pl.DataFrame) -> pl.DataFrame:
    """Flatten what CSV/XLSX cannot hold (lists, structs, zoned times) and neutralise."""
    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List | pl.Array):
            exprs.append(pl.col(name).cast(pl.List(pl.String)).list.join(", ").alias(name))
        elif isinstance(dtype, pl.Struct | pl.Object):
            exprs.append(pl.col(name).map_elements(str, return_dtype=pl.String).alias(name))
        elif isinstance(dtype, pl.Datetime) and dtype.time_zone:
            exprs.append(pl.col(name).dt.replace_time_zone(None).alias(name))
        elif isinstance(dtype, pl.Decimal):
            exprs.append(pl.col(name).cast(pl.Float64).alias(name))
    return neutralise(frame.with_columns(exprs) if exprs else frame)


def to_csv(frame: pl.DataFrame) -> bytes:
    return _for_export(frame).write_csv().encode("utf-8")


def to_xlsx(frame: pl.DataFrame, sheet: str = "data") -> bytes:
    buffer = io.BytesIO()
    _for_export(frame).write_excel(buffer, worksheet=sheet[:31], autofit=True)
    return buffer.getvalue()


def _link(base: str, column: str) -> pl.Expr:
    return pl.lit(base) + pl.col(column).map_elements(
        lambda v: urllib.parse.quote(str(v), safe=""), return_dtype=pl.String
    )


def with_timeline_links(frame: pl.DataFrame, base: str) -> pl.DataFrame:
    """A `timeline` column first: `base` (the order timeline page's URL) with the row's order."""
    if "order_id" not in frame.columns:
        return frame
    joiner = "&" if "?" in base else "?"
    return frame.select(_link(f"{base}{joiner}order=", "order_id").alias("timeline"), pl.all())


def with_sku_links(frame: pl.DataFrame, base: str) -> pl.DataFrame:
    """A `sku_page` column first: `base` (the SKU page's URL) drilled into the row's SKU."""
    return frame.with_columns(_link(f"{base}&detail=", "sku").alias("sku_page")).select(
        "sku_page", pl.exclude("sku_page")
    )


def order_columns(
    shown: pl.DataFrame, first: list[str] | None, rest: bool = True
) -> list[str] | None:
    """Link columns, then `first`, then the rest (or not, when `rest` is False)."""
    if not first:
        return None
    links = [c for c in ("timeline", "sku_page") if c in shown.columns]
    lead = [c for c in first if c in shown.columns]
    if not rest:
        return [*links, *lead]
    return [*links, *lead, *[c for c in shown.columns if c not in links and c not in lead]]


def local_times(frame: pl.DataFrame, timezone: str) -> pl.DataFrame:
    """Zoned timestamps shown in the store time zone."""
    exprs = [
        pl.col(name).dt.convert_time_zone(timezone)
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime) and dtype.time_zone
    ]
    return frame.with_columns(exprs) if exprs else frame


MONEY_WORDS = ("cost", "revenue", "price", "value")


LABELS = {
    "sku": "SKU",
    "order_id": "Order",
    "line_id": "Line",
    "qty": "Qty",
    "eta": "ETA",
    "po_id": "PO",
}


def label(column: str) -> str:
    """`count_backordered_lines` -> 'Backordered lines'; `prev_cancel_rate` -> 'Prev. cancel rate'."""
    if column in LABELS:
        return LABELS[column]
    words = column.removeprefix("count_").split("_")
    words = [LABELS.get(w, w) for w in words]
    if words[0] == "prev":
        words[0] = "prev."
    text = " ".join(words)
    return text[:1].upper() + text[1:]


UNITS = {"rate": "pct", "money": "money", "count": "count"}


UNIT_NAMES = {"pct": "%", "money": "CUR", "count": "count", "decimal": "per order", "days": "days"}


SHORT_LABELS = {"contacts_per_backordered_order": "Contacts per backorder"}


def headline_unit(column: str, kind: str) -> str:
    if column.startswith("contacts_per"):
        return "decimal"
    return UNITS.get(kind, "decimal")


def only_rows_with(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """The rows where `column` has a value (a queue inside a wider list)."""
    if queries.is_unavailable(frame) or column not in frame.columns:
        return frame
    return frame.filter(pl.col(column).is_not_null())


MARKDOWN_SPECIAL = "\\`*_{}[]<>()#+-.!|~$"


def plain(text: str) -> str:
    """Export text made inert for st.markdown-rendering elements (escaped, never HTML)."""
    return "".join(f"\\{c}" if c in MARKDOWN_SPECIAL else c for c in str(text))


def _timezones() -> list[str]:
    import zoneinfo

    return sorted(zoneinfo.available_timezones() | {"UTC"})


TIMEZONES = _timezones()


_PERCENT_RULES = ("late_shipment_threshold", "seller_cancel_threshold")


def channel_rules_table(conf: Settings, channels: Iterable[str]) -> pl.DataFrame:
    """One row per channel: '*' (the default) and every channel in the data, thresholds in %."""
    rows = []
    for channel in ["*", *channels]:
        rules = conf.channel_default if channel == "*" else conf.rules_for(channel)
        row = {"channel": channel, **dataclasses.asdict(rules)}
        for name in _PERCENT_RULES:
            row[name] = round(row[name] * 100, 4)
        rows.append(row)
    return pl.DataFrame(rows)


def settings_from_form(conf: Settings, channel_rules, **values) -> Settings:
    """New Settings from the form; a channel row equal to the default is not kept as its own."""
    frame = (
        channel_rules if isinstance(channel_rules, pl.DataFrame) else pl.from_pandas(channel_rules)
    )
    parsed = {}
    for row in frame.iter_rows(named=True):
        fields = {k: row[k] for k in CHANNEL_RULE_FIELDS if k != "channel"}
        for name in _PERCENT_RULES:
            fields[name] = float(fields[name]) / 100
        for name in ("handling_days", "late_shipment_window_days", "seller_cancel_window_days"):
            fields[name] = int(fields[name])
        parsed[row["channel"]] = ChannelRules(**fields)
    default = parsed.pop("*", conf.channel_default)
    overrides = tuple((ch, rules) for ch, rules in parsed.items() if rules != default)
    return dataclasses.replace(
        conf,
        silence_days=int(values["silence_days"]),
        receiving_buffer_days=int(values["receiving_buffer_days"]),
        statutory_days=int(values["statutory_days"]),
        review_cancel_rate=float(values["review_cancel_rate"]),
        review_slip_days=float(values["review_slip_days"]),
        channel_default=default,
        channel_overrides=overrides,
    )


def settings_table(conf: Settings) -> pl.DataFrame:
    """Every setting in force, where it is used."""
    used = {
        "timezone": "every date, week and as-of day",
        "currency": "every money figure",
        "silence_days": "silent_backorders",
        "receiving_buffer_days": "hygiene",
        "statutory_days": "delay_notice_compliance",
        "review_cancel_rate": "quarterly_top20 review flag",
        "review_slip_days": "quarterly_top20 review flag",
    }
    rows = [{"setting": k, "value": str(getattr(conf, k)), "used by": v} for k, v in used.items()]
    for channel, rules in [("*", conf.channel_default), *conf.channel_overrides]:
        rows.append(
            {
                "setting": f"channel rules {channel}",
                "value": ", ".join(f"{k}={v}" for k, v in dataclasses.asdict(rules).items()),
                "used by": "channel_sla",
            }
        )
    return pl.DataFrame(rows)


def with_review_thresholds(conf: Settings, cancel_rate: float, slip_days: float) -> Settings:
    return dataclasses.replace(conf, review_cancel_rate=cancel_rate, review_slip_days=slip_days)


def with_sku(filters: Filters, sku: str) -> Filters:
    return dataclasses.replace(filters, sku=(sku,))


def column_values(frame: pl.DataFrame, column: str) -> list:
    return frame[column].to_list() if column in frame.columns else []


def order_facts(events: pl.DataFrame) -> dict:
    """One order's timeline summed up: placed day, lines, backordered lines, notices, contacts,
    whether it is still open, its state as text and the days to its last resolution."""
    placed = events.filter(pl.col("event") == "ordered")["local_date"].min()
    lines = events.filter(pl.col("line_id").is_not_null())["line_id"].n_unique()
    resolved_lines = events.filter(pl.col("event").is_in(["shipped", "canceled"]))
    resolved = resolved_lines["local_date"].max()
    is_open = resolved_lines["line_id"].n_unique() < lines
    state = (
        f"still open (last resolution so far {resolved})"
        if is_open and resolved
        else "still open"
        if is_open
        else f"last line resolved {resolved}"
    )
    return {
        "placed": placed,
        "lines": lines,
        "backordered": events.filter(pl.col("event") == "backordered")["line_id"].n_unique(),
        "notices": events.filter(pl.col("event") == "notice").height,
        "contacts": events.filter(pl.col("event") == "contact").height,
        "is_open": is_open,
        "state": state,
        "days": (resolved - placed).days if placed and resolved and not is_open else None,
    }


def delayed_order_title(delayed: pl.DataFrame, order_id: str) -> str:
    row = delayed.filter(pl.col("order_id") == order_id).row(0, named=True)
    state = "still open" if row.get("is_open") else f"resolved {row.get('last_resolved_date')}"
    return (
        f"Order {plain(order_id)}: {row.get('days_to_resolution')} days, ordered "
        f"{row.get('ordered_date')}, {state} ({plain(row.get('backordered_skus') or '')})"
    )


def total_row(frame: pl.DataFrame) -> dict:
    """The total row of a metric: `breakdown == 'total'`, else the row whose key is null."""
    if "breakdown" in frame.columns:
        rows = frame.filter(pl.col("breakdown") == "total")
    elif "sku" in frame.columns:
        rows = frame.filter(pl.col("sku").is_null())
    elif "channel" in frame.columns:
        rows = frame.filter(pl.col("channel").is_null())
    else:
        rows = frame
    return rows.row(0, named=True) if rows.height else {}


def breakdown(
    frame: pl.DataFrame, name: str, with_total: bool = False, keep: list[str] | None = None
) -> pl.DataFrame:
    """The rows of one breakdown of a metric (`breakdown == name`), its `group_value` named
    `name`. `keep`: the key columns of that breakdown when the metric has no group_value (the
    other keys, empty for this breakdown, are dropped)."""
    if queries.is_unavailable(frame) or "breakdown" not in frame.columns:
        return frame
    kinds = [name, "total"] if with_total else [name]
    rows = frame.filter(pl.col("breakdown").is_in(kinds))
    if with_total:
        return rows
    if "group_value" in rows.columns:
        return rows.rename({"group_value": name}).drop("breakdown")
    keys = [c for c in rows.columns if rows.schema[c] == pl.String and c != "breakdown"]
    drop = [c for c in keys if c not in (keep or [])]
    return rows.drop("breakdown", *drop)


def misses_by_days_late(promise: pl.DataFrame) -> pl.DataFrame:
    """promise_hit_rate's days_late breakdown as what it is, the misses: per days late, the
    missed lines and their share of all misses. (Every row of it is a miss, so its lines equal
    its misses, its hits are 0 and its mean and median days late are its own key.)"""
    rows = breakdown(promise, "days_late")
    if queries.is_unavailable(rows) or "count_misses" not in rows.columns:
        return rows
    return rows.select(
        "days_late",
        "count_misses",
        (pl.col("count_misses") / pl.col("count_misses").sum()).alias("share_of_misses"),
    )


def sku_rows(rate: pl.DataFrame, search: str = "") -> pl.DataFrame:
    """The per-SKU rows of backorder_rate (ranked), narrowed by a case-insensitive search."""
    rows = rate.filter(pl.col("sku").is_not_null())
    if search and search.strip():
        rows = rows.filter(
            pl.col("sku").str.to_lowercase().str.contains(search.strip().lower(), literal=True)
        )
    return rows


def selected_value(state, frame: pl.DataFrame, column: str):
    """The `column` value of the row selected in a selectable table, if any."""
    try:
        rows = state.selection.rows
    except AttributeError:
        return None
    if rows and rows[0] < frame.height:
        return frame[column][rows[0]]
    return None


def supplier_comparison(promise: pl.DataFrame, eta: pl.DataFrame) -> pl.DataFrame:
    """Per supplier: our promise hit rate beside the supplier's on-time rate and slip."""
    parts = []
    if not queries.is_unavailable(promise) and "breakdown" in promise.columns:
        parts.append(
            breakdown(promise, "supplier").select(
                "supplier",
                pl.col("count_lines").alias("promised_lines_shipped"),
                pl.col("hit_rate").alias("promise_hit_rate"),
                "median_days_late",
            )
        )
    if not queries.is_unavailable(eta) and "breakdown" in eta.columns:
        parts.append(
            breakdown(eta, "supplier").select(
                "supplier",
                pl.col("count_received").alias("receipts"),
                pl.col("on_time_rate").alias("supplier_on_time_rate"),
                "median_slip_days",
                "mean_slip_days",
            )
        )
    if not parts:
        return promise if queries.is_unavailable(promise) else eta
    out = parts[0]
    for part in parts[1:]:
        out = out.join(part, on="supplier", how="full", coalesce=True, nulls_equal=True)
    return out.sort("supplier", nulls_last=True)


def tab_label(title: str, queue: pl.DataFrame, suffix: str = "") -> str:
    """`Silent backorders (5)`: the queue's length in its tab; no count when unavailable."""
    if queries.is_unavailable(queue):
        return f"{title} (unavailable)"
    return f"{title} ({queue.height:,}{suffix})"


def unavailable_text(reason: str) -> str:
    """`needs canceled_at` -> 'the loaded exports have no canceled_at column'."""
    need = reason.removeprefix("unavailable: ").removeprefix("needs ").strip()
    if need in ("order_lines", "shipments", "inbound", "contacts", "notices", "skus"):
        return f"the loaded exports have no {need} table"
    if need in FILTER_KEYS:
        return f"the loaded exports carry no {need}, so the {need} filter cannot apply"
    return f"the loaded exports have no {need} column"


def sla_alert_lines(sla: pl.DataFrame, rates: dict[str, str]) -> list[str]:
    """A markdown list item per channel and rate ({column prefix: title}) over its threshold."""
    return [
        f"- {plain(row['channel'])}: {rates[name].lower()} {fmt(row[f'{name}_rate'], 'pct')}"
        f" is over its threshold {fmt(row[f'{name}_threshold'], 'pct')}"
        for row in sla.iter_rows(named=True)
        for name in rates
        if row.get(f"{name}_over") is True
    ]


def group_totals(frames: dict[str, pl.DataFrame], attribute: str) -> pl.DataFrame:
    """A metric run once per value of `attribute` ({value: frame}): each total row with the
    value first, stacked; the first unavailable frame when one is."""
    rows = []
    for value, frame in frames.items():
        if queries.is_unavailable(frame):
            return frame
        total = (
            frame.filter(pl.col("breakdown") == "total").drop("breakdown", "group_value")
            if "breakdown" in frame.columns
            else frame.head(1)
        )
        rows.append(total.select(pl.lit(value).alias(attribute), pl.all()))
    if not rows:
        return pl.DataFrame({attribute: []}, schema={attribute: pl.String})
    return pl.concat(rows, how="diagonal_relaxed")


def count_flagged(top: pl.DataFrame) -> int:
    """The SKUs of the quarterly top 20 flagged for review."""
    if "review_flag" not in top.columns:
        return 0
    return top["review_flag"].fill_null(False).sum()


def tab_title(label: str) -> str:
    """`Silent backorders (5)` -> 'Silent backorders': a tab's label without its count."""
    return label.split(" (")[0]


def same_tab(labels: list[str], previous: str | None) -> str | None:
    """The label in `labels` of the tab `previous` was (same title, any count), or None."""
    if previous is None:
        return None
    return next((x for x in labels if tab_title(x) == tab_title(previous)), None)


def sla_over(sla: pl.DataFrame) -> pl.DataFrame:
    """The channels over a threshold."""
    if queries.is_unavailable(sla):
        return sla
    over = [c for c in ("late_shipment_over", "seller_cancel_over") if c in sla.columns]
    if not over:
        return sla.clear()
    return sla.filter(pl.any_horizontal([pl.col(c).fill_null(False) for c in over]))


# (column, title, format, help) per figure of the quarterly top 20, each also as prev_<column>
TOP20_FIGURES = [
    ("line_rate", "Line rate", "percent", "Backordered lines / lines ordered"),
    ("cancel_rate", "Cancel rate", "percent", "Canceled / backordered lines resolved"),
    ("promise_hit_rate", "Hit rate", "percent", "Promise hit rate"),
    ("median_slip_days", "Slip (d)", "%.1f", "Median supplier slip, days"),
    ("contacts_per_backordered_order", "Contacts", "%.2f", "Contacts per backordered order"),
]

# What the audit table shows on screen; its downloads carry every column, Q-1 included.
TOP20_SHOWN = [
    "rank",
    "sku",
    "title",
    "review_reason",
    "count_backordered_lines",
    *(name for name, *_ in TOP20_FIGURES),
    "backorder_eligible",
    "oversell_cap",
]


def top20_against_previous(top: pl.DataFrame) -> pl.DataFrame:
    """Per SKU of the top 20: each figure in the quarter before (`prev_<figure>`) and the
    change since (`<figure>_change`: this quarter minus the one before, rates in points;
    empty where a quarter has no figure or the exports cannot give it)."""
    columns = [pl.col("rank"), pl.col("sku")]
    for name, _, fmt_, _ in TOP20_FIGURES:
        numbers = pl.String not in (top.schema[name], top.schema[f"prev_{name}"])
        change = pl.col(name) - pl.col(f"prev_{name}") if numbers else pl.lit(None, pl.Float64)
        if fmt_ == "percent":
            change = change * 100
        columns += [pl.col(f"prev_{name}"), change.alias(f"{name}_change")]
    return top.select(columns)


def rows_height(frame: pl.DataFrame, most: int = 900) -> int | str:
    """A table height that shows every row (up to `most` pixels)."""
    return min(35 * (frame.height + 1) + 3, most)


# ---------------------------------------------------------------------------- card figures
# (column, label, unit) per card row; ui.figure_cards shows the ones a row carries.

PROMISE_FIGURES = [
    ("hit_rate", "Promise hit rate", "pct"),
    ("count_lines", "Lines shipped with a promise", "count"),
    ("count_misses", "Misses", "count"),
    ("median_days_late", "Median days late (misses)", "days"),
]

ETA_FIGURES = [
    ("on_time_rate", "Supplier on-time rate", "pct"),
    ("count_received", "Receipts", "count"),
    ("median_slip_days", "Median slip", "days"),
    ("mean_slip_days", "Mean slip", "days"),
]

CANCEL_FIGURES = [
    ("cancel_rate", "Backorder cancel rate", "pct"),
    ("count_canceled", "Canceled lines", "count"),
    ("count_resolved", "Resolved backordered lines", "count"),
    ("lost_revenue", "Lost revenue", "money"),
]

SPLIT_FIGURES = [
    ("split_cost", "Split cost", "money"),
    ("backorder_split_cost", "Backorder-caused split cost", "money"),
    ("split_rate", "Split rate (orders)", "pct"),
    ("share_of_revenue", "Split cost / revenue of those orders", "pct"),
    ("count_extra_shipments", "Extra shipments", "count"),
]

CONTACT_FIGURES = [
    ("contacts_per_order", "Contacts per backordered order", "decimal"),
    ("repeated_share", "Backordered orders with 2+ contacts", "pct"),
    ("baseline_contacts_per_order", "Contacts per order without backorder", "decimal"),
    ("lift", "Lift over baseline", "ratio"),
    ("count_backordered_orders", "Backordered orders resolved", "count"),
]

INVERSION_FIGURES = [
    ("lines_passed_over", "Backordered lines passed over", "count"),
    ("units_shipped_ahead", "Units shipped ahead of them", "count"),
    ("pairs", "Pairs", "count"),
]

COMPLIANCE_FIGURES = [
    ("missed_promise_without_notice", "Missed promise, no notice", "count"),
    ("past_statutory_days", "Past statutory days, no options offer", "count"),
    ("second_delay", "Second delays: check consent", "count"),
]

FIRST_NOTICE_FIGURES = [
    ("lines", "Lines backordered", "count"),
    ("median_hours", "Median hours to first notice", "hours"),
    ("share_within_24h", "Notified within 24 h", "pct"),
    ("never_notified", "Never notified", "count"),
]

HYGIENE_CHECKS = [
    ("no_reason", "No backorder reason"),
    ("no_promise", "No promised ship date"),
    ("promise_without_buffer", "Promise inside ETA + buffer"),
    ("ineligible_accepted", "Accepted while not eligible"),
    ("over_cap", "Accepted over the cap"),
]
