"""The one composition root: settings in, a wired application out."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property, partial
from pathlib import Path
from typing import Literal
from uuid import uuid4

from sqlalchemy import Engine

from shipshape.adapters.channels.as2.crypto import Identity
from shipshape.adapters.channels.as2.http import HttpAs2Transmitter
from shipshape.adapters.channels.edifact.documents import EdifactDocumentWriter
from shipshape.adapters.channels.resend import EdiRebuilder
from shipshape.adapters.channels.x12.documents import X12DocumentWriter
from shipshape.adapters.db.as2_store import SqlAs2
from shipshape.adapters.db.communication_store import SqlNoticeSource
from shipshape.adapters.db.edi_document_store import SqlEdiDocumentSource
from shipshape.adapters.db.engine import make_engine
from shipshape.adapters.db.migrate import prepare, upgrade
from shipshape.adapters.db.tokens import SqlTokenStore
from shipshape.adapters.db.uow import SqlUnitOfWorkFactory
from shipshape.adapters.messaging.memory import MemoryBroker, MemoryTransport
from shipshape.adapters.metrics import PrometheusMetrics
from shipshape.adapters.notify import build_notifiers
from shipshape.adapters.notify.customers import JinjaNoticeRenderer, build_customer_senders
from shipshape.adapters.rules.carriers import ZenCarrierRules
from shipshape.adapters.rules.risk_review import ZenReleaseRiskRules
from shipshape.adapters.rules.routing import ZenCaseRouting
from shipshape.adapters.rules.zen import ZenPolicyRules
from shipshape.adapters.systems.registry import ConnectorRegistry, build_connectors
from shipshape.adapters.systems.retrying import policy_of, retried
from shipshape.config import PACKAGED_RULES, SYSTEMS, ConnectorSettings, Settings
from shipshape.domain.controls import PastShipDate
from shipshape.domain.errors import InvalidInput
from shipshape.domain.integration import State, System, ownership_table
from shipshape.domain.invoicing import BillingPolicy
from shipshape.domain.partners import OurIdentity
from shipshape.domain.sla import BusinessCalendar, DeskCalendars
from shipshape.ml.risk_scorer import ModelRiskScorer
from shipshape.services import choreography
from shipshape.services.as2 import Delivered, SendReport, send_pending
from shipshape.services.auth import TokenService
from shipshape.services.cancellation import cancellation_handlers
from shipshape.services.crediting import crediting_handlers
from shipshape.services.customer_notices import customer_notice_handlers
from shipshape.services.delivery import accounting as delivery
from shipshape.services.delivery.consume import Handler
from shipshape.services.delivery.outbound import outbound_handlers
from shipshape.services.delivery.relay import relay_forever
from shipshape.services.delivery_actions import delivery_handlers
from shipshape.services.deps import Deps
from shipshape.services.edi_outbound import SsccScheme, edi_document_handlers
from shipshape.services.intake_together import OrderIntake
from shipshape.services.notifications import notification_handlers
from shipshape.services.ports import Clock
from shipshape.services.ports.messaging import Transport
from shipshape.services.ports.metrics import Metrics
from shipshape.services.ports.risk import NoRiskModel, RiskScorer
from shipshape.services.reconciliation import ReconcilePolicy
from shipshape.services.returns import return_handlers
from shipshape.sim.systems.system import SimulatedSystem, simulated_systems

log = logging.getLogger(__name__)
RELAY_STOP_TIMEOUT_S = 10.0
SETTLE_PAGES = 2
"""Pages of owed events the relay settles between two batches (`delivery.SETTLE_PAGE` each)."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid4().hex[:20]}"


def make_transport(settings: Settings, connect_timeout_s: float = 5.0) -> Transport:
    """In-process when no broker URL is set, else NATS JetStream (synced in production),
    connected within `connect_timeout_s`."""
    subjects = (f"{settings.broker_subject_prefix}.>",)
    if not settings.broker_url:
        return MemoryTransport(MemoryBroker(subjects=subjects))
    from shipshape.adapters.messaging.nats import NatsTransport

    return NatsTransport(settings.broker_url, settings.broker_stream, subjects,
                         require_sync=settings.require_synced_broker,
                         monitor_urls=settings.broker_monitors,
                         connect_timeout_s=connect_timeout_s)


