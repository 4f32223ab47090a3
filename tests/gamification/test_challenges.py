"""Challenges through the API: topic challenges counted from library shares, completion bonus
once, the challenger badge, backfill of a challenge started in the past, department targeting,
validation, cancelling, the status filter and isolation between the two tenants."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app import clock
from tests.clock_support import PINNED_AT
from tests.gamification.helpers import influencer, points, publish_post

T = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday after the run's "now"
ISO = clock.isoformat


def _item(staff, topic: str, n: int) -> dict:
    body = {
        "title": f"Beitrag {n}",
        "kind": "article",
        "url": f"https://agentur-sued.example/artikel-{n}",
        "captions": [
            {"locale": "de", "text": f"Artikel {n}: was unser Team gerade bewegt, Teil {n * 3}. #Mitarbeiter"}
        ],
        "topics": [topic],
    }
    response = staff.post("/content", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _share(api, item: dict) -> dict:
    share = api.post(f"/content/{item['id']}/shares", json={"platform": "linkedin"})
    assert share.status_code == 201, share.get_json()
    post = share.get_json()
    assert post["status"] == "approved", post
    published = api.post(
        f"/posts/{post['id']}/publications",
        json={"external_url": f"https://www.linkedin.com/feed/update/{uuid.uuid4().hex}"},
    )
    assert published.status_code in (200, 201), published.get_json()
    return published.get_json()


def _challenge(staff, **fields):
    body = {
        "title": "Drei Beiträge zur Grippeimpfung",
        "metric": "library_shares",
        "target": 3,
        "ends_at": ISO(clock.now() + timedelta(days=20)),
        **fields,
    }
    return staff.post("/challenges", json=body)


def _created(staff, **fields) -> dict:
    response = _challenge(staff, **fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _one(api, challenge_id) -> dict:
    response = api.get(f"/challenges/{challenge_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _bonus_entries(api) -> list[dict]:
    return [e for e in api.get("/me/points").get_json()["items"] if e["rule"] == "challenge_completed"]


def test_a_topic_challenge_counts_matching_shares_and_pays_its_bonus_once(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    ben = influencer(app, b, name="Ben")
    flu = [_item(b.api, "Impfung" if n % 2 else "impfung ", n) for n in range(1, 6)]  # the topic, however spelt
    other = _item(b.api, "Standorte", 9)

    created = _created(b.api, topic="Impfung", bonus_points=40, description="Im Dezember")
    assert (created["metric"], created["target"], created["topic"], created["bonus_points"], created["status"]) == (
        "library_shares",
        3,
        "Impfung",
        40,
        "running",
    )
    assert (created["participants"], created["completed"]) == (0, 0)
    assert created["me"] == {"progress": {"current": 0, "target": 3, "ratio": 0.0}, "completed_at": None}
    cid = created["id"]

    _share(anna, other)  # another topic
    publish_post(anna, text="Mein eigener Beitrag zur Grippeimpfung im Team. #Mitarbeiter")  # not a library share
    assert _one(anna, cid)["me"]["progress"]["current"] == 0
    _share(anna, flu[0])
    _share(anna, flu[1])
    assert _one(anna, cid)["me"] == {"progress": {"current": 2, "target": 3, "ratio": 0.6667}, "completed_at": None}
    assert _bonus_entries(anna) == [] and anna.get("/me/badges").get_json()["items"]

    _share(anna, flu[2])
    mine = _one(anna, cid)
    assert (
        mine["me"]["progress"] == {"current": 3, "target": 3, "ratio": 1.0} and mine["me"]["completed_at"] is not None
    )
    bonus = _bonus_entries(anna)
    assert [(e["points"], e["subject_id"]) for e in bonus] == [(40, cid)]
    badges = {badge["key"]: badge for badge in anna.get("/me/badges").get_json()["items"]}
    assert badges["challenger"]["awarded_at"] is not None
    total = points(anna)

    _share(anna, flu[3])  # beyond the target: the bonus is not paid again
    assert len(_bonus_entries(anna)) == 1 and points(anna) == total + 10
    assert _one(anna, cid)["me"]["completed_at"] == mine["me"]["completed_at"]

    # Staff see the totals; influencers only their own progress.
    _share(ben, flu[4])
    staff_view = _one(b.api, cid)
    assert (staff_view["participants"], staff_view["completed"]) == (2, 1)
    assert staff_view["me"]["progress"]["current"] == 0  # the owner's own
    for api in (anna, ben):
        seen = _one(api, cid)
        assert "participants" not in seen and "completed" not in seen
        listed = api.get("/challenges").get_json()["items"]
        assert [c["id"] for c in listed] == [cid] and "participants" not in listed[0]
    assert _one(ben, cid)["me"] == {"progress": {"current": 1, "target": 3, "ratio": 0.3333}, "completed_at": None}
    assert [c["participants"] for c in b.api.get("/challenges").get_json()["items"]] == [2]


def test_a_challenge_started_in_the_past_counts_the_facts_already_in_its_window(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    items = [_item(b.api, "Impfung", n) for n in range(4)]
    with clock.frozen(T - timedelta(days=5)):
        _share(anna, items[0])  # before the challenge's start: not counted
    with clock.frozen(T - timedelta(days=1)):
        _share(anna, items[1])
    with clock.frozen(T - timedelta(hours=1)):
        _share(anna, items[2])

    with clock.frozen(T):
        created = _created(
            b.api,
            topic="impfung",
            starts_at=ISO(T - timedelta(days=2)),
            ends_at=ISO(T + timedelta(days=10)),
            bonus_points=40,
        )
        assert created["status"] == "running" and (created["participants"], created["completed"]) == (1, 0)
        assert _one(anna, created["id"])["me"]["progress"]["current"] == 2
    with clock.frozen(T + timedelta(hours=2)):
        _share(anna, items[3])
        done = _one(anna, created["id"])["me"]
    assert done == {"progress": {"current": 3, "target": 3, "ratio": 1.0}, "completed_at": ISO(T + timedelta(hours=2))}
    assert [e["points"] for e in _bonus_entries(anna)] == [40]


def test_a_challenge_already_met_at_creation_is_completed_at_once(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    items = [_item(b.api, "Impfung", n) for n in range(3)]
    with clock.frozen(T - timedelta(days=1)):
        for item in items[:2]:
            _share(anna, item)
    with clock.frozen(T):
        created = _created(
            b.api,
            topic="Impfung",
            target=2,
            starts_at=ISO(T - timedelta(days=3)),
            ends_at=ISO(T + timedelta(days=3)),
            bonus_points=40,
        )
    assert (created["participants"], created["completed"]) == (1, 1)
    me = _one(anna, created["id"])["me"]
    assert me["completed_at"] == ISO(T - timedelta(days=1)) and me["progress"]["current"] == 2
    assert [(e["points"], e["occurred_at"]) for e in _bonus_entries(anna)] == [(40, ISO(T - timedelta(days=1)))]


def test_a_completion_found_by_the_backfill_awards_the_challenger_badge(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    item = _item(b.api, "Impfung", 1)
    with clock.frozen(T - timedelta(days=1)):
        _share(anna, item)
    with clock.frozen(T):
        _created(b.api, target=1, starts_at=ISO(T - timedelta(days=3)), ends_at=ISO(T + timedelta(days=3)))
    badges = {badge["key"]: badge for badge in anna.get("/me/badges").get_json()["items"]}
    assert badges["challenger"]["awarded_at"] is not None


def test_every_member_completing_a_challenge_gets_the_bonus(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    ben = influencer(app, b, name="Ben")
    item = _item(b.api, "Impfung", 1)
    created = _created(b.api, target=1, bonus_points=40)
    _share(anna, item)
    _share(ben, item)
    assert _one(b.api, created["id"])["completed"] == 2
    for api in (anna, ben):
        assert [e["points"] for e in _bonus_entries(api)] == [40]
        badges = {badge["key"]: badge for badge in api.get("/me/badges").get_json()["items"]}
        assert badges["challenger"]["awarded_at"] is not None


def test_a_department_challenge_is_invisible_to_other_departments(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna", department="vertrieb ")
    otto = influencer(app, b, name="Otto", department="Einkauf")
    nobody = influencer(app, b, name="Nora")  # no department
    item = _item(b.api, "Impfung", 1)
    open_to_all = _created(b.api, title="Für alle", target=5)
    sales = _created(b.api, title="Nur Vertrieb", departments=["Vertrieb"], target=5)
    assert sales["departments"] == ["Vertrieb"]

    assert {c["id"] for c in anna.get("/challenges").get_json()["items"]} == {open_to_all["id"], sales["id"]}
    assert _one(anna, sales["id"])["title"] == "Nur Vertrieb"
    for outsider in (otto, nobody):
        assert [c["id"] for c in outsider.get("/challenges").get_json()["items"]] == [open_to_all["id"]]
        assert outsider.get(f"/challenges/{sales['id']}").status_code == 404
    assert {c["id"] for c in b.api.get("/challenges").get_json()["items"]} == {open_to_all["id"], sales["id"]}

    _share(anna, item)
    _share(otto, item)  # counts for the open challenge only
    assert (_one(b.api, sales["id"])["participants"], _one(b.api, open_to_all["id"])["participants"]) == (1, 2)
    assert _one(otto, open_to_all["id"])["me"]["progress"]["current"] == 1


def _invalid_bodies():
    now = PINNED_AT  # the clock these tests run on (tests/gamification/conftest.py)
    return [
        ({"ends_at": ISO(now - timedelta(hours=1))}, "ends_at"),
        ({"starts_at": ISO(now + timedelta(days=10)), "ends_at": ISO(now + timedelta(days=5))}, "ends_at"),
        ({"starts_at": ISO(now + timedelta(days=1)), "ends_at": ISO(now + timedelta(days=368))}, "ends_at"),
        ({"metric": "modules_passed", "topic": "Impfung"}, "topic"),
        ({"metric": "likes"}, "metric"),
        ({"target": 0}, "target"),
        ({"title": "   "}, "title"),
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    _invalid_bodies(),
    ids=["ended", "before-start", "too-long", "topic-for-modules", "metric", "target", "title"],
)
def test_invalid_challenges_are_422_naming_the_field(world, fields, field):
    response = _challenge(world.b.api, **fields)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"], response.get_json()
    assert world.b.api.get("/challenges").get_json()["items"] == []


def test_only_staff_start_and_cancel_challenges(app, world):
    anna = influencer(app, world.b, name="Anna")
    assert _challenge(anna).status_code == 403
    created = _created(world.b.api)
    assert anna.delete(f"/challenges/{created['id']}").status_code == 403
    assert _one(anna, created["id"])["status"] == "running"


def test_a_cancelled_challenge_counts_no_more_and_status_filters(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    items = [_item(b.api, "Impfung", n) for n in range(3)]
    running = _created(b.api, title="Läuft")
    upcoming = _created(
        b.api,
        title="Kommt",
        starts_at=ISO(clock.now() + timedelta(days=2)),
        ends_at=ISO(clock.now() + timedelta(days=9)),
    )
    cancelled = _created(b.api, title="Abgesagt")
    _share(anna, items[0])
    assert _one(anna, cancelled["id"])["me"]["progress"]["current"] == 1
    assert _one(anna, upcoming["id"])["me"]["progress"]["current"] == 0 and upcoming["status"] == "upcoming"

    assert b.api.delete(f"/challenges/{cancelled['id']}").status_code == 204
    assert b.api.delete(f"/challenges/{cancelled['id']}").status_code == 204  # cancelling twice changes nothing
    _share(anna, items[1])
    _share(anna, items[2])
    gone = _one(anna, cancelled["id"])
    assert gone["status"] == "cancelled" and gone["me"] == {
        "progress": {"current": 1, "target": 3, "ratio": 0.3333},
        "completed_at": None,
    }
    assert _one(anna, running["id"])["me"]["completed_at"] is not None
    assert [e["subject_id"] for e in _bonus_entries(anna)] == [running["id"]]

    def ids(status):
        response = anna.get("/challenges", query_string={"status": status})
        assert response.status_code == 200, response.get_json()
        return [c["id"] for c in response.get_json()["items"]]

    assert ids("running") == [running["id"]]
    assert ids("upcoming") == [upcoming["id"]]
    assert ids("cancelled") == [cancelled["id"]]
    assert ids("ended") == []
    assert {c["id"] for c in anna.get("/challenges").get_json()["items"]} == {
        running["id"],
        upcoming["id"],
        cancelled["id"],
    }
    assert [c["id"] for c in anna.get("/challenges").get_json()["items"]][0] == upcoming["id"]  # latest start first
    assert anna.get("/challenges", query_string={"status": "paused"}).status_code == 422

    with clock.frozen(clock.now() + timedelta(days=30)):
        assert ids("ended") == [upcoming["id"], running["id"]]


def test_challenges_of_the_other_tenant_are_404(app, world):
    theirs = _created(world.b.api, title="Agentur")
    ours = _created(world.a.api, title="MedTech", metric="modules_passed")
    assert world.a.api.get(f"/challenges/{theirs['id']}").status_code == 404
    assert world.a.api.delete(f"/challenges/{theirs['id']}").status_code == 404
    assert [c["id"] for c in world.a.api.get("/challenges").get_json()["items"]] == [ours["id"]]
    assert _one(world.b.api, theirs["id"])["status"] == "running"  # not cancelled by the other tenant
    assert world.b.api.get(f"/challenges/{uuid.uuid4()}").status_code == 404
