"""Events per second through a real ``rq worker``: the stock RQ worker against ``AppWorker``.

The stock worker forks a work horse per job and each horse built the Flask app (every domain
imported) before running its job; ``app.worker.AppWorker`` builds it once, before forking.
Both drain the same kind of queue in the same run: ``events`` profile changes made through
``PATCH /api/v1/me``, each an ``tenants.profile_changed`` event whose dispatch job runs the
gamification listener (profile milestone). Baseline: the stock worker.

Needs Redis: ``BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/10``; the queue
``bench-worker`` is emptied before and after). Without Redis it says so and measures nothing.

Run: ``.venv/bin/python bench/worker_throughput.py [events]`` (default 30).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from common import fresh_database, make_app, signup

QUEUE = "bench-worker"
ROOT = Path(__file__).resolve().parent.parent


def enqueue_profile_changes(client, token: str, count: int) -> None:
    for i in range(count):
        response = client.patch(
            "/api/v1/me", json={"profile": {"headline": f"Produktmanagerin, Version {i}"}}, headers=auth(token)
        )
        assert response.status_code == 200, response.get_json()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def drain(redis_url: str, database_url: str, worker_class: str | None) -> float:
    """Seconds for one ``rq worker --burst`` to empty the queue."""
    command = [sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", redis_url, "--logging_level", "ERROR"]
    if worker_class:
        command += ["-w", worker_class]
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "RQ_QUEUE": QUEUE, "LOG_LEVEL": "ERROR"}
    started = time.perf_counter()
    subprocess.run([*command, QUEUE], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    try:
        Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except RedisError as exc:
        print(f"Redis unreachable at {redis_url} ({exc.__class__.__name__}): nothing to measure")
        return
    database_url = fresh_database()
    app = make_app(database_url)
    app.config.update(REDIS_URL=redis_url, RQ_QUEUE=QUEUE)
    queue = Queue(QUEUE, connection=Redis.from_url(redis_url))
    queue.empty()
    client = app.test_client()
    token = signup(client, "worker-bench")["token"]
    figures = {}
    try:
        for label, worker_class in (("stock rq Worker", None), ("app.worker.AppWorker", "app.worker.AppWorker")):
            start_up = drain(redis_url, database_url, worker_class)  # empty queue: start and stop only
            enqueue_profile_changes(client, token, count)
            queued = len(queue)
            seconds = drain(redis_url, database_url, worker_class)
            assert len(queue) == 0, f"{label} left {len(queue)} job(s)"
            figures[label] = (queued, seconds, max(seconds - start_up, 1e-6), start_up)
    finally:
        queue.empty()
    print(f"{count} profile changes per run, each one event dispatch job on RQ ({database_url.split(':')[0]})")
    print(f"{'worker':22} {'jobs':>5} {'total s':>8} {'start s':>8} {'jobs/s':>7} {'jobs/s after start':>19}")
    for label, (queued, seconds, working, start_up) in figures.items():
        print(f"{label:22} {queued:5d} {seconds:8.2f} {start_up:8.2f} {queued / seconds:7.2f} {queued / working:19.2f}")
    (base_jobs, base_s, base_w, _), (app_jobs, app_s, app_w, _) = figures.values()
    print(f"ratio AppWorker / stock, jobs/s: {(app_jobs / app_s) / (base_jobs / base_s):.1f}x overall, ", end="")
    print(f"{(app_jobs / app_w) / (base_jobs / base_w):.1f}x once started")


if __name__ == "__main__":
    main()
