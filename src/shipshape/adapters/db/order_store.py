"""Orders, credit exposure, exception cases, the event log with its outbox, idempotency keys."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from uuid import uuid4

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects import postgresql

from shipshape.adapters.db import case_clocks, promise_queries
from shipshape.adapters.db import tables as t
from shipshape.adapters.db.audit_store import append_audit
from shipshape.adapters.db.bulk import Bulk
from shipshape.adapters.db.event_rows import LINK_COLUMNS, object_tuples, stored
from shipshape.adapters.db.outbox_store import lock_outbox, topic_of
from shipshape.domain.audit import AUDITED, AuditEntry, entry_of
from shipshape.domain.cases import CaseStatus, ExceptionCase, stage_of
from shipshape.domain.catalogue import DomainEvent
from shipshape.domain.findings import Finding
from shipshape.domain.orders import Order, OrderStatus, ship_to_dict
from shipshape.domain.promise import Situation
from shipshape.domain.sla import CaseClock
from shipshape.services import correlation
from shipshape.services.outcomes import Outcome
from shipshape.services.ports import StoredResponse

o = t.orders.c
k = t.idempotency_keys.c
BY_CUSTOMER_PO = select(o.id).where(o.customer_id == bindparam("customer_id"),
                                    o.customer_po == bindparam("customer_po"),
                                    o.release_number == bindparam("release_number"))
RECENT_SAME_LINES = (
    select(o.customer_po, o.external_id)
    .where(o.customer_id == bindparam("customer_id"), o.line_signature == bindparam("signature"),
           o.created_at >= bindparam("since", type_=t.orders.c.created_at.type))
    .order_by(o.created_at.desc()).limit(1)
)
STORED_RESPONSE = select(k.request_hash, k.status_code, k.body).where(
    k.scope == bindparam("scope"), k.key == bindparam("key"))
cs = t.exception_cases.c
OPEN_CASES_OF_ORDER = (
    select(cs.id, cs.details)
    .where(cs.order_id == bindparam("order_id"), cs.code == bindparam("code"),
           cs.status.in_([CaseStatus.OPEN.value, CaseStatus.ASSIGNED.value]))
    .order_by(cs.opened_at, cs.id))
PROMISED_DATE = select(o.promised_date).where(o.id == bindparam("order_id"))
SET_STATUS = update(t.orders).where(o.id == bindparam("k_id")).values(
    status=bindparam("new_status"), updated_at=bindparam("new_updated_at"))
INSERT_ORDER = t.orders.insert()
INSERT_LINES = Bulk(t.order_lines.insert(),
                    ["order_id", "line_no", "sku", "quantity", "unit_price", "uom"])
INSERT_FINDINGS = t.order_findings.insert()
INSERT_KEY = t.idempotency_keys.insert()
INSERT_EVENTS = Bulk(t.order_events.insert(), ["event_id", "order_id", "stream", "type",
                                                "payload", "occurred_at", "request_id"])
INSERT_LINKS = Bulk(t.event_objects.insert(), LINK_COLUMNS)
INSERT_OUTBOX = Bulk(t.outbox.insert(), ["event_id", "topic", "stream", "payload",
                                         "created_at"])


class SqlOrders:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def find_by_customer_po(self, customer_id: str, customer_po: str,
                            release_number: str = "") -> str | None:
        return self._conn.execute(BY_CUSTOMER_PO, {
            "customer_id": customer_id, "customer_po": customer_po,
            "release_number": release_number}).scalar()

    def recent_po_with_lines(self, customer_id: str, signature: str, since: datetime) -> str | None:
        row = self._conn.execute(RECENT_SAME_LINES, {
            "customer_id": customer_id, "signature": signature, "since": since}).first()
        return (row.customer_po or row.external_id) if row else None

    def add(self, order: Order, created_at: datetime) -> None:
        draft = order.draft
        self._conn.execute(INSERT_ORDER, {
            "id": order.id, "channel": draft.channel, "external_id": draft.external_id,
            "customer_id": draft.customer_id, "customer_po": draft.customer_po,
            "release_number": draft.release_number or "",
            "requested_ship_date": draft.requested_ship_date,
            "ship_to": ship_to_dict(draft.ship_to), "carrier_service": draft.carrier_service,
            "status": order.status.value, "value": draft.value,
            "line_signature": draft.line_signature(), "content_hash": draft.content_hash(),
            "rule_version": order.rule_version, "created_at": created_at,
            "updated_at": created_at, "promised_date": order.promised_date,
            "promise_transit_days": order.transit_days})
        if draft.lines:
            INSERT_LINES.execute(self._conn, [
                (order.id, ln.line_no, ln.sku, ln.quantity, ln.unit_price, ln.uom)
                for ln in draft.lines])

    def add_findings(self, order_id: str, findings: Sequence[Finding], at: datetime) -> None:
        if findings:
            self._conn.execute(INSERT_FINDINGS, [
                {"order_id": order_id, "stage": stage_of(f.code).value, "code": f.code,
                 "severity": f.severity.value, "kind": f.kind.value, "owner_team": f.owner_team,
                 "rule": f.rule, "line_nos": list(f.line_nos), "message": f.message,
                 "recorded_at": at} for f in findings])

    def set_status(self, order_id: str, status: OrderStatus, at: datetime) -> None:
        self._conn.execute(SET_STATUS, {"k_id": order_id, "new_status": status.value,
                                        "new_updated_at": at})

    def promised_date(self, order_id: str) -> date | None:
        found: date | None = self._conn.execute(PROMISED_DATE, {"order_id": order_id}).scalar()
        return found

    def promise(self, order_id: str, promised_date: date, transit_days: int) -> bool:
        return promise_queries.set_promise(self._conn, order_id, promised_date, transit_days)

    def promise_situations(self, order_ids: Sequence[str] | None) -> list[Situation]:
        return promise_queries.promise_situations(self._conn, order_ids)

    def mark_at_risk(self, order_id: str, since: datetime | None, *, was_at_risk: bool) -> bool:
        return promise_queries.mark_at_risk(self._conn, order_id, since, was_at_risk)


ce = t.credit_exposure.c
EXPOSURE = select(ce.open_value).where(ce.customer_id == bindparam("customer_id"))
LOCK_EXPOSURE = (
    postgresql.insert(t.credit_exposure)
    .on_conflict_do_update(index_elements=["customer_id"], set_={"open_value": ce.open_value})
    .returning(ce.open_value)
)
"""PostgreSQL: the customer's row, created at 0 if need be, locked and read in one statement.

