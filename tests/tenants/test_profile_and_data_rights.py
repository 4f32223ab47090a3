"""The member's own profile, social accounts, completeness, export and erasure."""

from __future__ import annotations

from tests.tenants.test_members import invite, join


def _active_member(world, anon):
    member = invite(world.a.api).get_json()
    return member, join(anon, member["invitation"]["token"]).get_json()["token"]


def test_profile_social_accounts_and_completeness(world, anon):
    member, token = _active_member(world, anon)
    me = anon.get("/me", token=token).get_json()
    assert me["profile_completeness"] == {
        "percent": 0,
        "complete": False,
        "missing": ["headline", "bio", "photo", "social_account"],
    }
    updated = anon.patch(
        "/me",
        token=token,
        json={
            "name": "Max M.",
            "locale": "en",
            "profile": {
                "headline": "MedTech sales",
                "bio": "Ich verkaufe Endoskope.",
                "photo_url": "https://cdn.example/max.jpg",
            },
        },
    )
    assert updated.status_code == 200 and updated.get_json()["profile_completeness"]["percent"] == 75
    assert anon.patch("/me", token=token, json={"profile": {"photo_url": "javascript:alert(1)"}}).status_code == 422
    assert anon.patch("/me", token=token, json={"email": "new@example.com"}).status_code == 422
    linkedin = anon.post(
        "/me/social-accounts", token=token, json={"platform": "linkedin", "handle": "max-m", "followers": 850}
    )
    assert linkedin.status_code == 201
    assert (
        anon.post("/me/social-accounts", token=token, json={"platform": "linkedin", "handle": "again"}).status_code
        == 409
    )
    assert anon.post("/me/social-accounts", token=token, json={"platform": "myspace", "handle": "x"}).status_code == 422
    assert (
        anon.post(
            "/me/social-accounts", token=token, json={"platform": "xing", "handle": "x", "followers": -1}
        ).status_code
        == 422
    )
    anon.post("/me/social-accounts", token=token, json={"platform": "xing", "handle": "max_m", "followers": 150})
    me = anon.get("/me", token=token).get_json()
    assert me["profile_completeness"]["complete"] is True and me["potential_reach"] == 1000
    account_id = linkedin.get_json()["id"]
    assert (
        anon.patch(f"/me/social-accounts/{account_id}", token=token, json={"followers": 900}).get_json()["followers"]
        == 900
    )
    # another member, even the owner, cannot touch it through /me
    assert world.a.api.patch(f"/me/social-accounts/{account_id}", json={"followers": 1}).status_code == 404
    assert anon.delete(f"/me/social-accounts/{account_id}", token=token).status_code == 204
    assert [a["platform"] for a in anon.get("/me/social-accounts", token=token).get_json()] == ["xing"]


def test_export_contains_the_members_data(world, anon):
    member, token = _active_member(world, anon)
    anon.post("/me/social-accounts", token=token, json={"platform": "x", "handle": "maxm", "followers": 42})
    export = anon.get("/me/export", token=token).get_json()
    assert export["member"]["email"] == "max.mustermann@medtech-nord.example"
    assert export["social_accounts"][0]["handle"] == "maxm"
    assert export["consent_history"][0]["source"] == "invitation"
    assert export["exported_at"].endswith("Z")
    assert "token_hash" not in str(export)
    exported = world.a.api.get("/audit-events", query_string={"action": "member.exported"}).get_json()["items"]
    assert [e["actor_member_id"] for e in exported] == [member["id"]]


def test_erase_keeps_a_pseudonym_and_removes_personal_data(world, anon, app):
    member, token = _active_member(world, anon)
    anon.post("/me/social-accounts", token=token, json={"platform": "x", "handle": "maxm", "followers": 42})
    erased = world.a.api.post(f"/members/{member['id']}/erase")
    assert erased.status_code == 200
    body = erased.get_json()
    assert body["status"] == "offboarded" and body["name"].startswith("member-")
    assert "mustermann" not in str(body).lower()
    assert anon.get("/me", token=token).status_code == 401
    events = world.a.api.get("/audit-events").get_json()["items"]
    assert events[0]["action"] == "member.erased"
    assert "mustermann" not in str(events).lower()
    from tests.factories import add_member

    _, hr = add_member(app, world.a.tenant_id, "hr")
    assert world.a.api.as_(hr).post(f"/members/{member['id']}/erase").status_code == 403
