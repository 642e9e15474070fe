"""The one module that touches streamlit: cached connection, cached figures, shared widgets.

Pages call these; they never run SQL or reshape data themselves. The pieces:

- the database: a read-only connection cached per file version (`store.version`), so an import
  that lands (a new file swapped in) is picked up on the next rerun;
- the view: week, span and filters from the sidebar, kept in the URL (`sidebar()` in the
  router, `view()` in pages);
- figures: `figure(metric, period, ...)` caches a metric's frame keyed by (database version,
  metric, period, filters, settings, as_of); settings live in the state file, so saving one
  gives new keys and every figure that uses it changes;
- rendering: cards, charts, tables with CSV/XLSX downloads, definitions, empty and unavailable
  states. Text from exports goes through st.dataframe / st.text / markdown-escaped strings,
  never HTML.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import gc
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import catalog as listings
from dashboard import queries, settings, store
from dashboard.catalog import default_week as default_week  # re-exported for tests
from dashboard.catalog import weeks_in_data
from dashboard.charts import SLA_RATES, line_chart
from dashboard.params import Filters, Period, Settings
from dashboard.tables import (
    CANCEL_FIGURES,
    COMPLIANCE_FIGURES,
    CONTACT_FIGURES,
    ETA_FIGURES,
    FIRST_NOTICE_FIGURES,
    HYGIENE_CHECKS,
    INVERSION_FIGURES,
    MONEY_WORDS,
    PROMISE_FIGURES,
    SHORT_LABELS,
    SPLIT_FIGURES,
    TOP20_FIGURES,
    UNIT_NAMES,
    _missing,
    count_flagged,
    delta,
    fmt,
    fmt_change,
    group_totals,
    headline_unit,
    label,
    local_times,
    order_columns,
    order_facts,
    plain,
    same_tab,
    selected_value,
    sla_alert_lines,
    to_csv,
    to_xlsx,
    total_row,
    unavailable_text,
    with_sku_links,
    with_timeline_links,
)
from dashboard.tables import neutralise as neutralise  # re-exported: tests import it from ui
from dashboard.view import FILTER_KEYS, SPANS, View

# ---------------------------------------------------------------------------- database


def db() -> Path:
    return store.db_path().resolve()


@st.cache_resource(max_entries=2)
def _connection(path: str, version: tuple[int, int] | None) -> duckdb.DuckDBPyConnection:
    return store.connect(Path(path))


def connection() -> duckdb.DuckDBPyConnection:
    """A cursor on the current version of the database; a landed import gives a new one."""
    path = db()
    return store.cursor(_connection(str(path), store.version(path)))


@contextlib.contextmanager
def _reading(path: str):
    """A read-only cursor on the file, closed after the block."""
    con = store.connect(Path(path))
    try:
        cursor = store.cursor(con)
        try:
            yield cursor
        finally:
            cursor.close()
    finally:
        con.close()


def data_version() -> tuple[int, int] | None:
    return store.version(db())


def state_version() -> tuple[int, int] | None:
    return store.version(store.state_path(db()))


@st.cache_data(max_entries=8, show_spinner=False)
def _settings(path: str, version, state) -> Settings:
    return settings.load(Path(path))


def current_settings() -> Settings:
    """The settings in force (cached until the data or state file changes)."""
    return _settings(str(db()), data_version(), state_version())


def save_settings(new: Settings) -> None:
    settings.save(db(), new)


# ---------------------------------------------------------------------------- catalog


@st.cache_data(max_entries=8, show_spinner=False)
def _catalog(path: str, version) -> dict[str, object]:
    with _reading(path) as con:
        return listings.filter_options(con)


def catalog() -> dict[str, object]:
    """What the filters can choose from, the data's first and last order day, presence."""
    return _catalog(str(db()), data_version())


@st.cache_data(max_entries=8, show_spinner=False)
def _loaded(path: str, version) -> pl.DataFrame:
    with _reading(path) as con:
        return listings.loaded_tables(con)


def loaded_tables() -> pl.DataFrame:
    """Rows and date range per canonical table, its status and the columns the exports carry."""
    return _loaded(str(db()), data_version())


@st.cache_data(max_entries=8, show_spinner=False)
def _imports(path: str, version) -> tuple[pl.DataFrame, pl.DataFrame]:
    with _reading(path) as con:
        return listings.import_log(con), listings.rejects(con)


