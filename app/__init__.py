"""Application factory: configuration, database, API, request lifecycle and the domain packages.

The domains are named once, in :data:`app.domains.DOMAINS`; each declares its scopes and wires
its routes, commands and listeners in its own ``register(app)``.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import IntegrityError

from app import auth, errors, idempotency, tenancy, transactions
from app import logs as app_logging
from app.api import DATABASE_UNAVAILABLE
from app.config import Config
from app.json import ApiJSONProvider

log = logging.getLogger("app.request")


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=_instance_dir())
    app.config.update(Config().as_flask())
    app.config.update(overrides or {})
    app.json = ApiJSONProvider(app)
    app_logging.configure(app.config["LOG_LEVEL"])

    from app.api import init_api
    from app.db import db

    db.init_app(app)
    errors.init_app(app)
    api = init_api(app)
    app.extensions["cip_api"] = api
    from app import ratelimit, security

    security.init_app(app)  # headers on every response, CORS, trusted proxies
    ratelimit.init_app(app)  # abuse controls (flask-limiter)

    from app.health import blp as health_blp

    app.register_blueprint(health_blp)
    from app.api import register_blueprints
    from app.domains import domains
    from app.job_routes import jobs_blp

    register_blueprints(app, jobs_blp)
    built_from = domains()
    for domain in built_from:  # every scope is known before any route is registered
        auth.declare_scopes(dict(domain.scopes))
    for domain in built_from:
        domain.register(app)
    auth.check_scopes(app)

    app.before_request(_begin_request)
    app.after_request(_finish_request)
    app.teardown_request(_teardown_request)

    from app.cli import register_cli

    register_cli(app)
    return app


def _instance_dir() -> str:
    from app.config import INSTANCE_DIR

    return str(INSTANCE_DIR)


def _begin_request():
    g.started = time.perf_counter()
    app_logging.assign_request_id()
    tenancy.reset()
    auth.authorize_request()
    return idempotency.replay_if_seen()


def _finish_request(response: Response) -> Response:
    if 200 <= response.status_code < 400:
        try:
            idempotency.remember(response)
            transactions.commit()
        except (IntegrityError, *DATABASE_UNAVAILABLE) as error:  # 409, or 503: answered as the view's would be
            response = current_app.make_response(current_app.handle_user_exception(error))
    else:
        transactions.rollback()
    response.headers[app_logging.REQUEST_ID_HEADER] = g.get("request_id", "")
    log.info(
        "request",
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
        },
    )
    return response


def _teardown_request(exc: BaseException | None) -> None:
    if exc is not None:
        transactions.rollback()
    tenancy.reset()
