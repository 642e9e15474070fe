"""The what-if replay as the benchmark calls it: one realistic scenario over a quarter.

The scenario switches on two eligibility rules (supplier slip <= 5 days, historical backorder
cancel rate <= 0.30), sets a default oversell cap of 20 units and a 2-day promise buffer, over
the given replay window. `call_replay` = `dashboard.whatif.replay` + `outcome` (what the page
shows first) with the replay's cache of features and events cleared before each call;
`call_replay_cached` is the same with that cache warm (a slider move); `call_replay_figures`
adds the figures on the history without the blocked lines (`scenario_figures`), which the page
shows beside the baseline.
"""

from __future__ import annotations


class NotAvailable(RuntimeError):
    pass


def scenario(period):
    try:
        from dashboard.whatif import Rule, Scenario
    except ImportError as exc:  # the what-if is not written yet
        raise NotAvailable(f"not available: {exc}") from exc
    return Scenario(
        supplier_slip=Rule(True, 5.0),
        cancel_rate=Rule(True, 0.30),
        cap_default=20,
        promise_buffer_days=2,
        from_date=period.from_date,
        to_date=period.to_date,
    )


def _clear_cache() -> None:
    from dashboard import whatif

    clear = getattr(whatif, "replay_cache_clear", None)
    if clear:
        clear()


def call_replay(con, period):
    """The whole replay: features and events read again (the replay's own cache cleared)."""
    from dashboard import whatif

    _clear_cache()
    result = whatif.replay(con, scenario(period))
    return whatif.outcome(result)


def call_replay_cached(con, period):
    """A rerun with other rules or caps: features and events come from the replay's cache."""
    from dashboard import whatif

    result = whatif.replay(con, scenario(period))
    return whatif.outcome(result)


def call_replay_figures(con, period):
    """The replay and the figures on the history without the blocked lines."""
    from dashboard import whatif

    _clear_cache()
    result = whatif.replay(con, scenario(period))
    return whatif.scenario_figures(con, result)