def recent_imports() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The import log (newest first, with rows read = loaded + rejected + blank) and rejects."""
    return _imports(str(db()), data_version())


# ---------------------------------------------------------------------------- the view


def _url_value(key: str, multi: bool):
    if key not in st.query_params:
        return None
    return st.query_params.get_all(key) if multi else st.query_params.get(key)


def url_seed(key: str, *, multi: bool = False, valid: Iterable | None = None, parse=None) -> None:
    """Seed widget state `key` from the URL the first time a value is seen there.

    The widget is then created with `key=` only. A value that changes in the URL (a link
    followed within the session) seeds it again; a value the user set is left alone.
    """
    raw = _url_value(key, multi)
    seen_key = f"_url_seen_{key}"
    if raw is None or raw == st.session_state.get(seen_key):
        return
    st.session_state[seen_key] = raw
    value = raw
    if parse is not None:
        try:
            value = parse(raw)
        except ValueError:
            return
    if valid is not None:
        allowed = set(valid)
        if multi:
            value = [v for v in value if v in allowed]
        elif value not in allowed:
            return
    st.session_state[key] = value


def url_publish(key: str, value, default=None) -> None:
    """Write a widget's value back to the URL (removed when it is the default or empty)."""
    empty = value is None or value == default or (isinstance(value, list | tuple) and not value)
    if empty:
        if key in st.query_params:
            del st.query_params[key]
        st.session_state.pop(f"_url_seen_{key}", None)
        return
    text = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
    if _url_value(key, isinstance(text, list)) != text:
        st.query_params[key] = text
    st.session_state[f"_url_seen_{key}"] = text


def sidebar() -> View | None:
    """The shared filters, created by the router before `nav.run()`; None without data."""
    cat = catalog()
    conf = current_settings()
    weeks = weeks_in_data(cat["first_day"], cat["last_day"])
    side = st.sidebar
    if not weeks:
        side.caption(_zone_caption(conf))
        st.session_state["_view"] = None
        return None
    default = default_week(cat["first_day"], cat["last_day"])
    url_seed("week", valid=weeks)
    url_seed("span", valid=list(SPANS), parse=int)
    for key in FILTER_KEYS:
        url_seed(key, multi=True, valid=cat[key])
    if st.session_state.get("week") not in weeks:
        st.session_state["week"] = default
    if st.session_state.get("span") not in SPANS:
        st.session_state["span"] = 1
    side.selectbox(
        "Week",
        weeks,
        key="week",
        help="ISO week (Monday to Sunday, store time zone). Default: the last complete week.",
    )
    side.selectbox(
        "Span for analysis pages",
        list(SPANS),
        key="span",
        format_func=SPANS.get,
        help="The analysis pages cover this many weeks ending with the selected week. "
        "The weekly review always shows the selected week.",
    )
    labels = {"channel": "Channel", "supplier": "Supplier", "family": "Family", "sku": "SKU"}
    for key in FILTER_KEYS:
        side.multiselect(
            labels[key],
            cat[key],
            key=key,
            placeholder="All",
            disabled=not cat[key],
            help=None if cat[key] else f"The loaded exports carry no {key}.",
        )
    url_publish("week", st.session_state["week"], default=None)
    url_publish("span", st.session_state["span"], default=1)
    for key in FILTER_KEYS:
        url_publish(key, st.session_state[key])
    side.caption(_zone_caption(conf))
    side.caption(f"Data: {cat['first_day']} to {cat['last_day']} (order days)")
    view = View(
        week=Period.week(st.session_state["week"]),
        span_weeks=int(st.session_state["span"]),
        filters=Filters(*(tuple(st.session_state[k]) for k in FILTER_KEYS)),
        settings=conf,
    )
    st.session_state["_view"] = view
    return view


def _zone_caption(conf: Settings) -> str:
    return f"Store time zone: {conf.timezone} · currency: {conf.currency}"


def view() -> View | None:
    """The view the router built for this run (None when no data is loaded)."""
    return st.session_state.get("_view")


def require_view() -> View:
    """The view, or an explanation and a stop when no orders are loaded."""
    current = view()
    if current is None:
        st.info("No orders are loaded yet. Open **Data** to upload exports or load the demo data.")
        st.page_link(str(PAGES / "data.py"), label="Go to Data", icon=":material/database:")
        st.stop()
    return current


PAGES = Path(__file__).resolve().parent.parent / "pages"

# ---------------------------------------------------------------------------- figures


def _metric_fn(name: str) -> Callable[..., pl.DataFrame]:
    from dashboard import metrics

    fn = getattr(metrics, name, None) or queries.REGISTRY.get(name)
    if fn is None:
        raise KeyError(f"no metric function {name}")
    return fn


@st.cache_data(max_entries=1024, show_spinner=False)
def _figure(
    path: str,
    version,
    name: str,
    period: Period,
    filters: Filters,
    conf: Settings,
    as_of: date | None,
    extra: tuple,
) -> pl.DataFrame:
    con = store.cursor(_connection(path, version))
    try:
        return _metric_fn(name)(con, period, filters, conf, as_of, **dict(extra))
    finally:
        con.close()


