"""Training through the API: modules, versions, quizzes graded on the server, assignments,
statuses over time, auto-assignment on joining, and eligibility."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from app import clock
from tests.factories import add_member
from tests.tenants.test_members import invite, join


def module_body(**overrides):
    body = {
        "title": "Unsere Markenwerte",
        "kind": "brand_values",
        "locale": "de",
        "required": True,
        "max_attempts": 2,
        "recertify_after_days": 365,
        "lessons": [{"title": "Wofür wir stehen", "body": "# Patientensicherheit zuerst\n\nWir sagen, was wir tun."}],
        "quiz": {
            "pass_score": 100,
            "questions": [
                {
                    "text": "Was steht bei uns an erster Stelle?",
                    "kind": "single",
                    "options": [{"text": "Patientensicherheit", "correct": True}, {"text": "Umsatz", "correct": False}],
                    "explanation": "Patientensicherheit ist unser erster Wert.",
                },
                {
                    "text": "Was gehört in einen Beitrag?",
                    "kind": "multiple",
                    "options": [
                        {"text": "Hinweis auf das Arbeitsverhältnis", "correct": True},
                        {"text": "Eigene Worte", "correct": True},
                        {"text": "Patientendaten", "correct": False},
                    ],
                },
            ],
        },
    }
    body.update(overrides)
    return body


def published_module(api, **overrides):
    module = api.post("/training/modules", json=module_body(**overrides)).get_json()
    return api.post(f"/training/modules/{module['id']}/publish").get_json()


def answers(module, right=True):
    chosen = []
    for question in module["quiz"]["questions"]:
        ids = (
            [o["id"] for o in question["options"] if o["correct"] is right]
            if right
            else [question["options"][-1]["id"]]
        )
        chosen.append({"question_id": question["id"], "option_ids": ids})
    return {"answers": chosen}


def test_create_publish_and_versions(world):
    created = world.a.api.post("/training/modules", json=module_body())
    assert created.status_code == 201
    draft = created.get_json()
    assert draft["status"] == "draft" and draft["version"] == 1
    assert draft["quiz"]["questions"][0]["options"][0]["correct"] is True
    edited = world.a.api.patch(f"/training/modules/{draft['id']}", json={"title": "Markenwerte 2027"})
    assert edited.get_json()["title"] == "Markenwerte 2027" and len(edited.get_json()["quiz"]["questions"]) == 2
    published = world.a.api.post(f"/training/modules/{draft['id']}/publish").get_json()
    assert published["status"] == "published" and published["published_at"].endswith("Z")
    assert world.a.api.patch(f"/training/modules/{draft['id']}", json={"title": "x"}).status_code == 409
    revision = world.a.api.post(f"/training/modules/{draft['id']}/revisions")
    assert revision.status_code == 201
    v2 = revision.get_json()
    assert (v2["version"], v2["status"], v2["lineage_id"]) == (2, "draft", draft["lineage_id"])
    assert world.a.api.post(f"/training/modules/{draft['id']}/revisions").status_code == 409
    world.a.api.patch(
        f"/training/modules/{v2['id']}",
        json={"quiz": {"pass_score": 50, "questions": module_body()["quiz"]["questions"][:1]}},
    )
    world.a.api.post(f"/training/modules/{v2['id']}/publish")
    assert world.a.api.get(f"/training/modules/{draft['id']}").get_json()["status"] == "archived"
    assert len(world.a.api.get(f"/training/modules/{v2['id']}").get_json()["quiz"]["questions"]) == 1
    assert world.b.api.get("/training/modules").get_json() == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quiz": {"pass_score": 101, "questions": module_body()["quiz"]["questions"]}}, "pass_score"),
        (
            {
                "quiz": {
                    "pass_score": 80,
                    "questions": [
                        {
                            "text": "?",
                            "kind": "single",
                            "options": [{"text": "a", "correct": False}, {"text": "b", "correct": False}],
                        }
                    ],
                }
            },
            "options",
        ),
        (
            {
                "quiz": {
                    "pass_score": 80,
                    "questions": [
                        {
                            "text": "?",
                            "kind": "single",
                            "options": [{"text": "a", "correct": True}, {"text": "b", "correct": True}],
                        }
                    ],
                }
            },
            "options",
        ),
        ({"kind": "gossip"}, "kind"),
        ({"max_attempts": 0}, "max_attempts"),
    ],
)
def test_invalid_modules_are_422(world, change, field):
    response = world.a.api.post("/training/modules", json=module_body(**change))
    assert response.status_code == 422
    assert field in str(response.get_json()["errors"])


def test_members_never_see_answers_before_passing_and_drafts_are_hidden(world, app):
    _, token = add_member(app, world.a.tenant_id, "influencer")
    member = world.a.api.as_(token)
    draft = world.a.api.post("/training/modules", json=module_body()).get_json()
    assert member.get(f"/training/modules/{draft['id']}").status_code == 404
    assert member.post(f"/training/modules/{draft['id']}/attempts", json={"answers": []}).status_code == 404
    assert member.post("/training/modules", json=module_body()).status_code == 403
    module = world.a.api.post(f"/training/modules/{draft['id']}/publish").get_json()
    seen = member.get(f"/training/modules/{module['id']}").get_json()
    assert seen["answers_revealed"] is False
    assert all("correct" not in o for q in seen["quiz"]["questions"] for o in q["options"])
    assert all("explanation" not in q for q in seen["quiz"]["questions"])
    assert member.post(f"/training/modules/{module['id']}/attempts", json=answers(module)).get_json()["passed"] is True
    assert member.get(f"/training/modules/{module['id']}").get_json()["answers_revealed"] is True


def test_attempts_are_graded_limited_and_validated(world, app, owner_engine):
    _, token = add_member(app, world.a.tenant_id, "influencer")
    member = world.a.api.as_(token)
    module = published_module(world.a.api)
    question = module["quiz"]["questions"][0]
    other_module = published_module(world.a.api, title="Andere")
    bad = [
        {"answers": [{"question_id": other_module["quiz"]["questions"][0]["id"], "option_ids": []}]},
        {
            "answers": [
                {
                    "question_id": question["id"],
                    "option_ids": [other_module["quiz"]["questions"][0]["options"][0]["id"]],
                }
            ]
        },
        {"answers": [{"question_id": question["id"], "option_ids": [o["id"] for o in question["options"]]}]},
        {"answers": [{"question_id": "nope", "option_ids": []}]},
    ]
    for body in bad:
        assert member.post(f"/training/modules/{module['id']}/attempts", json=body).status_code == 422, body
    failed = member.post(f"/training/modules/{module['id']}/attempts", json=answers(module, right=False)).get_json()
    assert (failed["score"], failed["passed"], failed["attempts_left"]) == (0, False, 1)
    assert failed["results"][0] == {
        "question_id": question["id"],
        "correct": False,
        "explanation": "Patientensicherheit ist unser erster Wert.",
    }
    half = answers(module)
    half["answers"][1]["option_ids"] = half["answers"][1]["option_ids"][:1]  # a multiple-choice subset is wrong
    second = member.post(f"/training/modules/{module['id']}/attempts", json=half).get_json()
    assert (second["score"], second["passed"], second["attempts_left"]) == (50, False, 0)
    assert member.post(f"/training/modules/{module['id']}/attempts", json=answers(module)).status_code == 409
    assert member.get(f"/training/modules/{module['id']}").get_json()["answers_revealed"] is True  # out of attempts
    status = {a["module"]["title"]: a["status"] for a in member.get("/me/assignments").get_json()}
    assert status["Unsere Markenwerte"] == "failed"
    with owner_engine.connect() as connection:
        assert (
            connection.execute(
                text("SELECT count(*) FROM outbox_events WHERE name = 'training.module_passed'")
            ).scalar()
            == 0
        )


def test_assignment_statuses_over_time_and_recertification(world, app, owner_engine):
    member_id, token = add_member(app, world.a.tenant_id, "influencer", email="vertrieb@medtech-nord.example")
    world.a.api.patch(f"/members/{member_id}", json={"department": "Vertrieb"})
    member = world.a.api.as_(token)
    module = published_module(world.a.api, max_attempts=None, required=False)  # assigned by hand below
    due = clock.now() + timedelta(days=7)
    body = {"module_id": module["id"], "department": "Vertrieb", "due_at": clock.isoformat(due)}
    assert world.a.api.post("/training/assignments", json=body).get_json() == {"created": 1}
    assert world.a.api.post("/training/assignments", json=body).get_json() == {"created": 0}

    def mine():
        return member.get("/me/assignments").get_json()[0]

    assert mine()["status"] == "assigned" and mine()["due_at"] is not None
    member.post(f"/training/modules/{module['id']}/attempts", json=answers(module, right=False))
    assert mine()["status"] == "in_progress"
    with clock.frozen(due + timedelta(hours=1)):
        assert mine()["status"] == "overdue"
    passed = member.post(f"/training/modules/{module['id']}/attempts", json=answers(module)).get_json()
    assert passed["passed"] is True and passed["score"] == 100
    item = mine()
    assert (item["status"], item["best_score"]) == ("passed", 100)
    with clock.frozen(clock.now() + timedelta(days=366)):
        assert mine()["status"] == "expired"
    with owner_engine.connect() as connection:
        payload = connection.execute(
            text("SELECT payload FROM outbox_events WHERE name = 'training.module_passed'")
        ).scalar()
    assert '"score": 100' in str(payload).replace("'", '"') and '"version": 1' in str(payload).replace("'", '"')


def test_assignment_bad_input(world, app):
    module = published_module(world.a.api)
    draft = world.a.api.post("/training/modules", json=module_body(title="Entwurf")).get_json()
    assert (
        world.a.api.post("/training/assignments", json={"module_id": draft["id"], "all_members": True}).status_code
        == 409
    )
    assert world.a.api.post("/training/assignments", json={"module_id": module["id"]}).status_code == 422
    assert (
        world.a.api.post(
            "/training/assignments", json={"module_id": module["id"], "all_members": True, "department": "X"}
        ).status_code
        == 422
    )
    foreign = world.a.api.post(
        "/training/assignments", json={"module_id": module["id"], "member_ids": [str(world.b.owner_id)]}
    )
    assert foreign.status_code == 422
    assert (
        world.b.api.post("/training/assignments", json={"module_id": module["id"], "all_members": True}).status_code
        == 422
    )


def test_required_modules_are_assigned_on_joining_and_gate_eligibility_in_containment(world, anon):
    module = published_module(world.a.api)
    invited = invite(world.a.api).get_json()
    token = join(anon, invited["invitation"]["token"]).get_json()["token"]
    mine = anon.get("/me/assignments", token=token).get_json()
    assert [(a["module"]["id"], a["status"]) for a in mine] == [(module["id"], "assigned")]
    eligibility = anon.get("/me/eligibility", token=token).get_json()
    assert f"training:{module['lineage_id']}" in eligibility["missing"]
    anon.post(f"/training/modules/{module['id']}/attempts", token=token, json=answers(module))
    assert f"training:{module['lineage_id']}" not in anon.get("/me/eligibility", token=token).get_json()["missing"]
    # Empowerment: training is recommended, not a gate
    b_module = published_module(world.b.api)
    b_member = invite(world.b.api).get_json()
    b_token = join(anon, b_member["invitation"]["token"]).get_json()["token"]
    assert anon.get("/me/assignments", token=b_token).get_json()[0]["module"]["id"] == b_module["id"]
    assert not any(m.startswith("training:") for m in anon.get("/me/eligibility", token=b_token).get_json()["missing"])


def test_hr_clones_a_template_publishes_and_assigns_it_to_a_department(world, app):
    _, hr = add_member(app, world.a.tenant_id, "hr")
    as_hr = world.a.api.as_(hr)
    catalogue = as_hr.get("/training/templates", query_string={"locale": "de"}).get_json()
    keys = {t["key"] for t in catalogue}
    assert {"social_media_guideline_de", "healthcare_advertising_rules_de"} <= keys  # MedTech tenant
    assert all(t["locale"] == "de" for t in catalogue)
    assert "healthcare_advertising_rules_de" not in {
        t["key"] for t in world.b.api.get("/training/templates").get_json()
    }
    clone = as_hr.post("/training/templates/social_media_guideline_de/clone")
    assert clone.status_code == 201
    module = clone.get_json()
    assert module["status"] == "draft" and module["template_key"] == "social_media_guideline_de"
    assert len(module["quiz"]["questions"]) >= 5 and module["lessons"]
    assert as_hr.post("/training/templates/no-such-template/clone").status_code == 404
    published = as_hr.post(f"/training/modules/{module['id']}/publish").get_json()
    passer_id, passer = add_member(app, world.a.tenant_id, "influencer", email="a@medtech-nord.example")
    failer_id, failer = add_member(app, world.a.tenant_id, "influencer", email="b@medtech-nord.example")
    for member_id in (passer_id, failer_id):
        world.a.api.patch(f"/members/{member_id}", json={"department": "Vertrieb"})
    assert as_hr.post(
        "/training/assignments", json={"module_id": published["id"], "department": "Vertrieb"}
    ).get_json() == {"created": 2}
    assert (
        world.a.api.as_(passer)
        .post(f"/training/modules/{published['id']}/attempts", json=answers(published))
        .get_json()["passed"]
    )
    for _ in range(published["max_attempts"]):
        world.a.api.as_(failer).post(
            f"/training/modules/{published['id']}/attempts", json=answers(published, right=False)
        )
    assert world.a.api.as_(passer).get("/me/assignments").get_json()[0]["status"] == "passed"
    assert world.a.api.as_(failer).get("/me/assignments").get_json()[0]["status"] == "failed"
    assert f"training:{published['lineage_id']}" in world.a.api.as_(failer).get("/me/eligibility").get_json()["missing"]
