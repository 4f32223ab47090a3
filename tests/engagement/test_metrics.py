"""Metrics through the API: idempotent, out-of-order ingestion, all-or-nothing batches, 404/422
with the offending index, archive and events, and /me/stats and /engagement/stats computed by hand;
plus the value calculations directly."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock, tenancy, transactions
from app.db import db
from app.events import OutboxEvent
from engagement.metrics import stats
from engagement.metrics.models import MetricObservation, PostMetric
from engagement.posts.models import Post
from tests.factories import add_member

TEXT = "Heute auf dem Sommerfest unseres Teams in Hamburg: danke an alle, die dabei waren! #Mitarbeiter"
T0 = "2026-11-20T10:00:00Z"
T1 = "2026-11-21T10:00:00Z"
T2 = "2026-11-22T10:00:00Z"


def _member(app, tenant, *roles):
    member_id, token = add_member(app, tenant.tenant_id, *roles)
    return member_id, tenant.api.as_(token)


def _account(author, platform: str, followers: int) -> None:
    response = author.post(
        "/me/social-accounts",
        json={"platform": platform, "handle": f"h-{uuid.uuid4().hex[:6]}", "followers": followers},
    )
    assert response.status_code == 201, response.get_json()


def _published(author, platform: str = "linkedin") -> str:
    draft = author.post("/posts", json={"platform": platform, "text": TEXT})
    assert draft.status_code == 201, draft.get_json()
    post_id = draft.get_json()["id"]
    submitted = author.post(f"/posts/{post_id}/submit").get_json()
    assert submitted["status"] == "approved", submitted
    published = author.post(
        f"/posts/{post_id}/publications", json={"external_url": "https://www.linkedin.com/feed/update/1"}
    )
    assert published.status_code == 201, published.get_json()
    return post_id


def _obs(post_id, metric, value, observed_at):
    return {"post_id": post_id, "metric": metric, "value": value, "observed_at": observed_at}


def _ingest(api, *observations):
    return api.post("/engagement/metrics", json={"observations": list(observations)})


def _rows(app, tenant_id, model):
    with app.app_context(), tenancy.scope(tenant_id):
        return db.session.scalar(select(func.count()).select_from(model))


def _latest(app, tenant_id, post_id) -> dict:
    with app.app_context(), tenancy.scope(tenant_id):
        rows = db.session.execute(
            select(PostMetric.metric, PostMetric.value).where(PostMetric.post_id == uuid.UUID(post_id))
        )
        return dict(rows.tuples().all())


def _settings(api, **values) -> None:
    """Set the tenant's value settings (corporate followers, CPM, CPC, currency) through the API."""
    response = api.patch("/tenant", json={"settings": values})
    assert response.status_code == 200, response.get_json()


def _events(app, tenant_id, name):
    with app.app_context(), tenancy.scope(tenant_id):
        return [e.payload for e in db.session.scalars(select(OutboxEvent).where(OutboxEvent.name == name))]


def test_ingestion_is_idempotent_and_the_latest_observation_wins_out_of_order(app, world):
    b = world.b
    _, author = _member(app, b, "influencer")
    post_id = _published(author)

    first = _ingest(b.api, _obs(post_id, "impressions", 500, T1), _obs(post_id, "reactions", 20, T1))
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {"accepted": 2, "duplicates": 0}
    # The same observations again change nothing.
    assert _ingest(b.api, _obs(post_id, "impressions", 500, T1), _obs(post_id, "reactions", 20, T1)).get_json() == {
        "accepted": 0,
        "duplicates": 2,
    }
    # A repeat inside one batch counts once as well.
    assert _ingest(b.api, _obs(post_id, "clicks", 3, T1), _obs(post_id, "clicks", 3, T1)).get_json() == {
        "accepted": 1,
        "duplicates": 1,
    }
    assert _rows(app, b.tenant_id, MetricObservation) == 3

    # Newer first, older later: the older one is stored but does not become the current value.
    assert _ingest(b.api, _obs(post_id, "impressions", 900, T2)).get_json()["accepted"] == 1
    # 12:00+02:00 is T1 (10:00Z): the reactions observation is a duplicate, its first value stays.
    late = _ingest(
        b.api, _obs(post_id, "impressions", 100, T0), _obs(post_id, "reactions", 25, "2026-11-21T12:00:00+02:00")
    )
    assert late.get_json() == {"accepted": 1, "duplicates": 1}
    assert _latest(app, b.tenant_id, post_id) == {"impressions": 900, "reactions": 20, "clicks": 3}


