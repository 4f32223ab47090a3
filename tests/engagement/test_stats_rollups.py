"""The stats rollups (migration 0019, engagement/metrics/rollups.py) equal the figures added up
from the source rows after a mixed sequence through the API, in two tenants: publication,
metrics (new, newer and late older values), clicks before and after publication, erasure, and
deletion of posts, metric values and click days; for all time, periods with part days and
each member. PostgreSQL only: elsewhere the reports read the source rows themselves."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from app import clock, tenancy
from app.db import db
from engagement.metrics import rollups, stats
from engagement.metrics.models import PostStat, StatsDay
from engagement.posts.models import Post
from engagement.tracking import services as tracking
from tenants.models import Member
from tests.clock_support import pinned_clock  # noqa: F401 (fixture)
from tests.factories import add_member

TEXT = "Heute auf dem Sommerfest unseres Teams in Hamburg: danke an alle, die dabei waren! #Mitarbeiter"
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"

pytestmark = pytest.mark.usefixtures("pinned_clock")


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    with app.app_context():
        if not rollups.available():
            pytest.skip("the rollups are maintained by PostgreSQL triggers")


def _author(app, tenant, *accounts):
    member_id, token = add_member(app, tenant.tenant_id, "influencer")
    author = tenant.api.as_(token)
    for platform, followers in accounts:
        response = author.post(
            "/me/social-accounts",
            json={"platform": platform, "handle": f"h-{uuid.uuid4().hex[:6]}", "followers": followers},
        )
        assert response.status_code == 201, response.get_json()
    return member_id, author


def _approved(app, tenant, author, platform="linkedin") -> str:
    """A post through whatever approval chain the tenant's governance needs."""
    draft = author.post("/posts", json={"platform": platform, "text": TEXT})
    assert draft.status_code == 201, draft.get_json()
    post = author.post(f"/posts/{draft.get_json()['id']}/submit").get_json()
    while post["status"] == "pending_approval":
        _, approver = add_member(app, tenant.tenant_id, post["awaiting_role"])
        post = tenant.api.as_(approver).post(f"/posts/{post['id']}/decisions", json={"decision": "approve"}).get_json()
    assert post["status"] == "approved", post
    return post["id"]


def _publish(author, post_id) -> None:
    response = author.post(f"/posts/{post_id}/publications", json={"external_url": "https://example.com/p/1"})
    assert response.status_code == 201, response.get_json()


def _link_code(app, tenant, post_id) -> str:
    with app.app_context(), tenancy.scope(tenant.tenant_id):
        code = tracking.ensure_link(uuid.UUID(post_id), "https://example.com/blog/sommerfest").code
        db.session.commit()
        return code


def _clicks(client, code, visitors: int, repeats: int = 1) -> None:
    for visitor in range(visitors):
        for _ in range(repeats):
            response = client.get(
                f"/r/{code}", headers={"User-Agent": BROWSER}, environ_base={"REMOTE_ADDR": f"203.0.113.{visitor + 1}"}
            )
            assert response.status_code == 302


def _ingest(api, *observations) -> None:
    body = [{"post_id": p, "metric": m, "value": v, "observed_at": at} for p, m, v, at in observations]
    response = api.post("/engagement/metrics", json={"observations": body})
    assert response.status_code == 200, response.get_json()


def _owner_sql(owner_engine, statement: str, **params) -> None:
    with owner_engine.begin() as connection:
        connection.execute(text(statement), params)


def _assert_rollups_match(app, tenant) -> dict:
    """Every figure from the rollups equals the one added up from the source rows."""
    now = clock.now()
    periods = [
        (None, None),
        (now - timedelta(days=3, hours=5), None),
        (None, now - timedelta(days=1, hours=3)),
        (now - timedelta(days=5, hours=7), now - timedelta(hours=2)),
        (now - timedelta(hours=30), now - timedelta(hours=20)),  # within a day or two part days
        (now - timedelta(days=10), now + timedelta(days=1)),  # whole days only (at midnight when pinned so)
    ]
    with app.app_context(), tenancy.scope(tenant.tenant_id):
        for since, until in periods:
            assert rollups.tenant_totals(since, until) == stats.live_totals(None, since, until), (since, until)
        members = db.session.scalars(select(Post.member_id).distinct()).all()
        for member_id in members:
            for since, until in periods[:4]:
                assert rollups.member_totals(member_id, since, until) == stats.live_totals(member_id, since, until)
        assert rollups.active_members() == db.session.scalar(
            select(func.count()).select_from(Member).where(Member.status == "active")
        )
        return rollups.tenant_totals(None, None)


