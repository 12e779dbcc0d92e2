"""Settings from the environment (prefix SHIPSHAPE_), with embedded defaults."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from shipshape.desk_settings import DeskSettings
from shipshape.domain.integration import DEFAULT_MAX_CLOCK_SKEW_S, ownership_table
from shipshape.ml_settings import MlSettings
from shipshape.notice_settings import NoticeSettings
from shipshape.promise_settings import PromiseSettings
from shipshape.recommend_settings import RecommendSettings
from shipshape.return_settings import ReturnSettings

PACKAGED_RULES = Path(__file__).parent / "rules"
DEVELOPMENT_SECRET = "development-only-secret-do-not-use-in-production"
NATS_SCHEMES = ("nats://", "tls://")
MIN_SECRET_BYTES = 32
SystemName = Literal["erp", "wms", "tms", "finance"]
SYSTEMS: tuple[SystemName, ...] = ("erp", "wms", "tms", "finance")


CONFIG_ENV = "SHIPSHAPE_CONFIG"


class ConnectorSettings(BaseModel):
    """One system's connector (`connectors.<system>` in the YAML file)."""

    model_config = {"extra": "forbid"}

    kind: Literal["simulated", "webhook"] = "simulated"
    url: str = ""
    """webhook: the base URL; each operation is POSTed to `<url>/<operation>`."""
    secret: str = ""
    """Standard Webhooks secret (`whsec_` + base64) signing calls out and checking events in."""
    previous_secret: str = ""
    """During a rotation: the old secret, still accepted on events coming in."""
    timeout_s: float = Field(default=5.0, gt=0)
    max_attempts: int = Field(default=4, ge=1)
    first_delay_s: float = Field(default=0.2, ge=0)
    max_delay_s: float = Field(default=5.0, ge=0)
    jitter_s: float = Field(default=0.2, ge=0)


def _unnamed_connectors(systems: Sequence[str]) -> str:
    """Why production refuses to start with `systems` left to the simulated default, and how to
    name them."""
    return (f"SHIPSHAPE_CONNECTORS: production needs a connector for {', '.join(systems)} "
            "(kind: webhook with its url and secret, or kind: simulated said explicitly), "
            f"e.g. `connectors: {{{systems[0]}: {{kind: webhook, url: ..., secret: ...}}}}` in "
            f"the {CONFIG_ENV} file or SHIPSHAPE_CONNECTORS__{systems[0].upper()}__KIND=simulated")


def _explicit(connector: ConnectorSettings | None) -> bool:
    """A connector someone configured: a webhook, or a simulated one asked for by name."""
    return connector is not None and (connector.kind == "webhook"
                                      or "kind" in connector.model_fields_set)


