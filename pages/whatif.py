"""What-if: replay the recorded backorders under other eligibility rules and oversell caps.

The page reads its widgets into a `Scenario`, calls dashboard.whatif, and renders. The scenario
lives in the URL (`?scenario=<compact JSON>`), so a link reproduces it. Slow parts are cached:
features and walk events per data version and window (inside dashboard.whatif), the baseline
figures per window, the scenario figures per set of blocked lines; each only for the figures
on screen (the cards, and the open tab's).
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import ui, whatif
from dashboard.params import Period, Settings
from dashboard.whatif import RULES, Rule, Scenario, charts

URL_KEY = "scenario"


# ---------------------------------------------------------------------------- cached calls


@st.cache_data(max_entries=16, show_spinner=False)
def baseline_figures(
    path: str, version, from_date: date, to_date: date, conf: Settings, names: tuple[str, ...]
):
    return whatif.metric_figures(ui.connection(), Period(from_date, to_date), conf, names)


@st.cache_data(max_entries=64, show_spinner=False)
def scenario_figures(
    path: str, version, blocked_key: str, conf: Settings, names: tuple[str, ...], _result
):
    """Keyed by the blocked lines: a change that blocks the same lines reuses the figures."""
    return whatif.scenario_figures(ui.connection(), _result, conf, names)


@st.cache_data(max_entries=16, show_spinner=False)
def compared(path: str, version, first: str, second: str, conf: Settings):
    return whatif.compare(
        ui.connection(), Scenario.from_json(first), Scenario.from_json(second), conf
    )


# ---------------------------------------------------------------------------- widget state


def apply(scenario: Scenario, ranges: dict, window: tuple[date, date]) -> None:
    """Put a scenario into the widgets (before they are drawn: on first run, or in a
    callback). Thresholds of rules switched off start at the data's median."""
    state = st.session_state
    for name in RULES:
        rule = scenario.rule(name)
        state[f"rule_{name}_on"] = rule.enabled
        if rule.enabled or ranges.get(name, {}).get("median") is None:
            state[f"rule_{name}_threshold"] = float(rule.threshold)
        else:
            state[f"rule_{name}_threshold"] = float(ranges[name]["median"])
    state["cap_default_on"] = scenario.cap_default is not None
    state["cap_default"] = scenario.cap_default if scenario.cap_default is not None else 20
    state["caps_data"] = whatif.caps_table(scenario)
    state["caps_version"] = state.get("caps_version", 0) + 1
    state["buffer"] = scenario.promise_buffer_days
    state["recapture"] = scenario.recapture_share
    state["window"] = window


def url_scenario() -> Scenario:
    text = st.query_params.get(URL_KEY)
    if not text:
        return Scenario()
    try:
        return Scenario.from_json(text)
    except (ValueError, TypeError, KeyError) as exc:
        st.warning(f"The scenario in the link could not be read ({exc}); starting afresh.")
        return Scenario()


def seed(scenario: Scenario) -> None:
    """Put `scenario` into the widgets, its window defaulting to the last full quarter."""
    con = ui.connection()
    period = whatif.replay_period(con, scenario)
    features = whatif.feature_table(con, whatif.feature_period(period))
    apply(scenario, whatif.rule_ranges(features), (period.from_date, period.to_date))


def load_saved(name: str) -> None:
    seed(whatif.load(ui.db(), name))


def read_scenario(window: tuple[date, date], ranges: dict) -> Scenario:
    """The widgets as a Scenario."""
    state = st.session_state
    scenario = Scenario(
        cap_default=int(state["cap_default"]) if state["cap_default_on"] else None,
        promise_buffer_days=int(state["buffer"]),
        recapture_share=float(state["recapture"]),
        from_date=window[0],
        to_date=window[1],
    )
    for name in RULES:
        scenario = scenario.with_rule(
            name, Rule(bool(state[f"rule_{name}_on"]), float(state[f"rule_{name}_threshold"]))
        )
    return scenario