def test_rollups_equal_the_source_rows_after_a_mixed_sequence(app, world, client, owner_engine):
    T = clock.now()
    at = [(T - timedelta(hours=h)).isoformat().replace("+00:00", "Z") for h in (3, 2, 1)]
    posts = {}
    for tenant in (world.a, world.b):
        anna_id, anna = _author(app, tenant, ("linkedin", 800), ("x", 300))
        ben_id, ben = _author(app, tenant, ("linkedin", 1500))
        a1, a2, b1 = (
            _approved(app, tenant, anna),
            _approved(app, tenant, anna, "x"),
            _approved(app, tenant, ben),
        )
        early = _link_code(app, tenant, b1)
        _clicks(client, early, visitors=2, repeats=2)  # clicked before publication: counts once published
        for author, post_id in ((anna, a1), (anna, a2), (ben, b1)):
            _publish(author, post_id)
        _ingest(
            tenant.api,
            (a1, "impressions", 1000, at[0]),
            (a1, "clicks", 9, at[0]),
            (a2, "reactions", 12, at[0]),
            (b1, "clicks", 1, at[0]),
        )
        _ingest(tenant.api, (a1, "impressions", 1500, at[2]), (a1, "clicks", 2, at[2]), (b1, "comments", 4, at[1]))
        _ingest(tenant.api, (a1, "impressions", 7, at[1]))  # late and older: changes nothing
        _clicks(client, _link_code(app, tenant, a1), visitors=3)
        _clicks(client, early, visitors=1)
        posts[tenant.tenant_id] = {"anna": anna_id, "ben": ben_id, "a1": a1, "a2": a2, "b1": b1}
        # Publication spread over several days (a post's day moves with its publication time).
        for days, post_id in ((2, a2), (4, b1)):
            _owner_sql(
                owner_engine,
                "UPDATE posts SET published_at = published_at - make_interval(days => :d) WHERE id = :id",
                d=days,
                id=post_id,
            )

    totals = {tenant.tenant_id: _assert_rollups_match(app, tenant) for tenant in (world.a, world.b)}
    for tenant in (world.a, world.b):
        figures = totals[tenant.tenant_id]
        assert figures["posts"] == 3 and figures["members_posting"] == 2
        assert figures["metrics"]["impressions"] == 1500
        # a1: max(platform 2, tracked 3); b1: max(platform 1, tracked 5; the returning visitor is no new unique)
        assert (figures["tracked_clicks"], figures["unique_clicks"], figures["clicks"]) == (8, 5, 3 + 5)

    # Erasure of an author changes none of the figures and keeps the rollups exact.
    a, b = world.a, world.b
    assert b.api.post(f"/members/{posts[b.tenant_id]['anna']}/erase").status_code == 200
    assert _assert_rollups_match(app, b) == totals[b.tenant_id]

    # Deletions: a metric value, a click day, a whole post (its metrics, link and clicks cascade).
    _owner_sql(
        owner_engine, "DELETE FROM post_metrics WHERE post_id = :id AND metric = 'clicks'", id=posts[b.tenant_id]["a1"]
    )
    _owner_sql(
        owner_engine,
        "DELETE FROM tracking_click_days WHERE link_id IN (SELECT id FROM tracking_links WHERE post_id = :id)",
        id=posts[b.tenant_id]["b1"],
    )
    _owner_sql(owner_engine, "DELETE FROM posts WHERE id = :id", id=posts[b.tenant_id]["a2"])
    after = _assert_rollups_match(app, b)
    assert (after["posts"], after["members_posting"], after["clicks"]) == (2, 2, 3 + 1)
    _owner_sql(owner_engine, "DELETE FROM posts WHERE id = :id", id=posts[b.tenant_id]["b1"])
    assert _assert_rollups_match(app, b)["members_posting"] == 1

    # Tenant A was never touched by any of it.
    assert _assert_rollups_match(app, a) == totals[a.tenant_id]
    # Through the API: the same figures as the rollups.
    report = a.api.get("/engagement/stats").get_json()
    assert (report["posts"], report["clicks"], report["members_posting"]) == (3, 8, 2)


