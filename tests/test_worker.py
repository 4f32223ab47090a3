"""A real ``rq worker`` process (and, without Redis, an in-process worker on fakeredis) runs
what the app enqueued: tracked jobs, event dispatch and email, with retries."""

from __future__ import annotations

import gc
import logging
from datetime import UTC, datetime

import pytest
from rq.job import Job as RqJob
from rq.job import JobStatus
from sqlalchemy.exc import OperationalError

from app import events, jobs, notifications, transactions
from app.db import Base, db
from app.events import EventDelivery, OutboxEvent
from app.notifications import EmailMessage
from app.worker import AppWorker
from tests import event_handlers as h
from tests.jobs_support import as_tenant, rows


def submit(app, tenant, fn, *args) -> str:
    with as_tenant(app, tenant.tenant_id):
        job_id = str(jobs.submit("test.job", fn, *args, created_by=tenant.owner_id).id)
        transactions.commit()
    return job_id


def enqueue_everything(app, world) -> str:
    """Tenant A submits a job (which emits an event); tenant B emits an event and queues mail."""
    h.CALLS.clear()
    job_id = submit(
        app, world.a, h.welcome_member, "neu@medtech-nord.example", "Jürgen Müller", "lead@medtech-nord.example"
    )
    with as_tenant(app, world.b.tenant_id):
        events.emit(
            h.MEMBER_JOINED,
            {"email": "neu@agentur-sued.example", "name": "Zoë Weiß", "lead": "lead@agentur-sued.example"},
        )
        notifications.queue_email(
            "chefin@agentur-sued.example", "Direkt: Übersicht", "Grüße", kind="test.direct", dedupe_key="direct:1"
        )
        transactions.commit()
    return job_id


def assert_nothing_ran_yet(app, world, job_id, queue) -> None:
    assert queue.count == 3
    assert world.a.api.get(f"/jobs/{job_id}").get_json()["status"] == "queued"
    assert rows(app, world.a.tenant_id, OutboxEvent) == []
    [b_event] = rows(app, world.b.tenant_id, OutboxEvent)
    assert b_event.dispatched_at is None and b_event.attempts == 0
    assert [(m.kind, m.status, m.attempts) for m in rows(app, world.b.tenant_id, EmailMessage)] == [
        ("test.direct", "pending", 0)
    ]
    assert h.CALLS == []


def assert_everything_done(app, world, job_id, inbox) -> None:
    job = world.a.api.get(f"/jobs/{job_id}").get_json()
    assert (job["status"], job["progress"], job["error"]) == ("finished", 100, None)
    for tenant, mail_count in ((world.a, 2), (world.b, 3)):
        [event] = rows(app, tenant.tenant_id, OutboxEvent)
        assert event.dispatched_at is not None and event.attempts == 1 and event.last_error is None
        assert len(rows(app, tenant.tenant_id, EventDelivery)) == 2
        tenant_mails = rows(app, tenant.tenant_id, EmailMessage)
        assert len(tenant_mails) == mail_count
        assert {m.status for m in tenant_mails} == {"sent"}
        assert all(m.to_address.endswith(f"@{tenant.slug}.example") for m in tenant_mails)
    assert job["result"] == {"event_id": str(rows(app, world.a.tenant_id, OutboxEvent)[0].id)}
    received = inbox.wait_for(5)
    assert len(received) == 5
    subjects = {m.rcpt_tos[0]: m.message["Subject"] for m in received}
    assert subjects == {
        "neu@medtech-nord.example": "Willkommen im Programm, Jürgen Müller!",
        "lead@medtech-nord.example": "Neues Mitglied: Jürgen Müller",
        "neu@agentur-sued.example": "Willkommen im Programm, Zoë Weiß!",
        "lead@agentur-sued.example": "Neues Mitglied: Zoë Weiß",
        "chefin@agentur-sued.example": "Direkt: Übersicht",
    }


def test_rq_worker_process_runs_jobs_events_and_mail(app, world, rq_setup, smtp_server):
    queue = rq_setup.queue()
    job_id = enqueue_everything(app, world)
    assert_nothing_ran_yet(app, world, job_id, queue)

    rq_setup.run_worker()

    assert_everything_done(app, world, job_id, smtp_server.inbox)
    assert h.CALLS == []  # the handlers ran in the worker process, not in this one
    assert queue.count == 0 and queue.failed_job_registry.count == 0
    assert RqJob.fetch(job_id, connection=rq_setup.connection).get_status() == JobStatus.FINISHED


def test_rq_worker_retries_a_failed_job_at_once_when_the_interval_is_zero(app, world, rq_setup, tmp_path):
    app.config["JOB_RETRY_INTERVALS"] = [0]
    marker = tmp_path / "first-attempt"
    job_id = submit(app, world.a, h.fail_first_time, str(marker))
    assert not marker.exists()

    rq_setup.run_worker()

    assert marker.exists()  # the first attempt ran and failed
    body = world.a.api.get(f"/jobs/{job_id}").get_json()
    assert (body["status"], body["result"], body["error"]) == ("finished", {"attempt": 2}, None)
    rq_job = RqJob.fetch(job_id, connection=rq_setup.connection)
    assert rq_job.get_status() == JobStatus.FINISHED and rq_job.retries_left == 0


