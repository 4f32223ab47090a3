"""Shared set-up for benchmark scripts: a fresh migrated database, an app, a tenant.

Benchmarks run on PostgreSQL (``BENCH_DATABASE_URL``, default the local server's
``cip_bench`` database); when it is unreachable they say so and fall back to SQLite.
Figures are printed next to a baseline measured in the same run, never asserted.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app, migrate, ratelimit  # noqa: E402
from app.config import _normalise_db_url  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/cip_bench"


def fresh_database() -> str:
    url = _normalise_db_url(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    if url.startswith("postgresql"):
        target = make_url(url)
        try:
            admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
            admin.dispose()
        except Exception as exc:
            print(f"PostgreSQL unreachable ({exc.__class__.__name__}); falling back to SQLite")
            url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    migrate.upgrade(url)
    return url


def make_app(url: str):
    # One client sends every request: rate limits far above any benchmark's volume (the
    # limiter still runs, so its cost is in the figures).
    limits = {key: "100000000/minute" for key in ratelimit.LIMIT_KEYS}
    return create_app(
        {
            "DATABASE_URL": url,
            "SIGNUP_ENABLED": True,
            "LOG_LEVEL": "ERROR",
            "REDIS_URL": None,
            "SMTP_URL": None,
            **limits,
        }
    )


def redis_worker_app(queue_name: str):
    """For a bench driving a real RQ worker: ``(database_url, app, queue)`` on a fresh database
    with ``BENCH_REDIS_URL`` (default db 10) and ``queue_name`` emptied; None when Redis does not
    answer (the bench says so and measures nothing)."""
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
    try:
        Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except RedisError as exc:
        print(f"Redis unreachable at {redis_url} ({exc.__class__.__name__}): nothing to measure")
        return None
    database_url = fresh_database()
    app = make_app(database_url)
    app.config.update(REDIS_URL=redis_url, RQ_QUEUE=queue_name)
    queue = Queue(queue_name, connection=Redis.from_url(redis_url))
    queue.empty()
    return database_url, app, queue


def fresh_app():
    """A fresh migrated database, an app on it and a test client: ``(url, app, client)``."""
    url = fresh_database()
    app = make_app(url)
    return url, app, app.test_client()


def signup(client, slug: str) -> dict:
    response = client.post(
        "/api/v1/signup",
        json={
            "organization": {"name": slug.title(), "slug": slug, "industry": "medtech"},
            "owner": {"email": f"owner@{slug}.example", "name": "Owner"},
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return {"tenant_id": body["tenant"]["id"], "token": body["token"]}


def set_seat_limit(url: str, limit: int) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE tenants SET seat_limit = :limit"), {"limit": limit})
    engine.dispose()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def analyze(url: str) -> None:
    """Vacuum and refresh statistics after a bulk load, as autovacuum would in production."""
    if not url.startswith("postgresql"):
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def sample(client, path, headers: dict, count: int, method: str = "GET", **kwargs) -> list[float]:
    """Milliseconds for ``count`` requests; ``path`` may be a callable giving a fresh path each time."""
    timings = []
    for _ in range(count):
        url = path() if callable(path) else path
        start = time.perf_counter()
        response = client.open(url, method=method, headers=headers, **kwargs)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code < 300, response.get_json()
    return timings


def latency_table(rows: list[tuple[str, list[float]]]) -> None:
    """p50/p95 per row and each p50 as a multiple of the first row's (the baseline)."""
    width = max(len(label) for label, _ in rows) + 2
    print(f"{'endpoint':<{width}} {'p50 ms':>8} {'p95 ms':>8} {'p50 / ' + rows[0][0]:>22}")
    base, _ = percentiles(rows[0][1])
    for label, samples in rows:
        p50, p95 = percentiles(samples)
        print(f"{label:<{width}} {p50:>8.2f} {p95:>8.2f} {p50 / base:>22.1f}")


def quiz(index: int, questions: int = 20) -> dict:
    """A training module body with ``questions`` quiz questions (single and multiple choice)."""
    return {
        "title": f"Modul {index}",
        "kind": "custom",
        "locale": "de",
        "max_attempts": None,
        "lessons": [{"title": "Lektion", "body": "Inhalt"}],
        "quiz": {
            "pass_score": 100,
            "questions": [
                {
                    "text": f"Frage {q}",
                    "kind": "multiple" if q % 2 else "single",
                    "options": [
                        {"text": f"Option {o}", "correct": o == 0 or (q % 2 == 1 and o == 1)} for o in range(4)
                    ],
                }
                for q in range(questions)
            ],
        },
    }
