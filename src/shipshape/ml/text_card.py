"""The text model's card (card.md): what it does, what it was trained on, how well it did on
held-out messages, where each label sends a case, and what it is not for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def card(meta: Mapping[str, Any]) -> str:
    validation = meta["metrics"]["validation"]
    split = meta["split"]
    data = meta.get("data", {})
    lines = [
        f"# Text classifier {meta['version']}",
        "",
        "Classifies a free-text message (an e-mail, an agent's note, a carrier's or an EDI "
        "acknowledgement's text) into one of the labels below, each mapped to an owner team and "
        "an exception code. Below the confidence threshold the message goes to the triage "
        "queue (code TEXT_TRIAGE, team customer_service) for a person to decide.",
        "",
        "## Model",
        f"- trained at {meta['trained_at']} from {data.get('file', 'the given data')} "
        f"(text column `{data.get('text_column', '?')}`, label column "
        f"`{data.get('label_column', '?')}`; {data.get('rows', '?')} messages, "
        f"{data.get('skipped', 0)} blank rows skipped)",
        "- TF-IDF of words (1-2 grams) and of characters (2-5 grams within words), multinomial "
        f"logistic regression (C={meta['features']['C']}); saved with skops "
        f"(SHA-256 {meta['sha256']})",
        f"- validation: a stratified {split['validation_share']:.0%} of the messages "
        f"({split['validation']}; seed {split['seed']}); the model saved is then fitted on all",
        "",
        "## Held-out figures",
        f"- accuracy {validation['accuracy']:.4f}, macro F1 {validation['macro_f1']:.4f} "
        f"on {validation['n']} messages",
        f"- confidence threshold {meta['threshold']:.4f}: the lowest confidence at which the "
        f"held-out messages at or above it were right at least {meta['target_precision']:.0%} "
        f"of the time ({meta['calibrated_threshold']:.4f}), never below "
        f"{meta['min_threshold']:.2f}; {validation['coverage']:.1%} of them were at or above "
        f"it, classified with accuracy {_share(validation['accuracy_above_threshold'])}",
        "",
        "| label | team | code | messages | precision | recall |",
        "|---|---|---|---:|---:|---:|",
    ]
    per_class = validation["per_class"]
    for label in meta["classes"]:
        route, scores = meta["teams"][label], per_class.get(label, {})
        lines.append(f"| {label} | {route['team']} | {route['code']} | "
                     f"{meta['class_counts'].get(label, 0)} | "
                     f"{_share(scores.get('precision'))} | {_share(scores.get('recall'))} |")
    lines += [
        "",
        "## Use and limits",
        "- Informs routing only: a case it opens is an ordinary case the desk works; nothing "
        "is decided for the customer. Its label, confidence and version are in the case's "
        "details and in the audit trail.",
        "- Knows only the labels above and the language of its training messages; a message "
        "about something else gets low confidence (triage) or, worse, a confident wrong label. "
        "Re-evaluate with `shipshape ml evaluate-text` on recent messages before relying on it.",
        "",
    ]
    return "\n".join(lines)


def _share(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) else "n/a"
