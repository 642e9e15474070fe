"""What the sidebar selects, as a plain value: the ISO week, the span ending with it, the
filters and the settings in force; the URL that reproduces it. dashboard/ui.py builds it from
the widgets; pages read it."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from datetime import timedelta

from dashboard.params import Filters, Period, Settings

FILTER_KEYS = ("channel", "supplier", "family", "sku")
SPANS = {1: "1 week", 4: "4 weeks", 13: "13 weeks", 52: "52 weeks"}


@dataclass(frozen=True)
class View:
    """What the sidebar selects: the ISO week, the span ending with it, the filters."""

    week: Period
    span_weeks: int
    filters: Filters
    settings: Settings

    @property
    def period(self) -> Period:
        """The span of `span_weeks` ISO weeks ending with the selected week."""
        if self.span_weeks <= 1:
            return self.week
        start = self.week.from_date - timedelta(days=7 * (self.span_weeks - 1))
        first = Period.week_of(start).label
        return Period(start, self.week.to_date, f"{first} to {self.week.label}")

    def query(self, **extra: str) -> dict[str, str | list[str]]:
        """URL query parameters that reproduce this view (plus `extra`)."""
        out: dict[str, str | list[str]] = {"week": self.week.label}
        if self.span_weeks != 1:
            out["span"] = str(self.span_weeks)
        for key in FILTER_KEYS:
            values = list(getattr(self.filters, key))
            if values:
                out[key] = values
        out.update(extra)
        return out

    def url(self, page: str, **extra: str) -> str:
        """A relative link to `page` with this view and `extra` in the query string."""
        return f"{page}?{urllib.parse.urlencode(self.query(**extra), doseq=True)}"

    def describe(self) -> str:
        parts = [
            f"{key}: {', '.join(getattr(self.filters, key))}"
            for key in FILTER_KEYS
            if getattr(self.filters, key)
        ]
        return "; ".join(parts) if parts else "all channels, suppliers, families and SKUs"


def drill_period(current: View) -> Period:
    """The SKU drill-down covers the span, and at least the 13 weeks ending the week."""
    return View(current.week, max(current.span_weeks, 13), current.filters, current.settings).period
