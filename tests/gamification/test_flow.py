"""Issue 7 end to end: points, badges, milestones and leaderboards move as members train, post
and get clicks, through the API."""

from __future__ import annotations

from tests.gamification.helpers import click, influencer, pass_module, points, publish_post


def test_points_badges_milestones_and_boards_follow_training_posts_and_clicks(app, world, client):
    b = world.b  # Empowerment: own posts are approved on submit
    anna = influencer(app, b, name="Anna", department="Vertrieb")
    ben = influencer(app, b, name="Ben", department="Vertrieb", visible=False)

    module = pass_module(b.api, anna)  # 100%: module 20 + perfect 10
    assert points(anna) == 30
    mine = anna.get("/me/points").get_json()
    assert {e["rule"] for e in mine["items"]} == {"module_passed", "perfect_score"}
    assert all(e["subject_id"] == module["id"] for e in mine["items"])
    assert mine["level"]["name"] == "Starter" and mine["level"]["next"]["points_to_go"] == 70
    badges = {b_["key"]: b_ for b_ in anna.get("/me/badges").get_json()["items"]}
    assert badges["first_steps"]["awarded_at"] is not None and badges["quiz_ace"]["progress"] == {
        "current": 1,
        "target": 3,
        "ratio": 0.3333,
    }

    post = publish_post(anna)  # own post 15 + first post 25
    assert points(anna) == 70
    for visitor in range(3):
        click(client, post, visitor)
    click(client, post, 0)  # the same visitor again: not unique, no points
    assert points(anna) == 73
    milestones = {m["key"]: m for m in anna.get("/me/milestones").get_json()["items"]}
    assert milestones["first_post"]["achieved_at"] is not None
    assert milestones["ten_posts"]["progress"]["current"] == 1 and milestones["ten_posts"]["achieved_at"] is None
    assert milestones["hundred_clicks"]["progress"]["current"] == 3

    publish_post(ben, text="Mein erster Beitrag über unser Team. #Mitarbeiter")
    board = ben.get("/leaderboards/week").get_json()
    assert [(i["rank"], i["member"]["name"], i["points"]) for i in board["items"]] == [(1, "Anna", 73)]
    assert board["me"] == {"rank": 2, "points": 40, "listed": False}  # Ben did not opt in: not listed, still ranked
    assert anna.get("/leaderboards/all?department=vertrieb").get_json()["me"]["rank"] == 1
    assert anna.get("/leaderboards/month?department=Einkauf").get_json() == {
        **anna.get("/leaderboards/month?department=Einkauf").get_json(),
        "items": [],
        "me": None,
    }


def test_export_holds_the_members_points_and_erasure_scrubs_their_name_from_reasons(app, world):
    b = world.b
    carla = influencer(app, b, name="Carla Fleischmann")
    entry = b.api.post(
        "/gamification/adjustments",
        json={
            "member_id": str(carla.member_id),
            "points": 12,
            "reason": "Messestand betreut: danke, Carla Fleischmann!",
        },
    )
    assert entry.status_code == 201 and entry.get_json()["points"] == 12
    export = carla.get("/me/export").get_json()["gamification"]
    assert export["points_total"] == 12 and export["ledger"][0]["reason"].startswith("Messestand")

    assert b.api.post(f"/members/{carla.member_id}/erase").status_code == 200
    ledger = b.api.get("/gamification/ledger", query_string={"member_id": str(carla.member_id)}).get_json()["items"]
    assert (
        len(ledger) == 1
        and "Fleischmann" not in ledger[0]["reason"]
        and ledger[0]["reason"].startswith("Messestand betreut: danke, member-")
    )
    assert ledger[0]["points"] == 12  # the entry itself stays: the totals rest on it
    assert b.api.get("/leaderboards/all").get_json()["items"] == []  # an erased member is not active


def test_purge_caps_drops_past_days_counters_and_keeps_todays(app, world, client, owner_engine):
    from datetime import timedelta

    from sqlalchemy import text

    from app import clock

    def caps() -> int:
        with owner_engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM point_caps")).scalar_one()

    anna = influencer(app, world.b, name="Anna")
    start = clock.now()
    with clock.frozen(start):
        click(client, publish_post(anna), 1)
    with clock.frozen(start + timedelta(days=3)):
        click(client, publish_post(anna, text="Noch ein Beitrag https://example.com/zwei #Mitarbeiter"), 2)
        assert caps() == 2
        result = app.test_cli_runner().invoke(args=["gamification", "purge-caps"])
    assert result.exit_code == 0 and "deleted 1 cap counter(s)" in result.output
    assert caps() == 1
