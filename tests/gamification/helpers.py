"""Members who train, post and get clicked, through the API (shared by the gamification tests)."""

from __future__ import annotations

import uuid

from app import tenancy, transactions
from app.db import db
from tenants.models import Member
from tests.factories import add_member
from tests.training.test_modules import answers, published_module

BROWSER = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"}


def influencer(app, tenant, *, name="Test Member", department=None, location=None, visible=True, locale="de"):
    """An active influencer (opted in to the leaderboard unless ``visible=False``) and their API client."""
    member_id, token = add_member(app, tenant.tenant_id, "influencer")
    with app.app_context(), tenancy.scope(tenant.tenant_id):
        member = db.session.get(Member, member_id)
        member.name, member.department, member.location, member.locale = name, department, location, locale
        member.leaderboard_visible = visible
        transactions.commit()
    api = tenant.api.as_(token)
    api.member_id = member_id
    return api


def publish_post(
    api, text="Heute auf der Messe: unser neues Gerät. https://example.com/geraet #Mitarbeiter", platform="linkedin"
):
    post = api.post("/posts", json={"platform": platform, "text": text})
    assert post.status_code == 201, post.get_json()
    post_id = post.get_json()["id"]
    submitted = api.post(f"/posts/{post_id}/submit")
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "approved", submitted.get_json()
    published = api.post(
        f"/posts/{post_id}/publications",
        json={"external_url": f"https://www.linkedin.com/feed/update/{uuid.uuid4().hex}"},
    )
    assert published.status_code in (200, 201), published.get_json()
    return published.get_json()


def click(client, post, visitor: int):
    """A unique visitor (by IP) follows the post's tracking link."""
    path = post["tracking_url"][post["tracking_url"].index("/r/") :]
    response = client.get(path, headers=BROWSER, environ_base={"REMOTE_ADDR": f"198.51.100.{visitor}"})
    assert response.status_code == 302


def pass_module(owner_api, member_api, **overrides):
    module = published_module(owner_api, **overrides)
    result = member_api.post(f"/training/modules/{module['id']}/attempts", json=answers(module)).get_json()
    assert result["passed"], result
    return module


def points(api) -> int:
    return api.get("/me/points").get_json()["total"]
