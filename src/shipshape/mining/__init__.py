"""Analytics over event logs: OCEL 2.0 read and write, flat CSV logs, process maps, patterns,
proposed controls and their reports. Columns in Polars; no database driver of its own."""
