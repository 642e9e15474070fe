"""`dashboard report`: every figure as JSON, and the printable weekly pack as one HTML file.

- `report_json` runs every metric of `dashboard.queries.REGISTRY` for the period (the weekly
  review for the ISO week holding the period's as-of day, the quarterly top 20 for its quarter)
  and returns plain JSON data: frames as lists of records, dates as ISO text, money as numbers,
  unavailable figures as their `unavailable: needs <column>` text, empty rates as null.
- `weekly_pack_html` writes the Monday pack: the headline of every weekly check this week, last
  week and the change; each check's figures beside last week's; 13-week trends (Plotly, with
  plotly.js inline once, so the file opens offline); the silent, overdue and inversion queues.
  Every text that came from an export is escaped: nothing in the data is ever read as HTML.
"""

from __future__ import annotations

import dataclasses
import html
import math
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import duckdb
import plotly.graph_objects as go
import plotly.offline
import polars as pl
from plotly.subplots import make_subplots

from dashboard import store
from dashboard.metrics import reviews
from dashboard.params import Filters, Period, Settings
from dashboard.queries import REGISTRY, definition, is_unavailable, unavailable_figures

WEEKLY_CHECKS = (
    "backorder_rate",
    "backorder_age",
    "promise_hit_rate",
    "supplier_eta_accuracy",
    "backorder_cancel_rate",
    "split_shipment_cost",
    "support_contact_rate",
)
QUEUE_ROWS = 25


def metric_period(name: str, period: Period, as_of: date | None) -> Period:
    """The period a metric is run for in a report: the reviews take the week or quarter that
    holds the period's as-of day; every other metric takes the period itself."""
    day = as_of or period.as_of
    if name == "weekly_review":
        return Period.week_of(day)
    if name.startswith("quarterly_top20"):
        return Period.quarter_of(day)
    return period


# ---------------------------------------------------------------------------------------- JSON


def jsonable(value: object) -> object:
    """A value as JSON data: dates as ISO text, decimals as numbers, NaN as null."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def records(frame: pl.DataFrame) -> list[dict[str, object]]:
    return [jsonable(row) for row in frame.iter_rows(named=True)]


def period_json(period: Period, as_of: date | None = None) -> dict[str, object]:
    return {
        "label": str(period),
        "from_date": period.from_date.isoformat(),
        "to_date": period.to_date.isoformat(),
        "as_of": (as_of or period.as_of).isoformat(),
    }


def report_json(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    filters: Filters | None = None,
    settings: Settings | None = None,
    as_of: date | None = None,
    queue_rows: int | None = 100,
) -> dict[str, object]:
    """Every registered metric for the period, with its definition, as JSON-able data.

    Queues (silent_backorders and the `*_lines` metrics: one row per line or pair) list their first `queue_rows`
    rows, in the queue's own order, beside their full `row_count`; None lists every row.
    Figures are never cut.
    """
    filters = filters or Filters()
    settings = settings or Settings()
    metrics: dict[str, object] = {}
    frames: dict[str, pl.DataFrame] = {}
    for name in sorted(REGISTRY):
        ran_for = metric_period(name, period, as_of)
        day = as_of or period.as_of
        frame = REGISTRY[name](con, ran_for, filters, settings, day)
        frames[name] = frame
        is_queue = name.endswith("_lines") or name == "silent_backorders"
        shown = frame.head(queue_rows) if is_queue and queue_rows is not None else frame
        metrics[name] = {
            "period": period_json(ran_for, day),
            "definition": definition(name),
            "unavailable": is_unavailable(frame),
            "unavailable_figures": unavailable_figures(frame),
            "row_count": frame.height,
            "rows": records(shown),
        }
    review = frames.get("weekly_review")
    delayed = frames.get("quarterly_top20_delayed_orders")
    timelines = {}
    if delayed is not None and is_unavailable(delayed) is None:
        timelines = {
            order_id: records(reviews.order_timeline(con, order_id, settings))
            for order_id in delayed["order_id"]
        }
    return {
        "period": period_json(period, as_of),
        "filters": {f.name: list(getattr(filters, f.name)) for f in dataclasses.fields(filters)},
        "settings": jsonable(dataclasses.asdict(settings)),
        "dataset": store.dataset_settings(con),
        "metrics": metrics,
        "weekly_review_changes": (
            records(reviews.weekly_review_changes(review)) if review is not None else []
        ),
        "delayed_order_timelines": timelines,
    }


# ---------------------------------------------------------------------------------------- HTML

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; color: #222; margin: 2em auto; max-width: 60em; }
h1 { font-size: 1.6em; margin-bottom: 0; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin-bottom: 0.3em; }
.meta { color: #555; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.better { color: #1a7f37; } .worse { color: #c62828; }
.unavailable { color: #777; font-style: italic; }
pre.definition { white-space: pre-wrap; font-size: 0.8em; color: #555; background: #f6f6f6;
  padding: 0.5em; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; }
  h2 { break-before: page; } h2.first { break-before: auto; }
  table, .chart, section.check { break-inside: avoid; }
  pre.definition { display: none; }
  a { color: inherit; text-decoration: none; }
}
@page { size: A4; margin: 1.5cm; }
"""


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def kind_of(column: str) -> str:
    """How a figure column reads: "rate" (a share of 1), "money" or "count"."""
    if column.endswith("rate") or "share" in column:
        return "rate"
    if column.endswith(("cost", "revenue")):
        return "money"
    return "count"


