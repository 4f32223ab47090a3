"""Events dispatched in batches (app/events.py): one transaction per batch of a tenant, each
handler over the batch (its set-based batch form where it has one), exactly once per handler.

A failing handler is isolated to its event (the rest of the batch is delivered), a failing batch
form falls back to the events one by one, and a worker killed mid-batch (SIGKILL, real ``rq
worker`` on PostgreSQL and Redis) leaves nothing behind: the recovery redoes the batch once.
"""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from app import events, transactions
from app.events import EventDelivery, OutboxEvent
from app.notifications import EmailMessage
from engagement.events import POST_PUBLISHED
from gamification.models import MemberPoints, PointEntry
from tests import event_handlers as h
from tests.clock_support import pinned
from tests.gamification.helpers import influencer, points
from tests.jobs_support import as_tenant, rows
from tests.test_recovery import SWEEP_AT_START, wait_until

ON_POST_PUBLISHED = "gamification.listeners.on_post_published"


@pytest.fixture(autouse=True)
def _fresh_call_log():
    h.CALLS.clear()
    yield
    h.CALLS.clear()


def joined(tenant, index: int, **extra) -> dict:
    return {"email": f"neu{index}@{tenant.slug}.example", "name": f"Person {index}", "lead": "lead@x.example", **extra}


def post_payload(member_id, post_id=None, content_id=None) -> dict:
    return {
        "post_id": str(post_id or uuid.uuid4()),
        "member_id": str(member_id),
        "platform": "linkedin",
        "content_id": content_id,
        "version": 1,
        "external_url": "https://www.linkedin.com/feed/update/1",
        "topics": [],
    }


def emit_all(app, tenant, payloads: list[dict], *, posts: bool = False) -> list[uuid.UUID]:
    """Emit member_joined (or post_published) events in one transaction: the commit dispatches
    them as one batch."""
    with as_tenant(app, tenant.tenant_id):
        ids = [(events.emit(POST_PUBLISHED, p) if posts else events.emit(h.MEMBER_JOINED, p)).id for p in payloads]
        transactions.commit()
    return ids


def test_a_failing_handler_is_isolated_to_its_event_and_the_rest_of_the_batch_is_delivered(app, world, tmp_path):
    switch = tmp_path / "lead-directory-down"
    switch.touch()
    first, poison, last = emit_all(
        app, world.a, [joined(world.a, 1), joined(world.a, 2, fault_switch=str(switch)), joined(world.a, 3)]
    )

    by_id = {e.id: e for e in rows(app, world.a.tenant_id, OutboxEvent)}
    for event_id in (first, last):
        assert by_id[event_id].dispatched_at is not None and by_id[event_id].attempts == 1
    assert by_id[poison].dispatched_at is None and by_id[poison].attempts == 1
    assert "lead directory unavailable" in by_id[poison].last_error and by_id[poison].gave_up_at is None
    delivered = Counter((d.event_id, d.handler.rsplit(".", 1)[1]) for d in rows(app, world.a.tenant_id, EventDelivery))
    assert delivered == Counter(
        [
            (first, "send_welcome"),
            (first, "notify_lead"),
            (poison, "send_welcome"),
            (last, "send_welcome"),
            (last, "notify_lead"),
        ]
    )
    # Each handler ran once per event (savepoints, no re-run of the batch); the poison event's
    # lead notice was rolled back with its handler.
    assert Counter(call for call, _ in h.CALLS) == {"send_welcome": 3, "notify_lead": 3}
    kinds = Counter(m.kind for m in rows(app, world.a.tenant_id, EmailMessage))
    assert kinds == {"test.welcome": 3, "test.lead_notice": 2}

    # The next batch does not take the failed event again; its own dispatch delivers it once fixed.
    switch.unlink()
    emit_all(app, world.a, [joined(world.a, 4)])
    assert rows(app, world.a.tenant_id, OutboxEvent, OutboxEvent.id == poison)[0].dispatched_at is None
    with app.app_context():
        events.enqueue_dispatch(world.a.tenant_id, poison)
    [event] = rows(app, world.a.tenant_id, OutboxEvent, OutboxEvent.id == poison)
    assert event.dispatched_at is not None and event.attempts == 2 and event.last_error is None
    assert Counter(m.kind for m in rows(app, world.a.tenant_id, EmailMessage)) == {
        "test.welcome": 4,
        "test.lead_notice": 4,
    }
    assert rows(app, world.b.tenant_id, OutboxEvent) == []


