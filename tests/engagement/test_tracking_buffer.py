"""The redirect only reads: the per-process link cache, the click buffer (Redis or in-process)
and its fold into the counts and events, exactly once under concurrency, crashes and a Redis
that does not answer.

The Redis flavour runs on the test Redis (TEST_REDIS_URL) under a queue name of its own, else on
fakeredis. Nothing waits for a worker: tests fold with :func:`clicks.flush` or ``flask clicks
flush``.
"""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests
from redis import Redis
from sqlalchemy import event, select, text
from werkzeug.serving import make_server

from app import clock, tenancy, transactions
from app.db import db
from app.events import OutboxEvent
from engagement.tracking import cache, clicks, services
from engagement.tracking.models import TrackingClickBatch, TrackingLink
from tests.clock_support import pinned_clock  # noqa: F401 (fixture)
from tests.engagement.test_tracking import BOTS, BROWSER, _approved_post, _click, _link, _report
from tests.jobs_support import free_port

pytestmark = pytest.mark.usefixtures("pinned_clock")  # clicks count on today's day: never straddle midnight


@pytest.fixture
def redis_buffer(app, redis_url):
    """Clicks go to a Redis list: the test Redis under a queue of this test's own, or fakeredis."""
    queue = f"cip-test-clicks-{uuid.uuid4().hex[:10]}"
    if redis_url:
        connection = Redis.from_url(redis_url)
        app.config.update({"REDIS_URL": redis_url, "RQ_QUEUE": queue})
    else:
        import fakeredis

        connection = fakeredis.FakeRedis()
        app.extensions["rq_connection"] = connection
        app.config.update({"REDIS_URL": "redis://fakeredis.invalid:6379/0", "RQ_QUEUE": queue})
    yield connection
    app.extensions.pop("rq_connection", None)
    for key in connection.scan_iter(f"*{queue}*"):
        connection.delete(key)
    connection.close()


def _keys(app) -> clicks._Keys:
    return clicks._Keys(app)


def _events(app, tenant_id) -> list[dict]:
    with app.app_context(), tenancy.scope(tenant_id):
        statement = (
            select(OutboxEvent).where(OutboxEvent.name == "engagement.link_clicked").order_by(OutboxEvent.created_at)
        )
        return [e.payload for e in db.session.scalars(statement)]


def _totals(tenant, post_id) -> tuple[int, int]:
    report = _report(tenant, post_id)
    return report["clicks"], report["unique_clicks"]


def _visitor(n: int) -> str:
    return f"{BROWSER} visitor/{n}"


# -- the cache -----------------------------------------------------------------------------


def test_a_cached_code_redirects_without_the_database(app, world, client, owner_engine):
    b = world.b
    link = _link(app, b, _approved_post(app, b)["id"], "https://example.com/first")
    assert _click(client, link.code, agent=BOTS[0]).status_code == 302  # reads and caches the link

    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = _click(client, link.code, agent=BOTS[0])
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 302 and statements == []

    # Another process changed the target: this one follows within the TTL.
    with owner_engine.begin() as connection:
        connection.execute(
            text("UPDATE tracking_links SET target_url = 'https://example.com/moved' WHERE code = :c"), {"c": link.code}
        )
    assert urlsplit(_click(client, link.code).headers["Location"]).path == "/first"
    with clock.frozen(clock.now() + timedelta(seconds=app.config["TRACKING_LINK_CACHE_SECONDS"] + 1)):
        assert urlsplit(_click(client, link.code).headers["Location"]).path == "/moved"

    # A change made here is seen at once.
    _link(app, b, link.post_id, "https://example.com/again")
    assert urlsplit(_click(client, link.code).headers["Location"]).path == "/again"


def test_without_a_cache_every_redirect_reads_the_link(app, world, client):
    app.config["TRACKING_LINK_CACHE_SECONDS"] = 0
    b = world.b
    post = _approved_post(app, b)
    link = _link(app, b, post["id"], "https://example.com/first")
    assert _click(client, link.code).status_code == 302
    with app.app_context(), tenancy.scope(b.tenant_id):
        db.session.get(TrackingLink, link.id).target_url = "https://example.com/second"
        transactions.commit()  # not through ensure_link: nothing told the cache
    assert urlsplit(_click(client, link.code).headers["Location"]).path == "/second"
    assert cache.get(link.code) is None