The conflicting row is locked (and written back unchanged) as by `SELECT ... FOR UPDATE`
after an insert-if-missing, and a row that a concurrent first order inserts is waited for
and then read; `credit_exposure` has no foreign keys pointing at it, so the row lock's
no-key mode makes no difference.
"""
INSERT_EXPOSURE = t.credit_exposure.insert()
SET_EXPOSURE = (update(t.credit_exposure).where(ce.customer_id == bindparam("k_customer_id"))
                .values(open_value=bindparam("new_value")))


class SqlCredit:
    """Open order value per customer, read and written under the customer's lock."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._row_locks = conn.dialect.name == "postgresql"
        self._locked: dict[str, Decimal | None] = {}

    def open_exposure(self, customer_id: str, lock: bool) -> Decimal:
        if customer_id not in self._locked:
            value = self._read(customer_id, lock)
            if not lock:
                return value or Decimal("0")
            self._locked[customer_id] = value
        return self._locked[customer_id] or Decimal("0")

    def _read(self, customer_id: str, lock: bool) -> Decimal | None:
        if lock and self._row_locks:
            # A row to lock exists before anyone locks it, so the customer is always locked first.
            value = self._conn.execute(LOCK_EXPOSURE, {
                "customer_id": customer_id, "open_value": Decimal("0")}).scalar()
        else:
            value = self._conn.execute(EXPOSURE, {"customer_id": customer_id}).scalar()
        return None if value is None else Decimal(value)

    def add_exposure(self, customer_id: str, amount: Decimal) -> None:
        """Read-then-write is safe: the row is locked (or SQLite's write lock is held)."""
        known = self._locked.get(customer_id)
        if customer_id not in self._locked:
            known = self._read(customer_id, lock=True)
        new_value = (known or Decimal("0")) + amount
        if known is None:
            self._conn.execute(INSERT_EXPOSURE,
                               {"customer_id": customer_id, "open_value": new_value})
        else:
            self._conn.execute(SET_EXPOSURE, {"k_customer_id": customer_id,
                                              "new_value": new_value})
        self._locked[customer_id] = new_value


