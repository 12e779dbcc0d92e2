"""Shipshape: exception-resistant fulfillment orchestration."""

__version__ = "0.1.0"
