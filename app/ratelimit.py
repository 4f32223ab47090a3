"""Abuse controls: rate limits on flask-limiter, per client and per tenant, answered with 429.

What is limited (each limit a flask-limiter string from the configuration, such as
``"30/minute"`` or ``"10/minute;100/hour"``; an empty string means no limit):

- **Failed token authentications**, per client (``RATELIMIT_AUTH_FAILURES``). A request to a
  protected route whose bearer token is unknown, revoked or malformed counts (a request without
  any token does not). Once a client has used up its budget, each of its requests that carries
  a token answers 429 until the window ends, without the token being looked up, a valid one
  included: that is what stops guessing. The tenant of a failed token is unknown, so this budget
  is per client only.
- **Signup** (``POST /signup``), per client (``RATELIMIT_SIGNUP``); the tenant does not exist yet.
- **Invitation accepts** (``POST /invitations/accept``), per client
  (``RATELIMIT_INVITATION_ACCEPT``) and per tenant of the invitation
  (``RATELIMIT_INVITATION_ACCEPT_TENANT``). An unknown token has no tenant and counts for the
  client only.
- **The public redirect** (``GET /r/<code>``), per client (``RATELIMIT_REDIRECT``) and per tenant
  of the link (``RATELIMIT_REDIRECT_TENANT``), so one tenant's flood never uses up another's.
  An unknown code counts for the client only.

Every attempt counts, whatever it answers. A client over a limit gets 429 with ``Retry-After``
(whole seconds until its window ends) and the API's error body.

The client is the peer address, or with ``TRUSTED_PROXIES`` the address the proxies report
(:mod:`app.security`); IPv6 clients count per /64 network, as one host usually holds a whole one.

Counters live in ``RATELIMIT_STORAGE_URI``, else in ``REDIS_URL``, else in the process
(``memory://``: per process, so each gunicorn worker counts on its own). Redis connections have
the app's timeouts (:mod:`app.redis_client`). When Redis does not answer, flask-limiter falls
back to memory and comes back to Redis when it answers again; a check that fails lets the
request through (logged) rather than refusing everybody, and switches to memory too, so a hung
Redis costs one timeout rather than one per request.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
import uuid
from collections.abc import Callable

from flask import Flask, current_app, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_smorest import abort
from limits import RateLimitItem, parse_many

from app import redis_client, transactions

log = logging.getLogger(__name__)

#: The configuration keys holding a limit (checked when the app is created).
LIMIT_KEYS = (
    "RATELIMIT_AUTH_FAILURES",
    "RATELIMIT_SIGNUP",
    "RATELIMIT_INVITATION_ACCEPT",
    "RATELIMIT_INVITATION_ACCEPT_TENANT",
    "RATELIMIT_REDIRECT",
    "RATELIMIT_REDIRECT_TENANT",
)

_AUTH_FAILURES_SCOPE = "auth-failures"
_TENANTS_ENVIRON_KEY = "cip.ratelimit.tenants"


def client_key() -> str:
    """Who the client is: its address, IPv6 addresses by their /64 network."""
    address = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"client:{address}"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return f"client:{ip.ipv4_mapped}"
        return f"client:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"client:{ip}"


#: ``headers_enabled`` stays off: flask-limiter would put ``Retry-After`` on every response of
#: a limited route (and raise the one of a 503 to the window's end); :func:`_too_many` sets it
#: on the 429 alone.
limiter = Limiter(
    key_func=client_key,
    headers_enabled=False,
    strategy="fixed-window",
    key_prefix="cip",
    in_memory_fallback_enabled=True,
    swallow_errors=True,
)


def init_app(app: Flask) -> None:
    """Check the configured limits and bind the limiter to the app's storage.

    The storage is chosen here, from the app's configuration; calling this again (tests) points
    the limiter at the storage the configuration now names.
    """
    for key in LIMIT_KEYS:
        value = app.config.get(key) or ""
        try:
            if value:
                parse_many(value)
        except ValueError as error:
            raise ValueError(f"{key}={value!r} is not a rate limit such as '30/minute'") from error
    uri = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
    app.config["RATELIMIT_STORAGE_URI"] = uri
    if uri.startswith(("redis://", "rediss://", "unix://")):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", redis_client.options(app.config))
    limiter.init_app(app)
    # flask-limiter keeps "storage unreachable, counting in memory" across init_app calls; the
    # storage just configured is tried afresh.
    limiter._storage_dead = False
    if "cip_ratelimit" not in app.extensions:
        app.extensions["cip_ratelimit"] = limiter
        app.register_error_handler(RateLimitExceeded, _too_many)


def _retry_after(reset_at: float) -> str:
    """Whole seconds until ``reset_at``, at least 1."""
    return str(max(1, math.ceil(reset_at - time.time())))


def _too_many(error: RateLimitExceeded):
    """A route limit is exhausted: the API's error body with ``Retry-After``."""
    payload, code, headers = current_app.extensions["cip_api"].handle_http_exception(error)
    breached = limiter.current_limit
    headers["Retry-After"] = _retry_after(breached.window.reset_time if breached is not None else time.time() + 60)
    return payload, code, headers


