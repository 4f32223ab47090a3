"""Issue 6 end to end, through the API: a program lead publishes a targeted German/English
item, influencers in the target department see and share it, clicks through ``/r/{code}`` and
ingested metrics show up in ``/me/stats`` and in the tenant's reach figures."""

from __future__ import annotations

from app import tenancy, transactions
from app.db import db
from tenants.models import Member
from tests.factories import add_member

BROWSER = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"}
BOT = {"User-Agent": "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"}


def _influencer(app, tenant, department, locale, followers):
    member_id, token = add_member(app, tenant.tenant_id, "influencer")
    with app.app_context(), tenancy.scope(tenant.tenant_id):
        member = db.session.get(Member, member_id)
        member.department, member.locale = department, locale
        transactions.commit()
    api = tenant.api.as_(token)
    assert (
        api.post(
            "/me/social-accounts",
            json={"platform": "linkedin", "handle": f"h{member_id.hex[:6]}", "followers": followers},
        ).status_code
        == 201
    )
    return api


def test_a_targeted_item_is_shared_clicked_measured_and_counted_in_reach(app, world, client):
    b = world.b  # Empowerment: shares are approved on submit
    _, lead_token = add_member(app, b.tenant_id, "program_lead")
    lead = b.api.as_(lead_token)
    assert (
        b.api.patch(
            "/tenant", json={"settings": {"corporate_followers": {"linkedin": 500}, "cpm": 2000, "cpc": 100}}
        ).status_code
        == 200
    )
    item = lead.post(
        "/content",
        json={
            "title": "Neues Werk",
            "kind": "article",
            "url": "https://agentur-sued.example/werk",
            "captions": [
                {"locale": "de", "text": "Unser neues Werk ist eröffnet! #Mitarbeiter"},
                {"locale": "en", "text": "Our new plant is open! #employee"},
            ],
            "departments": ["Vertrieb"],
        },
    ).get_json()
    anna = _influencer(app, b, "Vertrieb", "de", 800)
    ben = _influencer(app, b, "Vertrieb", "en", 400)
    outsider = _influencer(app, b, "Einkauf", "de", 100)

    assert [i["id"] for i in outsider.get("/content").get_json()] == []
    feeds = {name: api.get("/content").get_json() for name, api in (("anna", anna), ("ben", ben))}
    assert [i["id"] for i in feeds["anna"]] == [i["id"] for i in feeds["ben"]] == [item["id"]]
    shares = {}
    for name, api in (("anna", anna), ("ben", ben)):
        share = api.post(f"/content/{item['id']}/shares", json={"platform": "linkedin"})
        assert share.status_code == 201, share.get_json()
        post = share.get_json()
        assert post["status"] == "approved" and post["content_id"] == item["id"]
        published = api.post(
            f"/posts/{post['id']}/publications", json={"external_url": f"https://www.linkedin.com/feed/update/{name}"}
        )
        shares[name] = published.get_json()
    assert "Werk" in shares["anna"]["text"] and "plant" in shares["ben"]["text"]  # each in their language
    assert anna.get("/content").get_json()[0]["shared_by_me"] is True
    report = lead.get(f"/content/{item['id']}/shares").get_json()
    assert {s["post_id"] for s in report} == {shares["anna"]["id"], shares["ben"]["id"]}

    link = shares["anna"]["tracking_url"]
    path = link[link.index("/r/") :]
    first = client.get(path, headers=BROWSER)
    assert first.status_code == 302 and first.headers["Location"].startswith(
        "https://agentur-sued.example/werk?utm_source=linkedin"
    )
    client.get(path, headers=BROWSER)  # the same visitor again: a click, not a unique one
    client.get(path, headers=BOT)  # a link preview: not counted

    observations = [
        {
            "post_id": shares["anna"]["id"],
            "metric": "impressions",
            "value": 1000,
            "observed_at": "2026-11-20T10:00:00Z",
        },
        {"post_id": shares["anna"]["id"], "metric": "reactions", "value": 40, "observed_at": "2026-11-20T10:00:00Z"},
        {"post_id": shares["ben"]["id"], "metric": "impressions", "value": 500, "observed_at": "2026-11-20T10:00:00Z"},
    ]
    assert lead.post("/engagement/metrics", json={"observations": observations}).get_json() == {
        "accepted": 3,
        "duplicates": 0,
    }

    mine = anna.get("/me/stats").get_json()
    assert (mine["impressions"], mine["reactions"], mine["potential_reach"]) == (1000, 40, 800)
    assert mine["clicks"] == 2
    tenant = lead.get("/engagement/stats").get_json()
    assert tenant["impressions"] == 1500 and tenant["potential_reach"] == 1200
    linkedin = next(p for p in tenant["reach_by_platform"] if p["platform"] == "linkedin")
    assert linkedin["corporate_followers"] == 500 and linkedin["amplification_factor"] == 2.4
    # Earned media value: 2000 x 1500 / 1000 + 100 x 2 clicks = 3,200 minor units.
    assert tenant["earned_media_value"] == 3200
