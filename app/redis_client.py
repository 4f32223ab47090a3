"""The one place Redis clients are built, so every connection the app makes is bounded in time.

A Redis that does not answer (a SIGSTOPped or overloaded server, a dropped network) must not
hold a request: every client here gives up on connecting after ``REDIS_CONNECT_TIMEOUT`` and on
a reply after ``REDIS_SOCKET_TIMEOUT`` seconds (1 s each by default) and retries nothing; the
caller decides what a failure means (an enqueue after commit leaves its rows for recovery,
``/readyz`` answers 503, the rate limiter counts in memory). A connection idle for
:data:`HEALTH_CHECK_INTERVAL` seconds is checked with a PING before it is used again, so one
broken by a Redis restart is replaced instead of failing a command.

The RQ worker's own connection is made by ``rq worker --url``; :class:`app.worker.AppWorker`
bounds its connect time with :func:`connect_options` (its reads block for a job by design).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

#: Seconds a connection may sit idle before it is checked with a PING.
HEALTH_CHECK_INTERVAL = 30
DEFAULT_TIMEOUT = 1.0

_clients: dict[tuple[str, float, float], Redis] = {}


def connect_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """How long to wait for a connection, and no retry: keyword arguments of ``redis.Redis``."""
    return {
        "socket_connect_timeout": float(config.get("REDIS_CONNECT_TIMEOUT") or DEFAULT_TIMEOUT),
        "retry": Retry(NoBackoff(), 0),
    }


def options(config: Mapping[str, Any]) -> dict[str, Any]:
    """Every option of a client of the app: keyword arguments of ``redis.Redis`` / ``Redis.from_url``."""
    return {
        **connect_options(config),
        "socket_timeout": float(config.get("REDIS_SOCKET_TIMEOUT") or DEFAULT_TIMEOUT),
        "health_check_interval": HEALTH_CHECK_INTERVAL,
    }


def client(url: str, config: Mapping[str, Any] | None = None) -> Redis:
    """The client (and connection pool) for ``url``: one per URL, timeouts and process."""
    settings = options(config or {})
    key = (url, settings["socket_connect_timeout"], settings["socket_timeout"])
    found = _clients.get(key)
    if found is None:
        found = _clients[key] = Redis.from_url(url, **settings)
    return found


def for_app(app) -> Redis:
    """The app's client: jobs are enqueued on it, readiness pings it.

    ``app.extensions["rq_connection"]`` replaces it when set (tests enqueue on fakeredis).
    """
    injected = app.extensions.get("rq_connection")
    return injected if injected is not None else client(app.config["REDIS_URL"], app.config)
