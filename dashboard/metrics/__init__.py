"""Every figure of ../shared/spec/metrics.md, one function per queries/<metric>.sql.

Each function takes (con, period, filters=None, settings=None, as_of=None) and returns a
Polars frame; see dashboard/queries.py for parameters and how unavailable figures show.
Each module lists its metric functions in `__all__`.
"""

from dashboard.metrics import controls, reviews, weekly
from dashboard.metrics.controls import *  # noqa: F403
from dashboard.metrics.reviews import *  # noqa: F403
from dashboard.metrics.weekly import *  # noqa: F403
from dashboard.queries import REGISTRY, definition, is_unavailable, unavailable_figures

__all__ = [
    "REGISTRY",
    "definition",
    "is_unavailable",
    "unavailable_figures",
    *weekly.__all__,
    *controls.__all__,
    *reviews.__all__,
]