def test_a_later_observation_in_the_same_batch_wins(app, world):
    b = world.b
    _, author = _member(app, b, "influencer")
    post_id = _published(author)
    body = _ingest(
        b.api, _obs(post_id, "reshares", 7, T2), _obs(post_id, "reshares", 2, T0), _obs(post_id, "reshares", 5, T1)
    )
    assert body.get_json() == {"accepted": 3, "duplicates": 0}
    assert _latest(app, b.tenant_id, post_id) == {"reshares": 7}


def test_bad_observations_answer_422_naming_the_index_and_store_nothing(app, world):
    b = world.b
    _, author = _member(app, b, "influencer")
    post_id = _published(author)
    good = _obs(post_id, "impressions", 10, T1)
    cases = [
        (_obs(post_id, "impressions", -1, T1), "value"),
        (_obs(post_id, "impressions", 2.5, T1), "value"),
        (_obs(post_id, "impressions", "7", T1), "value"),
        (_obs(post_id, "impressions", True, T1), "value"),
        (_obs(post_id, "likes", 1, T1), "metric"),
        (_obs(post_id, "impressions", 1, "2026-11-21T10:00:00"), "observed_at"),  # no offset
        (_obs(post_id, "impressions", 1, clock.isoformat(clock.now() + timedelta(days=1))), "observed_at"),
        ({"post_id": post_id, "metric": "impressions", "observed_at": T1}, "value"),
    ]
    for bad, field in cases:
        response = _ingest(b.api, good, good, bad)
        assert response.status_code == 422, (bad, response.get_json())
        assert field in response.get_json()["errors"]["json"]["observations"]["2"], (bad, response.get_json())

    too_many = [
        _obs(post_id, "impressions", i, clock.isoformat(clock.now() - timedelta(minutes=i))) for i in range(1001)
    ]
    response = _ingest(b.api, *too_many)
    assert response.status_code == 422 and "observations" in response.get_json()["errors"]["json"]
    assert _ingest(b.api).status_code == 422  # an empty batch
    assert _rows(app, b.tenant_id, MetricObservation) == 0
    assert _rows(app, b.tenant_id, PostMetric) == 0

    # A draft has no metrics yet.
    draft = author.post("/posts", json={"platform": "linkedin", "text": TEXT}).get_json()
    response = _ingest(b.api, good, _obs(draft["id"], "impressions", 1, T1))
    assert response.status_code == 422 and "post_id" in response.get_json()["errors"]["json"]["observations"]["1"]
    assert _rows(app, b.tenant_id, MetricObservation) == 0


def test_another_tenants_posts_answer_404_naming_the_index_and_nothing_is_stored(app, world):
    a, b = world.a, world.b
    member_id, _ = add_member(app, a.tenant_id, "influencer")
    with app.app_context(), tenancy.scope(a.tenant_id):
        foreign = Post(
            member_id=member_id,
            platform="linkedin",
            locale="de",
            text=TEXT,
            status="published",
            published_at=clock.now(),
        )
        db.session.add(foreign)
        db.session.flush()
        foreign_id = str(foreign.id)
        transactions.commit()
    _, author = _member(app, b, "influencer")
    own = _published(author)

    response = _ingest(
        b.api,
        _obs(own, "impressions", 10, T1),
        _obs(foreign_id, "impressions", 10, T1),
        _obs(str(uuid.uuid4()), "clicks", 1, T1),
    )
    assert response.status_code == 404, response.get_json()
    assert set(response.get_json()["errors"]["json"]["observations"]) == {"1", "2"}
    assert _rows(app, b.tenant_id, MetricObservation) == 0
    assert _rows(app, a.tenant_id, MetricObservation) == 0
    # Tenant A's owner may ingest for its own post; B's figures stay untouched.
    assert _ingest(a.api, _obs(foreign_id, "impressions", 10, T1)).get_json() == {"accepted": 1, "duplicates": 0}
    assert b.api.get("/engagement/stats").get_json()["impressions"] == 0


