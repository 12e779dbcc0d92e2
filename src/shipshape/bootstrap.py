"""The one composition root: settings in, a wired application out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import uuid4

from sqlalchemy import Engine

from shipshape.adapters.db.engine import make_engine
from shipshape.adapters.db.migrate import upgrade
from shipshape.adapters.db.tokens import SqlTokenStore
from shipshape.adapters.db.uow import SqlUnitOfWorkFactory
from shipshape.adapters.rules.zen import ZenPolicyRules
from shipshape.config import Settings
from shipshape.domain.partners import OurIdentity
from shipshape.services.auth import TokenService
from shipshape.services.deps import Deps


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid4().hex[:20]}"


@dataclass(frozen=True)
class Container:
    settings: Settings
    engine: Engine
    deps: Deps
    tokens: TokenService

    @property
    def edi_identity(self) -> OurIdentity:
        s = self.settings
        return OurIdentity(s.edi_isa_qualifier, s.edi_isa_id, s.edi_gs_code, s.edi_edifact_id)

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings | None = None, migrate: bool = False) -> Container:
    settings = settings or Settings()
    engine = make_engine(settings.database_url, settings.sqlite_synchronous,
                         settings.db_pool_size)
    if migrate:
        upgrade(engine)
    deps = Deps(uow=SqlUnitOfWorkFactory(engine), rules=ZenPolicyRules(settings.rules_dir),
                clock=SystemClock(), new_id=new_id)
    tokens = TokenService(SqlTokenStore(engine), settings.secret_key)
    return Container(settings, engine, deps, tokens)
