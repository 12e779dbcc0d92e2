"""Settings from the environment (prefix SHIPSHAPE_), with embedded defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGED_RULES = Path(__file__).parent / "rules"
DEVELOPMENT_SECRET = "development-only-secret-do-not-use-in-production"


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

    @model_validator(mode="after")
    def _secret_outside_development(self) -> Settings:
        if not self.secret_key:
            if self.env == "production":
                raise ValueError("SHIPSHAPE_SECRET_KEY must be set when SHIPSHAPE_ENV=production")
            self.secret_key = DEVELOPMENT_SECRET
        elif self.env == "production" and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError("the development secret cannot be used in production")
        return self

    @property
    def database_location(self) -> str:
        if self.database_url.startswith("sqlite:///"):
            return str(Path(self.database_url.removeprefix("sqlite:///")).resolve())
        return self.database_url
