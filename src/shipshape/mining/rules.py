"""Proposed controls as a GoRules JDM decision table: one row per control with a rule, testing
the control-point fact its attribute is (`customer.id`, `order.channel`, ...) and answering the
finding (code, severity, kind, owner team, message) the control points raise from any policy
table in the rules folder."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shipshape.mining.errors import LogError

FILE_NAME = "mined_controls.json"


def decision(controls: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The JDM document of the exportable controls (a collect table: every row that matches)."""
    exportable = [c for c in controls if c.get("rule")]
    facts = list(dict.fromkeys(c["rule"]["fact"] for c in exportable))
    inputs = [{"id": f"in{n}", "name": fact, "field": fact} for n, fact in enumerate(facts)]
    outputs = [{"id": name, "name": name.replace("_", " ").capitalize(), "field": name}
               for name in ("code", "severity", "kind", "owner_team", "message")]
    rows = []
    for control in exportable:
        column = f"in{facts.index(control['rule']['fact'])}"
        cells = {item["id"]: "" for item in inputs}
        cells[column] = literal(str(control["rule"]["value"]))
        rows.append({"_id": control["code"].lower(), **cells,
                     **{name: literal(str(control[key])) for name, key in (
                         ("code", "code"), ("severity", "severity"), ("kind", "kind"),
                         ("owner_team", "owner_team"), ("message", "proposal"))}})
    table = {"id": "mined", "type": "decisionTableNode", "name": "Mined controls",
             "position": {"x": 300, "y": 0},
             "content": {"hitPolicy": "collect", "inputs": inputs, "outputs": outputs,
                         "rules": rows}}
    return {"nodes": [{"id": "request", "type": "inputNode", "name": "Order facts",
                       "position": {"x": 0, "y": 0}}, table,
                      {"id": "response", "type": "outputNode", "name": "Findings",
                       "position": {"x": 600, "y": 0}}],
            "edges": [{"id": "e1", "sourceId": "request", "targetId": "mined", "type": "edge"},
                      {"id": "e2", "sourceId": "mined", "targetId": "response",
                       "type": "edge"}]}


def literal(text: str) -> str:
    """`text` as a zen expression string: zen knows no backslash escapes, so the quote the text
    lacks delimits it (a text with both has its double quotes made typographic)."""
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"' + text.replace('"', "\u201d") + '"'


def export(controls: Sequence[dict[str, Any]], folder: Path) -> Path | None:
    """`folder`/mined_controls.json with the exportable controls; None when there is none."""
    if not any(c.get("rule") for c in controls):
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / FILE_NAME
        path.write_text(json.dumps(decision(controls), indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise LogError(f"cannot write the rules to {folder}: {error.strerror or error}") from None
    return path