def figure(
    metric: str | Callable,
    period: Period,
    filters: Filters | None = None,
    conf: Settings | None = None,
    as_of: date | None = None,
    **extra,
) -> pl.DataFrame:
    """`metric(con, period, filters, settings, as_of, **extra)`, cached per database version."""
    name = metric if isinstance(metric, str) else metric.__name__
    return _figure(
        str(db()),
        data_version(),
        name,
        period,
        filters or Filters(),
        conf or current_settings(),
        as_of,
        tuple(sorted(extra.items())),
    )


def unavailable_reason(frame: pl.DataFrame) -> str | None:
    return queries.is_unavailable(frame)


def say_unavailable(reason: str, what: str = "") -> None:
    """`needs canceled_at` -> 'Unavailable: the loaded exports have no canceled_at column'."""
    prefix = f"{what}: " if what else ""
    st.warning(f"{prefix}Unavailable: {unavailable_text(reason)}.", icon=":material/block:")


def usable(frame: pl.DataFrame, empty: str, what: str = "") -> bool:
    """Show the unavailable or empty state and return False, or return True to render."""
    reason = unavailable_reason(frame)
    if reason:
        say_unavailable(reason, what)
        return False
    if frame.height == 0:
        st.info(empty, icon=":material/inbox:")
        return False
    return True


def definition(name: str, label: str = "Definition") -> None:
    """The metric's definition (the SQL file's opening comment), folded."""
    try:
        text = queries.definition(name)
    except FileNotFoundError:
        text = "No definition file yet."
    with st.expander(f"{label}: {name}", icon=":material/info:"):
        st.text(text)


# ---------------------------------------------------------------------------- formatting


def card(
    label: str,
    value,
    unit: str,
    change=None,
    up_is_bad: bool = False,
    help: str | None = None,
    previous=None,
    currency: str = "USD",
    trend: list | None = None,
) -> None:
    """st.metric with the change coloured by whether it is good: `inverse` when up is bad."""
    unavailable = isinstance(value, str) and value.startswith(queries.UNAVAILABLE)
    description = None
    if unavailable:
        description = "Unavailable: " + value.removeprefix(queries.UNAVAILABLE)
    elif previous is not None or _missing(previous):
        description = f"last week {fmt(previous, unit, currency)}"
    st.metric(
        label,
        fmt(value, unit, currency),
        **delta(None if unavailable else fmt_change(change, unit, currency), not up_is_bad),
        help=help,
        border=True,
        delta_description=description,
        chart_data=[v for v in (trend or []) if not _missing(v) and not isinstance(v, str)] or None,
        chart_type="line",
    )


# ---------------------------------------------------------------------------- charts


def chart(fig: go.Figure, key: str | None = None) -> None:
    st.plotly_chart(fig, width="stretch", key=key, config={"displaylogo": False})


def bar_chart(frame: pl.DataFrame, title: str, colors: list[str], y_label: str) -> None:
    """Stacked bars in the order of the rows: the first column along x, one bar segment per
    other column."""
    st.markdown(f"**{title}**")
    st.bar_chart(
        frame,
        x=frame.columns[0],
        y=frame.columns[1:],
        color=colors,
        sort=False,
        stack=True,
        y_label=y_label,
        height=300,
    )


# ---------------------------------------------------------------------------- tabs


def lazy_tabs(labels: list[str], key: str) -> list:
    """Tabs whose `.open` says which one is shown, so a page runs only that one (a switch
    reruns). The open tab stays open when its label's count changes (another week, a filter)."""
    default = same_tab(labels, st.session_state.get(key))
    return st.tabs(labels, key=key, on_change="rerun", default=default)


# ---------------------------------------------------------------------------- tables


