"""Simulated ERP, WMS, TMS and finance systems: `settings` (how each misbehaves), `system` (the
in-process system and the factory the composition root hands the connector registry),
`reactions` (what each reports back of its own accord) and `faults` (the injected ones)."""
