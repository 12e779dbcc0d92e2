"""A transaction set's segments split into header, detail loops and summary, with positions."""

from __future__ import annotations

from dataclasses import dataclass, field

from shipshape.adapters.channels.x12.model import Segment

Section = list[tuple[int, Segment]]
"""Segments with their AK3 position (ST is 1)."""


@dataclass(slots=True)
class Sections:
    header: Section = field(default_factory=list)
    lines: list[Section] = field(default_factory=list)
    summary: Section = field(default_factory=list)
    out_of_sequence: list[int] = field(default_factory=list)
    """Positions of loop segments that came after the summary had begun."""


def split_sections(segments: list[Segment], loop: str = "PO1", summary: str = "CTT") -> Sections:
    """Header up to the first `loop` segment, one section per loop, summary from `summary` on."""
    body = list(enumerate(segments, start=1))[1:]
    if body and body[-1][1][0] == "SE":
        body.pop()
    sections = Sections()
    in_summary = False
    for item in body:
        tag = item[1][0]
        if tag == loop:
            if in_summary:
                sections.out_of_sequence.append(item[0])
            sections.lines.append([item])
            in_summary = False
        elif tag == summary or in_summary:
            sections.summary.append(item)
            in_summary = True
        elif sections.lines:
            sections.lines[-1].append(item)
        else:
            sections.header.append(item)
    return sections