# -- the Redis buffer ----------------------------------------------------------------------


def test_redirects_buffer_clicks_in_redis_until_a_flush(app, world, client, redis_buffer):
    from rq import Queue

    b = world.b
    post = _approved_post(app, b)
    link = _link(app, b, post["id"])
    for _ in range(2):
        assert _click(client, link.code).status_code == 302
    assert _click(client, link.code, ip="198.51.100.23").status_code == 302
    assert _click(client, link.code, agent=BOTS[0]).status_code == 302  # never buffered

    clicks.ship()  # what this process's shipper thread does in the background
    assert _totals(b, post["id"]) == (0, 0)  # nothing counted yet
    buffered = [json.loads(raw) for raw in redis_buffer.lrange(_keys(app).pending, 0, -1)]
    assert len(buffered) == 3
    assert buffered[0] == {
        "t": str(b.tenant_id),
        "l": str(link.id),
        "d": clock.now().date().isoformat(),
        "v": buffered[0]["v"],
        "at": buffered[0]["at"],
    }
    assert (
        len(buffered[0]["v"]) == 64
        and "203.0.113.7" not in json.dumps(buffered)
        and "Mozilla" not in json.dumps(buffered)
    )
    # The first click after a flush enqueued one: the burst shares it.
    queued = [job.func_name for job in Queue(app.config["RQ_QUEUE"], connection=redis_buffer).jobs]
    assert queued.count("engagement.tracking.clicks.flush_job") == 1

    result = app.test_cli_runner().invoke(args=["clicks", "flush"])
    assert result.exit_code == 0 and "counted 3 click(s)" in result.output
    assert _totals(b, post["id"]) == (3, 2)
    assert [e["unique"] for e in _events(app, b.tenant_id)] == [True, False, True]
    assert redis_buffer.llen(_keys(app).pending) == 0 and redis_buffer.zcard(_keys(app).batches) == 0
    assert clicks.flush(app) == 0  # nothing left: a second flush counts nothing

    # The job does the same (a worker runs it): the flag lets the next burst enqueue again.
    assert _click(client, link.code, ip="198.51.100.99").status_code == 302
    with app.app_context():
        clicks.flush_job()
    assert _totals(b, post["id"]) == (4, 3)
    assert redis_buffer.get(_keys(app).flush_queued) is None


def test_a_batch_of_two_tenants_is_folded_under_each_tenants_context(app, world, client, redis_buffer):
    a, b = world.a, world.b
    post_a, post_b = _approved_post(app, a), _approved_post(app, b)
    link_a, link_b = _link(app, a, post_a["id"]), _link(app, b, post_b["id"])
    for n in range(3):
        _click(client, link_a.code, agent=_visitor(n))
    _click(client, link_b.code)
    _click(client, link_b.code)
    assert clicks.flush(app) == 5
    assert _totals(a, post_a["id"]) == (3, 3) and _totals(b, post_b["id"]) == (2, 1)
    assert {e["post_id"] for e in _events(app, a.tenant_id)} == {post_a["id"]}
    assert len(_events(app, b.tenant_id)) == 2
    with app.app_context():
        recorded = {}
        for tenant in (a, b):
            with tenancy.scope(tenant.tenant_id):
                recorded[tenant.tenant_id] = [
                    (r.batch_id, r.clicks) for r in db.session.scalars(select(TrackingClickBatch))
                ]
        transactions.rollback()
    assert recorded[a.tenant_id][0][0] == recorded[b.tenant_id][0][0]  # one batch, a record per tenant
    assert (recorded[a.tenant_id][0][1], recorded[b.tenant_id][0][1]) == (3, 2)


