"""Order-to-cash exceptions recognised by activity name: blocks set and removed (pairs such as
`Header Block Set` / `Header Block Removed`, `Document blocked for credit` / `Document released
for credit`, `OrderHeld` / `OrderReleased`), dates changed, lines rejected, stock-outs, failed
deliveries. A mapping may name the activities of a kind instead (`patterns: {kind: [...]}`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

SET_WORDS = frozenset({"set", "blocked", "held", "placed", "applied", "activated"})
REMOVE_WORDS = frozenset({"removed", "released", "lifted", "cleared", "unblocked",
                          "deactivated"})
BLOCK_WORDS = frozenset({"block", "blocked", "unblocked", "hold", "held"})
CHANGE_WORDS = frozenset({"change", "changed", "moved", "rescheduled", "postponed", "updated",
                          "amended", "shifted"})
STOCK_OUT = re.compile(r"out of stock|stock ?out|no stock|shortage|back ?order|insufficient "
                       r"stock|short pick|not available|unavailable|partial availability")
FAILED_DELIVERY = re.compile(r"fail\w* deliver|deliver\w* fail|undeliver|delivery attempt|"
                             r"returned to sender|not delivered")
KINDS = {"date_changed": "a date changed", "line_rejected": "a line rejected",
         "stock_out": "a stock-out", "failed_delivery": "a failed delivery"}


@dataclass(frozen=True)
class Block:
    """One block (or other flag) and the activities that set and remove it."""

    label: str
    set_by: tuple[str, ...] = ()
    removed_by: tuple[str, ...] = ()
    is_block: bool = True

    @property
    def activities(self) -> tuple[str, ...]:
        return self.set_by + self.removed_by


@dataclass(frozen=True)
class Recognised:
    blocks: tuple[Block, ...] = ()
    kinds: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Activities per kind of `KINDS` (only kinds with at least one activity)."""


def words(name: str) -> list[str]:
    """`name` in lower-case words, camel case split: `LgstCheckOnConfDat` → lgst check on..."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return re.findall(r"[a-z0-9]+", spaced.lower())


def recognise(activities: Iterable[str], named: Mapping[str, Sequence[str]] | None = None
              ) -> Recognised:
    """The exception activities among `activities`; `named` (kind → activity names) replaces
    recognition by name for the kinds it lists (`block` too)."""
    names = sorted(set(activities))
    named = named or {}
    kinds = {kind: tuple(a for a in named[kind] if a in names) if kind in named
             else tuple(a for a in names if _is(kind, a)) for kind in KINDS}
    block_names = [a for a in named["block"] if a in names] if "block" in named else names
    return Recognised(blocks=_blocks(block_names, "block" in named),
                      kinds={kind: found for kind, found in kinds.items() if found})


def _is(kind: str, activity: str) -> bool:
    said = words(activity)
    text = " ".join(said)
    if kind == "date_changed":
        return ("date" in said and bool(CHANGE_WORDS & set(said))) or bool(
            {"rescheduled", "postponed"} & set(said))
    if kind == "line_rejected":
        return any(word.startswith("reject") for word in said)
    if kind == "stock_out":
        return bool(STOCK_OUT.search(text))
    return bool(FAILED_DELIVERY.search(text))


def _blocks(names: Sequence[str], all_blocks: bool) -> tuple[Block, ...]:
    """Activities grouped by their words with the set or remove word taken out; a group is a
    block when a word says so (or the mapping named them), a flag when it only pairs."""
    groups: dict[tuple[str, ...], dict[str, list[str]]] = {}
    for name in names:
        said = words(name)
        index = _last(said, SET_WORDS | REMOVE_WORDS)
        if index is None:
            if all_blocks or BLOCK_WORDS & set(said):
                groups.setdefault(tuple(said), {"set": [], "removed": []})["set"].append(name)
            continue
        role = "set" if said[index] in SET_WORDS else "removed"
        key = (*said[:index], "*", *said[index + 1:])
        groups.setdefault(key, {"set": [], "removed": []})[role].append(name)
    found = []
    for key, roles in groups.items():
        members = roles["set"] + roles["removed"]
        is_block = all_blocks or any(BLOCK_WORDS & set(words(m)) for m in members)
        if not is_block and not (roles["set"] and roles["removed"]):
            continue
        found.append(Block(_label(members, key), tuple(roles["set"]), tuple(roles["removed"]),
                           is_block))
    return tuple(sorted(found, key=lambda block: block.label))


def _last(said: list[str], wanted: frozenset[str]) -> int | None:
    hits = [i for i, word in enumerate(said) if word in wanted]
    return hits[-1] if hits else None


def _label(members: list[str], key: tuple[str, ...]) -> str:
    """`Header Block` for `Header Block Set`/`Removed`; the first name when the set or remove
    word is not its last."""
    first = members[0].strip()
    if key and key[-1] == "*":
        return re.sub(r"\s*\S+\s*$", "", first).strip() or first
    return first
