"""Plotly figure builders for the pages: frames in, `go.Figure` out.

No streamlit here: `ui.chart(fig)` draws what these return. Units and axis formats come from
`AXIS`; a figure the exports cannot give is an `unavailable_chart` that says what it needs.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
import polars as pl

from dashboard import queries
from dashboard.params import Period
from dashboard.tables import fmt, label

AXIS = {
    "pct": {"tickformat": ".0%", "suffix": ""},
    "money": {"tickformat": ",.0f", "suffix": ""},
    "days": {"tickformat": ",.1f", "suffix": " d"},
    "hours": {"tickformat": ",.0f", "suffix": " h"},
    "count": {"tickformat": ",d", "suffix": ""},
    "ratio": {"tickformat": ".2f", "suffix": ""},
}


def _unit_title(title: str, unit: str, currency: str) -> str:
    names = {"pct": "%", "money": currency, "days": "days", "hours": "hours", "count": "count"}
    return f"{title} ({names[unit]})" if unit in names else title


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 15}},
        height=height,
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        hovermode="x unified",
    )
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def line_chart(
    frame: pl.DataFrame,
    x: str,
    ys: dict[str, str],
    unit: str,
    title: str,
    currency: str = "USD",
    x_title: str = "ISO week",
    height: int = 300,
    threshold: float | None = None,
    y_title: str | None = None,
) -> go.Figure:
    """One line per column of `ys` ({column: legend label}) over `x`."""
    fig = go.Figure()
    axis = AXIS.get(unit, AXIS["ratio"])
    for column, name in ys.items():
        values = frame[column] if frame[column].dtype != pl.String else None
        if values is None:
            continue
        fig.add_trace(
            go.Scatter(
                x=frame[x].cast(pl.String).to_list(),
                y=values.cast(pl.Float64).to_list(),
                mode="lines+markers",
                name=name,
                hovertemplate=f"%{{y:{axis['tickformat']}}}{axis['suffix']}",
            )
        )
    if not fig.data:
        reasons = [str(frame[c][0]) for c in ys if frame.schema.get(c) == pl.String]
        return unavailable_chart(reasons[0] if reasons else "no figure", title)
    if threshold is not None:
        fig.add_hline(
            y=threshold, line_dash="dash", line_color="firebrick", annotation_text="threshold"
        )
    fig.update_yaxes(
        title=y_title
        if y_title is not None
        else _unit_title(title.split(" by ")[0], unit, currency),
        tickformat=axis["tickformat"],
        ticksuffix=axis["suffix"],
        rangemode="tozero",
    )
    fig.update_xaxes(title=x_title)
    return _layout(fig, title, height)


def unavailable_chart(reason: str, title: str, height: int = 200) -> go.Figure:
    """An empty chart that says which input is missing (never a zero line)."""
    fig = go.Figure()
    fig.add_annotation(
        text=f"Unavailable: {reason.removeprefix(queries.UNAVAILABLE)}",
        showarrow=False,
        font={"size": 14},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, height)


def bar_chart(
    frame: pl.DataFrame,
    x: str,
    y: str,
    unit: str,
    title: str,
    currency: str = "USD",
    x_title: str | None = None,
    y_title: str | None = None,
    height: int = 320,
) -> go.Figure:
    """Bars of `y` per `x`, labelled with their values; an unavailable `y` says so."""
    whole = queries.is_unavailable(frame)
    if whole or frame.schema.get(y) == pl.String:
        return unavailable_chart(whole or str(frame[y][0]), title)
    axis = AXIS.get(unit, AXIS["ratio"])
    cats = frame[x].cast(pl.String).fill_null("(none)").to_list()
    vals = frame[y].cast(pl.Float64).to_list()
    fig = go.Figure(
        go.Bar(
            x=cats,
            y=vals,
            text=[fmt(v, unit, currency) for v in vals],
            textposition="auto",
            hovertemplate=f"%{{y:{axis['tickformat']}}}{axis['suffix']}<extra>%{{x}}</extra>",
        )
    )
    fig.update_yaxes(
        title=y_title or _unit_title(label(y), unit, currency),
        tickformat=axis["tickformat"],
        ticksuffix=axis["suffix"],
    )
    fig.update_xaxes(title=x_title if x_title is not None else label(x))
    fig.update_layout(hovermode="closest")
    return _layout(fig, title, height)


AGING_COLORS = ["#7aa6c2", "#c0504d"]


def aging_bars(age: pl.DataFrame) -> pl.DataFrame:
    """The aging chart's data: per age bucket, the open lines not overdue and the overdue ones
    (past the promised ship date), stacked in AGING_COLORS. Drawn by ui.bar_chart (Vega-Lite,
    already loaded for the cards' sparklines), so the weekly review's first paint loads no
    Plotly."""
    return age.filter(pl.col("bucket") != "total").select(
        pl.col("bucket").alias("Days open since backordered"),
        (pl.col("count_lines") - pl.col("count_overdue_lines")).alias("not overdue"),
        pl.col("count_overdue_lines").alias("overdue"),
    )


SLA_RATES = {"late_shipment": "Late shipment rate", "seller_cancel": "Seller cancel rate"}


def sla_chart(sla: pl.DataFrame, rate: str) -> go.Figure:
    """One rate per channel, red where over its threshold, the threshold marked on each bar."""
    title = SLA_RATES[rate]
    column = f"{rate}_rate"
    if sla.schema.get(column) in (None, pl.String):
        return unavailable_chart(str(sla[column][0]) if column in sla.columns else "", title)
    channels = sla["channel"].to_list()
    values = sla[column].cast(pl.Float64).to_list()
    over = sla[f"{rate}_over"].fill_null(False).to_list()
    fig = go.Figure(
        go.Bar(
            x=channels,
            y=values,
            name=title,
            marker_color=["#c0504d" if o else "#4c78a8" for o in over],
            text=[fmt(v, "pct") for v in values],
            textposition="outside",
            hovertemplate="%{x}: %{y:.1%}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=channels,
            y=sla[f"{rate}_threshold"].cast(pl.Float64).to_list(),
            mode="markers",
            marker={
                "symbol": "line-ew-open",
                "size": 60,
                "color": "#222",
                "line": {"width": 3, "color": "#222"},
            },
            name="threshold",
            hovertemplate="threshold %{y:.1%}<extra>%{x}</extra>",
        )
    )
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(title=f"{title} (%)", tickformat=".1%", rangemode="tozero")
    fig.update_xaxes(title="Channel")
    return _layout(fig, f"{title} per channel against its threshold", 320)


EVENT_COLORS = {
    "ordered": "#4c78a8",
    "backordered": "#e45756",
    "notice": "#f58518",
    "contact": "#b279a2",
    "shipment": "#54a24b",
    "shipped": "#54a24b",
    "canceled": "#9d755d",
}


def timeline_chart(events: pl.DataFrame, order_id: str) -> go.Figure:
    """Events on a time axis, one row per kind of event."""
    fig = go.Figure()
    order = list(EVENT_COLORS)
    for event in order:
        part = events.filter(pl.col("event") == event)
        if part.height == 0:
            continue
        fig.add_trace(
            go.Scatter(
                x=part["local_time"].to_list(),
                y=[event] * part.height,
                mode="markers",
                marker={"size": 14, "color": EVENT_COLORS[event], "line": {"width": 1}},
                name=event,
                customdata=[
                    (html.escape(str(line or "")), html.escape(str(detail or "")))
                    for line, detail in part.select("line_id", "detail").rows()
                ],
                hovertemplate="%{x|%Y-%m-%d %H:%M}<br>line %{customdata[0]}<br>"
                "%{customdata[1]}<extra></extra>",
            )
        )
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(order)), title="Event")
    fig.update_xaxes(title="Store time")
    fig.update_layout(showlegend=False, hovermode="closest")
    return _layout(fig, f"Order {order_id}: events over time", 320)


def top20_chart(top: pl.DataFrame, quarter: Period) -> go.Figure:
    """Cancel rate per SKU, this quarter against the one before."""
    fig = go.Figure()
    skus = top["sku"].to_list()
    for column, name, colour in (
        ("cancel_rate", quarter.label, "#1f4e79"),
        ("prev_cancel_rate", quarter.previous().label, "#9ecae1"),
    ):
        if top.schema.get(column) in (None, pl.String):
            continue
        fig.add_trace(
            go.Bar(
                x=skus,
                y=top[column].cast(pl.Float64).to_list(),
                name=name,
                marker_color=colour,
                hovertemplate="%{x}: %{y:.1%}<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(barmode="group", hovermode="closest")
    fig.update_yaxes(title="Backorder cancel rate (%)", tickformat=".0%")
    fig.update_xaxes(title="SKU (ranked by backordered lines)", tickangle=-45)
    return _layout(
        fig, f"Cancel rate of the top 20, {quarter.label} against the quarter before", 380
    )


def top_skus_chart(by_sku: pl.DataFrame, period: Period, n: int = 20) -> go.Figure:
    top = by_sku.head(n)
    fig = go.Figure(
        go.Bar(
            x=top["sku"].to_list(),
            y=top["count_backordered_lines"].to_list(),
            name="backordered lines",
            customdata=top["line_rate"].to_list(),
            text=[fmt(v, "pct") for v in top["line_rate"].to_list()],
            textposition="outside",
            hovertemplate="%{x}: %{y} backordered lines (%{customdata:.1%} of its lines)"
            "<extra></extra>",
        )
    )
    fig.update_yaxes(title="Backordered lines (count)", tickformat=",d")
    fig.update_xaxes(title="SKU (label: backorder line rate)", tickangle=-45)
    fig.update_layout(hovermode="closest")
    return _layout(fig, f"Top {min(n, top.height)} SKUs by backordered lines, {period.label}", 380)


def sku_lines_chart(weekly: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    weeks = weekly["week"].cast(pl.String).to_list() if "week" in weekly.columns else []
    if weekly.schema.get("count_backordered_lines") == pl.String:
        return unavailable_chart(weekly["count_backordered_lines"][0], "Lines by week")
    if "count_lines" in weekly.columns:
        fig.add_trace(
            go.Bar(
                x=weeks,
                y=weekly["count_lines"].to_list(),
                name="lines ordered",
                marker_color="#9ecae1",
            )
        )
    fig.add_trace(
        go.Bar(
            x=weeks,
            y=weekly["count_backordered_lines"].to_list(),
            name="backordered lines",
            marker_color="#e45756",
        )
    )
    fig.update_layout(barmode="overlay")
    fig.update_yaxes(title="Lines (count)", tickformat=",d")
    fig.update_xaxes(title="ISO week")
    return _layout(fig, "Lines ordered and backordered by week", 300)


def misses_chart(misses: pl.DataFrame, period: Period) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=misses["days_late"].to_list(),
            y=misses["count_misses"].to_list(),
            text=misses["count_misses"].to_list(),
            textposition="outside",
            hovertemplate="%{x} days late: %{y} lines<extra></extra>",
        )
    )
    fig.update_xaxes(title="Days late (ship date - promised ship date)", type="category")
    fig.update_yaxes(title="Missed lines (count)", tickformat=",d")
    fig.update_layout(hovermode="closest")
    return _layout(fig, f"Missed promises by days late, {period.label}", 320)


def supplier_chart(suppliers: pl.DataFrame, period: Period) -> go.Figure:
    fig = go.Figure()
    names = suppliers["supplier"].fill_null("(unknown)").to_list()
    for column, title in (
        ("promise_hit_rate", "Promise hit rate"),
        ("supplier_on_time_rate", "Supplier on-time rate"),
    ):
        if column in suppliers.columns:
            values = suppliers[column].to_list()
            fig.add_trace(
                go.Bar(
                    x=names,
                    y=values,
                    name=title,
                    text=[fmt(v, "pct") for v in values],
                    textposition="outside",
                    hovertemplate="%{x}: %{y:.1%}<extra>" + title + "</extra>",
                )
            )
    fig.update_layout(barmode="group", hovermode="closest")
    fig.update_yaxes(title="Rate (%)", tickformat=".0%", range=[0, 1.1])
    fig.update_xaxes(title="Supplier")
    return _layout(fig, f"Our promises against their ETAs, per supplier, {period.label}", 360)
