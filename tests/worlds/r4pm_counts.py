"""What an independent OCEL 2.0 reader (r4pm, Rust4PM's Python binding) finds in a file: the
counts our own reader must match."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import r4pm


def r4pm_tables(path: Path) -> dict[str, pl.DataFrame]:
    item = r4pm.import_item("OCEL", str(path))
    try:
        return dict(r4pm.item_to_df(item))
    finally:
        r4pm.remove_item(item)


def _values(frame: pl.DataFrame) -> int:
    """Attribute values: the cells outside r4pm's own `ocel:` columns that hold one."""
    return sum(frame.get_column(c).is_not_null().sum() for c in frame.columns
               if not c.startswith("ocel:"))


def r4pm_counts(path: Path) -> dict[str, int]:
    """The same counts as `EventLog.counts()`, as r4pm reads the file: an object's values
    from the start are in `objects`, each later value a row of `object_changes`."""
    tables = r4pm_tables(path)
    return {"events": tables["events"].height, "objects": tables["objects"].height,
            "links": tables["relations"].height, "relations": tables["o2o"].height,
            "event_attributes": _values(tables["events"]),
            "object_attributes": _values(tables["objects"]) + tables["object_changes"].height}
