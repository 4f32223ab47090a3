"""Domain events through a real ``rq worker`` in batches, against a raw executemany of their ledger rows.

Each round signs up a fresh tenant with ``MEMBERS`` active influencers and emits ``events``
``engagement.post_published`` events (own posts and library shares) as the app does: through
``events.emit`` in the outbox (the enqueue after the commits held back until all are in). One
long-running ``app.worker.AppWorker`` (as the README starts it, warmed by an unreported round)
dispatches them: the gamification listener counts each post, pays its points (ledger,
per-period totals, points histogram), and checks challenges, milestones and badges. Events/s is
the events over the time inside the round's dispatch jobs (RQ's started and ended times of each
job); the time until all were dispatched is shown beside (it adds polling and RQ bookkeeping).

Baseline, same round: the ledger rows that run wrote, inserted again (fresh ids and source
keys) into the same table by one Core ``executemany`` in one transaction; rows/s. The ratio
events/s / rows/s is printed per round and as the median of the rounds (goal: >= 0.25).

Needs Redis: ``BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/10``; the queue
``bench-events`` is emptied before and after).

Run: ``BENCH_DATABASE_URL=... BENCH_REDIS_URL=... .venv/bin/python bench/event_batches.py [events] [rounds]``
(defaults 2000 and 3).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from common import redis_worker_app, signup
from sqlalchemy import func, select

from app import clock, events, tenancy, transactions
from app.db import db, upsert_insert
from gamification.models import PointEntry
from tenants.models import Member

QUEUE = "bench-events"
MEMBERS = 200
ROOT = Path(__file__).resolve().parent.parent


def add_members(app, tenant_id: uuid.UUID, count: int) -> list[uuid.UUID]:
    with app.app_context(), tenancy.scope(tenant_id):
        members = [
            Member(
                email=f"person{i}@bench.example",
                name=f"Person {i}",
                roles=["influencer"],
                status="active",
                participation_consent_at=clock.now(),
                leaderboard_visible=True,
                department=f"Team {i % 7}",
            )
            for i in range(count)
        ]
        db.session.add_all(members)
        db.session.flush()
        ids = [m.id for m in members]
        transactions.commit()
    return ids


def emit_posts(app, tenant_id: uuid.UUID, member_ids: list[uuid.UUID], count: int) -> None:
    """``count`` post_published events in the outbox, committed in chunks as requests would; the
    enqueue after each commit is held back and done once at the end, so the worker meets the
    whole backlog (batches of ``events.BATCH_SIZE``) rather than racing the writer."""
    from engagement.events import POST_PUBLISHED

    enqueue, events.enqueue_batch = events.enqueue_batch, lambda *args, **kwargs: None
    try:
        _emit(app, tenant_id, member_ids, count, POST_PUBLISHED)
    finally:
        events.enqueue_batch = enqueue
    with app.app_context():
        events.enqueue_batch(tenant_id)


def _emit(app, tenant_id, member_ids, count, POST_PUBLISHED) -> None:  # noqa: N803
    with app.app_context(), tenancy.scope(tenant_id):
        for i in range(count):
            shared = i % 3 == 0
            events.emit(
                POST_PUBLISHED,
                {
                    "post_id": str(uuid.uuid4()),
                    "member_id": str(member_ids[i % len(member_ids)]),
                    "platform": "linkedin",
                    "content_id": str(uuid.uuid4()) if shared else None,
                    "version": 1,
                    "external_url": f"https://www.linkedin.com/feed/update/{i}",
                    "topics": ["messe"] if shared else [],
                },
            )
            if i % 100 == 99:
                transactions.commit()
        transactions.commit()


def start_worker(redis_url: str, database_url: str) -> subprocess.Popen:
    """A long-running ``rq worker -w app.worker.AppWorker`` (as in production: the statements it
    compiled for earlier batches stay warm)."""
    command = [sys.executable, "-m", "rq.cli", "worker", "--url", redis_url, "--logging_level", "ERROR"]
    command += ["-w", "app.worker.AppWorker", QUEUE]
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "RQ_QUEUE": QUEUE, "LOG_LEVEL": "ERROR"}
    env["JOB_RECOVERY_INTERVAL"] = "0"  # no sweep in the measured run
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.Popen(command, cwd=ROOT, env=env)


def wait_dispatched(app, tenant_id: uuid.UUID, queue, timeout: float = 600.0) -> float:
    """Seconds until the tenant has no undispatched event and the queue is empty (bounded)."""
    started = time.perf_counter()
    while undispatched(app, tenant_id) or len(queue):
        assert time.perf_counter() - started < timeout, "the worker did not dispatch every event in time"
        time.sleep(0.2)
    return time.perf_counter() - started


def raw_executemany(app, tenant_id: uuid.UUID) -> tuple[int, float]:
    """The tenant's ledger rows inserted again by one executemany in one transaction: (rows, seconds)."""
    columns = [c.key for c in PointEntry.__table__.columns if c.key not in ("tenant_id", "id", "source_key")]
    with app.app_context(), tenancy.scope(tenant_id):
        rows = [
            {**{c: getattr(entry, c) for c in columns}, "id": uuid.uuid4(), "source_key": f"raw:{entry.source_key}"}
            for entry in db.session.scalars(select(PointEntry).where(PointEntry.source_key.not_like("raw:%")))
        ]
        transactions.commit()
        started = time.perf_counter()
        db.session.execute(upsert_insert(PointEntry), rows)
        transactions.commit()
        seconds = time.perf_counter() - started  # the copies stay (append-only); each round has its own tenant
    return len(rows), seconds