OPEN_STATUSES = [CaseStatus.OPEN.value, CaseStatus.ASSIGNED.value]


class SqlCases:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, case: ExceptionCase) -> None:
        values = {k: v for k, v in asdict(case).items() if k != "cost"}
        values.update(
            line_nos=list(case.line_nos), status=case.status.value,
            cost_rework_minutes=case.cost.rework_minutes,
            cost_expedited_freight=case.cost.expedited_freight,
            cost_invoice_correction=case.cost.invoice_correction)
        self._conn.execute(t.exception_cases.insert(), values)

    def open_of_order(self, order_id: str, code: str) -> list[tuple[str, dict[str, object]]]:
        rows = self._conn.execute(OPEN_CASES_OF_ORDER, {"order_id": order_id, "code": code}).all()
        return [(row.id, dict(row.details or {})) for row in rows]

    def released_by_desk(self, order_ids: Collection[str], code: str) -> set[str]:
        cases = t.exception_cases.c
        return set(self._conn.execute(
            select(cases.order_id).where(cases.order_id.in_(list(order_ids)), cases.code == code,
                                         cases.resolution_action == "release_hold")).scalars())

    def open_like(self, code: str, subject: str) -> str | None:
        """The open (or assigned) case of `code` about `subject`, locked, if there is one."""
        cases = t.exception_cases.c
        return self._conn.execute(
            select(cases.id).where(cases.code == code, cases.subject == subject,
                                   cases.status.in_(OPEN_STATUSES))
            .order_by(cases.opened_at, cases.id).limit(1).with_for_update()).scalar()

    def recur(self, case_id: str, at: datetime) -> int:
        """Count one more occurrence of the case; returns how many it has now."""
        cases = t.exception_cases.c
        return int(self._conn.execute(
            update(t.exception_cases).where(cases.id == case_id)
            .values(occurrences=cases.occurrences + 1, last_seen_at=at)
            .returning(cases.occurrences)).scalar_one())

    def resolve(self, case_id: str, action: str, reason: str, actor: str, at: datetime,
                automatic: bool) -> bool:
        cases = t.exception_cases.c
        status = CaseStatus.AUTO_RESOLVED if automatic else CaseStatus.RESOLVED
        done = self._conn.execute(
            update(t.exception_cases)
            .where(cases.id == case_id,
                   cases.status.in_([CaseStatus.OPEN.value, CaseStatus.ASSIGNED.value]))
            .values(status=status.value, resolution_action=action, resolution_reason=reason,
                    resolved_by=actor, resolved_at=at)
            .returning(cases.id)).first()
        return done is not None

    # the SLA clock (`case_clocks`)
    def clock(self, case_id: str, lock: bool) -> CaseClock | None:
        return case_clocks.clock(self._conn, case_id, lock)

    def open_clocks(self, below_level: int) -> list[CaseClock]:
        return case_clocks.open_clocks(self._conn, below_level)

    def pause(self, case_id: str, at: datetime, waiting_on: str) -> None:
        case_clocks.pause(self._conn, case_id, at, waiting_on)

    def resume(self, case_id: str, paused_s: int, due_at: datetime) -> None:
        case_clocks.resume(self._conn, case_id, paused_s, due_at)

    def set_sla(self, case_id: str, priority: str, budget_s: int | None,
                due_at: datetime) -> None:
        case_clocks.set_sla(self._conn, case_id, priority, budget_s, due_at)

    def escalate(self, case_id: str, from_level: int, level: int, queue: str, priority: str,
                 unassign: bool) -> bool:
        return case_clocks.escalate(self._conn, case_id, from_level, level, queue, priority,
                                    unassign)