def test_a_flush_killed_after_the_fold_does_not_count_twice(app, world, client, redis_buffer, monkeypatch):
    b = world.b
    post = _approved_post(app, b)
    link = _link(app, b, post["id"])
    for n in range(4):
        _click(client, link.code, agent=_visitor(n % 3))

    def killed(*args):
        raise RuntimeError("the flush died before deleting its batch")

    monkeypatch.setattr(clicks, "release", killed)
    with pytest.raises(RuntimeError):
        clicks.flush(app)
    monkeypatch.undo()
    assert _totals(b, post["id"]) == (4, 3)  # folded and committed
    assert redis_buffer.zcard(_keys(app).batches) == 1  # but the batch is still claimed

    assert clicks.flush(app) == 0  # within the grace it belongs to the flush that claimed it
    assert redis_buffer.zcard(_keys(app).batches) == 1
    later = clock.now() + timedelta(seconds=app.config["TRACKING_CLICK_GRACE"] + 1)
    with clock.frozen(later):
        assert clicks.flush(app) == 0  # the orphan is folded again: a no-op
    assert redis_buffer.zcard(_keys(app).batches) == 0 and not redis_buffer.keys(f"*{app.config['RQ_QUEUE']}:batch:*")
    assert _totals(b, post["id"]) == (4, 3)
    assert len(_events(app, b.tenant_id)) == 4


def test_a_flush_killed_before_the_fold_loses_nothing(app, world, client, redis_buffer, monkeypatch):
    b = world.b
    post = _approved_post(app, b)
    link = _link(app, b, post["id"])
    for n in range(3):
        _click(client, link.code, agent=_visitor(n))

    def killed(*args):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(clicks, "apply", killed)
    with pytest.raises(RuntimeError):
        clicks.flush(app)
    monkeypatch.undo()
    assert _totals(b, post["id"]) == (0, 0)
    _click(client, link.code, agent=_visitor(0))  # meanwhile: a repeat, still pending
    assert clicks.flush(app, grace=0) == 4  # the orphan first, then the pending click
    assert _totals(b, post["id"]) == (4, 3)
    assert [e["unique"] for e in _events(app, b.tenant_id)].count(True) == 3


def test_clicks_on_a_link_that_is_gone_are_dropped(app, world, client, redis_buffer, owner_engine):
    b = world.b
    post = _approved_post(app, b)
    link = _link(app, b, post["id"])
    _click(client, link.code)
    with owner_engine.begin() as connection:
        connection.execute(text("DELETE FROM tracking_links WHERE code = :c"), {"c": link.code})
    assert clicks.flush(app) == 0
    assert redis_buffer.llen(_keys(app).pending) == 0 and _events(app, b.tenant_id) == []


def test_redis_down_when_clicks_are_shipped_counts_them_in_process(app, world, client):
    b = world.b
    post = _approved_post(app, b)
    link = _link(app, b, post["id"])
    app.config.update({"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0", "RQ_QUEUE": "cip-test-nowhere"})
    assert _click(client, link.code).status_code == 302
    assert _click(client, link.code).status_code == 302
    clicks.ship()  # the shipper finds Redis down: the clicks are folded in process
    app.config["REDIS_URL"] = None  # the report's events would be enqueued on the dead Redis too
    assert _totals(b, post["id"]) == (2, 1)


def test_a_failed_in_process_fold_is_retried_under_the_same_batch(app, world, client, monkeypatch):
    b = world.b
    post = _approved_post(app, b)
    link = _link(app, b, post["id"])
    real, calls = clicks.apply, []

    def fails_once(batch_id, batch):
        calls.append(batch_id)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return real(batch_id, batch)

    monkeypatch.setattr(clicks, "apply", fails_once)
    assert _click(client, link.code).status_code == 302  # the redirect answers anyway
    assert _totals(b, post["id"]) == (0, 0)
    assert _click(client, link.code, ip="198.51.100.23").status_code == 302
    assert calls[0] == calls[1] and len(calls) == 3  # the failed batch again, then the new click
    assert _totals(b, post["id"]) == (2, 2)


