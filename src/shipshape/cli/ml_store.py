"""`shipshape ml train-risk store`: Shipshape's own history as training data, read from the
store of the settings (the command line may join the adapters and `shipshape.ml`, which the
layers keep apart). Heavy libraries are imported only when it runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipshape.config import Settings

if TYPE_CHECKING:
    import polars as pl

    from shipshape.ml.risk_mapping import RiskMapping


def load_store_history(settings: Settings | None = None) -> tuple[pl.DataFrame, RiskMapping]:
    """One row per accepted order of the store (`order_id`, `created_at`, `label` and the
    capture-time features) and the built-in mapping to train with."""
    from shipshape.adapters.db.engine import make_engine
    from shipshape.adapters.db.risk_queries import order_history
    from shipshape.ml.store_history import store_training_set

    settings = settings or Settings()
    engine = make_engine(settings.database_url, settings.sqlite_synchronous,
                         settings.db_pool_size)
    try:
        return store_training_set(order_history(engine))
    finally:
        engine.dispose()
