"""Quiz attempts through the API: complete submissions only, attempts per module version, and
the staff reset that gives a member fresh attempts."""

from __future__ import annotations

import uuid

from tests.factories import add_member
from tests.training.test_modules import answers, published_module


def _attempt(client, module, body):
    return client.post(f"/training/modules/{module['id']}/attempts", json=body)


def test_incomplete_or_unknown_answers_are_422_and_use_no_attempt(world, app):
    _, token = add_member(app, world.a.tenant_id, "influencer")
    member = world.a.api.as_(token)
    module = published_module(world.a.api)  # two questions, two attempts
    first, second = answers(module, right=False)["answers"]
    empty = _attempt(member, module, {"answers": []})
    assert empty.status_code == 422
    [message] = empty.get_json()["errors"]["json"]["answers"]
    assert first["question_id"] in message and second["question_id"] in message
    partial = _attempt(member, module, {"answers": [first]})
    assert partial.status_code == 422 and second["question_id"] in partial.get_json()["errors"]["json"]["answers"][0]
    unknown = _attempt(member, module, {"answers": [first, {**second, "question_id": str(uuid.uuid4())}]})
    assert unknown.get_json()["errors"]["json"]["answers"] == {
        "1": {"question_id": ["Not a question of this module version."]}
    }
    nothing_chosen = _attempt(member, module, {"answers": [first, {**second, "option_ids": []}]})
    assert nothing_chosen.status_code == 422
    assert "option_ids" in nothing_chosen.get_json()["errors"]["json"]["answers"]["1"]
    [item] = member.get("/me/assignments").get_json()  # required: assigned on publishing
    assert (item["attempts_used"], item["status"]) == (0, "assigned")  # no attempt was recorded
    assert _attempt(member, module, answers(module, right=False)).get_json()["attempts_left"] == 1
    assert _attempt(member, module, answers(module, right=False)).get_json()["attempts_left"] == 0
    assert _attempt(member, module, answers(module)).status_code == 409


def test_a_new_module_version_gives_fresh_attempts(world, app):
    _, token = add_member(app, world.a.tenant_id, "influencer")
    member = world.a.api.as_(token)
    v1 = published_module(world.a.api)
    for _ in range(2):
        assert _attempt(member, v1, answers(v1, right=False)).status_code == 201
    used_up = _attempt(member, v1, answers(v1))
    assert used_up.status_code == 409 and "attempts are used" in used_up.get_json()["message"]
    [item] = member.get("/me/assignments").get_json()
    assert (item["status"], item["attempts_used"], item["attempts_left"]) == ("failed", 2, 0)
    draft = world.a.api.post(f"/training/modules/{v1['id']}/revisions").get_json()
    v2 = world.a.api.post(f"/training/modules/{draft['id']}/publish").get_json()
    [item] = member.get("/me/assignments").get_json()
    assert (item["module"]["version"], item["status"], item["attempts_used"], item["attempts_left"]) == (
        2,
        "assigned",
        0,
        2,
    )
    assert member.get(f"/training/modules/{v2['id']}").get_json()["answers_revealed"] is False
    retry = _attempt(member, v2, answers(v2, right=False))
    assert retry.status_code == 201 and retry.get_json()["attempts_left"] == 1
    assert _attempt(member, v2, answers(v2)).get_json()["passed"] is True


def test_staff_reset_gives_a_member_fresh_attempts_and_is_audited(world, app):
    member_id, token = add_member(app, world.a.tenant_id, "influencer")
    member = world.a.api.as_(token)
    _, hr_token = add_member(app, world.a.tenant_id, "hr")
    hr = world.a.api.as_(hr_token)
    module = published_module(world.a.api)
    for _ in range(2):
        _attempt(member, module, answers(module, right=False))
    assert _attempt(member, module, answers(module)).status_code == 409
    path = f"/training/modules/{module['id']}/attempts/reset"
    assert member.post(path, json={"member_id": str(member_id)}).status_code == 403
    bad = hr.post(path, json={"member_id": "nope"})
    assert bad.status_code == 422 and "member_id" in bad.get_json()["errors"]["json"]
    assert hr.post(path, json={"member_id": str(world.b.owner_id)}).status_code == 404  # another tenant's member
    assert world.b.api.post(path, json={"member_id": str(member_id)}).status_code == 404  # another tenant's module
    newcomer_id, _ = add_member(app, world.a.tenant_id, "influencer")  # joined after publication, unassigned
    assert hr.post(path, json={"member_id": str(newcomer_id)}).status_code == 409  # nothing to reset
    reset = hr.post(path, json={"member_id": str(member_id)})
    assert reset.status_code == 200
    body = reset.get_json()
    assert (body["module"]["id"], body["status"], body["attempts_used"], body["attempts_left"]) == (
        module["id"],
        "assigned",
        0,
        2,
    )
    again = _attempt(member, module, answers(module, right=False))
    assert again.status_code == 201 and again.get_json()["attempts_left"] == 1
    [event] = world.a.api.get("/audit-events", query_string={"action": "training.attempts_reset"}).get_json()["items"]
    assert (event["target_id"], event["after"]["member_id"], event["before"]) == (
        module["id"],
        str(member_id),
        {"attempts_used": 2},
    )
