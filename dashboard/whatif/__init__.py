"""The what-if replay: history replayed under alternative eligibility rules and oversell caps.

- scenario.py: `Scenario` (rules, caps, buffer, recapture, window), JSON round-trip.
- replay.py: `sku_features`, `replay` -> `ReplayResult`, `outcome` (accepted vs blocked).
- figures.py: the metric figures on the history without the blocked lines, the headline
  figures in one query, the promise-buffer curve, the skus whose rule changes.
- saved.py: named scenarios in the state database.
- compare.py: two scenarios side by side.
- charts.py: the page's Plotly figures.

See docs/whatif.md for the rules and the decisions where the spec is silent.
"""

from dashboard.whatif.compare import compare, summary
from dashboard.whatif.figures import (
    BUFFER_CURVE,
    CARD_FIGURES,
    CAVEAT,
    HEADLINE_FIGURES,
    HEADLINES,
    age_profile,
    buffer_curve,
    changed_skus,
    headline_figures,
    headlines,
    hit_rate_at,
    metric_figures,
    scenario_connection,
    scenario_figures,
    side_by_side,
    skus_upload,
    smallest_buffer,
)
from dashboard.whatif.replay import (
    Events,
    ReplayResult,
    feature_period,
    feature_table,
    judge,
    outcome,
    outcome_by_status,
    prepare_events,
    replay,
    replay_cache_clear,
    replay_events,
    replay_period,
    rule_ranges,
    sku_features,
    walk_events,
)
from dashboard.whatif.saved import delete, listed, load, save
from dashboard.whatif.scenario import (
    RULES,
    Rule,
    RuleDefinition,
    Scenario,
    caps_table,
    with_caps_table,
)

__all__ = [
    "BUFFER_CURVE",
    "CARD_FIGURES",
    "CAVEAT",
    "HEADLINE_FIGURES",
    "HEADLINES",
    "RULES",
    "Events",
    "ReplayResult",
    "Rule",
    "RuleDefinition",
    "Scenario",
    "age_profile",
    "caps_table",
    "buffer_curve",
    "changed_skus",
    "compare",
    "delete",
    "feature_period",
    "feature_table",
    "headline_figures",
    "headlines",
    "hit_rate_at",
    "judge",
    "listed",
    "load",
    "metric_figures",
    "outcome",
    "outcome_by_status",
    "prepare_events",
    "replay",
    "replay_cache_clear",
    "replay_events",
    "replay_period",
    "rule_ranges",
    "save",
    "scenario_connection",
    "scenario_figures",
    "side_by_side",
    "sku_features",
    "skus_upload",
    "smallest_buffer",
    "summary",
    "walk_events",
    "with_caps_table",
]
