"""Enrolment through the API: invite, accept with consent, roles, lifecycle, seats."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import text

from app import clock
from tests.factories import add_member


def invite(api, email="max.mustermann@medtech-nord.example", **fields):
    body = {"email": email, "name": fields.pop("name", "Max Mustermann"), **fields}
    return api.post("/members", json=body)


def join(anon, invitation_token, leaderboard_visible=False):
    return anon.post(
        "/invitations/accept",
        json={
            "token": invitation_token,
            "consent": {"participation": True, "leaderboard_visible": leaderboard_visible},
        },
    )


def test_invite_accept_with_consent_activates(world, anon, app, owner_engine, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    created = invite(world.a.api, department="Vertrieb", location="Hamburg", locale="de", title="Key Account Manager")
    assert created.status_code == 201
    member = created.get_json()
    assert member["status"] == "invited" and member["roles"] == ["influencer"]
    assert member["invitation"]["token"].startswith("inv_")
    assert "invitation" not in world.a.api.get(f"/members/{member['id']}").get_json()
    [mail] = smtp_server.inbox.wait_for(1)
    assert mail.rcpt_tos == ["max.mustermann@medtech-nord.example"]
    assert "Einladung" in mail.message["Subject"] and member["invitation"]["token"] in mail.message.get_content()
    with owner_engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash, email_status, email_attempts FROM invitations")).one()
        assert tuple(stored) == (hashlib.sha256(member["invitation"]["token"].encode()).hexdigest(), "sent", 1)
        bodies = connection.execute(text("SELECT body_text FROM email_messages")).scalars().all()
    assert not any(member["invitation"]["token"] in body for body in bodies)  # the secret is stored nowhere

    no_consent = anon.post(
        "/invitations/accept", json={"token": member["invitation"]["token"], "consent": {"participation": False}}
    )
    assert no_consent.status_code == 422
    assert world.a.api.get(f"/members/{member['id']}").get_json()["status"] == "invited"

    accepted = join(anon, member["invitation"]["token"], leaderboard_visible=True)
    assert accepted.status_code == 200
    body = accepted.get_json()
    assert body["member"]["status"] == "active" and body["member"]["leaderboard_visible"] is True
    me = anon.get("/me", token=body["token"]).get_json()
    assert me["id"] == member["id"]
    assert join(anon, member["invitation"]["token"]).status_code == 410


def test_english_invitation_and_expiry_and_resend(world, anon, app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    member = invite(world.a.api, email="jane@medtech-nord.example", name="Jane Doe", locale="en").get_json()
    [mail] = smtp_server.inbox.wait_for(1)
    assert mail.message["Subject"].startswith("Your invitation") and "Hello Jane Doe" in mail.message.get_content()
    with clock.frozen(clock.now() + timedelta(days=15)):
        assert join(anon, member["invitation"]["token"]).status_code == 410
    resent = world.a.api.post(f"/members/{member['id']}/invitations")
    assert resent.status_code == 201
    assert join(anon, member["invitation"]["token"]).status_code == 410  # replaced
    assert join(anon, resent.get_json()["invitation"]["token"]).status_code == 200
    assert world.a.api.post(f"/members/{member['id']}/invitations").status_code == 409
    assert (
        anon.post(
            "/invitations/accept", json={"token": "inv_unknownunknownunknown", "consent": {"participation": True}}
        ).status_code
        == 404
    )


def test_invitation_ttl_follows_the_tenant_setting(world, anon):
    world.a.api.patch("/tenant", json={"settings": {"invitation_ttl_days": 2}})
    member = invite(world.a.api).get_json()
    with clock.frozen(clock.now() + timedelta(days=3)):
        assert join(anon, member["invitation"]["token"]).status_code == 410


def test_bad_input_and_duplicates(world):
    bad = world.a.api.post("/members", json={"email": "not-an-email", "name": "", "roles": ["wizard"], "shoe_size": 44})
    assert bad.status_code == 422
    assert {"email", "name", "roles", "shoe_size"} <= set(bad.get_json()["errors"]["json"])
    assert invite(world.a.api).status_code == 201
    assert invite(world.a.api, email="MAX.Mustermann@medtech-nord.example").status_code == 409
    # the same person may be invited by another tenant
    assert invite(world.b.api).status_code == 201


def test_roles_only_by_owner_or_admin_and_the_last_owner_stays(world, app):
    _, hr = add_member(app, world.a.tenant_id, "hr")
    as_hr = world.a.api.as_(hr)
    assert invite(as_hr, roles=["approver"]).status_code == 403
    member = invite(as_hr, email="inf@medtech-nord.example").get_json()
    assert as_hr.patch(f"/members/{member['id']}", json={"roles": ["admin"]}).status_code == 403
    assert (
        as_hr.patch(f"/members/{member['id']}", json={"department": "Marketing"}).get_json()["department"]
        == "Marketing"
    )
    promoted = world.a.api.patch(f"/members/{member['id']}", json={"roles": ["influencer", "approver"]})
    assert promoted.status_code == 200 and promoted.get_json()["roles"] == ["approver", "influencer"]
    demote_self = world.a.api.patch(f"/members/{world.a.owner_id}", json={"roles": ["admin"]})
    assert demote_self.status_code == 409
    assert world.a.api.post(f"/members/{world.a.owner_id}/offboard").status_code == 409
    audit = world.a.api.get("/audit-events", query_string={"action": "member.updated"}).get_json()["items"]
    assert any(e["after"].get("roles") == ["approver", "influencer"] for e in audit)
    assert all("email" not in (e["after"] or {}) for e in audit)


def test_lifecycle_pause_reactivate_offboard(world, anon, app):
    member = invite(world.a.api).get_json()
    token = join(anon, member["invitation"]["token"]).get_json()["token"]
    path = f"/members/{member['id']}"
    assert world.a.api.post(f"{path}/reactivate").status_code == 409
    assert world.a.api.post(f"{path}/pause").get_json()["status"] == "paused"
    assert anon.get("/me/eligibility", token=token).get_json()["can_post"] is False
    assert world.a.api.post(f"{path}/reactivate").get_json()["status"] == "active"
    assert world.a.api.post(f"{path}/offboard").get_json()["status"] == "offboarded"
    assert anon.get("/me", token=token).status_code == 401
    assert world.a.api.patch(path, json={"name": "Nope"}).status_code == 409
    assert world.a.api.post(f"{path}/offboard").status_code == 409
    assert world.a.api.post(f"{path}/pause").status_code == 409
    assert world.a.api.get(path).get_json()["name"] == "Max Mustermann"  # history kept


def test_pause_keeps_its_reason_as_pause_note_until_reactivation(world, anon, app):
    member_id, _ = add_member(app, world.a.tenant_id, "influencer")
    path = f"/members/{member_id}"
    too_long = world.a.api.post(f"{path}/pause", json={"reason": "x" * 501})
    assert too_long.status_code == 422 and "reason" in too_long.get_json()["errors"]["json"]
    paused = world.a.api.post(f"{path}/pause", json={"reason": "  Elternzeit bis März  "})
    assert paused.status_code == 200
    assert (paused.get_json()["status"], paused.get_json()["pause_note"]) == ("paused", "Elternzeit bis März")
    assert world.a.api.get(path).get_json()["pause_note"] == "Elternzeit bis März"
    assert world.b.api.post(f"{path}/pause", json={"reason": "fremd"}).status_code == 404
    assert world.a.api.post(f"{path}/reactivate").get_json()["pause_note"] is None
    assert world.a.api.post(f"{path}/pause").get_json()["pause_note"] is None  # a reason stays optional


def test_member_text_fields_are_trimmed_and_blank_is_none_or_422(world, anon, app):
    created = invite(world.a.api, name="  Max Mustermann ", department="   ", location=" Hamburg\t", title="\u3000")
    assert created.status_code == 201
    member = created.get_json()
    assert (member["name"], member["department"], member["location"], member["title"]) == (
        "Max Mustermann",
        None,
        "Hamburg",
        None,
    )
    blank_name = invite(world.a.api, email="blank@medtech-nord.example", name=" \t ")
    assert blank_name.status_code == 422 and "name" in blank_name.get_json()["errors"]["json"]
    path = f"/members/{member['id']}"
    assert world.a.api.patch(path, json={"department": " Vertrieb "}).get_json()["department"] == "Vertrieb"
    assert world.a.api.patch(path, json={"department": "  "}).get_json()["department"] is None
    patched = world.a.api.patch(path, json={"name": "   "})
    assert patched.status_code == 422 and "name" in patched.get_json()["errors"]["json"]
    token = join(anon, member["invitation"]["token"]).get_json()["token"]
    me = anon.patch("/me", token=token, json={"name": " Max ", "profile": {"headline": "  ", "bio": " Vertrieb. "}})
    assert me.status_code == 200
    assert (me.get_json()["name"], me.get_json()["profile"]["headline"], me.get_json()["profile"]["bio"]) == (
        "Max",
        None,
        "Vertrieb.",
    )
    assert anon.patch("/me", token=token, json={"name": "\n"}).status_code == 422
    account = anon.post("/me/social-accounts", token=token, json={"platform": "linkedin", "handle": "  "})
    assert account.status_code == 422 and "handle" in account.get_json()["errors"]["json"]


def test_consent_withdrawal_pauses_and_only_the_member_can_rejoin(world, anon):
    member = invite(world.a.api).get_json()
    token = join(anon, member["invitation"]["token"], leaderboard_visible=True).get_json()["token"]
    withdrawn = anon.put("/me/consent", token=token, json={"participation": False})
    assert withdrawn.get_json()["status"] == "paused" and withdrawn.get_json()["leaderboard_visible"] is False
    eligibility = anon.get("/me/eligibility", token=token).get_json()
    assert eligibility == {
        "can_post": False,
        "missing": ["consent", "active_status"],
        "details": eligibility["details"],
    }
    assert world.a.api.post(f"/members/{member['id']}/reactivate").status_code == 409
    back = anon.put("/me/consent", token=token, json={"participation": True, "leaderboard_visible": False})
    assert back.get_json()["status"] == "active"
    history = anon.get("/me/consent", token=token).get_json()
    assert [(h["participation"], h["source"]) for h in history] == [
        (True, "invitation"),
        (False, "self"),
        (True, "self"),
    ]
    assert anon.get("/me/eligibility", token=token).get_json() == {"can_post": True, "missing": [], "details": []}


def test_seat_limit_answers_402(world, owner_engine):
    with owner_engine.begin() as connection:
        connection.execute(text("UPDATE tenants SET seat_limit = 2"))
    assert invite(world.a.api, email="one@medtech-nord.example").status_code == 201
    full = invite(world.a.api, email="two@medtech-nord.example")
    assert full.status_code == 402 and "Seat limit" in full.get_json()["message"]
    assert world.a.api.get("/tenant").get_json()["seats"] == {"limit": 2, "used": 2}


def test_list_filters_and_pagination(world, app):
    for i in range(12):
        invite(
            world.a.api,
            email=f"p{i}@medtech-nord.example",
            name=f"Person {i}",
            department="Vertrieb" if i % 2 else "Marketing",
        )
    add_member(app, world.a.tenant_id, "approver", email="approver@medtech-nord.example")
    page = world.a.api.get("/members", query_string={"page_size": 5, "page": 2})
    assert page.status_code == 200 and len(page.get_json()) == 5
    pagination = page.headers["X-Pagination"]
    assert '"total": 14' in pagination
    sales = world.a.api.get("/members", query_string={"department": "Vertrieb", "page_size": 100}).get_json()
    assert len(sales) == 6
    approvers = world.a.api.get("/members", query_string={"role": "approver"}).get_json()
    assert [m["email"] for m in approvers] == ["approver@medtech-nord.example"]
    found = world.a.api.get("/members", query_string={"q": "person 1"}).get_json()
    assert {m["name"] for m in found} == {"Person 1", "Person 10", "Person 11"}
    assert world.a.api.get("/members", query_string={"status": "zombie"}).status_code == 422
    assert (
        world.b.api.get("/members", query_string={"page_size": 100}).get_json()[0]["email"]
        == "owner@agentur-sued.example"
    )


@pytest.mark.parametrize("role", ["influencer", "approver"])
def test_members_are_staff_only(world, app, role):
    _, token = add_member(app, world.a.tenant_id, role)
    assert world.a.api.as_(token).get("/members").status_code == 403
    assert invite(world.a.api.as_(token)).status_code == 403
