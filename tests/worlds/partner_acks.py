"""The partner world: what we sent two trading partners and what they answered, through the real
acknowledgement intake and the missing-acknowledgement sweep, on a clock the world moves from
three days ago to now.

    ACME-EDI (a 24 h window)
      856 101   sent T0        accepted by a 997 an hour later
      856 102   sent T0+1h     accepted three hours later
      810 103   sent T0+2h     rejected half an hour later      EDI_DOCUMENT_REJECTED
      856 104   sent T0+3h     never answered; swept at T0+28h  EDI_ACK_MISSING
      810 105   sent now-1h    awaiting, within its window
    QUIET-EDI (no window: it acknowledges nothing)
      856 1     sent T0        not expected

So ACME-EDI: 3 documents in (the 997s), 5 out, 3 of 5 acknowledged (60 %), latency p50 1 h
and p90 3 h (nearest rank of 0.5 h, 1 h, 3 h), 1 rejected, 1 past its window, 2 open cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from shipshape.adapters.channels.receive import receive_file
from shipshape.adapters.db import tables as t
from shipshape.bootstrap import Container, build
from shipshape.config import Settings
from shipshape.domain.partners import TradingPartner
from shipshape.services import edi_intake as edi
from shipshape.services.edi_ack_sweep import sweep_missing_acks
from tests.builders import seed_distributor
from tests.integration.test_edi_acknowledgements import X12_PARTNER, x12_ack
from tests.worlds.kpis import Clock

PARTNER = X12_PARTNER.id
QUIET = TradingPartner(id="QUIET-EDI", customer_id="C1", isa_qualifier="ZZ",
                       isa_id="QUIETEDI", gs_code="QUIETGS", ack_window_hours=0)
FUNCTIONAL_IDS = {"856": "SH", "810": "IN"}
HOUR = timedelta(hours=1)


@dataclass
class PartnerWorld:
    container: Container
    clock: Clock
    t0: datetime
    cases: dict[str, str] = field(default_factory=dict)
    """Each open case's id by its code."""


def x12_out(doc_type: str, control: int, partner: TradingPartner = X12_PARTNER) -> str:
    """A document of ours to `partner`, enveloped as we send it (its text is not read)."""
    isa = ("ISA*00*          *00*          *ZZ*SHIPSHAPE      *ZZ*"
           f"{partner.isa_id:<15}*240101*1200*U*00401*{control:09d}*0*P*>~")
    return (isa + f"GS*{FUNCTIONAL_IDS[doc_type]}*SHIPSHAPE*{partner.gs_code}*20240101*1200*"
            f"{control}*X*004010~ST*{doc_type}*0001~BSN*00*X~SE*3*0001~GE*1*{control}~"
            f"IEA*1*{control:09d}~")


def sent(world: PartnerWorld, doc_type: str, control: int, at: datetime,
         partner: TradingPartner = X12_PARTNER) -> None:
    with world.container.deps.uow() as uow:
        uow.edi.store_document(partner.id, "out", doc_type, str(control), None,
                               x12_out(doc_type, control, partner), at)
        uow.commit()


def answered(world: PartnerWorld, at: datetime, control: int, body: list[str]) -> None:
    """ACME-EDI's 997 `control`, received at `at`."""
    world.clock.at = at
    c = world.container
    receive_file(c.deps, x12_ack(control, body), "x12", c.edi_identity, at)


def accepted(functional_id: str, doc_type: str, control: int) -> list[str]:
    return [f"AK1*{functional_id}*{control}", f"AK2*{doc_type}*0001", "AK5*A", "AK9*A*1*1*1"]


@contextmanager
def partner_world(database_url: str) -> Iterator[PartnerWorld]:
    """The world built on `database_url`, its clock left at the moment it was built; the store
    stays when the world closes."""
    built = build(Settings(database_url=database_url, env="test"), migrate=True)
    now = datetime.now(UTC).replace(microsecond=0)
    clock = Clock(now - timedelta(days=3))
    container = replace(built, deps=replace(built.deps, clock=clock))
    try:
        seed_distributor(container)
        edi.upsert_partners(container.deps, [X12_PARTNER, QUIET])
        world = PartnerWorld(container, clock, clock.at)
        tell(world, now)
        yield world
    finally:
        built.close()


def tell(world: PartnerWorld, now: datetime) -> None:
    t0 = world.t0
    for doc_type, control, hours in (("856", 101, 0), ("856", 102, 1), ("810", 103, 2),
                                     ("856", 104, 3)):
        sent(world, doc_type, control, t0 + hours * HOUR)
    sent(world, "856", 1, t0, QUIET)
    answered(world, t0 + HOUR, 901, accepted("SH", "856", 101))
    answered(world, t0 + 2.5 * HOUR, 903, [
        "AK1*IN*103", "AK2*810*0001", "AK3*IT1*9**8", "AK4*3*355*7*XX", "AK5*R*5",
        "AK9*R*1*1*0"])
    answered(world, t0 + 4 * HOUR, 902, accepted("SH", "856", 102))
    world.clock.at = t0 + 28 * HOUR
    [missing] = sweep_missing_acks(world.container.deps, world.clock.at).missing
    assert missing.control_number == "104"
    sent(world, "810", 105, now - HOUR)
    world.clock.at = now
    x = t.exception_cases.c
    with world.container.engine.connect() as conn:
        world.cases = {code: case_id for code, case_id in conn.execute(
            select(x.code, x.id).where(x.status == "open"))}