def _watched(transport: Transport, metrics: PrometheusMetrics) -> Transport:
    """The in-process transport's held messages reported at every scrape."""
    if isinstance(transport, MemoryTransport):
        metrics.watch_broker(transport.broker.message_count)
    return transport


class LazyTransport:
    """Connects on first use, so commands that never publish never need the broker."""

    def __init__(self, make: Callable[[], Transport]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self._transport: Transport | None = None

    def get(self) -> Transport:
        with self._lock:
            if self._transport is None:
                self._transport = self._make()
            return self._transport

    def built(self) -> Transport | None:
        """The transport if it was built already; never builds (nor waits for a build)."""
        return self._transport

    def close(self) -> None:
        with self._lock:
            transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()


@dataclass(frozen=True)
class Container:
    settings: Settings
    engine: Engine
    deps: Deps
    tokens: TokenService
    lazy_transport: LazyTransport = field(repr=False, compare=False)
    metrics: PrometheusMetrics = field(repr=False, compare=False)
    connectors: ConnectorRegistry[SimulatedSystem] = field(repr=False, compare=False)

    @property
    def ownership(self) -> dict[State, System]:
        """Which system owns which state: DESIGN.md's defaults with `settings.ownership`."""
        return ownership_table(self.settings.ownership)

    @property
    def edi_identity(self) -> OurIdentity:
        s = self.settings
        return OurIdentity(s.edi_isa_qualifier, s.edi_isa_id, s.edi_gs_code, s.edi_edifact_id)

    @property
    def transport(self) -> Transport:
        """The message transport of `settings.broker_url`, built (connected) on first use."""
        return self.lazy_transport.get()

    @cached_property
    def order_intake(self) -> OrderIntake:
        """Order intake with group commit: orders posted together share one commit."""
        return OrderIntake(self.deps, self.settings.intake_max_batch)

    @cached_property
    def consumers(self) -> dict[str, Handler]:
        """Every consumer of the events, by name (`handlers_of`), built once."""
        return handlers_of(self)

    def delivery_debt(self) -> delivery.DeliveryDebt:
        """What is written or published and not yet applied by every consumer."""
        return delivery.debt(self.deps, self.consumers)

    def close(self) -> None:
        if "order_intake" in self.__dict__:
            self.order_intake.close()
        self.lazy_transport.close()
        self.connectors.close()
        self.deps.uow.close()
        self.engine.dispose()


def build(settings: Settings | None = None,
          migrate: bool | Literal["embedded"] = False) -> Container:
    """`migrate=True` brings any store to the head (`shipshape db upgrade`, tests);
    `migrate="embedded"` (every other command) migrates only an embedded SQLite file and
    refuses a shared database whose schema is not current (`SchemaNotCurrent`)."""
    settings = settings or Settings()
    engine = make_engine(settings.database_url, settings.sqlite_synchronous,
                         settings.db_pool_size)
    try:
        if migrate == "embedded":
            prepare(engine)
        elif migrate:
            upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    uow = SqlUnitOfWorkFactory(engine, settings.broker_subject_prefix,
                               settings.broker_partitions)
    metrics = PrometheusMetrics(store=engine)
    deps = Deps(uow=uow, rules=ZenPolicyRules(settings.rules_dir), clock=SystemClock(),
                new_id=new_id, metrics=metrics,
                carrier_rules=ZenCarrierRules(carrier_table(settings.rules_dir)),
                billing=billing_policy(settings),
                past_ship_date=PastShipDate(settings.past_ship_date),
                routing=ZenCaseRouting(routing_table(settings.rules_dir)),
                desk=desk_calendars(settings), promise=settings.promise.policy(),
                replenishment=settings.recommend.replenishment(),
                returns=settings.returns.policies(),
                risk=risk_scorer(settings, SystemClock(), metrics),
                release_risk=ZenReleaseRiskRules(release_risk_table(settings.rules_dir)),
                edi_rebuilder=edi_rebuilder(settings, engine))
    tokens = TokenService(SqlTokenStore(engine), settings.secret_key)
    try:
        connectors = connector_registry(settings, metrics)
    except BaseException:
        engine.dispose()
        raise
    container = Container(settings, engine, deps, tokens,
                          LazyTransport(lambda: _watched(make_transport(settings), metrics)),
                          metrics, connectors)
    metrics.watch_delivery(container.delivery_debt)
    return container


class ConfigurationError(InvalidInput, ValueError):
    """Settings that pass their own checks and still cannot work, found as the application is
    built from them (a connector, a simulated system): said in one line, like a settings error."""


def connector_registry(settings: Settings, metrics: Metrics | None = None
                       ) -> ConnectorRegistry[SimulatedSystem]:
    """One connector per external system: webhooks as configured, simulated systems built by
    the simulator as `settings.simulation` says. Outside production a system not configured is
    simulated with the defaults; production refuses it (`ConfigurationError` naming them)."""
    try:
        return build_connectors(connector_settings(settings), metrics,
                                simulated_systems(settings.simulation))
    except ValueError as error:
        raise ConfigurationError(str(error)) from None


def connector_settings(settings: Settings) -> dict[str, ConnectorSettings]:
    """The configured connectors; outside production, a simulated one for every other system."""
    if settings.env == "production":
        return {str(system): connector for system, connector in settings.connectors.items()}
    return {system: settings.connectors.get(system) or ConnectorSettings() for system in SYSTEMS}


def edi_document_parts(container: Container
                       ) -> tuple[X12DocumentWriter, SqlEdiDocumentSource, SsccScheme,
                                  EdifactDocumentWriter]:
    """What the `edi-documents` consumer builds 856s and 810s (DESADVs and INVOICs) with."""
    s = container.settings
    return (X12DocumentWriter(container.edi_identity), SqlEdiDocumentSource(container.engine),
            SsccScheme(s.edi_gs1_company_prefix, s.edi_sscc_extension),
            EdifactDocumentWriter(container.edi_identity))


def edi_rebuilder(settings: Settings, engine: Engine) -> EdiRebuilder:
    """What the desk's `resend` builds a sent EDI document again with."""
    our = OurIdentity(settings.edi_isa_qualifier, settings.edi_isa_id, settings.edi_gs_code,
                      settings.edi_edifact_id)
    return EdiRebuilder(X12DocumentWriter(our), SqlEdiDocumentSource(engine),
                        settings.invoice_seller)


def reconcile_policy(settings: Settings, repair: bool = True) -> ReconcilePolicy:
    return ReconcilePolicy(settings.reconcile_ack_timeout_s, repair,
                           settings.reconcile_stall_timeout_s, settings.delivery_max_age_s)


def billing_policy(settings: Settings) -> BillingPolicy:
    return BillingPolicy(settings.invoice_freight_per_shipment, settings.invoice_tax_rate,
                         settings.invoice_currency, settings.invoice_seller)


def carrier_table(rules_dir: Path) -> Path:
    """`carriers/carrier_selection.json` in the rules folder, else the packaged one."""
    relative = Path("carriers") / "carrier_selection.json"
    own = rules_dir / relative
    return own if own.is_file() else PACKAGED_RULES / relative


def routing_table(rules_dir: Path) -> Path:
    """`desk/case_routing.json` in the rules folder, else the packaged one."""
    relative = Path("desk") / "case_routing.json"
    own = rules_dir / relative
    return own if own.is_file() else PACKAGED_RULES / relative


def release_risk_table(rules_dir: Path) -> Path:
    """`release/risk_review.json` in the rules folder, else the packaged one."""
    relative = Path("release") / "risk_review.json"
    own = rules_dir / relative
    return own if own.is_file() else PACKAGED_RULES / relative


def risk_scorer(settings: Settings, clock: Clock, metrics: Metrics) -> RiskScorer:
    """The order-risk model of `ml.risk_model`; none configured: a scorer that says so."""
    folder = settings.ml.risk_model
    if folder is None:
        return NoRiskModel()
    return ModelRiskScorer(folder, settings.ml.risk_max_age_days, clock, metrics)


def as2_sender(container: Container) -> Callable[[], SendReport] | None:
    """One pass of AS2 outbound (`services/as2.send_pending`) as `as2:` configures it: our key
    and certificate, the retry policy, the transmissions in `as2_messages`. None when AS2 is
    not configured."""
    s = container.settings.as2
    if not s.configured:
        return None
    ours = Identity.from_files(s.key_file, s.cert_file)
    transmitter = HttpAs2Transmitter(s.id, ours, s.timeout_s, s.receipt_url)
    policy = policy_of(s)

    def under_policy(call: Callable[[], Delivered]) -> Delivered:
        return retried("as2", "send", call, policy, container.metrics)

    return partial(send_pending, container.deps, SqlAs2(container.engine), transmitter,
                   under_policy, s.claim_lease, timedelta(seconds=s.receipt_wait_s))


def desk_calendars(settings: Settings) -> DeskCalendars:
    """The teams' business calendars of `desk.calendars` (`default` for the teams not named)."""
    desk = settings.desk
    return DeskCalendars({team: BusinessCalendar(c.time_zone, c.hours, c.holidays)
                          for team, c in desk.calendars.items()}, desk.at_risk_share)


def handlers_of(container: Container) -> dict[str, Handler]:
    """The consumers `services/choreography.py` declares, in its order, each with its handler:
    what workers run and delivery accounting asks. A handler the choreography does not name, or
    a consumer it names without a handler, is a wiring error."""
    deps, connectors = container.deps, container.connectors
    built = {**outbound_handlers(deps, connectors), **cancellation_handlers(deps, connectors),
             **crediting_handlers(deps, connectors), **return_handlers(deps, connectors),
             **delivery_handlers(deps, connectors),
             **edi_document_handlers(deps, *edi_document_parts(container)),
             **desk_notification_handlers(container),
             **customer_notice_handlers_of(container)}
    declared = [consumer.name for consumer in choreography.CONSUMERS]
    declared += [consumer.name for consumer in choreography.NOTIFIERS if consumer.name in built]
    if set(built) != set(declared):
        raise RuntimeError("the consumers built and the choreography differ: "
                           f"built {sorted(built)}, declared {sorted(declared)}")
    return {name: built[name] for name in declared}


def desk_notification_handlers(container: Container) -> dict[str, Handler]:
    """The exception desk's notification consumers, those `desk.notifications` configures."""
    notifications = container.settings.desk.notifications
    try:
        webhook, mail = build_notifiers(notifications, container.metrics)
    except ValueError as error:
        raise ConfigurationError(f"desk.notifications: {error}") from None
    return notification_handlers(webhook, mail, notifications.mail_to)


def customer_notice_handlers_of(container: Container) -> dict[str, Handler]:
    """The `customer-notices` consumer, when `notices.enabled`."""
    notices = container.settings.notices
    mail, webhooks = build_customer_senders(notices, container.metrics)
    return customer_notice_handlers(container.deps, SqlNoticeSource(container.engine),
                                    JinjaNoticeRenderer(), mail, webhooks, notices.enabled)


def settle_deliveries(container: Container) -> Callable[[], int]:
    """What the relay runs as it goes: mark delivered what every consumer applied."""
    return lambda: delivery.settle(container.deps, container.consumers, SETTLE_PAGES)


def recover_deliveries(container: Container) -> int:
    """Embedded start-up: what was published and not applied before the process stopped is
    published again (the in-process transport kept nothing). Returns how many events."""
    if container.settings.broker_url:
        return 0
    count = delivery.rewind(container.deps, container.consumers)
    if count:
        log.warning("%d events published before the last stop were not yet applied by every "
                    "consumer; delivering them again", count)
    return count


def start_relay_thread(container: Container) -> Callable[[], None]:
    """Run the outbox relay in a daemon thread (embedded mode); returns the function that stops
    it (waits for the batch in hand). The transport is built here, so a broker that is down
    or unsafe fails the caller, not the thread. On the in-process transport, what an earlier
    process published and left unapplied is delivered again first."""
    transport = container.transport
    stop = threading.Event()
    settings = container.settings
    recover_deliveries(container)
    settle = settle_deliveries(container)

    def run() -> None:
        total = relay_forever(container.deps, transport, stop, settings.relay_interval_s,
                              settings.relay_batch, settle=settle)
        log.info("relay stopped after publishing %d messages", total)

    thread = threading.Thread(target=run, name="shipshape-relay", daemon=True)
    thread.start()

    def stop_relay() -> None:
        stop.set()
        thread.join(RELAY_STOP_TIMEOUT_S)
        if thread.is_alive():
            log.warning("the relay did not stop within %.0f s", RELAY_STOP_TIMEOUT_S)

    return stop_relay


def settle_heap() -> None:
    """Call once a long-running process has started (its modules, container, app and compiled
    statements built): those objects live as long as the process, so they go into the
    collector's permanent generation. A full collection walks only what came after; it took
    about 90 ms with them under a 500-line order (`benchmarks/bench_large_order.py`)."""
    gc.collect()
    gc.freeze()
