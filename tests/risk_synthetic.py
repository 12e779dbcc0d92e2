"""Synthetic order histories for the risk model's tests: a few thousand orders whose lateness
depends on thresholds and an interaction (learnable by trees, hard for a logistic model),
a column that knows the outcome and a date recorded after the order was taken."""

from __future__ import annotations

import csv
import gzip
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

START = datetime(2024, 1, 1)
CHANNELS = ("edi", "web", "phone", "portal", "email", "fax")


def orders(n: int = 3000, seed: int = 1) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    slack = rng.uniform(-5.0, 10.0, n)
    lines = rng.integers(1, 40, n)
    channel = rng.choice(CHANNELS, n)
    value = np.round(rng.lognormal(6, 1, n), 2)
    tight = (slack < 1.0) & (lines > 20)
    risky = np.isin(channel, ("fax", "email")) & ((lines < 5) | (lines > 35))
    logit = -3.0 + 3.5 * tight + 3.0 * risky + 1.5 * (np.abs(slack - 4.5) < 0.7)
    late = rng.random(n) < 1 / (1 + np.exp(-logit))
    rows = []
    for i in range(n):
        taken = START + timedelta(hours=3 * i + int(rng.integers(0, 3)))
        rows.append({
            "order_id": f"SO-{i:05d}", "created_at": taken.strftime("%Y-%m-%d %H:%M:%S"),
            "slack_days": round(float(slack[i]), 2), "lines": int(lines[i]),
            "channel": str(channel[i]), "value": float(value[i]),
            "status_code": ("LATE-" if late[i] ^ (rng.random() < 0.01) else "OK-") + "X",
            "shipped_at": (taken + timedelta(days=int(rng.integers(1, 6)))).strftime("%Y-%m-%d"),
            "outcome": "LATE" if late[i] else "ON_TIME",
        })
    return rows


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", newline="", encoding="utf-8") as handle:  # type: ignore[operator]
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def event_log(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each order as a case: Received (no channel yet), Order Entered (at_activity: the order's
    features), then Shipped carrying a field set only afterwards."""
    events = []
    for row in rows:
        taken = datetime.strptime(row["created_at"], "%Y-%m-%d %H:%M:%S")
        base = {"case": row["order_id"], "outcome": row["outcome"]}
        events.append({**base, "activity": "Received",
                       "at": (taken - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S"),
                       "channel": "", "lines": "", "slack_days": "", "carrier_note": ""})
        events.append({**base, "activity": "Order Entered", "at": row["created_at"],
                       "channel": row["channel"], "lines": row["lines"],
                       "slack_days": row["slack_days"], "carrier_note": ""})
        events.append({**base, "activity": "Shipped",
                       "at": (taken + timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S"),
                       "channel": row["channel"], "lines": row["lines"],
                       "slack_days": row["slack_days"],
                       "carrier_note": "late" if row["outcome"] == "LATE" else "ok"})
    return events


TABLE_MAPPING = """\
id: order_id
time: created_at
label: {column: outcome, positive: [LATE]}
features: {slack_days: numeric, lines: numeric, channel: categorical, value: numeric}
"""

EVENT_MAPPING = """\
case: case
activity: activity
timestamp: at
at_activity: Order Entered
label: {column: outcome, positive: [LATE]}
exclude: [carrier_note]
"""
