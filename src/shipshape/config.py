"""Settings from the environment (prefix SHIPSHAPE_), with embedded defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGED_RULES = Path(__file__).parent / "rules"
DEVELOPMENT_SECRET = "development-only-secret-do-not-use-in-production"
NATS_SCHEMES = ("nats://", "tls://")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHIPSHAPE_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///shipshape.db"
    sqlite_synchronous: Literal["OFF", "NORMAL", "FULL", "EXTRA"] = "FULL"
    secret_key: str = ""
    rules_dir: Path = PACKAGED_RULES
    max_body_bytes: int = 1024 * 1024
    max_edi_body_bytes: int = 20 * 1024 * 1024
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
    relay_interval_s: float = Field(default=0.5, gt=0)
    relay_batch: int = Field(default=500, ge=1)

    @model_validator(mode="after")
    def _secret_outside_development(self) -> Settings:
        if not self.secret_key:
            if self.env == "production":
                raise ValueError("SHIPSHAPE_SECRET_KEY must be set when SHIPSHAPE_ENV=production")
            self.secret_key = DEVELOPMENT_SECRET
        elif self.env == "production" and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError("the development secret cannot be used in production")
        return self

    @model_validator(mode="after")
    def _broker_url_is_nats(self) -> Settings:
        servers = [part.strip() for part in self.broker_url.split(",") if part.strip()]
        if any(not server.startswith(NATS_SCHEMES) for server in servers):
            raise ValueError("SHIPSHAPE_BROKER_URL must be empty (in-process) or nats:// URLs")
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
        if self.database_url.startswith("sqlite:///"):
            return str(Path(self.database_url.removeprefix("sqlite:///")).resolve())
        return self.database_url