# -- under load ----------------------------------------------------------------------------


@pytest.fixture(params=["in-process", "redis"])
def buffer_kind(request, app):
    if request.param == "redis":
        request.getfixturevalue("redis_buffer")
    return request.param


def test_concurrent_clicks_on_a_threaded_server_count_each_human_once(app, world, buffer_kind):
    """200 clicks by 8 concurrent clients (40 visitors, each 4 times; 40 bot requests) on a real
    threaded server, folded while the load runs and once more after it."""
    a, b = world.a, world.b
    post_a, post_b = _approved_post(app, a), _approved_post(app, b)
    codes = [_link(app, a, post_a["id"]).code, _link(app, b, post_b["id"]).code]
    plan = [(codes[n % 2], _visitor(n)) for n in range(40) for _ in range(4)]
    plan += [(codes[n % 2], BOTS[n % len(BOTS)]) for n in range(40)]
    plan.sort(key=lambda item: hash(item[1]) % 7)  # interleave visitors and bots

    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    stop, folded = threading.Event(), []

    def fold_while_loading():
        while not stop.is_set():
            folded.append(clicks.flush(app))

    folder = threading.Thread(target=fold_while_loading)
    folder.start()
    local = threading.local()

    def follow(item):
        code, agent = item
        session = getattr(local, "session", None) or setattr(local, "session", requests.Session()) or local.session
        response = session.get(
            f"http://127.0.0.1:{server.port}/r/{code}", headers={"User-Agent": agent}, allow_redirects=False, timeout=30
        )
        return response.status_code

    try:
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(follow, plan))
    finally:
        stop.set()
        folder.join()
        server.shutdown()
        serving.join()
    folded.append(clicks.flush(app))

    assert statuses == [302] * len(plan)
    if buffer_kind == "redis":
        assert sum(folded) == 160
    assert _totals(a, post_a["id"]) == (80, 20) and _totals(b, post_b["id"]) == (80, 20)
    for tenant in (a, b):
        payloads = _events(app, tenant.tenant_id)
        assert len(payloads) == 80 and [p["unique"] for p in payloads].count(True) == 20


# -- the fold, directly --------------------------------------------------------------------


def test_the_fold_counts_a_visitor_once_per_link_and_day(app, world):
    b = world.b
    post = _approved_post(app, b)
    link = _link(app, b, post["id"])
    with app.app_context():
        cached = services.resolve(link.code)
        monday = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
        batch = [
            clicks.click_of(cached, "192.0.2.1", BROWSER, monday),
            clicks.click_of(cached, "192.0.2.1", BROWSER, monday + timedelta(minutes=40)),  # Tuesday in Berlin
            clicks.click_of(cached, "192.0.2.1", BROWSER, monday + timedelta(minutes=5)),
            clicks.click_of(cached, "192.0.2.2", BROWSER, monday),
        ]
        assert [c["d"] for c in batch] == ["2026-11-23", "2026-11-24", "2026-11-23", "2026-11-23"]
        assert clicks.apply("batch-1", batch) == 4
        assert clicks.apply("batch-1", batch) == 0  # the same batch again
        assert clicks.apply("batch-2", batch[:1]) == 1  # a new batch: a repeat click
    report = _report(b, post["id"])
    assert report["days"] == [
        {"day": "2026-11-24", "clicks": 1, "unique_clicks": 1},
        {"day": "2026-11-23", "clicks": 4, "unique_clicks": 2},
    ]
    assert [e["unique"] for e in _events(app, b.tenant_id)] == [True, True, False, True, False]


def test_the_worker_maintenance_pass_folds_what_no_job_did(app, world, client, redis_buffer):
    b = world.b
    post = _approved_post(app, b)
    link = _link(app, b, post["id"])
    _click(client, link.code)
    assert clicks.on_worker_maintenance in app.extensions["worker_maintenance"]
    for hook in app.extensions["worker_maintenance"]:  # what AppWorker.run_maintenance_tasks runs
        hook(app)
    assert _totals(b, post["id"]) == (1, 1)
