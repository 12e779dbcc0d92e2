"""Connectors to the external systems (ERP, WMS, TMS, finance): an in-process simulation, signed
HTTP webhooks, the retry policy around both, and the registry that builds them from settings."""
