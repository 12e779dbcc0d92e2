"""One JDM decision file loaded into its own zen engine, with its version."""

from __future__ import annotations

import hashlib
from pathlib import Path

import zen

from shipshape.domain.errors import InvalidInput


def load_decision(path: Path) -> tuple[zen.ZenEngine, str]:
    """An engine that evaluates the decision of `path` under any key, and its version
    (`name@sha256-prefix`); `InvalidInput` naming the file when it is no valid JDM."""
    content = path.read_text(encoding="utf-8")
    engine = zen.ZenEngine({"loader": lambda _key: content})
    try:
        engine.create_decision(content)
    except Exception as error:  # zen raises its own untyped errors
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InvalidInput(f"rule file {path} is not a valid JDM decision: {reason}") from error
    return engine, f"{path.stem}@{hashlib.sha256(content.encode()).hexdigest()[:12]}"