def reset() -> None:
    """Forget every counter (tests)."""
    limiter.reset()


def _configured(config_key: str) -> Callable[[], str]:
    """The limit string, read per request so a changed configuration applies at once."""
    return lambda: current_app.config.get(config_key) or ""


def _message(what: str) -> str:
    return f"Too many {what}; retry after the number of seconds in Retry-After."


def per_client(config_key: str, what: str):
    """Decorator: limit a view per client to ``app.config[config_key]`` (one budget per route)."""
    return limiter.limit(
        _configured(config_key),
        key_func=client_key,
        scope="client",
        error_message=_message(f"{what} from this client"),
    )


def per_tenant(config_key: str, what: str, tenant_of: Callable[[], uuid.UUID | None]):
    """Decorator: limit a view per tenant; ``tenant_of()`` finds the tenant before the view runs.

    A request whose tenant is unknown (``None``) is not limited by this budget; the lookup runs
    once per request.
    """

    def tenant() -> uuid.UUID | None:
        found = request.environ.setdefault(_TENANTS_ENVIRON_KEY, {})
        if config_key not in found:
            try:
                found[config_key] = tenant_of()
            except Exception:
                # The lookup failed (say the database is down). flask-limiter would swallow the
                # error and take its storage for dead; instead the view meets the failure itself,
                # in a clean transaction, and answers it as it answers any other.
                log.warning("tenant lookup for a rate limit failed", exc_info=True)
                transactions.rollback()
                found[config_key] = None
        return found[config_key]

    return limiter.limit(
        _configured(config_key),
        key_func=lambda: f"tenant:{tenant()}",
        exempt_when=lambda: tenant() is None,
        scope="tenant",
        error_message=_message(f"{what} for this organization"),
    )


# -- failed token authentications (called by app.auth.authorize_request) -----------------------


def _auth_failure_limits() -> list[RateLimitItem]:
    if not (limiter.enabled and limiter.initialized):
        return []
    value = current_app.config.get("RATELIMIT_AUTH_FAILURES") or ""
    return parse_many(value) if value else []


def _auth_failure_keys() -> tuple[str, str, str]:
    return ("cip", client_key(), _AUTH_FAILURES_SCOPE)


def refuse_if_too_many_failed_authentications() -> None:
    """Before a token is looked up: 429 once this client has failed too often in the window."""
    try:
        keys = _auth_failure_keys()
        exhausted = [item for item in _auth_failure_limits() if not limiter.limiter.test(item, *keys)]
        if not exhausted:
            return
        reset_at = max(limiter.limiter.get_window_stats(item, *keys).reset_time for item in exhausted)
    except Exception:  # the storage failed: let the request through rather than lock everybody out
        _storage_failed("failed authentications not checked")
        return
    abort(
        429,
        message=_message("failed authentications from this client"),
        headers={"Retry-After": _retry_after(reset_at)},
    )


def count_failed_authentication() -> None:
    """A token failed: count it against the client."""
    try:
        keys = _auth_failure_keys()
        for item in _auth_failure_limits():
            limiter.limiter.hit(item, *keys)
    except Exception:
        _storage_failed("failed authentication not counted")


def _storage_failed(consequence: str) -> None:
    """Log it and count in memory until flask-limiter finds the storage answering again.

    flask-limiter does the same when its own checks fail; these two calls go to the storage
    directly, so without this every request would wait for the storage to time out again.
    """
    log.warning("rate limit storage unavailable; %s", consequence, exc_info=True)
    limiter._storage_dead = True