def table(
    frame: pl.DataFrame,
    name: str,
    *,
    key: str | None = None,
    column_config: dict | None = None,
    height: int | str = "auto",
    link_orders: bool = True,
    link_skus: bool = False,
    selectable: bool = False,
    column_order: list[str] | None = None,
    other_columns: bool = True,
    hide_index: bool = True,
):
    """A table with an order-timeline link per row (when it has order_id) and CSV / XLSX
    downloads (formula-like cells neutralised). `column_order` comes first; with
    `other_columns=False` only it is on screen (the downloads still carry every column).
    Returns the selection state when selectable."""
    current = view()
    conf = current.settings if current else current_settings()
    shown = local_times(frame, conf.timezone)
    config = {**auto_columns(frame, conf.currency), **(column_config or {})}
    if link_orders and "order_id" in frame.columns and current is not None:
        shown = with_timeline_links(shown, current.url("timeline"))
        config.setdefault(
            "timeline",
            st.column_config.LinkColumn(
                "Timeline",
                display_text="open ↗",
                help="This order from placed to resolved",
                width="small",
                pinned=True,
            ),
        )
    if link_skus and "sku" in frame.columns and current is not None:
        shown = with_sku_links(shown, current.url("skus"))
        config.setdefault(
            "sku_page",
            st.column_config.LinkColumn(
                "SKU page", display_text="drill down ↗", width="small", pinned=True
            ),
        )
    key = key or f"table_{name}"
    linked = "timeline" in shown.columns
    state = st.dataframe(
        shown,
        width="stretch",
        height=height,
        hide_index=hide_index,
        column_config=config,
        key=key,
        column_order=order_columns(shown, column_order, rest=other_columns),
        on_select="rerun" if selectable or linked else "ignore",
        selection_mode="single-row",
        placeholder="",  # a missing value is an empty cell, never the word None
    )
    if linked:
        order_id = selected_value(state, frame, "order_id")
        if order_id is not None:
            st.page_link(
                str(PAGES / "timeline.py"),
                label=f"Open the timeline of order {plain(order_id)}",
                icon=":material/timeline:",
                query_params=current.query(order=str(order_id)),
            )
        else:
            st.caption("Select a row to open its order's timeline here, or click open ↗.")
    downloads(local_times(frame, conf.timezone), name, key)
    return state


def auto_columns(frame: pl.DataFrame, currency: str) -> dict:
    """Readable headers and units by column name: rates and shares in %, money in the
    currency, days with one decimal, counts as integers."""
    out = {}
    for name, dtype in frame.schema.items():
        title = label(name)
        if dtype.is_numeric():
            if name.endswith("_rate") or name.startswith("share") or name == "rate":
                out[name] = st.column_config.NumberColumn(title, format="percent")
            elif any(w in name for w in MONEY_WORDS):
                out[name] = st.column_config.NumberColumn(
                    f"{title} ({currency})", format="accounting"
                )
            elif "days" in name or name.endswith("_hours"):
                unit = "days" if "days" in name else "h"
                if not title.startswith("Days"):
                    title = f"{title.replace(' days', '').replace(' hours', '')} ({unit})"
                out[name] = st.column_config.NumberColumn(
                    title, format="%d" if dtype.is_integer() else "%.1f"
                )
            elif dtype.is_integer():
                out[name] = st.column_config.NumberColumn(title, format="localized")
            else:
                out[name] = st.column_config.NumberColumn(title, format="%.2f")
        elif dtype == pl.Boolean:
            out[name] = st.column_config.CheckboxColumn(title)
        elif dtype == pl.Date:
            out[name] = st.column_config.DateColumn(title, format="YYYY-MM-DD")
        elif isinstance(dtype, pl.Datetime):
            out[name] = st.column_config.DatetimeColumn(title, format="YYYY-MM-DD HH:mm")
        else:
            out[name] = st.column_config.Column(title)
    return out


