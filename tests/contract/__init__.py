"""Contract tests: every adapter of a port passes the same suite."""
