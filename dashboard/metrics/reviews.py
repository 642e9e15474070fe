"""The reviews of metrics.md: weekly_review and quarterly_top20."""

from __future__ import annotations

__all__: list[str] = []