def downloads(frame: pl.DataFrame, name: str, key: str) -> None:
    current = view()
    suffix = current.period.label.replace(" ", "_") if current else "all"
    row = st.container(horizontal=True, gap="small")
    row.download_button(
        "CSV",
        data=lambda: to_csv(frame),
        file_name=f"{name}_{suffix}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )
    row.download_button(
        "XLSX",
        data=lambda: to_xlsx(frame, name),
        file_name=f"{name}_{suffix}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        icon=":material/download:",
        on_click="ignore",
    )


# ---------------------------------------------------------------------------- weekly review


def headlines():
    from dashboard.metrics import reviews

    return reviews.HEADLINES


def headline_cards(review: pl.DataFrame, currency: str, per_row: int = 4) -> None:
    """A card per weekly check: this week, last week, the change coloured by whether it is
    good for that metric (`inverse` where up is bad), and a 13-week sparkline."""
    from dashboard.metrics import reviews

    changes = reviews.weekly_review_changes(review)
    rows = list(changes.iter_rows(named=True))
    for start in range(0, len(rows), per_row):
        columns = st.columns(per_row)
        for column, row in zip(columns, rows[start : start + per_row], strict=False):
            unit = headline_unit(row["headline"], row["kind"])
            unavailable = row["unavailable"]
            trend = None
            if not unavailable and review.schema[row["headline"]] != pl.String:
                trend = review[row["headline"]].to_list()
            with column:
                card(
                    SHORT_LABELS.get(row["headline"], row["label"]),
                    f"{queries.UNAVAILABLE}{unavailable}" if unavailable else row["this_week"],
                    unit,
                    change=row["change"],
                    previous=row["last_week"],
                    up_is_bad=not row["up_is_good"],
                    currency=currency,
                    trend=trend,
                    help=f"Weekly check {row['metric']}; "
                    + ("up is good." if row["up_is_good"] else "up is bad.")
                    + (" Rates change in percentage points." if unit == "pct" else ""),
                )


def headline_trends(review: pl.DataFrame, currency: str, per_row: int = 2) -> None:
    """A 13-week line per headline, with readable units."""
    items = list(headlines())
    for start in range(0, len(items), per_row):
        columns = st.columns(per_row)
        for column, head in zip(columns, items[start : start + per_row], strict=False):
            unit = headline_unit(head.column, head.kind)
            with column:
                if review.schema[head.column] == pl.String:
                    st.markdown(f"**{head.label}**")
                    say_unavailable(review[head.column][0])
                    continue
                chart(
                    line_chart(
                        review,
                        "week",
                        {head.column: head.label},
                        unit,
                        f"{head.label} by week",
                        currency=currency,
                        height=260,
                        y_title=UNIT_NAMES.get(unit, "").replace("CUR", currency),
                    ),
                    key=f"trend_{head.column}",
                )


@st.cache_data(max_entries=16, show_spinner=False)
def _pack(path: str, version, period: Period, filters: Filters, conf: Settings) -> bytes:
    from dashboard import report

    with _reading(path) as con:
        return report.weekly_pack_html(con, period, filters, conf, None).encode("utf-8")


def pack_download(current: View) -> None:
    """The printable weekly pack (HTML) for the selected week and filters."""
    path, version = str(db()), data_version()
    st.download_button(
        "Weekly pack (HTML)",
        data=lambda: _pack(path, version, current.week, current.filters, current.settings),
        file_name=f"weekly-pack-{current.week.label}.html",
        mime="text/html",
        icon=":material/print:",
        key="weekly_pack",
        on_click="ignore",
        type="primary",
    )


AGE_COLUMNS = {
    "bucket": st.column_config.TextColumn("Age (days)"),
    "count_lines": st.column_config.NumberColumn("Lines", format="%d"),
    "backordered_units": st.column_config.NumberColumn("Units", format="%d"),
    "share_of_lines": st.column_config.NumberColumn("Share", format="percent"),
    "count_overdue_lines": st.column_config.NumberColumn("Overdue", format="%d"),
    "overdue_units": st.column_config.NumberColumn("Overdue units", format="%d"),
}


WHATIF_SLA_COLUMNS = {
    "channel": st.column_config.TextColumn("Channel"),
    "late_shipment_rate": st.column_config.NumberColumn(
        "Late shipments, recorded", format="percent"
    ),
    "late_shipment_rate_scenario": st.column_config.NumberColumn(
        "Late shipments, scenario", format="percent"
    ),
    "seller_cancel_rate": st.column_config.NumberColumn(
        "Seller cancels, recorded", format="percent"
    ),
    "seller_cancel_rate_scenario": st.column_config.NumberColumn(
        "Seller cancels, scenario", format="percent"
    ),
}


def partial_note(frame: pl.DataFrame) -> None:
    if "partial" in frame.columns and frame.height and frame["partial"].any():
        st.info(
            "Partial: the notices carry no next_update_by column, so only the "
            "no-recent-notice rule is judged.",
            icon=":material/rule:",
        )


# ---------------------------------------------------------------------------- order timeline


@st.cache_data(max_entries=256, show_spinner=False)
def _timeline(path: str, version, order_id: str, conf: Settings) -> pl.DataFrame:
    from dashboard.metrics import reviews

    con = store.cursor(_connection(path, version))
    try:
        return reviews.order_timeline(con, order_id, conf)
    finally:
        con.close()


def order_timeline(order_id: str) -> pl.DataFrame:
    return _timeline(str(db()), data_version(), str(order_id), current_settings())


TIMELINE_COLUMNS = {
    "at": None,
    "event_at": None,
    "local_time": st.column_config.DatetimeColumn("Time (store)", format="YYYY-MM-DD HH:mm"),
    "local_date": st.column_config.DateColumn("Date (store)"),
    "event": st.column_config.TextColumn("Event"),
    "line_id": st.column_config.TextColumn("Line"),
    "sku": st.column_config.TextColumn("SKU"),
    "qty": st.column_config.NumberColumn("Qty", format="%d"),
    "ref": st.column_config.TextColumn("Reference"),
    "detail": st.column_config.TextColumn("Detail", width="large"),
}


def order_summary(events: pl.DataFrame, currency: str) -> None:
    """Placed, last resolution, days between, lines, notices and contacts."""
    facts = order_facts(events)
    st.markdown(f"**Placed {facts['placed']}** · {facts['state']}")
    days = facts["days"]
    a, b, c, d, e = st.columns(5)
    a.metric(
        "Days to last resolution", fmt(days, "count") if days is not None else "open", border=True
    )
    b.metric("Lines", facts["lines"], border=True)
    c.metric("Backordered lines", facts["backordered"], border=True)
    d.metric("Notices", facts["notices"], border=True)
    e.metric("Contacts", facts["contacts"], border=True)


# ---------------------------------------------------------------------------- data page


LOADED_COLUMNS = {
    "table_name": st.column_config.TextColumn("Table"),
    "rows": st.column_config.NumberColumn("Rows", format="localized"),
    "first_day": st.column_config.DateColumn("First day"),
    "last_day": st.column_config.DateColumn("Last day"),
    "status": st.column_config.TextColumn("Status"),
    "columns": st.column_config.TextColumn("Columns the exports carry", width="large"),
}

IMPORT_COLUMNS = {
    "file_id": st.column_config.NumberColumn("File #", format="%d"),
    "finished_at": st.column_config.DatetimeColumn("Imported", format="YYYY-MM-DD HH:mm"),
    "reconciles": st.column_config.CheckboxColumn("Reconciles"),
}


def _progress_callback(bar, label: str):
    def progress(fraction: float, message: str = "") -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=f"{label}: {message}"[:120])

    return progress