def test_a_post_that_stops_being_published_leaves_the_rollups(app, world, owner_engine):
    b = world.b
    _, author = _author(app, b, ("linkedin", 100))
    post_id = _approved(app, b, author)
    _publish(author, post_id)
    with app.app_context(), tenancy.scope(b.tenant_id):
        assert db.session.scalar(select(PostStat.reach).where(PostStat.post_id == uuid.UUID(post_id))) == 100
    _owner_sql(owner_engine, "UPDATE posts SET status = 'withdrawn' WHERE id = :id", id=post_id)
    with app.app_context(), tenancy.scope(b.tenant_id):
        assert db.session.scalar(select(PostStat.id).where(PostStat.post_id == uuid.UUID(post_id))) is None
        assert sum(db.session.scalars(select(StatsDay.posts))) == 0
    assert _assert_rollups_match(app, b)["members_posting"] == 0


def test_concurrent_metric_batches_and_clicks_keep_the_rollups_exact(app, world, owner_engine):
    """Two metric feeds and two click streams at once over posts on several days: no request
    fails (no deadlock: rows are locked in one order) and the rollups equal the source rows."""
    b = world.b
    _, author = _author(app, b, ("linkedin", 100))
    post_ids = [_approved(app, b, author) for _ in range(6)]
    for index, post_id in enumerate(post_ids):
        _publish(author, post_id)
        _owner_sql(
            owner_engine,
            "UPDATE posts SET published_at = published_at - make_interval(days => :d) WHERE id = :id",
            d=index % 3,
            id=post_id,
        )
    codes = [_link_code(app, b, post_id) for post_id in post_ids]
    start = clock.now() - timedelta(hours=5)
    failures: list = []

    def feed(seed: int) -> None:
        order = post_ids[seed:] + post_ids[:seed]
        for step in range(8):
            at = (start + timedelta(minutes=10 * step + seed)).isoformat().replace("+00:00", "Z")
            observations = [
                {"post_id": p, "metric": metric, "value": 10 * step + seed + i, "observed_at": at}
                for i, p in enumerate(reversed(order) if step % 2 else order)
                for metric in ("impressions", "clicks")
            ]
            response = b.api.post("/engagement/metrics", json={"observations": observations})
            if response.status_code != 200:
                failures.append(response.get_json())

    def click(seed: int) -> None:
        client = app.test_client()
        for step in range(12):
            code = codes[(seed + step) % len(codes)]
            response = client.get(
                f"/r/{code}", headers={"User-Agent": BROWSER}, environ_base={"REMOTE_ADDR": f"198.51.100.{step % 4}"}
            )
            if response.status_code != 302:
                failures.append(response.status_code)

    threads = [threading.Thread(target=feed, args=(s,)) for s in (0, 3)]
    threads += [threading.Thread(target=click, args=(s,)) for s in (1, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    figures = _assert_rollups_match(app, b)
    assert figures["tracked_clicks"] == 24 and figures["posts"] == 6


def test_a_click_while_the_post_is_being_published_is_counted(app, world, client, owner_engine):
    """A click committed between the publication's read of the clicks and its commit would miss
    the new post_stats row; the publication locks the post's click days, so the click waits."""
    b = world.b
    _, author = _author(app, b, ("linkedin", 100))
    post_id = _approved(app, b, author)
    code = _link_code(app, b, post_id)
    _clicks(client, code, visitors=1)  # the day's row exists: the next click updates it
    with owner_engine.connect() as publishing:
        transaction = publishing.begin()
        publishing.execute(
            text("UPDATE posts SET status = 'published', published_at = :now WHERE id = :id"),
            {"now": clock.now(), "id": post_id},
        )
        clicking = threading.Thread(target=_clicks, args=(app.test_client(), code, 2))
        clicking.start()
        with owner_engine.connect() as watcher:  # until the click waits on the publication's lock
            waiting = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            for _ in range(500):
                if not clicking.is_alive() or watcher.execute(waiting).scalar():
                    break
                clicking.join(0.01)
        transaction.commit()
    clicking.join()
    figures = _assert_rollups_match(app, b)
    assert figures["tracked_clicks"] == 3 and figures["unique_clicks"] == 2
