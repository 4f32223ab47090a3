"""Fixtures for the job, event, notification and worker tests (a pytest plugin).

A test module that uses them declares ``pytest_plugins = ["tests.jobs_fixtures"]``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from tests.jobs_support import ROOT, FakeRq, RqSetup, SmtpServer


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def smtputf8_server() -> Iterator[SmtpServer]:
    """A server that offers SMTPUTF8 (internationalised local parts); ``smtp_server`` does not."""
    with SmtpServer(smtputf8=True) as server:
        yield server


@pytest.fixture
def rq_setup(app, redis_url, database_url, smtp_server) -> Iterator[RqSetup]:
    """The app enqueues on a real Redis (a queue of its own); ``run_worker`` drains it."""
    if not redis_url:
        pytest.skip("TEST_REDIS_URL is not set (CI always sets it)")
    from redis import Redis

    queue_name = f"cip-test-{uuid.uuid4().hex[:12]}"
    app.config.update({"REDIS_URL": redis_url, "RQ_QUEUE": queue_name, "SMTP_URL": smtp_server.url})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "APP_DATABASE", "RQ_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "RQ_QUEUE": queue_name,
            "SMTP_URL": smtp_server.url,
            "MAIL_FROM": app.config["MAIL_FROM"],
            "PYTHONPATH": str(ROOT),
            "LOG_LEVEL": "WARNING",
            "SECRET_KEY": "test",
        }
    )
    setup = RqSetup(redis_url, queue_name, env, Redis.from_url(redis_url))
    yield setup
    setup.cleanup()
    setup.connection.close()


@pytest.fixture
def fake_rq(app) -> Iterator[FakeRq]:
    """The app enqueues on fakeredis (``app.extensions["rq_connection"]``) instead of inline."""
    import fakeredis

    connection = fakeredis.FakeRedis()
    app.extensions["rq_connection"] = connection
    app.config.update({"REDIS_URL": "redis://fakeredis.invalid:6379/0", "RQ_QUEUE": "cip-fake"})
    yield FakeRq(connection, "cip-fake")
    app.extensions.pop("rq_connection", None)
    connection.flushall()