def import_uploads(uploads, timezone: str, currency: str) -> None:
    """Save the uploaded files to a temporary folder and import them with a progress bar."""
    import tempfile

    from dashboard import importer

    with tempfile.TemporaryDirectory(prefix="upload-") as folder:
        paths = []
        for upload in uploads:
            path = Path(folder) / Path(upload.name).name
            path.write_bytes(upload.getbuffer())
            paths.append(path)
        bar = st.progress(0.0, text="Importing")
        report = importer.import_paths(
            paths,
            db(),
            timezone=timezone or None,
            currency=(currency or "").strip().upper() or None,
            progress=_progress_callback(bar, "Importing"),
        )
    bar.progress(1.0, text="Import finished" if report.ok else "Import failed")
    st.session_state["_last_import"] = (report.ok, report.format())
    st.rerun()


def load_demo(orders: int) -> None:
    """Generate the demo exports into a temporary folder and import them, with progress."""
    import tempfile

    from dashboard import demo, importer

    bar = st.progress(0.0, text="Generating the demo exports")
    with tempfile.TemporaryDirectory(prefix="demo-") as folder:
        files = demo.generate(
            Path(folder),
            orders=orders,
            seed=7,
            progress=_progress_callback(bar, "Generating"),
        )
        report = importer.import_paths(
            list(files.values()),
            db(),
            timezone=demo.DEMO_TIMEZONE,
            currency=demo.DEMO_CURRENCY,
            progress=_progress_callback(bar, "Importing"),
        )
    st.session_state["_last_import"] = (report.ok, report.format())
    st.rerun()


def show_last_import() -> None:
    """The report of the import this session ran last (kept across the rerun)."""
    last = st.session_state.get("_last_import")
    if not last:
        return
    ok, text = last
    if ok:
        st.success("Import landed. Every page now shows the new data.", icon=":material/check:")
    else:
        st.error("Import failed: nothing was changed.", icon=":material/error:")
    st.text(text)


# ---------------------------------------------------------------------------- settings page

CHANNEL_RULE_COLUMNS = {
    "channel": st.column_config.TextColumn("Channel", disabled=True),
    "handling_days": st.column_config.NumberColumn(
        "Handling days",
        min_value=0,
        max_value=30,
        step=1,
        format="%d",
        help="Ship-by = order date + these days when a line has no promised ship date",
    ),
    "late_shipment_threshold": st.column_config.NumberColumn(
        "Late shipment threshold (%)", min_value=0.0, max_value=100.0, step=0.1, format="%.1f"
    ),
    "late_shipment_window_days": st.column_config.NumberColumn(
        "Late shipment window (days)", min_value=1, max_value=365, step=1, format="%d"
    ),
    "seller_cancel_threshold": st.column_config.NumberColumn(
        "Seller cancel threshold (%)", min_value=0.0, max_value=100.0, step=0.1, format="%.1f"
    ),
    "seller_cancel_window_days": st.column_config.NumberColumn(
        "Seller cancel window (days)", min_value=1, max_value=365, step=1, format="%d"
    ),
}


# ---------------------------------------------------------------------------- quarterly audit