def test_rq_worker_schedules_a_backed_off_retry_that_a_scheduler_runs(app, world, rq_setup, tmp_path):
    marker = tmp_path / "first-attempt"
    job_id = submit(app, world.a, h.fail_first_time, str(marker))  # default back-off: 10 s, 60 s, 300 s

    rq_setup.run_worker()

    # The failure is recorded, but the job is not given up: it waits for its retry.
    body = world.a.api.get(f"/jobs/{job_id}").get_json()
    assert body["status"] == "queued" and "transient failure" in body["error"]
    queue = rq_setup.queue()
    rq_job = RqJob.fetch(job_id, connection=rq_setup.connection)
    assert rq_job.get_status() == JobStatus.SCHEDULED and rq_job.retries_left == 2
    assert job_id in queue.scheduled_job_registry.get_job_ids()
    scheduled_for = queue.scheduled_job_registry.get_scheduled_time(rq_job)
    assert 0 < (scheduled_for - datetime.now(UTC)).total_seconds() <= 10  # the first back-off

    # Instead of waiting out the back-off, make the retry due now; a worker with the
    # scheduler enqueues due retries when it starts.
    queue.scheduled_job_registry.schedule(rq_job, datetime.now(UTC))
    rq_setup.run_worker(with_scheduler=True)

    body = world.a.api.get(f"/jobs/{job_id}").get_json()
    assert (body["status"], body["result"], body["error"]) == ("finished", {"attempt": 2}, None)
    assert RqJob.fetch(job_id, connection=rq_setup.connection).get_status() == JobStatus.FINISHED


def test_in_process_worker_on_fakeredis(app, world, fake_rq, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    queue = fake_rq.queue()
    job_id = enqueue_everything(app, world)
    assert_nothing_ran_yet(app, world, job_id, queue)

    assert fake_rq.work(app)

    assert_everything_done(app, world, job_id, smtp_server.inbox)
    assert len(h.CALLS) == 4  # two handlers for each tenant's event, each once
    assert queue.count == 0 and queue.failed_job_registry.count == 0


def test_in_process_worker_marks_a_job_failed_after_its_last_retry(app, world, fake_rq):
    app.config["JOB_RETRY_INTERVALS"] = [0, 0]
    job_id = submit(app, world.a, h.explode, "kaputt")

    fake_rq.work(app)

    body = world.a.api.get(f"/jobs/{job_id}").get_json()
    assert body["status"] == "failed" and body["error"] == "ValueError('kaputt')"
    rq_job = RqJob.fetch(job_id, connection=fake_rq.connection)
    assert rq_job.get_status() == JobStatus.FAILED and rq_job.retries_left == 0


@pytest.fixture
def worker_app(app, monkeypatch):
    """The app an AppWorker builds in its process is the test's; the GC is unfrozen afterwards."""
    monkeypatch.setattr(jobs, "_worker_app", app)
    yield app
    gc.unfreeze()


def new_app_worker() -> AppWorker:
    import fakeredis

    return AppWorker(["cip-warm-up"], connection=fakeredis.FakeRedis())


def test_app_worker_warms_sqlalchemy_before_forking_and_keeps_no_connection(worker_app, world):
    db.engine._compiled_cache.clear()  # as cold as a freshly started worker process

    new_app_worker()

    assert all(mapper.configured for mapper in Base.registry.mappers)
    assert len(db.engine._compiled_cache) >= len(Base.registry.mappers)  # each model's look-up, compiled
    assert db.engine.pool.checkedin() == 0 and db.engine.pool.checkedout() == 0  # a horse inherits no connection
    assert gc.get_freeze_count() > 0
    assert world.a.api.get("/me").status_code == 200  # the engine serves on after the dispose


def test_app_worker_starts_while_the_database_does_not_answer(worker_app, monkeypatch, caplog):
    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(db.session, "get", unreachable)
    with caplog.at_level(logging.WARNING, logger="app.worker"):
        new_app_worker()

    assert [r.getMessage() for r in caplog.records if r.name == "app.worker"] == ["worker warm-up without the database"]
    assert all(mapper.configured for mapper in Base.registry.mappers)


def test_app_worker_dispatches_events_in_its_own_process_and_forks_other_jobs(worker_app, world, fake_rq):
    """A dispatch keeps the worker's warm caches (no fork); a tracked job still gets a horse."""
    h.CALLS.clear()
    with as_tenant(worker_app, world.b.tenant_id):
        events.emit(
            h.MEMBER_JOINED, {"email": "neu@agentur-sued.example", "name": "Zoë", "lead": "l@agentur-sued.example"}
        )
        transactions.commit()
    job_id = submit(
        worker_app, world.a, h.welcome_member, "neu@medtech-nord.example", "Jürgen", "lead@medtech-nord.example"
    )
    queue = fake_rq.queue()
    queued = {i: RqJob.fetch(i, connection=fake_rq.connection) for i in queue.get_job_ids()}
    assert {i for i, job in queued.items() if jobs.runs_in_worker_process(job)} == {
        i for i in queued if i.startswith("event-")
    }
    assert len(queued) == 2 and not jobs.runs_in_worker_process(queued[job_id])
    queued[job_id].cancel()  # its horse would be a fork, which would not share fakeredis with this process

    with worker_app.app_context():
        assert AppWorker([queue], connection=fake_rq.connection).work(burst=True, logging_level="WARNING")

    assert sorted(call for call, _ in h.CALLS) == ["notify_lead", "send_welcome"]  # ran here, in this process
    assert queue.count == 0 and queue.failed_job_registry.count == 0