def test_only_staff_and_integration_tokens_ingest(app, world):
    b = world.b
    _, author = _member(app, b, "influencer")
    post_id = _published(author)
    assert _ingest(author, _obs(post_id, "impressions", 1, T1)).status_code == 403
    assert author.get("/engagement/stats").status_code == 403
    token = b.api.post("/tokens", json={"name": "LinkedIn-Connector", "scopes": ["engagement:ingest"]})
    assert token.status_code == 201, token.get_json()
    integration = b.api.as_(token.get_json()["token"])
    assert _ingest(integration, _obs(post_id, "impressions", 1, T1)).get_json()["accepted"] == 1
    assert integration.get("/engagement/stats").status_code == 403


def test_containment_archives_one_entry_per_batch_and_every_batch_emits_one_event(app, world):
    a, b = world.a, world.b
    member_id, _ = add_member(app, a.tenant_id, "influencer")
    with app.app_context(), tenancy.scope(a.tenant_id):
        posts = [
            Post(
                member_id=member_id,
                platform="linkedin",
                locale="de",
                text=TEXT,
                status="published",
                published_at=clock.now(),
            )
            for _ in range(2)
        ]
        db.session.add_all(posts)
        db.session.flush()
        p1, p2 = (str(p.id) for p in posts)
        transactions.commit()
    before = a.api.get("/archive/verify").get_json()["entries"]
    body = _ingest(
        a.api, _obs(p1, "impressions", 10, T1), _obs(p1, "clicks", 1, T1), _obs(p2, "impressions", 4, T1)
    ).get_json()
    assert body == {"accepted": 3, "duplicates": 0}
    assert _ingest(a.api, _obs(p1, "impressions", 10, T1)).get_json() == {"accepted": 0, "duplicates": 1}
    verify = a.api.get("/archive/verify").get_json()
    assert verify["ok"] is True and verify["entries"] == before + 1
    events = _events(app, a.tenant_id, "engagement.metrics_recorded")
    assert len(events) == 1
    assert (
        events[0]["accepted"] == 3
        and events[0]["counts"] == {p1: 2, p2: 1}
        and events[0]["post_ids"] == sorted([p1, p2])
    )

    # Empowerment does not archive, but still emits.
    _, author = _member(app, b, "influencer")
    post_id = _published(author)
    assert _ingest(b.api, _obs(post_id, "impressions", 1, T1)).status_code == 200
    assert b.api.get("/archive/verify").get_json()["entries"] == 0
    assert len(_events(app, b.tenant_id, "engagement.metrics_recorded")) == 1