def undispatched(app, tenant_id: uuid.UUID) -> int:
    with app.app_context(), tenancy.scope(tenant_id):
        return db.session.scalar(
            select(func.count()).select_from(events.OutboxEvent).where(events.OutboxEvent.dispatched_at.is_(None))
        )


def seconds_in_jobs(queue, tenant_id: uuid.UUID) -> tuple[int, float]:
    """The tenant's batch dispatch jobs and the time they ran, by RQ's started and ended times."""
    from rq.job import Job

    prefix = events.batch_job_prefix(tenant_id)
    ids = [i for i in queue.finished_job_registry.get_job_ids() if i.startswith(prefix)]
    done = [job for job in Job.fetch_many(ids, connection=queue.connection) if job is not None]
    return len(done), sum((job.ended_at - job.started_at).total_seconds() for job in done)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    ready = redis_worker_app(QUEUE)
    if ready is None:
        return
    database_url, app, queue = ready
    redis_url = app.config["REDIS_URL"]
    client = app.test_client()
    results = []
    worker = start_worker(redis_url, database_url)
    try:
        for index in range(rounds + 1):  # round 0 warms the worker up and is not reported
            tenant_id = uuid.UUID(signup(client, f"events-bench-{index}")["tenant_id"])
            member_ids = add_members(app, tenant_id, MEMBERS)
            emit_posts(app, tenant_id, member_ids, count if index else 100)
            seconds = wait_dispatched(app, tenant_id, queue)
            time.sleep(0.5)  # RQ records the last job's end just after its commit
            jobs_run, working = seconds_in_jobs(queue, tenant_id)
            rows, raw_seconds = raw_executemany(app, tenant_id)
            if index:
                results.append((jobs_run, seconds, working, count / working, rows, rows / raw_seconds))
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        queue.empty()
    print(
        f"{count} post_published events per round over {MEMBERS} members, AppWorker on RQ "
        f"({database_url.split(':')[0]}); baseline: raw executemany of the same ledger rows"
    )
    print(
        f"{'round':>5} {'jobs':>5} {'until done s':>12} {'in jobs s':>9} {'events/s':>9} {'ledger rows':>11} {'raw rows/s':>10} {'ratio':>6}"
    )
    for index, (jobs_queued, seconds, working, rate, rows, raw_rate) in enumerate(results, 1):
        print(
            f"{index:5d} {jobs_queued:5d} {seconds:12.2f} {working:9.2f} {rate:9.0f} {rows:11d} {raw_rate:10.0f}"
            f" {rate / raw_rate:6.2f}"
        )
    ratio = statistics.median(r[3] / r[5] for r in results)
    print(
        f"median: {statistics.median(r[3] for r in results):.0f} events/s, "
        f"{statistics.median(r[5] for r in results):.0f} raw ledger rows/s; ratio {ratio:.2f} (goal >= 0.25)"
    )


if __name__ == "__main__":
    main()