def flag_summary(top: pl.DataFrame) -> None:
    a, b, c = st.columns(3)
    a.metric("SKUs in the top 20", top.height, border=True)
    b.metric("Flagged for review", count_flagged(top), border=True)
    c.metric(
        "Backordered lines, top 20",
        fmt(top["count_backordered_lines"].sum(), "count")
        if "count_backordered_lines" in top.columns
        else "no data",
        border=True,
    )


def top20_columns(quarter: Period) -> dict:
    """The audit table at a laptop's width: the quarter's figures, narrow columns."""
    out = {
        "sku_page": st.column_config.LinkColumn(
            "Page", display_text="↗", width=44, pinned=True, help="Open the SKU page on this SKU"
        ),
        "rank": st.column_config.NumberColumn("#", format="%d", width=36),
        "sku": st.column_config.TextColumn("SKU", width=90),
        "title": st.column_config.TextColumn("Title", width=130),
        "review_reason": st.column_config.TextColumn(
            "Why flagged", width=140, help="Flagged by the thresholds above; empty: not flagged"
        ),
        "count_backordered_lines": st.column_config.NumberColumn(
            "Lines", format="localized", width=58, help=f"Backordered lines, {quarter.label}"
        ),
        "backorder_eligible": st.column_config.CheckboxColumn("Eligible", width=60),
        "oversell_cap": st.column_config.NumberColumn(
            "Cap", format="%d", width=50, help="Oversell cap (units)"
        ),
    }
    for name, title, fmt_, help_ in TOP20_FIGURES:
        out[name] = st.column_config.NumberColumn(
            title, format=fmt_, width=int(6.5 * len(title)) + 14, help=f"{help_}, {quarter.label}"
        )
    return out


def top20_previous_columns(quarter: Period) -> dict:
    """The quarter before and the change since, per figure."""
    prev = quarter.previous().label
    out = {
        "rank": st.column_config.NumberColumn("#", format="%d", width=36),
        "sku": st.column_config.TextColumn("SKU", width=90),
    }
    for name, title, fmt_, help_ in TOP20_FIGURES:
        out[f"prev_{name}"] = st.column_config.NumberColumn(
            f"{title} {prev[-2:]}", format=fmt_, help=f"{help_}, {prev}"
        )
        out[f"{name}_change"] = st.column_config.NumberColumn(
            "Change",
            format="%+.1f pts" if fmt_ == "percent" else fmt_.replace("%", "%+"),
            help=f"{title}: {quarter.label} minus {prev}"
            + (", in percentage points" if fmt_ == "percent" else ""),
        )
    return out


# ---------------------------------------------------------------------------- SKU page


def rate_cards(rate: pl.DataFrame) -> None:
    total = total_row(rate)
    a, b, c, d = st.columns(4)
    a.metric(
        "Backorder line rate",
        fmt(total.get("line_rate"), "pct"),
        border=True,
        help="Backordered lines / lines ordered",
    )
    b.metric(
        "Backorder unit rate",
        fmt(total.get("unit_rate"), "pct"),
        border=True,
        help="Backordered units / units ordered",
    )
    c.metric(
        "Backorder order rate",
        fmt(total.get("order_rate"), "pct"),
        border=True,
        help="Orders with a backordered line / orders",
    )
    d.metric(
        "Backordered lines",
        fmt(total.get("count_backordered_lines"), "count"),
        border=True,
        help=f"of {fmt(total.get('count_lines'), 'count')} lines",
    )


def follow_selection(key: str, selected) -> None:
    """A row newly selected in a table sets widget `key` (once per new selection)."""
    seen = f"_selected_{key}"
    if selected is not None and st.session_state.get(seen) != selected:
        st.session_state[key] = selected
    st.session_state[seen] = selected


@st.cache_data(max_entries=64, show_spinner=False)
def _sku_rule(path: str, version, sku: str) -> pl.DataFrame:
    with _reading(path) as con:
        return listings.sku_rule(con, sku)


def sku_rule(sku: str) -> pl.DataFrame:
    """The skus row of one SKU (eligible, cap, lead time...), the columns the exports carry."""
    return _sku_rule(str(db()), data_version(), sku)


# ---------------------------------------------------------------------------- figure cards


def figure_cards(
    row: dict, spec: list[tuple[str, str, str]], currency: str = "USD", per_row: int = 5
) -> None:
    """A bordered st.metric per (column, label, unit) the row carries; an unavailable figure
    says what it needs."""
    shown = [(c, lab, u) for c, lab, u in spec if c in row]
    if not shown:
        return
    columns = []
    for _ in range(0, len(shown), per_row):
        columns.extend(st.columns(min(per_row, len(shown))))
    for column, (name, title, unit) in zip(columns, shown, strict=False):
        value = row[name]
        unavailable = isinstance(value, str) and value.startswith(queries.UNAVAILABLE)
        column.metric(
            title,
            fmt(value, unit, currency),
            border=True,
            help=("Unavailable: " + value.removeprefix(queries.UNAVAILABLE))
            if unavailable
            else None,
        )