def test_me_stats_and_tenant_stats_computed_by_hand(app, world):
    a, b = world.a, world.b
    _settings(b.api, corporate_followers={"linkedin": 1000, "x": 400}, cpm=2550, cpc=120, currency="EUR")
    anna_id, anna = _member(app, b, "influencer")
    _, ben = _member(app, b, "influencer")
    _member(app, b, "influencer")  # active, never posts
    _account(anna, "linkedin", 800)
    _account(anna, "x", 300)
    _account(ben, "linkedin", 1500)

    a1 = _published(anna, "linkedin")
    a2 = _published(anna, "x")
    b1 = _published(ben, "linkedin")
    # Followers change after publication: the snapshot at publication counts.
    assert (
        anna.patch(
            f"/me/social-accounts/{anna.get('/me/social-accounts').get_json()[0]['id']}", json={"followers": 99999}
        ).status_code
        == 200
    )

    _ingest(
        b.api,
        _obs(a1, "impressions", 1000, T1),
        _obs(a1, "impressions", 1234, T2),
        _obs(a1, "reactions", 40, T2),
        _obs(a1, "comments", 5, T2),
        _obs(a1, "clicks", 7, T2),
        _obs(a2, "impressions", 567, T2),
        _obs(a2, "reshares", 3, T2),
        _obs(b1, "impressions", 2000, T2),
        _obs(b1, "clicks", 10, T2),
        _obs(b1, "reactions", 60, T2),
    )
    # A late, older observation of a1 changes nothing.
    _ingest(b.api, _obs(a1, "impressions", 5, T0))

    mine = anna.get("/me/stats").get_json()
    impressions, clicks = 1234 + 567, 7
    assert (mine["posts"], mine["impressions"], mine["reactions"], mine["comments"], mine["reshares"]) == (
        2,
        impressions,
        40,
        5,
        3,
    )
    assert mine["clicks"] == clicks + mine["tracked_clicks"]
    assert mine["potential_reach"] == 800 + 300
    # 2550 x 1801 / 1000 = 4592.55 -> 4593; + 120 x clicks
    assert mine["earned_media_value"] == 4593 + 120 * mine["clicks"] and mine["currency"] == "EUR"
    assert mine["engagement_rate"] == round((40 + 5 + 3) / impressions, 4)

    report = b.api.get("/engagement/stats").get_json()
    total_impressions = 1234 + 567 + 2000
    assert (report["posts"], report["impressions"], report["reactions"], report["platform_clicks"]) == (
        3,
        total_impressions,
        100,
        17,
    )
    assert report["potential_reach"] == 800 + 300 + 1500
    # 2550 x 3801 / 1000 = 9692.55 -> 9693
    assert report["earned_media_value"] == 9693 + 120 * report["clicks"]
    by_platform = {row["platform"]: row for row in report["reach_by_platform"]}
    assert by_platform["linkedin"] == {
        "platform": "linkedin",
        "posts": 2,
        "potential_reach": 2300,
        "corporate_followers": 1000,
        "amplification_factor": 2.3,
    }
    assert by_platform["x"] == {
        "platform": "x",
        "posts": 1,
        "potential_reach": 300,
        "corporate_followers": 400,
        "amplification_factor": 0.75,
    }
    assert report["amplification_factor"] == round(2600 / 1400, 2)
    # Active: the owner and three influencers; two of them published.
    assert (report["members_posting"], report["active_members"], report["participation_rate"]) == (2, 4, 0.5)

    # A period that ends before anything was published is empty.
    empty = b.api.get("/engagement/stats", query_string={"until": "2020-01-01T00:00:00Z"}).get_json()
    assert (empty["posts"], empty["impressions"], empty["members_posting"], empty["earned_media_value"]) == (0, 0, 0, 0)
    assert b.api.get("/engagement/stats", query_string={"since": T2, "until": T1}).status_code == 422

    # Tenant A sees none of it; another member sees only their own (nothing).
    a_report = a.api.get("/engagement/stats").get_json()
    assert (a_report["posts"], a_report["impressions"], a_report["potential_reach"]) == (0, 0, 0)
    assert a.api.get("/me/stats").get_json()["posts"] == 0
    assert b.api.get("/me/stats").get_json()["posts"] == 0


def test_potential_reach_falls_back_to_current_followers_when_no_snapshot(app, world):
    b = world.b
    member_id, author = _member(app, b, "influencer")
    _account(author, "linkedin", 250)
    post_id = _published(author)
    with app.app_context(), tenancy.scope(b.tenant_id):
        db.session.get(Post, uuid.UUID(post_id)).potential_reach = None
        transactions.commit()
    assert author.get("/me/stats").get_json()["potential_reach"] == 250


