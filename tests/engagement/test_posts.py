"""Posts through the API: the workflow in both governance modes, the approval chain, four-eyes,
eligibility, bad input, the mode switch, reminders and the archive trail."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sqlalchemy import select, text

from app import clock, tenancy, transactions
from app.db import db
from app.events import OutboxEvent
from app.notifications import EmailMessage
from engagement.posts import reminders
from tests.factories import add_member
from tests.test_localdates import ISO_TIME, LOCAL_TIME

CURE = "Unser neues Kniegelenk heilt Arthrose garantiert und ganz ohne Nebenwirkungen! #Mitarbeiter"
CORRECTED = "Unser neues Kniegelenk ist da: mehr dazu bei Ihrer Orthopädin oder Ihrem Orthopäden. #Mitarbeiter"
ORDINARY = "Heute auf dem Sommerfest unseres Teams in Hamburg: danke an alle, die dabei waren! #Mitarbeiter"
TWO_LEVELS = {"levels": [{"name": "Fachabteilung", "role": "program_lead"}, {"name": "Compliance", "role": "approver"}]}


def _member(app, world_tenant, *roles):
    member_id, token = add_member(app, world_tenant.tenant_id, *roles)
    return member_id, world_tenant.api.as_(token)


def _events(app, tenant_id, name):
    with app.app_context(), tenancy.scope(tenant_id):
        return [e.payload for e in db.session.scalars(select(OutboxEvent).where(OutboxEvent.name == name))]


def _draft(api, text_=ORDINARY, platform="linkedin", **extra):
    response = api.post("/posts", json={"platform": platform, "text": text_, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_containment_chain_blocks_a_cure_promise_until_both_levels_approve_a_corrected_text(app, world, owner_engine):
    a = world.a
    assert a.api.put("/governance/approval-chain", json=TWO_LEVELS).status_code == 200
    assert a.api.post("/compliance/presets/healthcare_de").status_code in (200, 201)
    author_id, author = _member(app, a, "influencer")
    _, lead = _member(app, a, "program_lead")
    _, approver = _member(app, a, "approver")
    _, lead_and_approver = _member(app, a, "program_lead", "approver")

    # Eligibility gates submission: the current guideline must be acknowledged first.
    guideline = a.api.post(
        "/guidelines", json={"title": "Leitlinie", "body": "Sachlich bleiben.", "locale": "de"}
    ).get_json()
    post = _draft(author, CURE)
    assert post["status"] == "draft" and any(f["severity"] == "block" for f in post["findings"])
    refused = author.post(f"/posts/{post['id']}/submit")
    assert refused.status_code == 403 and refused.get_json()["missing"] == ["guideline_acknowledgement"]
    assert author.post(f"/guidelines/{guideline['id']}/acknowledgements").status_code == 201

    post = author.post(f"/posts/{post['id']}/submit").get_json()
    assert (post["status"], post["current_level"], post["awaiting_role"]) == ("pending_approval", 1, "program_lead")

    # Level 1 belongs to program leads: the approver and the author cannot decide it.
    assert approver.post(f"/posts/{post['id']}/decisions", json={"decision": "approve"}).status_code == 403
    assert author.post(f"/posts/{post['id']}/decisions", json={"decision": "approve"}).status_code == 403
    queue = lead.get("/posts", query_string={"queue": "true"}).get_json()
    assert [p["id"] for p in queue] == [post["id"]] and queue[0]["findings"] == post["findings"]
    assert approver.get("/posts", query_string={"queue": "true"}).get_json() == []
    # Approving a blocked text needs a reason; the lead rejects it instead.
    assert lead.post(f"/posts/{post['id']}/decisions", json={"decision": "approve"}).status_code == 422
    rejected = lead.post(
        f"/posts/{post['id']}/decisions", json={"decision": "reject", "comment": "Heilversprechen (HWG)"}
    ).get_json()
    assert rejected["status"] == "rejected"

    corrected = author.patch(f"/posts/{post['id']}", json={"text": CORRECTED}).get_json()
    assert corrected["version"] == 2 and not any(f["severity"] == "block" for f in corrected["findings"])
    resubmitted = author.post(f"/posts/{post['id']}/submit").get_json()
    assert (resubmitted["status"], resubmitted["current_level"], resubmitted["round"]) == ("pending_approval", 1, 2)

    # Four-eyes: who decided level 1 cannot also decide level 2, even holding its role.
    assert (
        lead_and_approver.post(f"/posts/{post['id']}/decisions", json={"decision": "approve"}).get_json()[
            "current_level"
        ]
        == 2
    )
    second = lead_and_approver.post(f"/posts/{post['id']}/decisions", json={"decision": "approve"})
    assert second.status_code == 403 and "Four-eyes" in second.get_json()["message"]
    approved = approver.post(f"/posts/{post['id']}/decisions", json={"decision": "approve", "comment": "ok"}).get_json()
    assert (approved["status"], approved["approval_route"]) == ("approved", "chain")

    published = author.post(
        f"/posts/{post['id']}/publications", json={"external_url": "https://www.linkedin.com/feed/update/1"}
    )
    assert published.status_code == 201 and published.get_json()["status"] == "published"

    decisions = author.get(f"/posts/{post['id']}/decisions").get_json()
    assert [(d["round"], d["level"], d["decision"]) for d in decisions] == [
        (1, 1, "reject"),
        (2, 1, "approve"),
        (2, 2, "approve"),
    ]
    assert [v["version"] for v in author.get(f"/posts/{post['id']}/versions").get_json()] == [1, 2]
    for name in ("engagement.post_submitted", "engagement.post_approved", "engagement.post_published"):
        assert any(e["post_id"] == post["id"] for e in _events(app, a.tenant_id, name)), name

    # The archive proves the whole history and notices a tampered entry.
    kinds = [e["kind"] for e in _archive_entries(a.api)]
    for kind in ("post.version", "post.submitted", "post.decision", "post.approved", "post.published"):
        assert kind in kinds, kind
    assert a.api.get("/archive/verify").get_json()["ok"] is True
    with owner_engine.begin() as connection:
        connection.execute(
            text("UPDATE archive_entries SET payload = :payload WHERE tenant_id = :tenant AND kind = 'post.published'"),
            {
                "payload": '{"text": "harmlos"}',
                "tenant": a.tenant_id.hex if owner_engine.dialect.name == "sqlite" else str(a.tenant_id),
            },
        )
    verdict = a.api.get("/archive/verify").get_json()
    assert verdict["ok"] is False and verdict["first_bad_entry"]
    assert world.b.api.get("/archive/verify").get_json()["ok"] is True


def _archive_entries(api) -> list[dict]:
    entries, cursor = [], None
    while True:
        page = api.get("/archive", query_string={"cursor": cursor} if cursor else {}).get_json()
        entries += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return entries


def test_empowerment_publishes_an_ordinary_post_straight_away(app, world):
    b = world.b
    _, author = _member(app, b, "influencer")
    post = author.post(f"/posts/{_draft(author)['id']}/submit").get_json()
    assert (post["status"], post["approval_route"], post["current_level"]) == ("approved", "automatic", None)
    published = author.post(f"/posts/{post['id']}/publications", json={"external_url": "https://x.com/i/status/1"})
    assert published.get_json()["status"] == "published"
    assert b.api.get("/archive/verify").get_json()["entries"] == 0  # Empowerment does not archive
    assert post["tracking_url"] is None  # no link in the text, no content item: nothing to track

    linked = author.post(
        f"/posts/{_draft(author, ORDINARY + ' Fotos: https://agentur-sued.example/sommerfest?id=7.')['id']}/submit"
    ).get_json()
    assert linked["tracking_url"].startswith("http") and "/r/" in linked["tracking_url"]
    redirect = author.get(
        linked["tracking_url"][linked["tracking_url"].index("/r/") :],
        headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"},
    )
    assert redirect.status_code == 302 and redirect.headers["Location"].startswith(
        "https://agentur-sued.example/sommerfest?id=7&utm_source=linkedin"
    )
    assert [p["tracking_url"] for p in author.get("/posts").get_json() if p["id"] == linked["id"]] == [
        linked["tracking_url"]
    ]
    intranet = author.post(
        f"/posts/{_draft(author, ORDINARY + ' Mehr im Intranet: http://intranet/fest')['id']}/submit"
    )
    assert intranet.status_code == 200 and intranet.get_json()["tracking_url"] is None  # no public target to track


def test_empowerment_sends_only_blocking_findings_to_approval(app, world):
    b = world.b
    rule = {"kind": "terms", "terms": ["Projekt Falke"], "severity": "block", "message": "Vertrauliches Projekt."}
    assert b.api.post("/compliance/rules", json=rule).status_code == 201
    assert (
        b.api.post(
            "/compliance/rules",
            json={**rule, "terms": ["Sommerfest"], "severity": "warn", "message": "Fotos nur mit Einwilligung."},
        ).status_code
        == 201
    )
    _, author = _member(app, b, "influencer")
    _, approver = _member(app, b, "approver")
    warned = author.post(f"/posts/{_draft(author)['id']}/submit").get_json()
    assert warned["status"] == "approved" and [f["severity"] for f in warned["findings"]] == ["warn"]
    blocked = author.post(f"/posts/{_draft(author, 'Bald mehr zu Projekt Falke!')['id']}/submit").get_json()
    assert (blocked["status"], blocked["awaiting_role"]) == ("pending_approval", "approver")
    assert (
        approver.post(
            f"/posts/{blocked['id']}/decisions",
            json={"decision": "approve", "comment": "Freigegeben, Projekt ist öffentlich"},
        ).get_json()["status"]
        == "approved"
    )


def test_invalid_transitions_answer_409_and_strangers_see_nothing(app, world):
    a = world.a
    author_id, author = _member(app, a, "influencer")
    _, other = _member(app, a, "influencer")
    _, approver = _member(app, a, "approver")
    post = _draft(author)
    path = f"/posts/{post['id']}"
    assert (
        approver.post(f"{path}/decisions", json={"decision": "approve"}).status_code == 404
    )  # a draft is in nobody's queue
    assert a.api.post(f"{path}/decisions", json={"decision": "approve"}).status_code == 409  # staff see it: wrong state
    assert author.post(f"{path}/publications", json={"external_url": "https://example.com/p"}).status_code == 409
    assert other.get(path).status_code == 404 and other.patch(path, json={"text": "x y"}).status_code == 404
    assert (
        a.api.patch(path, json={"text": "Vom Chef geändert"}).status_code == 403
    )  # staff read, only the author writes
    assert author.post(f"{path}/submit").get_json()["status"] == "pending_approval"
    assert author.post(f"{path}/submit").status_code == 409
    assert author.patch(path, json={"text": "Noch eine Änderung"}).status_code == 409
    assert approver.get(path).status_code == 200  # in the approver's queue now
    assert author.post(f"{path}/withdraw").get_json()["status"] == "withdrawn"
    assert author.post(f"{path}/withdraw").status_code == 409
    assert approver.get("/posts", query_string={"queue": "true"}).get_json() == []
    mine = author.get("/posts").get_json()
    assert [p["id"] for p in mine] == [post["id"]] and other.get("/posts").get_json() == []
    assert {p["member_id"] for p in a.api.get("/posts", query_string={"member_id": str(author_id)}).get_json()} == {
        str(author_id)
    }


def test_bad_input_is_refused_with_field_errors(app, world):
    a, b = world.a, world.b
    _, author = _member(app, b, "influencer")
    too_long = author.post("/posts", json={"platform": "x", "text": "a" * 281})
    assert too_long.status_code == 422 and "280" in too_long.get_json()["errors"]["json"]["text"][0]
    assert author.post("/posts", json={"platform": "linkedin", "text": "a" * 3000}).status_code == 201
    assert author.post("/posts", json={"platform": "myspace", "text": "Hallo"}).status_code == 422
    assert (
        author.post("/posts", json={"platform": "linkedin", "text": "Hallo", "tenant_id": str(a.tenant_id)}).status_code
        == 422
    )
    unknown_content = author.post(
        "/posts", json={"platform": "linkedin", "text": "Hallo", "content_id": str(uuid.uuid4())}
    )
    assert unknown_content.status_code == 422 and "content_id" in unknown_content.get_json()["errors"]["json"]
    _, a_author = _member(app, a, "influencer")
    tiktok = a_author.post(
        "/posts", json={"platform": "tiktok", "text": "Hallo"}
    )  # Containment allows LinkedIn, XING, X
    assert tiktok.status_code == 422 and "platform" in tiktok.get_json()["errors"]["json"]
    assert a.api.put("/governance/approval-chain", json={"levels": []}).status_code == 422
    assert (
        a.api.put("/governance/approval-chain", json={"levels": [{"name": "A", "role": "influencer"}]}).status_code
        == 422
    )
    assert a_author.put("/governance/approval-chain", json=TWO_LEVELS).status_code == 403
    assert a_author.get("/posts").get_json() == []


def test_policy_overrides_only_tighten(app, world):
    a, b = world.a, world.b
    refused = a.api.patch("/tenant", json={"policy_overrides": {"archive_enabled": False, "approval_required": False}})
    assert refused.status_code == 422 and set(refused.get_json()["errors"]["json"]["policy_overrides"]) == {
        "archive_enabled",
        "approval_required",
    }
    assert (
        a.api.patch("/tenant", json={"policy_overrides": {"allowed_platforms": ["linkedin", "tiktok"]}}).status_code
        == 422
    )
    tightened = b.api.patch(
        "/tenant", json={"policy_overrides": {"own_posts_allowed": False, "approval_required": True}}
    ).get_json()
    assert tightened["policy"]["own_posts_allowed"] is False and tightened["policy"]["approval_required"] is True
    _, author = _member(app, b, "influencer")
    assert author.post("/posts", json={"platform": "linkedin", "text": ORDINARY}).status_code == 403
    assert a.api.get("/tenant").get_json()["policy"]["own_posts_allowed"] is True  # B's override is B's


def test_editing_an_approved_post_sends_it_back_in_containment_only(app, world):
    a, b = world.a, world.b
    _, a_author = _member(app, a, "influencer")
    _, a_approver = _member(app, a, "approver")
    post = a_author.post(f"/posts/{_draft(a_author)['id']}/submit").get_json()
    assert (
        a_approver.post(f"/posts/{post['id']}/decisions", json={"decision": "approve"}).get_json()["status"]
        == "approved"
    )
    edited = a_author.patch(f"/posts/{post['id']}", json={"text": ORDINARY + " Bis nächstes Jahr!"}).get_json()
    assert (edited["status"], edited["current_level"], edited["round"]) == ("pending_approval", 1, 2)

    _, b_author = _member(app, b, "influencer")
    b_post = b_author.post(f"/posts/{_draft(b_author)['id']}/submit").get_json()
    b_edited = b_author.patch(f"/posts/{b_post['id']}", json={"text": ORDINARY + " Bis bald!"}).get_json()
    assert (b_edited["status"], b_edited["version"]) == ("approved", 2)


def test_switching_to_containment_sends_unpublished_automatic_approvals_to_the_chain(app, world):
    b = world.b
    _, author = _member(app, b, "influencer")
    approved = author.post(f"/posts/{_draft(author)['id']}/submit").get_json()
    published = author.post(f"/posts/{_draft(author)['id']}/submit").get_json()
    author.post(f"/posts/{published['id']}/publications", json={"external_url": "https://example.com/p"})
    draft = _draft(author)
    assert (
        b.api.put(
            "/tenant/governance", json={"mode": "containment", "reason": "Wechsel in die Finanzbranche"}
        ).status_code
        == 200
    )
    assert author.get(f"/posts/{approved['id']}").get_json()["status"] == "pending_approval"
    assert author.get(f"/posts/{published['id']}").get_json()["status"] == "published"
    assert author.post(f"/posts/{draft['id']}/submit").get_json()["status"] == "pending_approval"
    assert any(e["kind"] == "post.requeued" for e in _archive_entries(b.api))


def test_approvers_are_reminded_of_posts_waiting_too_long(app, world):
    a = world.a
    author_id, author = _member(app, a, "influencer")
    approver_id, _ = _member(app, a, "approver")
    post = author.post(f"/posts/{_draft(author)['id']}/submit").get_json()
    with app.app_context(), tenancy.scope(a.tenant_id):
        assert reminders.run(clock.now() + timedelta(hours=1)) == 0  # not waiting 24 hours yet
        later = clock.now() + timedelta(hours=25)
        assert reminders.run(later) == 1
        assert reminders.run(later + timedelta(minutes=5)) == 0  # reminded already
        transactions.commit()
        mails = list(db.session.scalars(select(EmailMessage).where(EmailMessage.kind == "posts.approval_reminder")))
        recipients = {m.to_address for m in mails}
    assert len(mails) == 1 and recipients == {_email(app, a.tenant_id, approver_id)}
    assert post["text"][:40] in mails[0].body_text
    assert re.search(LOCAL_TIME, mails[0].body_text) and not re.search(ISO_TIME, mails[0].body_text)
    with app.app_context(), tenancy.scope(world.b.tenant_id):
        assert reminders.run(clock.now() + timedelta(days=3)) == 0  # B has nothing waiting


def _email(app, tenant_id, member_id) -> str:
    from tenants.models import Member

    with app.app_context(), tenancy.scope(tenant_id):
        return db.session.get(Member, member_id).email