def promise_cards(promise: pl.DataFrame) -> None:
    figure_cards(
        total_row(promise),
        PROMISE_FIGURES,
        per_row=2,
    )


def eta_cards(eta: pl.DataFrame, per_row: int = 2) -> None:
    figure_cards(
        total_row(eta),
        ETA_FIGURES,
        per_row=per_row,
    )


def cancel_cards(cancels: pl.DataFrame, currency: str) -> None:
    figure_cards(
        total_row(cancels),
        CANCEL_FIGURES,
        currency,
    )


def split_cards(split: pl.DataFrame, currency: str) -> None:
    figure_cards(
        total_row(split),
        SPLIT_FIGURES,
        currency,
    )


def contact_cards(contacts: pl.DataFrame) -> None:
    figure_cards(
        total_row(contacts),
        CONTACT_FIGURES,
    )


def per_group(
    metric: str, period: Period, filters: Filters, conf: Settings, attribute: str
) -> pl.DataFrame:
    """The metric's total row once per value of `attribute` (each call the metric with that
    filter added), stacked with the attribute first."""
    values = catalog()[attribute]
    chosen = getattr(filters, attribute)
    if chosen:
        values = [v for v in values if v in chosen]
    frames = {
        value: figure(metric, period, dataclasses.replace(filters, **{attribute: (value,)}), conf)
        for value in values
    }
    return group_totals(frames, attribute)


# ---------------------------------------------------------------------------- queue summaries


def queue_count(frame: pl.DataFrame, title: str) -> None:
    st.metric(title, f"{frame.height:,}", border=True, width="content")


def inversion_cards(inversions: pl.DataFrame) -> None:
    figure_cards(
        total_row(inversions),
        INVERSION_FIGURES,
    )


def hygiene_cards(hygiene: pl.DataFrame) -> None:
    row = hygiene.row(0, named=True)
    st.caption(f"Of {fmt(row.get('lines'), 'count')} lines backordered in the week:")
    columns = st.columns(len(HYGIENE_CHECKS))
    for column, (name, title) in zip(columns, HYGIENE_CHECKS, strict=True):
        value, share = row.get(name), row.get(f"{name}_share")
        if isinstance(value, str):
            column.metric(title, "unavailable", border=True, help=value)
        else:
            column.metric(
                title,
                fmt(value, "count"),
                border=True,
                delta=None,
                help=f"{fmt(share, 'pct')} of the week's backordered lines",
            )
            column.caption(f"{fmt(share, 'pct')} of lines")


def sla_alerts(sla: pl.DataFrame) -> None:
    """One error naming every channel over a threshold, with the rate and the threshold."""
    lines = sla_alert_lines(sla, SLA_RATES)
    if lines:
        st.error("Over threshold:\n" + "\n".join(lines), icon=":material/warning:")
    else:
        st.success("Every channel is within its thresholds.", icon=":material/check:")


def compliance_cards(compliance: pl.DataFrame) -> None:
    figure_cards(
        compliance.row(0, named=True),
        COMPLIANCE_FIGURES,
    )


def first_notice_cards(notice: pl.DataFrame) -> None:
    figure_cards(
        total_row(notice),
        FIRST_NOTICE_FIGURES,
    )


@st.cache_data(max_entries=64, show_spinner=False)
def _sku_inbound(path: str, version, sku: str, period: Period) -> pl.DataFrame:
    with _reading(path) as con:
        return listings.sku_inbound(con, sku, period)


def sku_inbound(sku: str, period: Period) -> pl.DataFrame:
    """The SKU's purchase orders received in the period or still open: ETA, receipt, slip."""
    return _sku_inbound(str(db()), data_version(), sku, period)


_startup_frozen = False


def freeze_startup_objects() -> None:
    """Once per server process, after its first page run: move every object alive then (the
    modules of Streamlit, DuckDB, Polars and Plotly, and their tables) out of the garbage
    collector's reach. Streamlit runs a full collection after every script run; over those
    objects it took 250-350 ms per rerun on the 2-core machine, and the browser sees the
    rerun end only after it. Later objects are collected as before (docs/whatif.md)."""
    global _startup_frozen
    if not _startup_frozen:
        gc.collect()
        gc.freeze()
        atexit.register(gc.unfreeze)  # the process then tears down as usual
        _startup_frozen = True
