"""Tenants: organisations, members, roles, tokens, audit log, governance mode and policy."""
