"""Engagement answers that must agree with each other (issue 13, item 8): publication under the
current governance policy, the same tracking_url from a share and from GET /posts/{id}, the
author shown to approvers, click days in the tenant's time zone and clicks counted once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app import clock, tenancy, transactions
from app.db import db
from app.events import OutboxEvent
from tenants.models import Member
from tests.factories import add_member

TEXT = "Heute auf dem Sommerfest unseres Teams in Hamburg: danke an alle! https://example.com/sommerfest"
CAPTION = "Unser neues Werk in Hamburg ist eröffnet. #Mitarbeiter"
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def _member(app, tenant, *roles, name="Test Member"):
    member_id, token = add_member(app, tenant.tenant_id, *roles)
    with app.app_context(), tenancy.scope(tenant.tenant_id):
        db.session.get(Member, member_id).name = name
        transactions.commit()
    return member_id, tenant.api.as_(token)


def _approve_all(app, tenant, post: dict) -> dict:
    """Take a pending post through every level of its chain."""
    while post["status"] == "pending_approval":
        _, approver = _member(app, tenant, post["awaiting_role"])
        response = approver.post(f"/posts/{post['id']}/decisions", json={"decision": "approve", "comment": "ok"})
        assert response.status_code == 200, response.get_json()
        post = response.get_json()
    return post


def _approved(app, tenant, author, platform="linkedin", text=TEXT) -> dict:
    draft = author.post("/posts", json={"platform": platform, "text": text})
    assert draft.status_code == 201, draft.get_json()
    post = _approve_all(app, tenant, author.post(f"/posts/{draft.get_json()['id']}/submit").get_json())
    assert post["status"] == "approved", post
    return post


def _publish(author, post_id):
    return author.post(f"/posts/{post_id}/publications", json={"external_url": "https://www.instagram.com/p/1"})


def _click(client, tracking_url, ip):
    code = tracking_url.rsplit("/", 1)[1]
    response = client.get(f"/r/{code}", headers={"User-Agent": BROWSER}, environ_base={"REMOTE_ADDR": ip})
    assert response.status_code == 302


def test_publication_rechecks_the_current_governance_policy(app, world):
    b = world.b  # Empowerment: every platform
    _, author = _member(app, b, "influencer")
    instagram = _approved(app, b, author, "instagram")
    linkedin = _approved(app, b, author, "linkedin")
    switched = b.api.put("/tenant/governance", json={"mode": "containment", "reason": "Neue Kundin aus der Pharma"})
    assert switched.status_code == 200, switched.get_json()
    assert "instagram" not in switched.get_json()["policy"]["allowed_platforms"]

    # Whatever happened to the approvals since (the switch sends them through the chain), an
    # Instagram post is not published under a policy that allows only LinkedIn, XING and X.
    instagram = _approve_all(app, b, b.api.get(f"/posts/{instagram['id']}").get_json())
    refused = _publish(author, instagram["id"])
    assert refused.status_code == 403, refused.get_json()
    body = refused.get_json()
    assert (body["code"], body["status"]) == (403, "Forbidden") and "instagram" in body["message"]
    assert author.get(f"/posts/{instagram['id']}").get_json()["status"] == "approved"

    linkedin = _approve_all(app, b, b.api.get(f"/posts/{linkedin['id']}").get_json())
    assert _publish(author, linkedin["id"]).status_code == 201


def test_a_share_answers_with_the_tracking_url_get_post_shows(app, world):
    b = world.b
    item = b.api.post(
        "/content",
        json={
            "title": "Werk",
            "kind": "article",
            "url": "https://example.com/werk",
            "captions": [{"locale": "de", "text": CAPTION}],
        },
    ).get_json()
    _, author = _member(app, b, "influencer")
    shared = author.post(f"/content/{item['id']}/shares", json={"platform": "linkedin"})
    assert shared.status_code == 201, shared.get_json()
    post = shared.get_json()
    assert post["status"] == "approved" and post["tracking_url"]
    assert author.get(f"/posts/{post['id']}").get_json()["tracking_url"] == post["tracking_url"]


def test_approvers_see_who_wrote_the_post_they_decide(app, world):
    a = world.a  # Containment: every post waits for the chain
    author_id, author = _member(app, a, "influencer", name="Anna Autorin")
    draft = author.post("/posts", json={"platform": "linkedin", "text": TEXT}).get_json()
    assert draft["author"] == {"id": str(author_id), "name": "Anna Autorin"}
    pending = author.post(f"/posts/{draft['id']}/submit").get_json()
    assert pending["status"] == "pending_approval", pending

    _, approver = _member(app, a, pending["awaiting_role"])
    queue = approver.get("/posts", query_string={"queue": "true"})
    assert queue.status_code == 200
    assert [(p["id"], p["author"]) for p in queue.get_json()] == [
        (draft["id"], {"id": str(author_id), "name": "Anna Autorin"})
    ]
    assert approver.get(f"/posts/{draft['id']}").get_json()["author"]["name"] == "Anna Autorin"


def test_click_days_are_the_tenants_calendar_days(app, world, client):
    b = world.b
    assert b.api.patch("/tenant", json={"settings": {"timezone": "America/New_York"}}).status_code == 200
    _, author = _member(app, b, "influencer")
    post = _approved(app, b, author)
    # 03:30 UTC on 24 November is 22:30 on 23 November in New York.
    with clock.frozen(datetime(2026, 11, 24, 3, 30, tzinfo=UTC)):
        _click(client, post["tracking_url"], "203.0.113.7")
    with clock.frozen(datetime(2026, 11, 24, 5, 30, tzinfo=UTC)):  # 00:30 on the 24th there
        _click(client, post["tracking_url"], "203.0.113.7")

    report = b.api.get(f"/engagement/links/{post['id']}").get_json()
    assert report["days"] == [
        {"day": "2026-11-24", "clicks": 1, "unique_clicks": 1},
        {"day": "2026-11-23", "clicks": 1, "unique_clicks": 1},
    ]
    with app.app_context(), tenancy.scope(b.tenant_id):
        days = [
            e.payload["day"]
            for e in db.session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.name == "engagement.link_clicked")
                .order_by(OutboxEvent.created_at)
            )
        ]
    assert days == ["2026-11-23", "2026-11-24"]


def test_platform_and_tracked_clicks_are_reported_apart_and_valued_once(app, world, client):
    b = world.b
    assert b.api.patch("/tenant", json={"settings": {"cpm": 0, "cpc": 100}}).status_code == 200
    _, author = _member(app, b, "influencer")
    posts = [_approved(app, b, author) for _ in range(2)]
    for post in posts:
        assert _publish(author, post["id"]).status_code == 201
    first, second = posts
    for n in range(6):
        _click(client, first["tracking_url"], f"203.0.113.{n + 1}")
    for n in range(2):
        _click(client, second["tracking_url"], f"198.51.100.{n + 1}")
    observations = [
        {"post_id": first["id"], "metric": "clicks", "value": 4, "observed_at": "2026-11-21T10:00:00Z"},
        {"post_id": second["id"], "metric": "clicks", "value": 10, "observed_at": "2026-11-21T10:00:00Z"},
    ]
    assert b.api.post("/engagement/metrics", json={"observations": observations}).status_code == 200

    for stats in (author.get("/me/stats").get_json(), b.api.get("/engagement/stats").get_json()):
        assert (stats["platform_clicks"], stats["tracked_clicks"], stats["unique_clicks"]) == (14, 8, 8)
        # Per post the larger count: max(4, 6) + max(10, 2); the sum 22 would count clicks twice.
        assert stats["clicks"] == 6 + 10
        assert stats["earned_media_value"] == 100 * 16
