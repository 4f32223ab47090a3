"""Liveness and readiness probes at the root (no auth)."""

from __future__ import annotations

from flask import Blueprint, current_app
from sqlalchemy import text

from app.db import db

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz():
    """Liveness: the process answers."""
    return {"status": "ok"}


@blp.get("/readyz")
def readyz():
    """Readiness: the database and, when configured, Redis answer."""
    checks: dict[str, str] = {}
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unavailable"
    if current_app.config.get("REDIS_URL"):
        from app.jobs import redis_connection

        try:
            redis_connection(current_app.config["REDIS_URL"]).ping()
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "unavailable"
    ready = all(v == "ok" for v in checks.values())
    return {"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503
