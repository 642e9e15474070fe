"""Plotly figures of the what-if page (no streamlit here: pages render them)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.queries import is_unavailable

ACCEPTED, BLOCKED, RECORDED = "#4C78A8", "#E45756", "#9D9D9D"


def _layout(fig: go.Figure, title: str, height: int = 320) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 15}},
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def outcome_chart(outcome: pl.DataFrame) -> go.Figure:
    """Backordered lines and units, accepted vs blocked (stacked), from `whatif.outcome`."""
    rows = {row["status"]: row for row in outcome.iter_rows(named=True)}
    measures = ["lines", "units"]
    fig = go.Figure()
    for status, colour in (("accepted", ACCEPTED), ("blocked", BLOCKED)):
        fig.add_bar(
            name=status.capitalize(),
            x=["Backordered lines", "Backordered units"],
            y=[rows[status][m] for m in measures],
            marker_color=colour,
        )
    fig.update_layout(barmode="stack")
    return _layout(fig, "Recorded backorders under the scenario: accepted vs blocked")


def age_chart(profile: pl.DataFrame, as_of) -> go.Figure:
    """Open backordered lines per age bucket, recorded vs scenario (`whatif.age_profile`)."""
    fig = go.Figure()
    for history, colour in (("recorded", RECORDED), ("scenario", ACCEPTED)):
        part = profile.filter(pl.col("history") == history)
        fig.add_bar(
            name=history.capitalize(),
            x=part["bucket"].to_list(),
            y=part["count_lines"].to_list(),
            marker_color=colour,
        )
    fig.update_layout(barmode="group", xaxis_title="Age (days)", yaxis_title="Open lines")
    return _layout(fig, f"Open backordered lines by age as of {as_of}")


def _marker(axis: str, at: float, colour: str, dash: str | None, text: str) -> tuple[dict, dict]:
    """A line across the plot at `at` on `axis` ("x": vertical, "y": horizontal) and its label,
    as layout dicts (one layout update is a tenth of the cost of add_vline/add_hline)."""
    other = "y" if axis == "x" else "x"
    line = {
        "type": "line",
        f"{axis}ref": axis,
        f"{axis}0": at,
        f"{axis}1": at,
        f"{other}ref": "paper",
        f"{other}0": 0,
        f"{other}1": 1,
        "line": {"color": colour, **({"dash": dash} if dash else {})},
    }
    # a vertical line's label at its foot (clear of the curve's top and the target line), a
    # horizontal line's at its right end
    label = {
        "text": text,
        "showarrow": False,
        f"{axis}ref": axis,
        axis: at,
        f"{other}ref": "paper",
        other: 0 if axis == "x" else 1,
        "xanchor": "left" if axis == "x" else "right",
        "yanchor": "bottom" if axis == "x" else "top",
    }
    return line, label


def buffer_chart(
    curve: pl.DataFrame, target: float, buffer_days: int, reached: int | None
) -> go.Figure:
    """Hit rate per promise buffer, the target line, the scenario's buffer and the smallest
    buffer reaching the target."""
    fig = go.Figure()
    if not is_unavailable(curve):
        fig.add_scatter(
            x=curve["buffer_days"].to_list(),
            y=curve["hit_rate"].to_list(),
            mode="lines+markers",
            name="Hit rate",
            line={"color": ACCEPTED},
        )
    markers = [
        _marker("y", target, BLOCKED, "dash", f"target {target:.0%}"),
        _marker("x", buffer_days, RECORDED, "dot", f"scenario {buffer_days} d"),
    ]
    if reached is not None:
        markers.append(_marker("x", reached, BLOCKED, None, f"reaches target at {reached} d"))
    fig.update_layout(
        shapes=[line for line, _ in markers],
        annotations=[label for _, label in markers],
        xaxis_title="Promise = supplier ETA + buffer (days)",
        yaxis_title="Hit rate",
        yaxis_tickformat=".0%",
        yaxis_range=[0, 1.02],
    )
    return _layout(fig, "Promise buffer: hit rate had the promise been ETA + buffer")
