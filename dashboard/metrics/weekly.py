"""The weekly checks of metrics.md: one function per queries/<metric>.sql."""

from __future__ import annotations

import polars as pl

from dashboard.queries import base_params, metric, run

__all__ = ["backorder_rate"]


@metric(
    needs=["order_lines.backordered_qty"],
    figures={"unit_rate": ["order_lines.qty"]},
)
def backorder_rate(con, period, filters, settings, as_of) -> pl.DataFrame:
    return run(con, "backorder_rate", base_params(period, filters, settings, as_of))
