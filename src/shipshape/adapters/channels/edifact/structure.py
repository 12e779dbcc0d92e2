"""Message structures of UN/EDIFACT D.96A for the messages we send, and a checker.

A structure lists, in order, segments and segment groups, each mandatory (M) or conditional (C)
with its maximum repetition, as the D.96A message directory does. Only the part of each
directory entry that our messages use is written down, with the directory's group numbers, so a
message checked here has its segments in directory order, its mandatory segments present and no
segment or group repeated beyond its maximum. `check_interchange` reads an interchange with the
project's own EDIFACT reader (which checks UNB/UNZ and UNH/UNT: counts and references) and then
checks each message against its structure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shipshape.adapters.channels.edifact.model import EdifactMessage, EdifactSegment
from shipshape.adapters.channels.edifact.reader import parse_interchange


@dataclass(frozen=True, slots=True)
class S:
    """A segment: tag, mandatory, maximum repetition."""

    tag: str
    mandatory: bool
    repeat: int

    @property
    def trigger(self) -> str:
        return self.tag


@dataclass(frozen=True, slots=True)
class G:
    """A segment group; its first entry (its trigger segment) is mandatory within it."""

    name: str
    mandatory: bool
    repeat: int
    entries: tuple[S | G, ...]

    @property
    def trigger(self) -> str:
        return self.entries[0].trigger


Entry = S | G
M, C = True, False


def g(name: str, mandatory: bool, repeat: int, *entries: Entry) -> G:
    return G(name, mandatory, repeat, entries)


DESADV = (
    S("BGM", M, 1), S("DTM", M, 10), S("MEA", C, 5),
    g("SG1", C, 10, S("RFF", M, 1), S("DTM", C, 1)),
    g("SG2", C, 99, S("NAD", M, 1), S("LOC", C, 10)),
    g("SG6", C, 10, S("TDT", M, 1)),
    g("SG10", C, 9999, S("CPS", M, 1), S("FTX", C, 5),
      g("SG11", C, 9999, S("PAC", M, 1), S("MEA", C, 10), S("QTY", C, 10),
        g("SG13", C, 1000, S("PCI", M, 1), S("RFF", C, 1), S("DTM", C, 5),
          g("SG14", C, 99, S("GIN", M, 1)))),
      g("SG15", C, 9999, S("LIN", M, 1), S("PIA", C, 10), S("IMD", C, 25), S("MEA", C, 10),
        S("QTY", C, 10), S("ALI", C, 10), S("GIN", C, 100), S("GIR", C, 100),
        S("DTM", C, 10), S("FTX", C, 5),
        g("SG16", C, 10, S("RFF", M, 1), S("DTM", C, 1)))),
    S("CNT", C, 10),
)
"""DESADV D.96A: despatch advice."""

INVOIC = (
    S("BGM", M, 1), S("DTM", M, 35), S("PAI", C, 1), S("ALI", C, 5), S("IMD", C, 1),
    S("FTX", C, 10),
    g("SG1", C, 99, S("RFF", M, 1), S("DTM", C, 5)),
    g("SG2", C, 99, S("NAD", M, 1), S("LOC", C, 25), S("FII", C, 5)),
    g("SG7", C, 5, S("CUX", M, 1), S("DTM", C, 5)),
    g("SG8", C, 10, S("PAT", M, 1), S("DTM", C, 5), S("PCD", C, 1), S("MOA", C, 1)),
    g("SG25", C, 9999, S("LIN", M, 1), S("PIA", C, 25), S("IMD", C, 10), S("MEA", C, 5),
      S("QTY", C, 5), S("PCD", C, 1), S("ALI", C, 5), S("DTM", C, 35), S("GIN", C, 1000),
      g("SG26", C, 5, S("MOA", M, 1)),
      g("SG28", C, 25, S("PRI", M, 1), S("CUX", C, 1), S("DTM", C, 5)),
      g("SG29", C, 10, S("RFF", M, 1), S("DTM", C, 5))),
    S("UNS", M, 1), S("CNT", C, 10),
    g("SG48", M, 100, S("MOA", M, 1), g("SG49", C, 1, S("RFF", M, 1), S("DTM", C, 5))),
    g("SG50", C, 10, S("TAX", M, 1), S("MOA", C, 2)),
    g("SG51", C, 15, S("ALC", M, 1), S("ALI", C, 1), S("MOA", C, 2)),
)
"""INVOIC D.96A: invoice."""

ORDRSP = (
    S("BGM", M, 1), S("DTM", M, 35), S("PAI", C, 1), S("ALI", C, 5), S("IMD", C, 1),
    S("FTX", C, 99),
    g("SG1", C, 10, S("RFF", M, 1), S("DTM", C, 5)),
    g("SG3", C, 99, S("NAD", M, 1), S("LOC", C, 25), S("FII", C, 5)),
    g("SG26", C, 9999, S("LIN", M, 1), S("PIA", C, 25), S("IMD", C, 99), S("MEA", C, 99),
      S("QTY", C, 99), S("PCD", C, 5), S("ALI", C, 5), S("DTM", C, 35), S("MOA", C, 10),
      S("GIN", C, 127), S("QVR", C, 1), S("FTX", C, 99),
      g("SG30", C, 10, S("RFF", M, 1), S("DTM", C, 5))),
    S("UNS", M, 1), S("MOA", C, 10), S("CNT", C, 10),
)
"""ORDRSP D.96A: purchase order response."""

STRUCTURES: dict[str, tuple[Entry, ...]] = {"DESADV": DESADV, "INVOIC": INVOIC,
                                            "ORDRSP": ORDRSP}


class _Walk:
    def __init__(self, segments: Sequence[EdifactSegment]) -> None:
        self.tags = [s.tag for s in segments]
        self.at = 0
        self.errors: list[str] = []

    def next_is(self, tag: str) -> bool:
        return self.at < len(self.tags) and self.tags[self.at] == tag

    def entries(self, entries: Sequence[Entry], where: str) -> None:
        for entry in entries:
            self.entry(entry, where)

    def entry(self, entry: Entry, where: str) -> None:
        count = 0
        while count < entry.repeat and self.next_is(entry.trigger):
            count += 1
            if isinstance(entry, G):
                self.at += 1
                self.entries(entry.entries[1:], f"{where}/{entry.name}")
            else:
                self.at += 1
        name = entry.name if isinstance(entry, G) else entry.tag
        if entry.mandatory and count == 0:
            self.errors.append(f"{where}: mandatory {name} missing at segment {self.at + 2}")
        if count == entry.repeat and self.next_is(entry.trigger):
            self.errors.append(f"{where}: {name} repeated more than {entry.repeat} times")


def check_message(message: EdifactMessage) -> list[str]:
    """The structure errors of one message (UNH ... UNT); [] when it is well formed."""
    structure = STRUCTURES.get(message.message_type)
    if structure is None:
        return [f"no structure is known for {message.message_type}"]
    body = message.segments[1:-1]
    walk = _Walk(body)
    walk.entries(structure, message.message_type)
    if walk.at < len(body):
        walk.errors.append(f"{message.message_type}: segment {body[walk.at].tag} at position "
                           f"{walk.at + 2} is out of place")
    expected = ("D", "96A", "UN")
    if (message.version, message.release, message.agency) != expected:
        walk.errors.append(f"{message.message_type} is not a D96A message")
    return walk.errors


def check_interchange(text: str | bytes) -> list[str]:
    """Envelope errors (the reader's 0085 findings) and each message's structure errors."""
    interchange = parse_interchange(text)
    errors = [f"{e.code}: {e.text}" for e in interchange.all_errors]
    for message in interchange.messages:
        errors += check_message(message)
    return errors
