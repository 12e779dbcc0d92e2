"""Delivery machinery: the outbox relay, consuming once, accounting, dead letters and replay,
events the other systems send in and their effects, and outbound calls to those systems."""
