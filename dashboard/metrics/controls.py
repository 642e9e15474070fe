"""Communication, process and channel controls of metrics.md: one function per SQL file."""

from __future__ import annotations

__all__: list[str] = []