# ---------------------------------------------------------------------------- page

st.title("What-if: rules and caps against history")
st.caption(
    "Had these eligibility rules and oversell caps been in force, what would the period have "
    "looked like? The recorded backorders are replayed in order, per sku; each is accepted or "
    "blocked, and the figures are recomputed on the history without the blocked lines."
)
# Tables show a missing value as an empty cell (placeholder=""), never the word None.

con = ui.connection()
db_file = str(ui.db())
version = ui.data_version()
conf = ui.current_settings()

if "whatif_seeded" not in st.session_state:
    seed(url_scenario())
    st.session_state["whatif_seeded"] = True

builder, results = st.columns([1, 2], gap="large")

with builder:
    st.subheader("Scenario")
    window = st.date_input(
        "Replay window [from, to)",
        key="window",
        help="Default: the last full quarter of the data. Features use the 12 months before.",
    )
    if not isinstance(window, tuple) or len(window) != 2 or window[1] <= window[0]:
        st.info("Pick the first day and the day after the last day of the replay window.")
        st.stop()
    period = Period(window[0], window[1])
    features = whatif.feature_table(con, whatif.feature_period(period))
    ranges = whatif.rule_ranges(features)
    st.caption(
        f"Features over {whatif.feature_period(period)}: {features.height:,} skus. "
        "A sku whose feature cannot be computed passes that rule and is flagged unknown."
    )

    st.markdown("**Eligibility rules** (a sku must pass every rule switched on)")
    for name, definition in RULES.items():
        on = st.toggle(definition.label, key=f"rule_{name}_on")
        if definition.bound == "exclude":
            st.caption("Seasonal skus are not sold on backorder.")
            continue
        spread = ranges[name]
        low = spread["low"] if spread["low"] is not None else 0.0
        high = spread["high"] if spread["high"] is not None else 1.0
        current = st.session_state[f"rule_{name}_threshold"]
        low, high = min(low, current), max(high, current)
        if high <= low:
            high = low + 1.0
        st.slider(
            f"{'at least' if definition.bound == 'min' else 'at most'} ({definition.unit})",
            min_value=float(low),
            max_value=float(high),
            step=(high - low) / 100,
            key=f"rule_{name}_threshold",
            disabled=not on,
        )
        st.caption(
            f"median {ui.fmt(spread['median'], 'number')} · "
            f"known for {spread['count_known']:,} skus, unknown for {spread['count_unknown']:,}"
        )

    st.markdown("**Oversell caps** (backordered units outstanding at once)")
    st.toggle("Default cap", key="cap_default_on")
    st.number_input(
        "Default cap (units)",
        min_value=0,
        step=1,
        key="cap_default",
        disabled=not st.session_state["cap_default_on"],
    )
    edited = st.data_editor(
        st.session_state["caps_data"],
        num_rows="dynamic",
        key=f"caps_{st.session_state['caps_version']}",
        column_config={
            "level": st.column_config.SelectboxColumn(
                "Level", options=["family", "sku"], required=True
            ),
            "name": st.column_config.TextColumn("Family or SKU", required=True),
            "cap": st.column_config.NumberColumn(
                "Cap (empty = no cap)", min_value=0, step=1, format="%d"
            ),
        },
        hide_index=True,
        width="stretch",
    )
    st.caption("The most specific level wins: sku, then family, then the default.")

    st.markdown("**Promise and demand**")
    st.slider("Promise buffer (days after supplier ETA)", 0, 30, key="buffer")
    st.slider(
        "Recapture share (blocked demand bought later anyway)",
        0.0,
        1.0,
        step=0.05,
        key="recapture",
    )
    target = st.slider("Target promise hit rate", 0.5, 1.0, 0.95, step=0.01, key="target")

try:
    scenario = whatif.with_caps_table(read_scenario(window, ranges), edited)
except ValueError as exc:
    with builder:
        st.error(str(exc))
    st.stop()
