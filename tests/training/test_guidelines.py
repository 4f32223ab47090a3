"""The social media guideline through the API: publishing versions, acknowledging them, the
staff report, the posting gate, the domain event and isolation between the two tenants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock, tenancy, transactions
from app.db import db
from app.events import OutboxEvent
from tenants.models import Member
from tests.factories import add_member
from tests.tenants.test_members import invite, join
from training import guidelines

GUIDELINE = {
    "title": "Social-Media-Richtlinie",
    "body": "# Richtlinie\n\n## § 4 Kennzeichnung\nWer über Produkte schreibt, nennt das Arbeitsverhältnis.",
    "locale": "de",
}


def publish(api, **overrides):
    return api.post("/guidelines", json={**GUIDELINE, **overrides})


def enrol(api, anon, email, **fields):
    """An active influencer invited by the owner who joined with consent: (member id, client)."""
    member = invite(api, email=email, **fields).get_json()
    token = join(anon, member["invitation"]["token"]).get_json()["token"]
    return member["id"], api.as_(token)


def missing(api) -> list[str]:
    return api.get("/me/eligibility").get_json()["missing"]


def acknowledged_events(app, tenant_id) -> list[dict]:
    with app.app_context(), tenancy.scope(tenant_id):
        events = db.session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.name == "training.guideline_acknowledged")
            .order_by(OutboxEvent.created_at)
        )
        return [event.payload for event in events]


def test_hr_publishes_versions_and_the_newest_is_current(world, app):
    _, hr_token = add_member(app, world.a.tenant_id, "hr")
    hr = world.a.api.as_(hr_token)
    assert world.a.api.get("/guidelines/current").status_code == 404

    first = publish(hr)
    assert first.status_code == 201, first.get_json()
    v1 = first.get_json()
    assert v1["version"] == 1 and v1["current"] is True and v1["acknowledged_at"] is None
    assert v1["title"] == GUIDELINE["title"] and v1["body"] == GUIDELINE["body"] and v1["locale"] == "de"
    assert v1["published_at"].endswith("Z")
    assert world.a.api.get("/guidelines/current").get_json()["id"] == v1["id"]

    v2 = publish(hr, title="Social Media Policy", body="# Policy\n\nBe yourself.", locale="en").get_json()
    assert v2["version"] == 2 and v2["locale"] == "en"
    current = world.a.api.get("/guidelines/current").get_json()
    assert current["id"] == v2["id"] and current["current"] is True
    old = world.a.api.get(f"/guidelines/{v1['id']}").get_json()
    assert old["current"] is False and old["body"] == GUIDELINE["body"]

    listed = world.a.api.get("/guidelines")
    assert listed.status_code == 200 and "X-Pagination" in listed.headers
    assert [(g["version"], g["current"]) for g in listed.get_json()] == [(2, True), (1, False)]
    assert "body" not in listed.get_json()[0]

    audit = world.a.api.get("/audit-events", query_string={"action": "guideline.published"}).get_json()["items"]
    assert sorted(e["after"]["version"] for e in audit) == [1, 2]
    assert all(set(e["after"]) == {"version", "title", "locale", "template"} for e in audit)

    # The other tenant has no guideline and sees nothing of this one.
    assert world.b.api.get("/guidelines/current").status_code == 404
    assert world.b.api.get("/guidelines").get_json() == []
    assert world.b.api.get(f"/guidelines/{v1['id']}").status_code == 404
    assert world.b.api.get(f"/guidelines/{v2['id']}/acknowledgements").status_code == 404
    assert world.b.api.post(f"/guidelines/{v2['id']}/acknowledgements").status_code == 404
    # B's own guideline starts at version 1 and does not touch A's current one.
    assert publish(world.b.api).get_json()["version"] == 1
    assert world.a.api.get("/guidelines/current").get_json()["id"] == v2["id"]


def test_roles_who_may_publish_read_and_report(world, app):
    _, influencer_token = add_member(app, world.a.tenant_id, "influencer")
    _, lead_token = add_member(app, world.a.tenant_id, "program_lead")
    _, admin_token = add_member(app, world.a.tenant_id, "admin")
    influencer, lead, admin = (world.a.api.as_(t) for t in (influencer_token, lead_token, admin_token))

    assert publish(influencer).status_code == 403
    assert publish(lead).status_code == 403
    guideline = publish(admin).get_json()
    assert publish(world.a.api).status_code == 201  # owner

    assert influencer.get(f"/guidelines/{guideline['id']}/acknowledgements").status_code == 403
    assert influencer.get("/guidelines").status_code == 403
    assert influencer.get("/guidelines/templates").status_code == 403
    assert influencer.get("/guidelines/current").status_code == 200
    assert influencer.get(f"/guidelines/{guideline['id']}").status_code == 200
    assert lead.get(f"/guidelines/{guideline['id']}/acknowledgements").status_code == 200
    assert lead.get("/guidelines").status_code == 200


def test_members_acknowledge_the_current_version_once(world, app, anon):
    t0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    member_id, member = enrol(world.a.api, anon, "lea@medtech-nord.example")
    with clock.frozen(t0):
        v1 = publish(world.a.api).get_json()
    path = f"/guidelines/{v1['id']}/acknowledgements"

    with clock.frozen(t0 + timedelta(days=3, hours=5)):
        first = member.post(path)
    assert first.status_code == 201
    record = first.get_json()
    assert record == {
        "id": record["id"],
        "guideline_id": v1["id"],
        "member_id": member_id,
        "version": 1,
        "created_at": "2025-03-06T14:00:00Z",
    }
    again = member.post(path)
    assert again.status_code == 200 and again.get_json() == record
    assert member.get("/guidelines/current").get_json()["acknowledged_at"] == record["created_at"]
    assert world.a.api.get("/guidelines/current").get_json()["acknowledged_at"] is None  # the owner has not

    events = acknowledged_events(app, world.a.tenant_id)
    assert events == [
        {
            "member_id": member_id,
            "guideline_id": v1["id"],
            "version": 1,
            "acknowledged_at": "2025-03-06T14:00:00Z",
            "days_after_publication": 3,
            "published_at": "2025-03-03T09:00:00Z",  # since version 2 of the event
        }
    ]

    with clock.frozen(t0 + timedelta(days=30)):
        v2 = publish(world.a.api, title="Richtlinie 2").get_json()
    assert member.get("/guidelines/current").get_json()["acknowledged_at"] is None  # anew
    stale = member.post(path)
    assert stale.status_code == 409 and "superseded" in stale.get_json()["message"]
    with clock.frozen(t0 + timedelta(days=38)):
        assert member.post(f"/guidelines/{v2['id']}/acknowledgements").status_code == 201
    assert member.post(f"/guidelines/{v2['id']}/acknowledgements").status_code == 200

    events = acknowledged_events(app, world.a.tenant_id)
    assert [(e["version"], e["days_after_publication"]) for e in events] == [(1, 3), (2, 8)]
    assert acknowledged_events(app, world.b.tenant_id) == []
    # Acknowledgements are not published versions: the old one's record is still there.
    assert member.get(f"/guidelines/{v1['id']}").get_json()["acknowledged_at"] == record["created_at"]


def test_only_active_members_acknowledge(world, app, anon):
    guideline = publish(world.a.api).get_json()
    path = f"/guidelines/{guideline['id']}/acknowledgements"
    member_id, member = enrol(world.a.api, anon, "paul@medtech-nord.example")
    assert world.a.api.post(f"/members/{member_id}/pause").status_code == 200
    paused = member.post(path)
    assert paused.status_code == 409 and "paused" in paused.get_json()["message"]

    _, quitter = enrol(world.a.api, anon, "quitter@medtech-nord.example")
    assert quitter.put("/me/consent", json={"participation": False}).get_json()["status"] == "paused"
    assert quitter.post(path).status_code == 409

    _, invited_token = add_member(app, world.a.tenant_id, "influencer", status="invited")
    assert world.a.api.as_(invited_token).post(path).status_code == 409
    assert acknowledged_events(app, world.a.tenant_id) == []

    assert world.a.api.post(f"/members/{member_id}/reactivate").status_code == 200
    assert member.post(path).status_code == 201


def test_eligibility_waits_for_the_current_guideline(world, anon):
    _, member = enrol(world.a.api, anon, "mia@medtech-nord.example")
    _, b_member = enrol(world.b.api, anon, "mia@agentur-sued.example")
    assert "guideline_acknowledgement" not in missing(member)  # no guideline, nothing to acknowledge

    v1 = publish(world.a.api).get_json()
    eligibility = member.get("/me/eligibility").get_json()
    assert "guideline_acknowledgement" in eligibility["missing"] and eligibility["can_post"] is False
    assert any(d["code"] == "guideline_acknowledgement" and "version 1" in d["message"] for d in eligibility["details"])
    assert "guideline_acknowledgement" not in missing(b_member)  # A's guideline is not B's

    member.post(f"/guidelines/{v1['id']}/acknowledgements")
    assert "guideline_acknowledgement" not in missing(member)

    v2 = publish(world.a.api, title="Neue Fassung").get_json()
    assert "guideline_acknowledgement" in missing(member)
    member.post(f"/guidelines/{v2['id']}/acknowledgements")
    assert missing(member) == []

    # Empowerment (tenant B) requires the acknowledgement too.
    b_guideline = publish(world.b.api).get_json()
    assert missing(b_member) == ["guideline_acknowledgement"]
    b_member.post(f"/guidelines/{b_guideline['id']}/acknowledgements")
    assert b_member.get("/me/eligibility").get_json()["can_post"] is True


def test_report_lists_who_has_and_has_not_acknowledged(world, app, anon):
    sales_id, sales = enrol(world.a.api, anon, "anna@medtech-nord.example", name="Anna Vertrieb", department="Vertrieb")
    sales2_id, _ = enrol(world.a.api, anon, "bernd@medtech-nord.example", name="Bernd Vertrieb", department="Vertrieb")
    marketing_id, marketing = enrol(
        world.a.api, anon, "carla@medtech-nord.example", name="Carla Marketing", department="Marketing"
    )
    paused_id, paused = enrol(world.a.api, anon, "dora@medtech-nord.example", name="Dora Pause", department="Vertrieb")
    invited = invite(
        world.a.api, email="emil@medtech-nord.example", name="Emil Eingeladen", department="Vertrieb"
    ).get_json()
    enrol(world.b.api, anon, "fritz@agentur-sued.example", name="Fritz B", department="Vertrieb")

    v1 = publish(world.a.api).get_json()
    path = f"/guidelines/{v1['id']}/acknowledgements"
    with clock.frozen(datetime(2030, 1, 2, tzinfo=UTC)):
        assert marketing.post(path).status_code == 201
    with clock.frozen(datetime(2030, 1, 1, tzinfo=UTC)):
        assert sales.post(path).status_code == 201
    assert paused.post(path).status_code == 201
    world.a.api.post(f"/members/{paused_id}/pause")

    _, lead_token = add_member(app, world.a.tenant_id, "program_lead")
    report = world.a.api.as_(lead_token).get(path)
    assert report.status_code == 200
    body = report.get_json()
    assert body["guideline_id"] == v1["id"] and body["version"] == 1 and body["current"] is True
    assert [(e["member"]["id"], e["acknowledged_at"]) for e in body["acknowledged"]] == [
        (sales_id, "2030-01-01T00:00:00Z"),
        (marketing_id, "2030-01-02T00:00:00Z"),
    ]
    assert body["acknowledged"][0]["member"] == {"id": sales_id, "name": "Anna Vertrieb", "department": "Vertrieb"}
    pending = [e["member"]["id"] for e in body["pending"]]
    assert sales2_id in pending and str(world.a.owner_id) in pending
    assert paused_id not in pending and invited["id"] not in pending  # only active members
    assert body["counts"] == {"acknowledged": 2, "pending": len(pending)}
    assert "Fritz B" not in report.get_data(as_text=True)

    sales_only = world.a.api.get(path, query_string={"department": "Vertrieb"}).get_json()
    assert [e["member"]["id"] for e in sales_only["acknowledged"]] == [sales_id]
    assert [e["member"]["id"] for e in sales_only["pending"]] == [sales2_id]
    assert sales_only["counts"] == {"acknowledged": 1, "pending": 1}
    assert world.a.api.get(path, query_string={"department": "Nirgendwo"}).get_json()["counts"] == {
        "acknowledged": 0,
        "pending": 0,
    }

    # After a new version everybody is pending again; the old report stays as it was.
    v2 = publish(world.a.api).get_json()
    fresh = world.a.api.get(f"/guidelines/{v2['id']}/acknowledgements").get_json()
    assert fresh["counts"]["acknowledged"] == 0 and sales_id in [e["member"]["id"] for e in fresh["pending"]]
    old = world.a.api.get(path).get_json()
    assert old["current"] is False and old["counts"]["acknowledged"] == 2


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({**GUIDELINE, "title": ""}, {"title"}),
        ({**GUIDELINE, "title": "   "}, {"title"}),
        ({**GUIDELINE, "locale": "fr"}, {"locale"}),
        ({**GUIDELINE, "tenant_id": "x", "shoe_size": 44}, {"tenant_id", "shoe_size"}),
        ({"title": "Nur ein Titel"}, {"body", "locale"}),
        ({**GUIDELINE, "body": "x" * 100_001}, {"body"}),
        ({**GUIDELINE, "title": 5, "locale": None}, {"title", "locale"}),
        ({**GUIDELINE, "placeholders": {"Unternehmen": "X"}}, {"placeholders"}),
        ({"template_key": "no_such_template"}, {"template_key"}),
        ({"template_key": "social_media_guideline_de", "body": "Eigener Text"}, {"body"}),
    ],
)
def test_invalid_guidelines_are_rejected_field_by_field(world, body, fields):
    response = world.a.api.post("/guidelines", json=body)
    assert response.status_code == 422, response.get_json()
    assert set(response.get_json()["errors"]["json"]) == fields
    assert world.a.api.get("/guidelines/current").status_code == 404


def test_report_filter_is_validated(world):
    guideline = publish(world.a.api).get_json()
    response = world.a.api.get(
        f"/guidelines/{guideline['id']}/acknowledgements", query_string={"department": "x" * 101}
    )
    assert response.status_code == 422 and "department" in response.get_json()["errors"]["query"]


def test_publishing_from_a_template_fills_its_placeholders(world, app):
    _, hr_token = add_member(app, world.a.tenant_id, "hr")
    hr = world.a.api.as_(hr_token)
    catalogue = {t["key"]: t for t in hr.get("/guidelines/templates").get_json()}
    template = catalogue["social_media_guideline_de"]
    assert template["locale"] == "de" and "Unternehmen" in template["placeholders"]

    unfilled = hr.post("/guidelines", json={"template_key": "social_media_guideline_de"})
    assert unfilled.status_code == 422
    assert "{Unternehmen}" in unfilled.get_json()["message"]

    values = {name: f"<{name}>" for name in template["placeholders"]}
    typo = hr.post(
        "/guidelines", json={"template_key": "social_media_guideline_de", "placeholders": {**values, "Untrnehmen": "X"}}
    )
    assert typo.status_code == 422 and "Untrnehmen" in typo.get_json()["errors"]["json"]["placeholders"]

    too_long = hr.post(
        "/guidelines",
        json={"template_key": "social_media_guideline_de", "placeholders": {**values, "Unternehmen": "M" * 500}},
    )
    assert too_long.status_code == 422 and "title" in too_long.get_json()["errors"]["json"]["placeholders"][0]

    values["Unternehmen"] = "MedTech Nord GmbH"
    created = hr.post("/guidelines", json={"template_key": "social_media_guideline_de", "placeholders": values})
    assert created.status_code == 201, created.get_json()
    guideline = created.get_json()
    assert guideline["title"] == "Richtlinie zur Nutzung sozialer Medien bei MedTech Nord GmbH"
    assert guideline["locale"] == "de" and guideline["version"] == 1
    assert "MedTech Nord GmbH" in guideline["body"] and "{" not in guideline["body"]

    english = catalogue["social_media_guideline_en"]
    own_title = hr.post(
        "/guidelines",
        json={
            "template_key": "social_media_guideline_en",
            "title": "Our social media policy",
            "placeholders": {name: "ACME" for name in english["placeholders"]},
        },
    ).get_json()
    assert own_title["title"] == "Our social media policy" and own_title["locale"] == "en" and own_title["version"] == 2
    audit = world.a.api.get("/audit-events", query_string={"action": "guideline.published"}).get_json()["items"]
    assert {e["after"]["template"] for e in audit} == {"social_media_guideline_de", "social_media_guideline_en"}


def test_a_concurrent_duplicate_acknowledgement_yields_to_the_first(world, app, monkeypatch):
    """Another request commits the same acknowledgement between our check and our insert."""
    with app.app_context(), tenancy.scope(world.a.tenant_id):
        guideline = guidelines.publish(GUIDELINE, None)
        owner = db.session.get(Member, world.a.owner_id)
        first, created = guidelines.acknowledge(guideline, owner)
        transactions.commit()
        assert created is True

        real_find = guidelines.find_acknowledgement
        calls = []

        def find_missing_once(guideline_id, member_id):
            calls.append(member_id)
            return None if len(calls) == 1 else real_find(guideline_id, member_id)

        monkeypatch.setattr(guidelines, "find_acknowledgement", find_missing_once)
        second, created = guidelines.acknowledge(guideline, owner)
        assert created is False and second.id == first.id and len(calls) == 2
        transactions.commit()
    assert len(acknowledged_events(app, world.a.tenant_id)) == 1
