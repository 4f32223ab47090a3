"""Test worlds: a migrated database (PostgreSQL when TEST_DATABASE_URL is set, else SQLite),
an app, and every world has two tenants created through the API.

In CI (CI=true) an unset or unreachable PostgreSQL or Redis ends the run with an error rather
than skipping anything.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app, domains, migrate, ratelimit, tenancy
from app.config import _normalise_db_url
from app.db import db

metadata = domains.metadata()  # every table of the shell and the domains

#: Fixtures for jobs, the worker and SMTP: fake_rq, rq_setup, smtp_server.
pytest_plugins = ["tests.jobs_fixtures"]

IN_CI = os.environ.get("CI", "").lower() == "true"
API = "/api/v1"


def _recreate_postgres_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url = _normalise_db_url(url)
        try:
            _recreate_postgres_database(url)
        except Exception as exc:  # pragma: no cover - only when the server is down
            pytest.exit(f"TEST_DATABASE_URL is unreachable: {exc}", returncode=3)
    elif IN_CI:
        pytest.exit("CI must run against PostgreSQL: set TEST_DATABASE_URL", returncode=3)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture(scope="session")
def redis_url() -> str | None:
    """A real Redis for the worker tests (TEST_REDIS_URL); CI must provide one."""
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        from redis import Redis

        try:
            Redis.from_url(url).ping()
        except Exception as exc:  # pragma: no cover
            pytest.exit(f"TEST_REDIS_URL is unreachable: {exc}", returncode=3)
    elif IN_CI:
        pytest.exit("CI must provide Redis: set TEST_REDIS_URL", returncode=3)
    return url


@pytest.fixture(scope="session")
def owner_engine(database_url):
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def base_app(database_url):
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "APP_DATABASE_URL": None,
            "REDIS_URL": None,
            "SMTP_URL": None,
            "SIGNUP_ENABLED": True,
            "SECRET_KEY": "test",
            "LOG_LEVEL": "WARNING",
            # Tests make many requests from one address: limits far above any test's needs
            # (tests/test_abuse_controls.py lowers them).
            **{key: "100000/minute" for key in ratelimit.LIMIT_KEYS},
        }
    )


def _wipe(engine) -> None:
    tables = [t.name for t in metadata.sorted_tables]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("TRUNCATE " + ", ".join(tables) + " CASCADE"))
        else:
            for name in reversed(tables):
                connection.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def app(base_app, owner_engine):
    """The app with a clean database; config changes made by a test are undone afterwards."""
    saved = dict(base_app.config)
    ratelimit.reset()  # no rate limit counts carry over from an earlier test
    yield base_app
    base_app.config.clear()
    base_app.config.update(saved)
    db.session.remove()
    tenancy.reset()
    _wipe(owner_engine)


class ApiClient:
    """A test client speaking to ``/api/v1`` with an optional bearer token."""

    def __init__(self, client, token: str | None = None):
        self.client = client
        self.token = token

    def as_(self, token: str | None) -> ApiClient:
        return ApiClient(self.client, token)

    def request(self, method: str, path: str, *, token: str | None = "default", headers=None, **kwargs):
        headers = dict(headers or {})
        token = self.token if token == "default" else token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        url = path if path.startswith(("/healthz", "/readyz", "/r/", "/api/")) else API + path
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


@dataclass
class TenantWorld:
    """One tenant as a test sees it: its ids and an API client acting as its owner."""

    tenant_id: uuid.UUID
    slug: str
    owner_id: uuid.UUID
    token: str
    api: ApiClient
    extra: dict = field(default_factory=dict)


@dataclass
class World:
    a: TenantWorld
    b: TenantWorld


def signup(
    client, slug: str, *, industry: str = "generic", mode: str | None = None, email: str | None = None
) -> TenantWorld:
    organization = {"name": slug.replace("-", " ").title(), "slug": slug, "industry": industry}
    if mode:
        organization["governance_mode"] = mode
    response = ApiClient(client).post(
        "/signup",
        json={
            "organization": organization,
            "owner": {"email": email or f"owner@{slug}.example", "name": f"Owner {slug}"},
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return TenantWorld(
        tenant_id=uuid.UUID(body["tenant"]["id"]),
        slug=slug,
        owner_id=uuid.UUID(body["member"]["id"]),
        token=body["token"],
        api=ApiClient(client, body["token"]),
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def anon(client) -> ApiClient:
    return ApiClient(client)


@pytest.fixture
def world(client) -> World:
    """Two tenants: a MedTech company in containment mode and an agency in empowerment mode."""
    return World(
        a=signup(client, "medtech-nord", industry="medtech"),
        b=signup(client, "agentur-sued", industry="generic"),
    )


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield
        tenancy.reset()