class As2Settings(BaseModel):
    """AS2 (YAML `as2:`): our AS2 name, key and certificate, and the retry policy of sends."""

    model_config = {"extra": "forbid"}

    id: str = ""
    """Our AS2 name: the AS2-To partners send to, the AS2-From of what we send."""
    key_file: str = ""
    """Our private key (PEM, unencrypted): decrypts what partners send, signs MDNs and sends."""
    cert_file: str = ""
    """Our certificate (PEM), as partners have it."""
    timeout_s: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=4, ge=1)
    first_delay_s: float = Field(default=5.0, ge=0)
    max_delay_s: float = Field(default=300.0, ge=0)
    jitter_s: float = Field(default=1.0, ge=0)
    send_interval_s: float = Field(default=10.0, ge=0)
    """Seconds between the worker's passes that send outbound documents by AS2 (0: off)."""
    receipt_url: str = ""
    """Where partners reach our `/api/v1/as2`, e.g. `https://edi.example.com/api/v1/as2`:
    partners whose profile says `as2_mdn: async` are asked to post their MDN there."""
    receipt_wait_s: float = Field(default=3600.0, gt=0)
    """How long an asynchronous MDN may take; then the transmission fails and a case opens."""
    max_unsent_s: float = Field(default=300.0, gt=0)
    """A document due to an AS2 partner and not sent for longer than this degrades `/health`."""

    @property
    def configured(self) -> bool:
        return bool(self.id and self.key_file and self.cert_file)

    @property
    def claim_lease(self) -> timedelta:
        """Longer than a send under the retry policy can take: a claim older than this belongs
        to a sender that died, and another takes the document over."""
        per_attempt = self.timeout_s + self.max_delay_s + self.jitter_s
        return timedelta(seconds=self.max_attempts * per_attempt)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHIPSHAPE_", extra="ignore",
                                      env_nested_delimiter="__")

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then the YAML file named by `SHIPSHAPE_CONFIG`."""
        sources = [init_settings, env_settings, dotenv_settings]
        path = os.environ.get(CONFIG_ENV, "").strip()
        if path:
            if not Path(path).is_file():
                raise ValueError(f"{CONFIG_ENV} names {path}, which is not a readable file")
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=path))
        return (*sources, file_secret_settings)

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///shipshape.db"
    sqlite_synchronous: Literal["OFF", "NORMAL", "FULL", "EXTRA"] = "FULL"
    secret_key: str = ""
    rules_dir: Path = PACKAGED_RULES
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    """Lines of every process on standard error: `text` (time, level, logger, message) or `json`
    (one object per line). The access log of `shipshape serve` is JSON either way."""
    max_body_bytes: int = 1024 * 1024
    max_edi_body_bytes: int = 20 * 1024 * 1024
    intake_max_batch: int = Field(default=64, ge=1, le=1000)
    """Most orders posted at the same time that share one transaction and one commit."""
    edi_max_interchanges: int = Field(default=1000, ge=1)
    """Most interchanges taken from one EDI request body; a body of more is refused (422)
    before anything is stored. `shipshape ingest FILE` takes a file of any count."""
    edi_time_budget_s: float = Field(default=45.0, gt=0)
    """Seconds one EDI request may work: then no further interchange is started (the first
    always is), and the answer (503) names the control number to send the rest from."""
    edi_isa_qualifier: str = "ZZ"
    edi_isa_id: str = "SHIPSHAPE"
    edi_gs_code: str = "SHIPSHAPE"
    edi_edifact_id: str = "SHIPSHAPE"
    db_pool_size: int = 10
    broker_url: str = ""
    """Empty: the in-process transport (embedded). `nats://host:4222[,nats://...]`: JetStream."""
    broker_monitor_urls: str = ""
    """Comma-separated NATS monitoring URLs used to check that JetStream syncs every write
    (production); empty: port 8222 of each broker host."""
    broker_stream: str = "SHIPSHAPE"
    broker_subject_prefix: str = "shipshape"
    broker_partitions: int = Field(default=4, ge=1, le=256)
    """Events are spread over this many partitions by order id; each partition is consumed in
    order, partitions in parallel. Change it only with an empty outbox and drained consumers."""
    connectors: dict[SystemName, ConnectorSettings] = Field(
        default_factory=dict)
    """Per system; outside production a system not named gets a simulated connector with the
    defaults (production refuses to start with one unnamed). Set in the `SHIPSHAPE_CONFIG` YAML
    file or, per field, `SHIPSHAPE_CONNECTORS__ERP__URL=...`."""
    simulation: dict[SystemName, dict[str, object]] = Field(default_factory=dict)
    """Per simulated system, how it misbehaves (latency, failures, outages, injected faults):
    opaque here, checked by the simulator (`shipshape.sim.systems.settings`) when the systems
    are built. YAML `simulation.<system>`, or `SHIPSHAPE_SIMULATION__WMS__SHORT_PICK_NTH=[2]`."""
    ownership: dict[str, str] = Field(default_factory=dict)
    """State name -> owning system, over the defaults of DESIGN.md section 1."""
    event_max_clock_skew_s: float = Field(default=DEFAULT_MAX_CLOCK_SKEW_S, ge=0)
    """Seconds an event from another system may be dated ahead of our clock; one dated further
    is refused (422 naming occurred_at)."""
    retention_days: float = Field(default=30.0, gt=0)
    """Default age beyond which `shipshape purge` removes idempotency keys, inbox rows, delivered
    outbox rows and EDI documents."""
    delivery_max_lag_s: float = Field(default=300.0, gt=0)
    """Seconds an event may wait to be published and applied by every consumer before
    `/health` says degraded and `shipshape check` reports it."""
    worker_ack_wait_s: float = Field(default=30.0, gt=0)
    """Seconds before an event a worker took but never acked (it died) is delivered again."""
    worker_batch: int = Field(default=10, ge=1)
    dlq_max_deliver: int = Field(default=5, ge=1)
    """Deliveries of an event whose handler keeps failing before it becomes a dead letter."""
    relay_interval_s: float = Field(default=0.5, gt=0)
    relay_batch: int = Field(default=500, ge=1)
    wave_cadence_s: float = Field(default=0.0, ge=0)
    """Seconds between the waves each worker releases at every site of the master data (0: off,
    waves only on demand: `POST /api/v1/waves`, `shipshape waves release`)."""
    wave_limit: int = Field(default=1000, ge=1, le=5000)
    """Most orders in one wave released on the cadence."""
    invoice_freight_per_shipment: Decimal = Field(default=Decimal("0"), ge=0)
    """Freight billed on each shipment's invoice."""
    invoice_tax_rate: Decimal = Field(default=Decimal("0"), ge=0, lt=1)
    """Tax on the goods of an invoice, as a fraction (0.08 = 8 %)."""
    invoice_currency: str = Field(default="USD", pattern="^[A-Z]{3}$")
    invoice_seller: str = Field(default="Shipshape Distribution", min_length=1)
    """The remit-to name on invoices."""
    past_ship_date: Literal["warn", "hold"] = "warn"
    """A requested ship date before today, at intake and in the pre-wave check: `warn` takes
    the order with a `SHIP_DATE_IN_PAST` warning, `hold` holds it with a case for customer
    service."""
    reconcile_ack_timeout_s: float = Field(default=3600.0, gt=0)
    """Seconds an issued invoice may wait for the ERP's acknowledgement before reconciliation
    posts it again (once), and a re-post before it becomes an `ERP_DRIFT` case."""
    reconcile_stall_timeout_s: float = Field(default=4 * 3600.0, gt=0)
    """Seconds an order may stay released or picked, with no open blocking case, before
    reconciliation reports it stalled (`RELEASED_NOT_PICKED`, `PICKED_NOT_TENDERED`,
    `TENDERED_NOT_SHIPPED`) with a case."""
    delivery_max_age_s: float = Field(default=2 * 24 * 3600.0, gt=0)
    """Seconds a shipment may go without a delivery milestone from the TMS (in transit,
    delivered, failed) before reconciliation opens `SHIPMENT_UNTRACKED` for transport."""
    reconcile_interval_s: float = Field(default=0.0, ge=0)
    """Seconds between the reconciliation runs of each worker (0: off, runs only on demand:
    `shipshape reconcile`, `POST /api/v1/reconciliation`)."""
    edi_gs1_company_prefix: str = Field(default="0614141", pattern="^[0-9]{4,12}$")
    """Our GS1 company prefix: the SSCC-18 of each package in an 856 starts with it."""
    edi_sscc_extension: int = Field(default=0, ge=0, le=9)
    """The SSCC extension digit (packaging level) of the packages we ship."""
    promise: PromiseSettings = Field(default_factory=PromiseSettings)
    """Each accepted order's promised delivery date: default transit days, the at-risk slack,
    the sweep (YAML `promise:`; see the README)."""
    returns: ReturnSettings = Field(default_factory=ReturnSettings)
    """Returns (RMA): window, restocking fee, accepted reasons; per customer under
    `returns.customers` (YAML `returns:`; see the README)."""
    desk: DeskSettings = Field(default_factory=DeskSettings)
    """The exception desk: business calendars per team, the escalation sweep, notifications
    (YAML `desk:`; see the README)."""
    notices: NoticeSettings = Field(default_factory=NoticeSettings)
    """Customer communication: the `customer-notices` consumer and its mail server."""
    ml: MlSettings = Field(default_factory=MlSettings)
    as2: As2Settings = Field(default_factory=As2Settings)
    """AS2: our identity and the retry policy of outbound sends (YAML `as2:`)."""
    """The governed models: the order-risk model and the text classifier (YAML `ml:`)."""
    recommend: RecommendSettings = Field(default_factory=RecommendSettings)
    """The desk's recommendations: max splits, margin floor, extra shipment cost, assumed
    replenishment days; per customer under `recommend.customers` (YAML `recommend:`)."""

    @model_validator(mode="after")
    def _secret_outside_development(self) -> Settings:
        if not self.secret_key:
            if self.env == "production":
                raise ValueError("SHIPSHAPE_SECRET_KEY must be set when SHIPSHAPE_ENV=production")
            self.secret_key = DEVELOPMENT_SECRET
        elif self.env == "production" and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError("the development secret cannot be used in production")
        elif self.env == "production" and len(self.secret_key.strip().encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"SHIPSHAPE_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes in "
                             "production (e.g. `python -c 'import secrets; "
                             "print(secrets.token_urlsafe(48))'`)")
        return self

    @model_validator(mode="after")
    def _production_is_safe(self) -> Settings:
        if self.env != "production":
            return self
        unnamed = [system for system in SYSTEMS if not _explicit(self.connectors.get(system))]
        if unnamed:
            raise ValueError(_unnamed_connectors(unnamed))
        if not self.broker_url and not self.database_url.startswith("sqlite"):
            raise ValueError("SHIPSHAPE_BROKER_URL: production on PostgreSQL runs several "
                             "processes and needs NATS JetStream between them")
        if self.sqlite_synchronous == "OFF":
            raise ValueError("SHIPSHAPE_SQLITE_SYNCHRONOUS=OFF can lose committed events on a "
                             "crash; production needs NORMAL, FULL or EXTRA")
        return self

    @model_validator(mode="after")
    def _simulation_only_of_simulated_systems(self) -> Settings:
        webhooks = sorted(system for system in self.simulation
                          if (connector := self.connectors.get(system)) is not None
                          and connector.kind == "webhook")
        if webhooks:
            raise ValueError(f"SHIPSHAPE_SIMULATION: {', '.join(webhooks)} connected by "
                             "webhook, not simulated; remove their simulation settings")
        return self

    @model_validator(mode="after")
    def _broker_url_is_nats(self) -> Settings:
        servers = [part.strip() for part in self.broker_url.split(",") if part.strip()]
        if any(not server.startswith(NATS_SCHEMES) for server in servers):
            raise ValueError("SHIPSHAPE_BROKER_URL must be empty (in-process) or nats:// URLs")
        return self

    @model_validator(mode="after")
    def _ownership_names_known(self) -> Settings:
        ownership_table(self.ownership)
        return self

    @property
    def broker_monitors(self) -> list[str] | None:
        """The monitoring URLs given, or None for the default (port 8222 of each broker)."""
        urls = [part.strip() for part in self.broker_monitor_urls.split(",") if part.strip()]
        return urls or None

    @property
    def require_synced_broker(self) -> bool:
        """Production refuses a JetStream that does not sync every write to disk."""
        return self.env == "production"

    @property
    def database_location(self) -> str:
        """Where the database is, fit to print: a SQLite file's path, else the URL with its
        password masked."""
        if self.database_url.startswith("sqlite:///"):
            return str(Path(self.database_url.removeprefix("sqlite:///")).resolve())
        return masked_url(self.database_url)


def masked_url(url: str) -> str:
    """`url` with its password shown as `***` (an unparsable URL loses everything between
    `://` and `@`)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://)[^/@]*@", r"\1***@", url)
