"""A small synthetic corpus of customer messages in four classes, made from templates here (no
public data set is copied), a team map for it, and a trained text model in a folder."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from shipshape.ml.text_card import card
from shipshape.ml.text_teams import team_map_of
from shipshape.ml.text_training import TrainingOptions, save, train

OPENERS = ["Hello,", "Hi team,", "Dear support,", "Good morning,", "", "Urgent:", "FYI -"]
CLOSERS = ["Thanks.", "Please advise.", "Regards, Dana", "Let us know asap.", "", "Cheers"]
SUBJECTS = ["order {n}", "our PO {n}", "the shipment for order {n}", "delivery {n}",
            "consignment {n}"]
CLASSES: dict[str, list[str]] = {
    "damaged": [
        "{s} arrived with {k} cartons crushed",
        "the goods in {s} were damaged in transit",
        "{k} boxes of {s} came broken and wet",
        "pallet of {s} was delivered smashed, items unusable",
        "we received {s} but the packaging was torn and the product dented",
    ],
    "late": [
        "{s} has still not arrived, it was due {d}",
        "where is {s}? it is {k} days late",
        "the truck with {s} never showed up {d}",
        "{s} missed the promised delivery date",
        "tracking for {s} has not moved for {k} days, we are waiting",
    ],
    "invoice": [
        "the invoice for {s} charges the wrong price",
        "we were billed twice for {s}",
        "invoice amount for {s} does not match the contract price",
        "please correct the invoice of {s}, the tax is wrong",
        "credit note missing for {s}, the bill is too high",
    ],
    "short": [
        "{s} was delivered short by {k} units",
        "we only received part of {s}, {k} cases missing",
        "{k} items of {s} are missing from the delivery",
        "the quantity received for {s} is less than ordered",
        "count on {s} came up {k} short against the packing list",
    ],
}
TEAM_MAP = {"labels": {"damaged": {"team": "transport", "code": "DAMAGED_ON_DELIVERY"},
                       "late": {"team": "transport", "code": "DELIVERED_LATE"},
                       "invoice": "finance"}}
"""`short` is left out: customer service, code SHORT."""


def messages(count: int, seed: int = 7) -> list[tuple[str, str]]:
    """`count` (text, label) pairs, the classes in turn."""
    rng = random.Random(seed)
    labels = sorted(CLASSES)
    found = []
    for i in range(count):
        label = labels[i % len(labels)]
        body = rng.choice(CLASSES[label]).format(
            s=rng.choice(SUBJECTS).format(n=rng.randint(1000, 99999)), k=rng.randint(2, 40),
            d=rng.choice(["yesterday", "on Monday", "last week", "this morning"]))
        found.append((" ".join(p for p in (rng.choice(OPENERS), body, rng.choice(CLOSERS))
                               if p), label))
    return found


def write_csv(path: Path, rows: list[tuple[str, str]], text: str = "message",
              label: str = "reason") -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", text, label])
        writer.writerows((i, t, lab) for i, (t, lab) in enumerate(rows))
    return path


def trained_folder(folder: Path, count: int = 320) -> Path:
    """A text model trained on `count` synthetic messages with `TEAM_MAP`, saved in `folder`."""
    rows = messages(count)
    trained = train([t for t, _ in rows], [lab for _, lab in rows], team_map_of(TEAM_MAP),
                    TrainingOptions())
    save(trained, folder, card)
    return folder
