"""The domain-event outbox: emitted in the caller's transaction, dispatched after commit,
each handler's effect delivered exactly once per event, stuck events recovered by the CLI."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock, events, jobs, transactions
from app.db import db
from app.events import EventDelivery, OutboxEvent
from app.notifications import EmailMessage
from tests import event_handlers as h
from tests.jobs_support import as_tenant, rows

WELCOME = "tests.event_handlers.send_welcome"
NOTIFY_LEAD = "tests.event_handlers.notify_lead"


@pytest.fixture(autouse=True)
def _fresh_call_log():
    h.CALLS.clear()
    yield
    h.CALLS.clear()


def payload(tenant, **extra) -> dict:
    return {
        "email": f"neu@{tenant.slug}.example",
        "name": "Jürgen Müller",
        "lead": f"lead@{tenant.slug}.example",
        **extra,
    }


def emit_joined(app, tenant, **extra) -> uuid.UUID:
    with as_tenant(app, tenant.tenant_id):
        event_id = events.emit(h.MEMBER_JOINED, payload(tenant, **extra)).id
        transactions.commit()
    return event_id


def redeliver(app, tenant_id: uuid.UUID, event_id: uuid.UUID) -> None:
    """Run the dispatch job again, as an RQ retry or a redispatch would."""
    with app.app_context():
        jobs.enqueue(events.dispatch, tenant_id, str(event_id))


def the_event(app, tenant) -> OutboxEvent:
    [event] = rows(app, tenant.tenant_id, OutboxEvent)
    return event


def mails(app, tenant, kind: str | None = None) -> list[EmailMessage]:
    where = [EmailMessage.kind == kind] if kind else []
    return rows(app, tenant.tenant_id, EmailMessage, *where, order_by=EmailMessage.kind)


def test_emit_is_part_of_the_callers_transaction(app, world):
    with as_tenant(app, world.a.tenant_id):
        event = events.emit(h.MEMBER_JOINED, payload(world.a))
        # Written (flushed) in this transaction, stamped with the tenant, not yet dispatched.
        assert db.session.scalars(select(OutboxEvent)).all() == [event]
        assert event.tenant_id == world.a.tenant_id
        assert event.dispatched_at is None and event.attempts == 0
        assert h.CALLS == []
        transactions.rollback()
        transactions.commit()  # a later commit must not dispatch the rolled-back event

    assert rows(app, world.a.tenant_id, OutboxEvent) == []
    assert mails(app, world.a) == []
    assert h.CALLS == []


def test_a_rollback_by_any_path_drops_the_dispatch(app, world, fake_rq):
    queue = fake_rq.queue()
    with as_tenant(app, world.a.tenant_id):
        events.emit(h.MEMBER_JOINED, payload(world.a))
        db.session.rollback()  # not through app.transactions
        transactions.commit()
    assert queue.count == 0  # nothing enqueued for the rolled-back event
    assert rows(app, world.a.tenant_id, OutboxEvent) == []

    with as_tenant(app, world.a.tenant_id):
        events.emit(h.MEMBER_JOINED, payload(world.a))
        transactions.commit()
    [job] = queue.get_jobs()
    assert job.args == ("app.events:dispatch_pending", str(world.a.tenant_id), [])  # the tenant's batch
    assert job.id.startswith(events.batch_job_prefix(world.a.tenant_id))
    assert h.CALLS == []  # enqueued on RQ, not run inline


def test_commit_dispatches_every_handler_once_and_records_deliveries(app, world):
    event_id = emit_joined(app, world.a)

    event = the_event(app, world.a)
    assert event.id == event_id
    assert event.dispatched_at is not None and event.attempts == 1 and event.last_error is None
    assert h.CALLS == [("send_welcome", str(event_id)), ("notify_lead", str(event_id))]
    deliveries = rows(app, world.a.tenant_id, EventDelivery)
    assert sorted((d.event_id, d.handler) for d in deliveries) == [(event_id, NOTIFY_LEAD), (event_id, WELCOME)]

    lead, welcome = mails(app, world.a)
    assert (lead.kind, lead.to_address, lead.dedupe_key) == (
        "test.lead_notice",
        "lead@medtech-nord.example",
        f"lead-notice:{event_id}",
    )
    assert (welcome.kind, welcome.to_address) == ("test.welcome", "neu@medtech-nord.example")
    assert welcome.subject == "Willkommen im Programm, Jürgen Müller!"
    assert {m.status for m in (lead, welcome)} == {"pending"}  # no SMTP_URL configured

    # Tenant B sees none of it ...
    for model in (OutboxEvent, EventDelivery, EmailMessage):
        assert rows(app, world.b.tenant_id, model) == []
    # ... and its own events stay its own.
    b_event_id = emit_joined(app, world.b)
    assert [e.id for e in rows(app, world.a.tenant_id, OutboxEvent)] == [event_id]
    assert [e.id for e in rows(app, world.b.tenant_id, OutboxEvent)] == [b_event_id]
    assert {m.to_address for m in mails(app, world.b)} == {"neu@agentur-sued.example", "lead@agentur-sued.example"}
    assert {m.to_address for m in mails(app, world.a)} == {"neu@medtech-nord.example", "lead@medtech-nord.example"}


def test_dispatching_again_never_reruns_a_delivered_handler(app, world):
    event_id = emit_joined(app, world.a)
    assert len(h.CALLS) == 2

    # A duplicate dispatch job (retry, redispatch) of a dispatched event does nothing.
    redeliver(app, world.a.tenant_id, event_id)
    assert len(h.CALLS) == 2

    # A crash after the handlers committed but before the event was marked dispatched:
    with as_tenant(app, world.a.tenant_id):
        db.session.get(OutboxEvent, event_id).dispatched_at = None
        transactions.commit()
    redeliver(app, world.a.tenant_id, event_id)

    assert len(h.CALLS) == 2  # no handler invoked again
    event = the_event(app, world.a)
    assert event.dispatched_at is not None and event.attempts == 2
    assert len(rows(app, world.a.tenant_id, EventDelivery)) == 2
    # send_welcome has no dedupe key: a second run would have added a second row.
    assert len(mails(app, world.a, "test.welcome")) == 1
    assert len(mails(app, world.a, "test.lead_notice")) == 1


def test_dispatch_job_for_another_tenant_cannot_reach_the_event(app, world, tmp_path):
    switch = tmp_path / "lead-directory-down"
    switch.touch()
    event_id = emit_joined(app, world.a, fault_switch=str(switch))
    switch.unlink()
    calls_before = list(h.CALLS)

    redeliver(app, world.b.tenant_id, event_id)  # a job naming the wrong tenant finds nothing

    assert h.CALLS == calls_before
    assert the_event(app, world.a).dispatched_at is None
    assert rows(app, world.b.tenant_id, EventDelivery) == []

    redeliver(app, world.a.tenant_id, event_id)
    assert the_event(app, world.a).dispatched_at is not None


def test_concurrent_dispatches_of_one_event_deliver_its_effect_once(app, world):
    with as_tenant(app, world.a.tenant_id):
        event_id = events.emit(h.RACED, {"email": "x@medtech-nord.example"}).id
        transactions.commit()

    assert h.calls("raced") == [("raced", str(event_id))] * 2  # both dispatchers ran it ...
    assert len(mails(app, world.a, "test.raced")) == 1  # ... the loser's effect was rolled back
    assert [d.handler for d in rows(app, world.a.tenant_id, EventDelivery)] == ["tests.event_handlers.raced"]
    event = the_event(app, world.a)
    assert event.dispatched_at is not None and event.last_error is None


def test_failing_handler_keeps_event_pending_until_a_retry_delivers_it_once(app, world, tmp_path):
    switch = tmp_path / "lead-directory-down"
    switch.touch()
    event_id = emit_joined(app, world.a, fault_switch=str(switch))

    event = the_event(app, world.a)
    assert event.dispatched_at is None and event.attempts == 1
    assert NOTIFY_LEAD in event.last_error and "lead directory unavailable" in event.last_error
    assert [d.handler for d in rows(app, world.a.tenant_id, EventDelivery)] == [WELCOME]
    # The failed handler's effect was rolled back with it; the other handler's effect stands.
    assert [m.kind for m in mails(app, world.a)] == ["test.welcome"]

    redeliver(app, world.a.tenant_id, event_id)  # still failing: another attempt is counted
    event = the_event(app, world.a)
    assert event.dispatched_at is None and event.attempts == 2 and "lead directory" in event.last_error
    assert h.calls("send_welcome") == [("send_welcome", str(event_id))]

    switch.unlink()  # the fault is fixed
    redeliver(app, world.a.tenant_id, event_id)
    redeliver(app, world.a.tenant_id, event_id)

    event = the_event(app, world.a)
    assert event.dispatched_at is not None and event.attempts == 3 and event.last_error is None
    assert sorted(d.handler for d in rows(app, world.a.tenant_id, EventDelivery)) == [NOTIFY_LEAD, WELCOME]
    assert [m.kind for m in mails(app, world.a)] == ["test.lead_notice", "test.welcome"]
    assert len(h.calls("send_welcome")) == 1 and len(h.calls("notify_lead")) == 3
    assert rows(app, world.b.tenant_id, OutboxEvent) == []


def test_redispatch_command_recovers_stuck_events_of_every_tenant(app, world, tmp_path):
    switch = tmp_path / "lead-directory-down"
    switch.touch()
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with clock.frozen(t0):
        stuck_a = emit_joined(app, world.a, fault_switch=str(switch))
        stuck_b = emit_joined(app, world.b, fault_switch=str(switch))
        healthy_a = emit_joined(app, world.a)
    switch.unlink()
    calls_before = len(h.CALLS)
    runner = app.test_cli_runner()

    with clock.frozen(t0 + timedelta(seconds=30)):  # too young: might still be in flight
        result = runner.invoke(args=["events", "redispatch"])
    assert result.exit_code == 0, result.output
    assert "re-enqueued 0 event(s)" in result.output
    assert len(h.CALLS) == calls_before

    with clock.frozen(t0 + timedelta(minutes=2)):
        assert "re-enqueued 0 event(s)" in runner.invoke(args=["events", "redispatch", "--older-than", "300"]).output
        result = runner.invoke(args=["events", "redispatch"])
    assert result.exit_code == 0, result.output
    assert "re-enqueued 2 event(s)" in result.output

    # Only the two stuck events ran again, and only their failed handler.
    assert sorted(h.CALLS[calls_before:]) == sorted([("notify_lead", str(stuck_a)), ("notify_lead", str(stuck_b))])
    for tenant, ids in ((world.a, {stuck_a, healthy_a}), (world.b, {stuck_b})):
        tenant_events = rows(app, tenant.tenant_id, OutboxEvent)
        assert {e.id for e in tenant_events} == ids
        assert all(e.dispatched_at is not None and e.last_error is None for e in tenant_events)
        lead_mails = mails(app, tenant, "test.lead_notice")
        assert len(lead_mails) == len(ids)
        assert {m.to_address for m in lead_mails} == {f"lead@{tenant.slug}.example"}

    with clock.frozen(t0 + timedelta(minutes=10)):
        assert "re-enqueued 0 event(s)" in runner.invoke(args=["events", "redispatch"]).output
