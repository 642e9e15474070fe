"""Load and save Settings: user settings in the state file, time zone and currency with the data.

The store time zone and currency describe the dataset (imports read offsetless times in that
zone and compute local dates in it), so they live in the data file's `dataset` table; every
other setting lives in the state file, so changing it never rewrites the history.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from dashboard import store
from dashboard.params import ChannelRules, Settings

DATASET_KEYS = ("timezone", "currency")


def load(db: Path) -> Settings:
    """The settings in force for the database at `db` (defaults where none were saved)."""
    values: dict[str, object] = {}
    state = store.state_path(db)
    if state.exists():
        with store.connect(state) as con:
            values.update(
                {k: json.loads(v) for k, v in con.execute("select * from settings").fetchall()}
            )
    if db.exists():
        with store.connect(db) as con:
            values.update(store.dataset_settings(con))
    return from_dict(values)


def from_dict(values: dict[str, object]) -> Settings:
    known = {f.name for f in dataclasses.fields(Settings)}
    kwargs = {k: v for k, v in values.items() if k in known}
    if "channel_default" in kwargs:
        kwargs["channel_default"] = ChannelRules(**kwargs["channel_default"])
    if "channel_overrides" in kwargs:
        kwargs["channel_overrides"] = tuple(
            (channel, ChannelRules(**rules)) for channel, rules in kwargs["channel_overrides"]
        )
    return Settings(**kwargs)


def to_dict(settings: Settings) -> dict[str, object]:
    return dataclasses.asdict(settings)


def save(db: Path, settings: Settings) -> None:
    """Save every user setting to the state file (time zone and currency are set by import)."""
    values = to_dict(settings)
    with store.writing(store.state_path(db), schema=store.create_state_schema) as con:
        for key, value in values.items():
            if key not in DATASET_KEYS:
                con.execute(
                    "insert or replace into settings values (?, ?)", [key, json.dumps(value)]
                )
