"""Liveness and readiness probes at the root (no auth).

``/readyz`` checks the database and, when configured, Redis in threads of their own and waits
for them at most :data:`READINESS_DEADLINE` seconds: a hung dependency answers 503 in time for
the probe instead of holding it. A check still running when the next probe comes is not started
again; that probe waits for the same check, so a hung dependency holds one thread per check
and process, however often it is probed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

from flask import Blueprint, current_app, request
from sqlalchemy import text

from app import redis_client
from app.db import db
from app.ratelimit import limiter

blp = Blueprint("health", __name__)

#: Seconds ``/readyz`` waits for all its checks together.
READINESS_DEADLINE = 1.5

_running: dict[tuple[str, object], Future] = {}
_running_lock = threading.Lock()


@limiter.request_filter
def _probes_are_not_limited() -> bool:
    """Probes never wait for the rate limit storage: a hung Redis would hold ``/readyz`` past its deadline."""
    return request.blueprint == blp.name


@blp.get("/healthz")
def healthz():
    """Liveness: the process answers."""
    return {"status": "ok"}


@blp.get("/readyz")
def readyz():
    """Readiness: the database and, when configured, Redis answer (within the deadline)."""
    engine = db.engine
    probes: dict[str, tuple[object, Callable[[], object]]] = {"database": (engine, lambda: _select_one(engine))}
    if current_app.config.get("REDIS_URL"):
        redis = redis_client.for_app(current_app)
        probes["redis"] = (redis, redis.ping)
    deadline = time.monotonic() + READINESS_DEADLINE
    futures = {name: _check(name, *probe) for name, probe in probes.items()}
    checks: dict[str, str] = {}
    for name, future in futures.items():
        try:
            future.result(timeout=max(0.0, deadline - time.monotonic()))
            checks[name] = "ok"
        except Exception:  # failed, or still waiting at the deadline
            checks[name] = "unavailable"
    ready = all(v == "ok" for v in checks.values())
    headers = {} if ready else {"Retry-After": str(current_app.config["RETRY_AFTER"])}
    return {"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503, headers


def _select_one(engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _check(name: str, target: object, probe: Callable[[], object]) -> Future:
    """The outcome of ``probe`` run in a daemon thread, or of the one still running on ``target``."""
    with _running_lock:
        running = _running.get((name, target))
        if running is not None and not running.done():
            return running
        future = _running[name, target] = Future()

    def run() -> None:
        try:
            future.set_result(probe())
        except BaseException as error:
            future.set_exception(error)

    threading.Thread(target=run, name=f"readyz-{name}", daemon=True).start()
    return future
