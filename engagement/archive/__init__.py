"""The tamper-evident archive: a per-tenant SHA-256 hash chain over everything sent and decided."""
