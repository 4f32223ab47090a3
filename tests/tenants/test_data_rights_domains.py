"""Data subject rights across domains: the export holds posts, quiz attempts and guideline
acknowledgements; staff export a member's data; erasure reaches the email outbox."""

from __future__ import annotations

import uuid

from app import notifications, transactions
from app.notifications import EmailMessage
from tests.factories import add_member
from tests.jobs_support import as_tenant, rows
from tests.training.test_guidelines import enrol, publish
from tests.training.test_modules import answers, published_module

EMAIL = "max.mustermann@medtech-nord.example"


def _member_with_history(world, anon):
    """An active member with a passed quiz, an acknowledged guideline and a draft post."""
    member_id, member = enrol(world.a.api, anon, EMAIL, name="Max Mustermann")
    module = published_module(world.a.api)
    assert member.post(f"/training/modules/{module['id']}/attempts", json=answers(module)).status_code == 201
    guideline = publish(world.a.api).get_json()
    assert member.post(f"/guidelines/{guideline['id']}/acknowledgements").status_code == 201
    post = member.post("/posts", json={"platform": "linkedin", "text": "Unser neues Endoskop ist da."})
    assert post.status_code == 201
    return member_id, member, module, guideline, post.get_json()


def test_own_export_holds_posts_quiz_attempts_and_guideline_acknowledgements(world, anon):
    _, member, module, guideline, post = _member_with_history(world, anon)
    export = member.get("/me/export").get_json()
    [exported_post] = export["posts"]["posts"]
    assert exported_post["id"] == post["id"] and exported_post["text"] == "Unser neues Endoskop ist da."
    assert exported_post["status"] == "draft" and export["posts"]["approval_decisions"] == []
    [attempt] = export["training"]["quiz_attempts"]
    assert attempt["module_id"] == module["id"] and attempt["passed"] is True and attempt["score"] == 100
    assert attempt["at"].endswith("Z")
    [ack] = export["training"]["guideline_acknowledgements"]
    assert (ack["guideline_id"], ack["version"], ack["title"]) == (guideline["id"], 1, guideline["title"])
    assert "gamification" in export  # the earlier extension point still contributes


def test_people_admins_export_a_members_data_also_after_offboarding(world, app, anon):
    member_id, _, _, _, post = _member_with_history(world, anon)
    assert world.a.api.post(f"/members/{member_id}/offboard").status_code == 200
    hr_id, hr = add_member(app, world.a.tenant_id, "hr")
    export = world.a.api.as_(hr).get(f"/members/{member_id}/export")
    assert export.status_code == 200
    body = export.get_json()
    assert body["member"]["status"] == "offboarded" and body["member"]["email"] == EMAIL
    assert [p["id"] for p in body["posts"]["posts"]] == [post["id"]]
    audit = world.a.api.get("/audit-events", query_string={"action": "member.exported"}).get_json()["items"]
    assert [(e["actor_member_id"], e["target_id"]) for e in audit] == [(str(hr_id), member_id)]

    for role in ("program_lead", "influencer", "approver"):
        _, token = add_member(app, world.a.tenant_id, role)
        assert world.a.api.as_(token).get(f"/members/{member_id}/export").status_code == 403
    assert world.b.api.get(f"/members/{member_id}/export").status_code == 404
    assert world.a.api.get(f"/members/{uuid.uuid4()}/export").status_code == 404


def test_erasure_pseudonymises_the_members_outbox_emails(world, app, anon, smtp_server):
    member_id, _, _, _, _ = _member_with_history(world, anon)
    with as_tenant(app, world.a.tenant_id):
        to_member = notifications.queue_email(EMAIL, "Erinnerung", "Hallo Max Mustermann,\n...", kind="test")
        about_member = notifications.queue_email(
            "hr@medtech-nord.example", "Wochenbericht", "- Max Mustermann (Vertrieb): Markenwerte\n", kind="test"
        )
        unrelated = notifications.queue_email("hr@medtech-nord.example", "Hallo", "Nichts Persönliches", kind="test")
        ids = [to_member.id, about_member.id, unrelated.id]
        transactions.commit()

    assert world.a.api.post(f"/members/{member_id}/erase").status_code == 200
    stored = {m.id: m for m in rows(app, world.a.tenant_id, EmailMessage, EmailMessage.id.in_(ids))}
    label = world.a.api.get(f"/members/{member_id}").get_json()["name"]
    assert stored[to_member.id].to_address == f"{label}@erased.invalid"
    assert stored[to_member.id].status == "cancelled"  # nobody left to receive it
    assert stored[to_member.id].body_text == f"Hallo {label},\n..."
    assert stored[about_member.id].body_text == f"- {label} (Vertrieb): Markenwerte\n"
    assert stored[about_member.id].to_address == "hr@medtech-nord.example"
    assert stored[unrelated.id].body_text == "Nichts Persönliches"
    assert "mustermann" not in " ".join(f"{m.to_address} {m.subject} {m.body_text}" for m in stored.values()).lower()

    app.config["SMTP_URL"] = smtp_server.url
    with as_tenant(app, world.a.tenant_id):
        notifications.send(str(to_member.id))  # a retry after erasure sends nothing
        transactions.commit()
    assert smtp_server.inbox.messages == []