class SqlEventLog:
    """Appends to the order's timeline and to the outbox in the caller's transaction.

    Timeline rows are inserted at once; outbox rows are kept until `flush`, which the unit of
    work calls right before it commits. `flush` first takes the outbox lock (`lock_outbox`): on
    PostgreSQL an advisory lock held until the transaction ends, so outbox ids are handed out
    in commit order and the relay can publish in id order without ever passing over a
    transaction that commits late.

    The cost: transactions that write events commit one at a time from `flush` on. The lock is
    held for the outbox insert plus the commit (its WAL flush), about a millisecond on local
    SSD, so event-writing commits top out near 1/(insert + commit latency) a second, and
    PostgreSQL's group commit cannot batch their WAL flushes. Taking the lock only at commit
    keeps everything else of the transaction (reads, row locks, inserts) concurrent, and, since
    nothing but the outbox insert follows it, it cannot be part of a lock cycle with row locks.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._pending: list[tuple[object, ...]] = []
        self._audit: list[AuditEntry] = []

    def append(self, events: Sequence[DomainEvent]) -> None:
        if not events:
            return
        rows = [(uuid4().hex, stored(e)) for e in events]
        request = correlation.request_id()
        INSERT_EVENTS.execute(self._conn, [
            (event_id, e.order_id, e.stream, e.type, e.payload, e.occurred_at, request)
            for event_id, e in rows])
        links = [link for event_id, e in rows for link in object_tuples(event_id, e.objects)]
        if links:
            INSERT_LINKS.execute(self._conn, links)
        self._audit.extend(entry_of(event_id, e.type, e.order_id, e.stream, e.payload,
                                    e.occurred_at)
                           for event_id, e in rows if e.type in AUDITED)
        self._pending.extend(
            (event_id, topic_of(e.type), e.stream,
             {"type": e.type, "order_id": e.order_id, **e.payload,
              "occurred_at": e.occurred_at.isoformat()}, e.occurred_at)
            for event_id, e in rows)

    def flush(self) -> bool:
        """Write the pending outbox rows under the outbox lock; call it last before commit.
        Whether there were any."""
        if not self._pending:
            return False
        rows, self._pending = self._pending, []
        audit, self._audit = self._audit, []
        lock_outbox(self._conn)
        INSERT_OUTBOX.execute(self._conn, rows)
        append_audit(self._conn, audit)
        return True

    def discard(self) -> None:
        self._pending = []
        self._audit = []


CODE_OF_OUTCOME = {Outcome.CREATED: 201, Outcome.EXISTING: 200, Outcome.REJECTED: 422,
                   Outcome.REFUSED: 409, Outcome.APPLIED: 200, Outcome.STALE: 200}
"""How an outcome is kept in `idempotency_keys.status_code` (the column predates outcomes and
holds the code the API answered); read back by the body's own `outcome` where codes are shared."""



def outcome_of(code: int, body: dict[str, object]) -> Outcome:
    if code != 200:
        return next(outcome for outcome, kept in CODE_OF_OUTCOME.items() if kept == code)
    told = str(body.get("outcome"))
    return Outcome(told) if told in (Outcome.APPLIED, Outcome.STALE) else Outcome.EXISTING


class SqlIdempotency:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, scope: str, key: str) -> StoredResponse | None:
        row = self._conn.execute(STORED_RESPONSE, {"scope": scope, "key": key}).first()
        if row is None:
            return None
        return StoredResponse(row.request_hash, outcome_of(row.status_code, row.body), row.body)

    def put(self, scope: str, key: str, response: StoredResponse, at: datetime) -> None:
        self._conn.execute(INSERT_KEY, {
            "scope": scope, "key": key, "request_hash": response.request_hash,
            "status_code": CODE_OF_OUTCOME[response.outcome], "body": response.body,
            "created_at": at})