@pytest.mark.parametrize(
    ("impressions", "clicks", "cpm", "cpc", "expected"),
    [
        (0, 0, 2500, 100, 0),
        (1000, 0, 2500, 100, 2500),
        (1, 0, 500, 0, 1),  # 0.5 rounds half up
        (1, 0, 499, 0, 0),  # 0.499 rounds down
        (3, 0, 500, 0, 2),  # 1.5 -> 2
        (1801, 7, 2550, 120, 4593 + 840),
        (10, 5, 0, 0, 0),
    ],
)
def test_earned_media_value(impressions, clicks, cpm, cpc, expected):
    assert stats.earned_media_value(impressions, clicks, cpm, cpc) == expected


def test_amplification_factor():
    assert stats.amplification(2300, 1000) == 2.3
    assert stats.amplification(500, 0) is None
    assert stats.amplification(0, 10) == 0.0


@pytest.mark.parametrize(
    "item",
    [
        {
            "post_id": "0b6a3c3e-1f0e-4a43-9e55-0c0f4a0e2d11",
            "metric": "clicks",
            "value": 5,
            "observed_at": "2026-11-21T10:00:00Z",
        },
        {
            "post_id": "0B6A3C3E-1F0E-4A43-9E55-0C0F4A0E2D11",
            "metric": "impressions",
            "value": 0,
            "observed_at": "2026-11-21T12:30:00.123456+02:00",
        },
        {
            "post_id": "0b6a3c3e-1f0e-4a43-9e55-0c0f4a0e2d11",
            "metric": "reshares",
            "value": 2**53 - 1,
            "observed_at": "2026-11-21T10:00:00.5-03:30",
        },
    ],
)
def test_the_fast_path_parses_exactly_like_the_schema(item):
    from engagement.metrics.schemas import IngestSchema, ObservationSchema, _plain

    fast = _plain(item)
    slow = ObservationSchema().load(item)
    assert fast == slow and fast["observed_at"].utcoffset() == timedelta(0)
    assert IngestSchema().load({"observations": [item]})["observations"] == [slow]


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"post_id": "not-a-uuid", "metric": "clicks", "value": 5, "observed_at": T1}, "post_id"),
        (
            {"post_id": str(uuid.uuid4()), "metric": "clicks", "value": 5, "observed_at": "2026-02-30T10:00:00Z"},
            "observed_at",
        ),
        ({"post_id": str(uuid.uuid4()), "metric": "clicks", "value": 2**53, "observed_at": T1}, "value"),
        ({"post_id": str(uuid.uuid4()), "metric": "clicks", "value": 1, "observed_at": T1, "extra": 1}, "extra"),
        ({"post_id": str(uuid.uuid4()), "metric": {"a": 1}, "value": 1, "observed_at": T1}, "metric"),
        ({"post_id": str(uuid.uuid4()), "metric": "clicks", "value": 1, "observed_at": ["x"]}, "observed_at"),
    ],
)
def test_unusual_observations_fall_back_to_the_schema_and_its_errors(item, field):
    import marshmallow as ma

    from engagement.metrics.schemas import IngestSchema

    ok = {"post_id": str(uuid.uuid4()), "metric": "clicks", "value": 1, "observed_at": T1}
    with pytest.raises(ma.ValidationError) as refused:
        IngestSchema().load({"observations": [ok, item]})
    assert field in refused.value.messages["observations"][1]


def _statements_for(app, request) -> int:
    from sqlalchemy import event

    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = request()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.get_json()
    return len(seen)


def test_stats_take_the_same_number_of_queries_for_one_post_or_many(app, world):
    """Aggregates in SQL: the statements do not grow with the posts (no id lists in Python)."""
    b = world.b
    _, author = _member(app, b, "influencer")
    _published(author)
    b.api.get("/engagement/stats"), author.get("/me/stats")  # tokens' last_used_at recorded now, not below
    with app.app_context():
        few = (
            _statements_for(app, lambda: b.api.get("/engagement/stats")),
            _statements_for(app, lambda: author.get("/me/stats")),
        )
    for _ in range(6):
        _published(author)
    with app.app_context():
        many = (
            _statements_for(app, lambda: b.api.get("/engagement/stats")),
            _statements_for(app, lambda: author.get("/me/stats")),
        )
    assert many == few
    assert b.api.get("/engagement/stats").get_json()["posts"] == 7
