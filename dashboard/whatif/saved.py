"""Named scenarios, saved in the state database (table scenarios(name, saved_at, spec json))."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from dashboard import store
from dashboard.whatif.scenario import Scenario


def save(db: Path, name: str, scenario: Scenario) -> None:
    """Save (or replace) the scenario under `name`."""
    name = name.strip()
    if not name:
        raise ValueError("a scenario needs a name")
    with store.writing(store.state_path(db), schema=store.create_state_schema) as con:
        con.execute(
            "insert or replace into scenarios values ($name, $saved_at, $spec)",
            {"name": name, "saved_at": datetime.now(UTC), "spec": scenario.to_json()},
        ).fetchall()


def listed(db: Path) -> pl.DataFrame:
    """The saved scenarios: name, saved_at, spec; newest first."""
    state = store.state_path(db)
    empty = pl.DataFrame(
        schema={"name": pl.String, "saved_at": pl.Datetime("us", "UTC"), "spec": pl.String}
    )
    if not state.exists():
        return empty
    with store.connect(state) as con:
        frame = con.sql(
            "select name, saved_at, spec::varchar as spec from scenarios "
            "order by saved_at desc, name"
        ).pl()
    return frame if frame.height else empty


def load(db: Path, name: str) -> Scenario:
    rows = listed(db).filter(pl.col("name") == name)
    if not rows.height:
        raise KeyError(f"no saved scenario named {name!r}")
    return Scenario.from_json(rows["spec"][0])


def delete(db: Path, name: str) -> None:
    with store.writing(store.state_path(db), schema=store.create_state_schema) as con:
        con.execute("delete from scenarios where name = $name", {"name": name}).fetchall()
