"""Events per second through a real ``rq worker``: the stock RQ worker against ``AppWorker``.

The stock worker forks a work horse per job and each horse built the Flask app (every domain
imported) before running its job; ``app.worker.AppWorker`` builds it once, before forking, and
warms SQLAlchemy's caches (``AppWorker.warm_up``). ``ColdAppWorker`` below is AppWorker without
that warm-up (the app built, nothing else), so the warm-up's effect shows on its own: the
per-job time inside the horse (RQ's started/ended times of each job). All drain the same kind
of queue in the same run: ``events`` profile changes made through
``PATCH /api/v1/me``, each an ``tenants.profile_changed`` event whose dispatch job runs the
gamification listener (profile milestone). Baseline: the stock worker.

Needs Redis: ``BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/10``; the queue
``bench-worker`` is emptied before and after). Without Redis it says so and measures nothing.

Run: ``.venv/bin/python bench/worker_throughput.py [events]`` (default 30).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import redis_worker_app, signup

from app import jobs
from app.worker import AppWorker

QUEUE = "bench-worker"
ROOT = Path(__file__).resolve().parent.parent


class ColdAppWorker(AppWorker):
    """AppWorker before the warm-up: the app is built in the worker process, nothing is warmed."""

    def warm_up(self) -> None:
        jobs.preload_app()


WORKERS = (
    ("stock rq Worker", None),
    ("AppWorker, no warm-up", "worker_throughput.ColdAppWorker"),
    ("app.worker.AppWorker", "app.worker.AppWorker"),
)


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
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), str(ROOT / "bench"), env.get("PYTHONPATH")]))
    started = time.perf_counter()
    subprocess.run([*command, QUEUE], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def horse_milliseconds(queue, seen: set[str]) -> list[float]:
    """Per-job time inside the work horse for the jobs finished since ``seen`` (updated)."""
    from rq.job import Job

    ids = [i for i in queue.finished_job_registry.get_job_ids() if i not in seen]
    seen.update(ids)
    done = [job for job in Job.fetch_many(ids, connection=queue.connection) if job is not None]
    return [(job.ended_at - job.started_at).total_seconds() * 1000 for job in done]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    ready = redis_worker_app(QUEUE)
    if ready is None:
        return
    database_url, app, queue = ready
    redis_url = app.config["REDIS_URL"]
    client = app.test_client()
    token = signup(client, "worker-bench")["token"]
    figures, seen = {}, set(queue.finished_job_registry.get_job_ids())
    try:
        for label, worker_class in WORKERS:
            start_up = drain(redis_url, database_url, worker_class)  # empty queue: start and stop only
            enqueue_profile_changes(client, token, count)
            queued = len(queue)
            seconds = drain(redis_url, database_url, worker_class)
            assert len(queue) == 0, f"{label} left {len(queue)} job(s)"
            horse = statistics.median(horse_milliseconds(queue, seen))
            figures[label] = (queued, seconds, max(seconds - start_up, 1e-6), start_up, horse)
    finally:
        queue.empty()
    print(f"{count} profile changes per run, each one event dispatch job on RQ ({database_url.split(':')[0]})")
    print(
        f"{'worker':22} {'jobs':>5} {'total s':>8} {'start s':>8} {'jobs/s':>7} {'jobs/s after start':>19}"
        f" {'ms/job in horse p50':>20}"
    )
    for label, (queued, seconds, working, start_up, horse) in figures.items():
        print(
            f"{label:22} {queued:5d} {seconds:8.2f} {start_up:8.2f} {queued / seconds:7.2f} {queued / working:19.2f}"
            f" {horse:20.0f}"
        )
    (base_jobs, base_s, base_w, _, _), (_, _, _, _, cold_horse), (app_jobs, app_s, app_w, _, app_horse) = (
        figures.values()
    )
    print(f"ratio AppWorker / stock, jobs/s: {(app_jobs / app_s) / (base_jobs / base_s):.1f}x overall, ", end="")
    print(f"{(app_jobs / app_w) / (base_jobs / base_w):.1f}x once started")
    print(f"ratio per-job time in the horse, no warm-up / warm-up: {cold_horse / app_horse:.1f}x")


if __name__ == "__main__":
    main()