if st.query_params.get(URL_KEY) != scenario.to_json():
    st.query_params[URL_KEY] = scenario.to_json()

result = whatif.replay(con, scenario)

with results:
    st.subheader(f"Replay of {result.period}")
    if result.unavailable:
        st.info(f"The replay is unavailable: it {result.unavailable} in the loaded exports.")
        st.stop()
    st.info(whatif.CAVEAT, icon=":material/info:")

    totals = whatif.outcome_by_status(result)
    accepted, blocked, recorded = totals["accepted"], totals["blocked"], totals["recorded"]
    # two cards a row: four side by side in this column cut the values short
    cards = [*st.columns(2), *st.columns(2), *st.columns(2)]
    accepted_change = ui.fmt_change(accepted["lines"] - recorded["lines"], "count")
    revenue_change = ui.fmt_change(
        (accepted["revenue"] or 0) - (recorded["revenue"] or 0), "money", conf.currency
    )
    cards[0].metric(
        "Accepted lines / units",
        f"{ui.fmt(accepted['lines'], 'count')} / {ui.fmt(accepted['units'], 'count')}",
        **ui.delta(accepted_change),
        delta_description=f"lines; recorded {ui.fmt(recorded['lines'], 'count')} / "
        f"{ui.fmt(recorded['units'], 'count')}",
        border=True,
    )
    cards[1].metric(
        "Blocked lines / units",
        f"{ui.fmt(blocked['lines'], 'count')} / {ui.fmt(blocked['units'], 'count')}",
        border=True,
    )
    cards[2].metric(
        "Accepted revenue",
        ui.fmt(accepted["revenue"], "money", conf.currency),
        **ui.delta(revenue_change),
        delta_description=f"recorded {ui.fmt(recorded['revenue'], 'money', conf.currency)}",
        border=True,
    )
    cards[3].metric(
        "Blocked revenue",
        ui.fmt(blocked["revenue"], "money", conf.currency),
        border=True,
    )
    cards[4].metric(
        "Blocked revenue at risk",
        ui.fmt(blocked["revenue_at_risk"], "money", conf.currency),
        help="Blocked revenue x (1 - recapture share)",
        border=True,
    )

    def recorded(names: tuple[str, ...]) -> dict:
        return baseline_figures(db_file, version, period.from_date, period.to_date, conf, names)

    def under_scenario(names: tuple[str, ...]) -> dict:
        return scenario_figures(db_file, version, result.blocked_key, conf, names, result)

    baseline = recorded((whatif.HEADLINE_FIGURES,))
    figures = under_scenario(whatif.CARD_FIGURES)

    st.markdown("**Figures under the scenario** (history without the blocked lines)")
    units = {"rate": "pct", "count": "count", "number": "number", "money": "money"}
    for index, row in enumerate(whatif.headlines(baseline, figures).iter_rows(named=True)):
        if index % 2 == 0:
            headline_cards = st.columns(2)
        unit = units[row["kind"]]
        change = ui.fmt_change(row["delta"], "pct" if unit == "pct" else unit, conf.currency)
        headline_cards[index % 2].metric(
            row["figure"],
            ui.fmt(row["unavailable"] or row["scenario"], unit, conf.currency),
            **ui.delta(change, row["up_is_good"]),
            delta_description=f"recorded {ui.fmt(row['baseline'], unit, conf.currency)}",
            border=True,
        )

    curve = figures[whatif.BUFFER_CURVE]
    reached = whatif.smallest_buffer(curve, target)
    at_buffer = whatif.hit_rate_at(curve, scenario.promise_buffer_days)
    buffer_cards = st.columns(2)
    buffer_cards[0].metric(
        f"Hit rate at a {scenario.promise_buffer_days}-day buffer",
        ui.fmt(at_buffer, "pct"),
        border=True,
    )
    buffer_cards[1].metric(
        f"Smallest buffer reaching {target:.0%}",
        "not within 30 days" if reached is None else f"{reached} days",
        border=True,
    )

    # Only the open tab is computed and drawn: a slider move redraws one chart, not four.
    changed = whatif.changed_skus(result)
    tabs = ui.lazy_tabs(
        [
            "Promise buffer",
            "Age profile",
            "Accepted vs blocked",
            "Channel SLA",
            f"SKUs whose rule changes ({changed.height:,})",
            "Per-sku features",
        ],
        key="whatif_tab",
    )
    if tabs[0].open:
        with tabs[0]:
            ui.chart(
                charts.buffer_chart(curve, target, scenario.promise_buffer_days, reached),
                key="whatif_buffer",
            )
    if tabs[1].open:
        with tabs[1]:
            ui.chart(
                charts.age_chart(
                    whatif.age_profile(
                        recorded(("backorder_age",))["backorder_age"],
                        under_scenario(("backorder_age",))["backorder_age"],
                    ),
                    period.as_of,
                ),
                key="whatif_age",
            )
    if tabs[2].open:
        with tabs[2]:
            ui.chart(charts.outcome_chart(whatif.outcome(result)), key="whatif_outcome")
    if tabs[3].open:
        with tabs[3]:
            st.caption("Recorded vs scenario, as of the window's last day.")
            sla = whatif.side_by_side(
                recorded(("channel_sla",))["channel_sla"],
                under_scenario(("channel_sla",))["channel_sla"],
                "channel",
                ["late_shipment_rate", "seller_cancel_rate"],
            )
            if sla.is_empty():
                st.info("Channel SLA is unavailable for this data.")
            else:
                ui.table(
                    sla,
                    "whatif_channel_sla",
                    column_config=ui.WHATIF_SLA_COLUMNS,
                    column_order=list(ui.WHATIF_SLA_COLUMNS),
                    link_orders=False,
                )
    if tabs[4].open:
        with tabs[4]:
            st.caption("Against the rules recorded in skus.")
            st.dataframe(changed, hide_index=True, width="stretch", height=240, placeholder="")
            st.download_button(
                f"Download {changed.height:,} skus in the skus layout (CSV)",
                data=ui.to_csv(whatif.skus_upload(changed)),
                file_name=f"skus_whatif_{period.from_date}_{period.to_date}.csv",
                mime="text/csv",
                icon=":material/download:",
                key="whatif_skus_csv",
            )
    if tabs[5].open:
        with tabs[5]:
            st.caption("Each sku's features over the feature window and its rule results.")
            st.dataframe(result.skus, hide_index=True, width="stretch", height=300, placeholder="")

    st.subheader("Saved scenarios")
    saved = whatif.listed(ui.db())
    names = saved["name"].to_list()
    save_row = st.columns([3, 1])
    name = save_row[0].text_input("Name", key="save_name", placeholder="e.g. tight caps Q4")
    if save_row[1].button("Save", key="save", disabled=not name.strip()):
        whatif.save(ui.db(), name, scenario)
        st.success(f"Saved {name!r}.")
        st.rerun()
    if names:
        pick_row = st.columns([3, 1, 1])
        picked = pick_row[0].selectbox("Saved", names, key="saved_pick")
        pick_row[1].button("Load", key="load", on_click=load_saved, args=(picked,))
        if pick_row[2].button("Delete", key="delete"):
            whatif.delete(ui.db(), picked)
            st.rerun()
        if len(names) >= 2:
            st.markdown("**Compare two saved scenarios**")
            pair = st.columns(2)
            first = pair[0].selectbox("First", names, index=0, key="compare_first")
            second = pair[1].selectbox("Second", names, index=1, key="compare_second")
            first_json = whatif.load(ui.db(), first).to_json()
            second_json = whatif.load(ui.db(), second).to_json()
            st.dataframe(
                compared(db_file, version, first_json, second_json, conf),
                hide_index=True,
                width="stretch",
                placeholder="",
            )
    else:
        st.caption("No saved scenarios yet.")
