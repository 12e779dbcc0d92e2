"""The `store` training data of the risk model: Shipshape's own history, one row per accepted
order with its capture-time features (`ml/order_features.py`) and its label, and the mapping
it is read with.

Reading the store is the adapters' work (`adapters/db/risk_queries.order_history`); the layers
keep `shipshape.ml` from importing them, so the command line composes the two
(`cli/ml_store.load_store_history(settings)`) and hands the frame to `store_training_set`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipshape.ml.errors import MlError
from shipshape.ml.order_features import ORDER_FEATURES, STORE_MAPPING
from shipshape.ml.risk_mapping import RiskMapping, mapping_from

if TYPE_CHECKING:
    import polars as pl

REQUIRED = ("order_id", "created_at", "label")


def store_mapping() -> RiskMapping:
    """The built-in mapping of the `store` history."""
    return mapping_from(dict(STORE_MAPPING), source="the store's mapping")


def store_training_set(history: pl.DataFrame) -> tuple[pl.DataFrame, RiskMapping]:
    """The store's history as training data with its mapping; `MlError` naming what is
    missing when the frame is not the store's history or holds no order yet."""
    missing = [name for name in (*REQUIRED, *ORDER_FEATURES) if name not in history.columns]
    if missing:
        raise MlError("the store's history lacks the columns " + ", ".join(missing))
    if history.height == 0:
        raise MlError("the store holds no accepted order yet: nothing to train on")
    return history, store_mapping()