def test_a_failing_batch_form_falls_back_to_one_event_at_a_time(app, world):
    with pinned():
        api = influencer(app, world.a)
        posts = [uuid.uuid4(), uuid.uuid4()]
        good_1, poison, good_2 = emit_all(
            app,
            world.a,
            [
                post_payload(api.member_id, posts[0]),
                post_payload(api.member_id, "kein-uuid"),
                post_payload(api.member_id, posts[1]),
            ],
            posts=True,
        )

        by_id = {e.id: e for e in rows(app, world.a.tenant_id, OutboxEvent)}
        assert by_id[good_1].dispatched_at is not None and by_id[good_2].dispatched_at is not None
        assert by_id[poison].dispatched_at is None and by_id[poison].attempts == 1
        assert ON_POST_PUBLISHED in by_id[poison].last_error and "ValueError" in by_id[poison].last_error
        entries = rows(app, world.a.tenant_id, PointEntry)
        assert sorted(e.rule for e in entries) == ["first_post", "own_post_published", "own_post_published"]
        assert {e.subject_id for e in entries} == set(posts)
        assert points(api) == sum(e.points for e in entries) > 0
        assert sorted(d.event_id for d in rows(app, world.a.tenant_id, EventDelivery)) == sorted([good_1, good_2])


def test_a_batch_has_the_effect_of_its_events_one_at_a_time(app, world):
    """The same posts, once as one batch (tenant A) and once one event per commit (tenant B):
    the same ledger, totals and standings."""
    with pinned():
        apis = {
            tenant.slug: [influencer(app, tenant, department="Vertrieb") for _ in range(3)]
            for tenant in (world.a, world.b)
        }
        shared = str(uuid.uuid4())
        plan = [(i % 3, shared if i % 4 == 0 else None) for i in range(10)]
        emit_all(app, world.a, [post_payload(apis[world.a.slug][m].member_id, None, c) for m, c in plan], posts=True)
        for m, c in plan:
            emit_all(app, world.b, [post_payload(apis[world.b.slug][m].member_id, None, c)], posts=True)

        def summary(tenant):
            members = {api.member_id: i for i, api in enumerate(apis[tenant.slug])}
            ledger = Counter((members[e.member_id], e.rule, e.points) for e in rows(app, tenant.tenant_id, PointEntry))
            totals = sorted(
                (members[t.member_id], t.period, t.points, t.listed) for t in rows(app, tenant.tenant_id, MemberPoints)
            )
            boards = [api.get("/leaderboards/week").get_json() for api in apis[tenant.slug]]
            ranks = [(me["rank"], me["points"]) for me in (board["me"] for board in boards)]
            return ledger, totals, [(r["rank"], r["points"]) for r in boards[0]["items"]], ranks

        assert summary(world.a) == summary(world.b)
        assert all(e.dispatched_at is not None for e in rows(app, world.a.tenant_id, OutboxEvent))


# --- a real worker killed mid-batch (PostgreSQL and Redis) ---------------------------------


def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(app, world, rq_setup, tmp_path):
    members = [influencer(app, world.a) for _ in range(3)]
    payloads = [post_payload(members[i % 3].member_id) for i in range(30)]
    event_ids = set(emit_all(app, world.a, payloads, posts=True))
    stalled = tmp_path / "batch-stalled"

    worker = rq_setup.start_worker({**SWEEP_AT_START, "STALL_IN_EVENT_BATCH": str(stalled)})
    try:
        wait_until(stalled.exists, "a batch that ran its handlers and is about to commit")
    finally:
        rq_setup.kill(worker)
    assert stalled.read_text() == "30"  # the whole batch had run
    # Nothing of the batch committed: no ledger entry, no delivery, no event marked.
    assert rows(app, world.a.tenant_id, PointEntry) == []
    assert rows(app, world.a.tenant_id, EventDelivery) == []
    assert {(e.dispatched_at, e.attempts) for e in rows(app, world.a.tenant_id, OutboxEvent)} == {(None, 0)}

    rq_setup.run_worker(env=SWEEP_AT_START)  # its sweep finds the untried events and enqueues the batch

    dispatched = rows(app, world.a.tenant_id, OutboxEvent)
    assert {e.id for e in dispatched} == event_ids
    assert all(e.dispatched_at is not None and e.attempts == 1 and e.last_error is None for e in dispatched)
    deliveries = Counter((d.event_id, d.handler) for d in rows(app, world.a.tenant_id, EventDelivery))
    assert deliveries == Counter((event_id, ON_POST_PUBLISHED) for event_id in event_ids)
    entries = Counter((e.source_key, e.rule) for e in rows(app, world.a.tenant_id, PointEntry))
    assert set(entries.values()) == {1}
    assert Counter(rule for _, rule in entries) == {"own_post_published": 30, "first_post": 3}
    for api in members:
        own = [e for e in rows(app, world.a.tenant_id, PointEntry, PointEntry.member_id == api.member_id)]
        assert points(api) == sum(e.points for e in own)
