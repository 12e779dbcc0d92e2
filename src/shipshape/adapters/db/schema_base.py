"""The metadata every table belongs to (with its naming convention) and the column types shared
by the tables."""


from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Integer,
    MetaData,
    String,
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
})

Id = BigInteger().with_variant(Integer, "sqlite")
Key = String(60)
"""Ids that people choose (sites, customers, SKUs, carriers): as long as the API allows."""
Quantity = BigInteger