def format_value(value: object, kind: str = "count", currency: str = "") -> str:
    """A figure as text for the pack: rates as percentages, money with the currency."""
    if value is None:
        return "no data"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        if kind == "rate":
            return f"{value:.1%}"
        if kind == "money":
            return f"{value:,.2f} {currency}".strip()
        if value.is_integer():
            return f"{int(value):,}"
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    return str(value)


def format_change(value: float | None, kind: str, currency: str) -> str:
    if value is None:
        return ""
    if kind == "rate":
        return f"{value * 100:+.1f} pts"
    if kind == "money":
        return f"{value:+,.2f} {currency}".strip()
    if value == int(value):
        return f"{int(value):+,}"
    return f"{value:+,.2f}"


def table_html(frame: pl.DataFrame, currency: str, limit: int | None = None) -> str:
    """A frame as an HTML table; every cell escaped."""
    shown = frame.head(limit) if limit is not None else frame
    head = "".join(f"<th>{esc(c)}</th>" for c in shown.columns)
    body = []
    for row in shown.iter_rows(named=True):
        cells = []
        for column, value in row.items():
            text = format_value(value, kind_of(column), currency)
            numeric = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
            css = ' class="num"' if numeric else ""
            if isinstance(value, str) and value.startswith("unavailable: "):
                css = ' class="unavailable"'
            cells.append(f"<td{css}>{esc(text)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def total_row(frame: pl.DataFrame) -> dict[str, object] | None:
    """A check's headline row: the total (sku or group empty, or bucket/breakdown 'total')."""
    if frame.height == 0:
        return None
    for column in ("breakdown", "bucket"):
        if column in frame.columns:
            totals = frame.filter(pl.col(column) == "total")
            if totals.height:
                return totals.row(0, named=True)
    if "sku" in frame.columns:
        totals = frame.filter(pl.col("sku").is_null())
        if totals.height:
            return totals.row(0, named=True)
    return frame.row(0, named=True)


def check_comparison(this_week: pl.DataFrame, last_week: pl.DataFrame, currency: str) -> str:
    """A check's total figures this week and last week, and the change."""
    reason = is_unavailable(this_week)
    if reason:
        return f'<p class="unavailable">Unavailable: {esc(reason)}</p>'
    now, before = total_row(this_week), total_row(last_week)
    if now is None:
        return "<p>No rows.</p>"
    before = before or {}
    rows = []
    for column, value in now.items():
        if column in ("breakdown", "group_value", "bucket", "sku"):
            continue
        previous = before.get(column)
        change = ""
        if _number(value) and _number(previous):
            delta = float(value) - float(previous)
            change = format_change(delta, kind_of(column), currency)
        css = ' class="unavailable"' if str(value).startswith("unavailable: ") else ""
        rows.append(
            f"<tr><th>{esc(column)}</th>"
            f"<td{css}>{esc(format_value(value, kind_of(column), currency))}</td>"
            f"<td>{esc(format_value(previous, kind_of(column), currency))}</td>"
            f"<td>{esc(change)}</td></tr>"
        )
    return (
        "<table><thead><tr><th>figure</th><th>this week</th><th>last week</th>"
        f"<th>change</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def headlines_html(changes: pl.DataFrame, currency: str) -> str:
    rows = []
    for row in changes.iter_rows(named=True):
        if row["unavailable"]:
            rows.append(
                f"<tr><th>{esc(row['label'])}</th>"
                f'<td colspan="3" class="unavailable">unavailable: {esc(row["unavailable"])}'
                "</td></tr>"
            )
            continue
        kind = row["kind"]
        css = f' class="{row["verdict"]}"' if row["verdict"] in ("better", "worse") else ""
        rows.append(
            f"<tr><th>{esc(row['label'])}</th>"
            f'<td class="num">{esc(format_value(row["this_week"], kind, currency))}</td>'
            f'<td class="num">{esc(format_value(row["last_week"], kind, currency))}</td>'
            f'<td class="num"><span{css}>'
            f"{esc(format_change(row['change'], kind, currency))}</span></td></tr>"
        )
    return (
        "<table><thead><tr><th>headline</th><th>this week</th><th>last week</th>"
        f"<th>change</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def trends_html(review: pl.DataFrame) -> str:
    """One Plotly figure: a small chart per headline over the 13 weeks (numbers and week
    labels only; plotly.js is not included here)."""
    if is_unavailable(review):
        return f'<p class="unavailable">Unavailable: {esc(is_unavailable(review))}</p>'
    shown = [h for h in reviews.HEADLINES if review[h.column].dtype != pl.String]
    if not shown:
        return '<p class="unavailable">No headline is available.</p>'
    rows = (len(shown) + 1) // 2
    fig = make_subplots(rows=rows, cols=2, subplot_titles=[h.label for h in shown])
    weeks = review["week"].to_list()
    for i, h in enumerate(shown):
        values = [None if v is None else float(v) for v in review[h.column].to_list()]
        fig.add_trace(
            go.Scatter(x=weeks, y=values, mode="lines+markers", name=h.label, showlegend=False),
            row=i // 2 + 1,
            col=i % 2 + 1,
        )
        if h.kind == "rate":
            fig.update_yaxes(tickformat=".0%", row=i // 2 + 1, col=i % 2 + 1)
    fig.update_layout(height=230 * rows, margin={"l": 40, "r": 20, "t": 40, "b": 30})
    fig.update_xaxes(tickangle=-45, tickfont={"size": 9})
    chart = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        config={"displaylogo": False, "displayModeBar": False, "responsive": True},
    )
    return f'<div class="chart">{chart}</div>'


def queue_html(title: str, frame: pl.DataFrame, currency: str, note: str = "") -> str:
    reason = is_unavailable(frame)
    if reason:
        body = f'<p class="unavailable">Unavailable: {esc(reason)}</p>'
    elif frame.height == 0:
        body = "<p>None.</p>"
    else:
        shown = min(frame.height, QUEUE_ROWS)
        body = (
            f"<p>{shown:,} of {frame.height:,} rows{esc(note)}.</p>"
            f"{table_html(frame, currency, QUEUE_ROWS)}"
        )
    return f"<h3>{esc(title)}</h3>{body}"


def weekly_pack_html(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    filters: Filters | None = None,
    settings: Settings | None = None,
    as_of: date | None = None,
) -> str:
    """The printable weekly pack for the ISO week holding the period's as-of day."""
    filters = filters or Filters()
    settings = settings or Settings()
    day = as_of or period.as_of
    week = Period.week_of(day)
    last_week = week.previous()
    dataset = store.dataset_settings(con)
    timezone = dataset.get("timezone", settings.timezone)
    currency = dataset.get("currency", settings.currency)

    review = reviews.weekly_review(con, week, filters, settings, day)
    changes = reviews.weekly_review_changes(review)

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Weekly backorder pack {esc(week)}</title>",
        f"<style>{STYLE}</style>",
        f'<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>',
        "</head><body>",
        f"<h1>Weekly backorder pack {esc(week)}</h1>",
        f'<p class="meta">Week {esc(week.from_date)} to {esc(week.as_of)}, as of {esc(day)}. '
        f"Store time zone {esc(timezone)}; currency {esc(currency)}. "
        f"Filters: {esc(_filters_text(filters))}. "
        f"Made {esc(datetime.now(UTC).isoformat(timespec='minutes'))}.</p>",
        '<h2 class="first">Headlines</h2>',
        f"<p>Week {esc(week)} against {esc(last_week)}. Rates change in percentage points.</p>",
        headlines_html(changes, currency),
        "<h2>13-week trends</h2>",
        trends_html(review),
        "<h2>Weekly checks</h2>",
    ]
    for name in WEEKLY_CHECKS:
        fn = REGISTRY.get(name)
        if fn is None:
            parts.append(f'<h3>{esc(name)}</h3><p class="unavailable">Not available.</p>')
            continue
        this_frame = fn(con, week, filters, settings, day)
        last_frame = fn(con, last_week, filters, settings, None)
        parts.append(
            f'<section class="check"><h3>{esc(name)}</h3>'
            f'<pre class="definition">{esc(definition(name))}</pre>'
            f"{check_comparison(this_frame, last_frame, currency)}</section>"
        )
    parts.append("<h2>Queues</h2>")
    parts.extend(_queues(con, week, filters, settings, day, currency))
    parts.append("</body></html>")
    return "\n".join(parts)


def _queues(con, week, filters, settings, day, currency) -> list[str]:
    out = []
    queues = (
        ("Silent backorders", "silent_backorders", None),
        ("Overdue backordered lines", "backorder_age_lines", "days_overdue"),
        ("Allocation inversions", "allocation_inversions_lines", None),
    )
    for title, name, must_have in queues:
        fn = REGISTRY.get(name)
        if fn is None:
            out.append(f'<h3>{esc(title)}</h3><p class="unavailable">Not available.</p>')
            continue
        frame = fn(con, week, filters, settings, day)
        if must_have and is_unavailable(frame) is None:
            needs = unavailable_figures(frame).get(must_have)
            if needs:
                frame = pl.DataFrame({"unavailable": [needs]})
            else:
                frame = frame.filter(pl.col(must_have).is_not_null())
        out.append(queue_html(title, frame, currency))
    return out


def _filters_text(filters: Filters) -> str:
    parts = [
        f"{f.name} = {', '.join(getattr(filters, f.name))}"
        for f in dataclasses.fields(filters)
        if getattr(filters, f.name)
    ]
    return "; ".join(parts) or "none"
