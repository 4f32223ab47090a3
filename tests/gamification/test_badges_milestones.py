"""Badges and personal-branding milestones through the API: the built-in catalogue in the
caller's language, tenant badges (validation, backfill, awarded once, retiring), windowed
criteria, and every milestone moved by profile, posts, training and the guideline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app import clock
from tests.gamification.helpers import influencer, points, publish_post
from tests.training.test_modules import answers, published_module

#: A Monday, in the future of the test run (tokens and members are created "now").
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _post(api, n: int):
    return publish_post(api, text=f"Beitrag Nummer {n} aus unserem Team, heute über Thema {n * 7}. #Mitarbeiter")


def _badges(api) -> dict[str, dict]:
    response = api.get("/me/badges")
    assert response.status_code == 200, response.get_json()
    return {badge["key"]: badge for badge in response.get_json()["items"]}


def _milestones(api) -> dict[str, dict]:
    response = api.get("/me/milestones")
    assert response.status_code == 200, response.get_json()
    return {m["key"]: m for m in response.get_json()["items"]}


def _create_badge(api, **criteria):
    return api.post(
        "/badges", json={"name": "Zwei Beiträge", "description": "Zwei veröffentlicht.", "criteria": criteria}
    )


# -- badges ---------------------------------------------------------------------------------


def test_catalogue_lists_builtin_badges_in_the_callers_language(app, world):
    de = influencer(app, world.b, name="Dora", locale="de")
    en = influencer(app, world.b, name="Eric", locale="en")
    german = {b["key"]: b for b in de.get("/badges").get_json()["items"]}
    english = {b["key"]: b for b in en.get("/badges").get_json()["items"]}
    assert (
        set(german)
        == set(english)
        >= {
            "first_steps",
            "quiz_ace",
            "own_voice",
            "amplifier",
            "steady_voice",
            "crowd_puller",
            "challenger",
            "thousand_club",
        }
    )
    assert german["first_steps"]["name"] == "Erste Schritte" and english["first_steps"]["name"] == "First steps"
    assert german["challenger"]["name"] == "Herausforderer" and english["challenger"]["name"] == "Challenger"
    assert german["steady_voice"]["criteria"] == {"metric": "posts_published", "threshold": 4, "window_days": 28}
    assert all(b["builtin"] for b in german.values())
    # The other tenant has the same built-in catalogue and none of this tenant's badges.
    assert _create_badge(world.b.api, metric="posts_published", threshold=2).status_code == 201
    assert len(de.get("/badges").get_json()["items"]) == len(german) + 1
    assert all(b["builtin"] for b in world.a.api.get("/badges").get_json()["items"])


def test_a_tenant_badge_is_backfilled_then_awarded_once_on_reaching_it(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    ben = influencer(app, b, name="Ben")
    _post(anna, 1)
    _post(anna, 2)
    _post(ben, 3)

    created = _create_badge(b.api, metric="posts_published", threshold=2)
    assert created.status_code == 201, created.get_json()
    badge = created.get_json()
    assert badge["builtin"] is False and badge["name"] == "Zwei Beiträge"
    assert badge["criteria"] == {"metric": "posts_published", "threshold": 2, "window_days": None}
    key = badge["key"]
    assert key in {item["key"] for item in ben.get("/badges").get_json()["items"]}

    # Anna met it already: awarded at once. Ben has not yet.
    first = _badges(anna)[key]
    assert first["awarded_at"] is not None and first["progress"] == {"current": 2, "target": 2, "ratio": 1.0}
    assert _badges(ben)[key]["awarded_at"] is None and _badges(ben)[key]["progress"]["current"] == 1

    _post(ben, 4)
    assert _badges(ben)[key]["awarded_at"] is not None
    # Awarded once: further posts do not move the time it was earned.
    awarded_ben = _badges(ben)[key]["awarded_at"]
    _post(ben, 5)
    _post(anna, 6)
    assert _badges(ben)[key]["awarded_at"] == awarded_ben
    assert _badges(anna)[key]["awarded_at"] == first["awarded_at"]

    # Not in the other tenant, where nobody can earn it.
    assert key not in {item["key"] for item in world.a.api.get("/badges").get_json()["items"]}
    assert world.a.api.delete(f"/badges/{key}").status_code == 404


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"name": "X", "criteria": {"metric": "likes", "threshold": 2}}, ("criteria", "metric")),
        ({"name": "X", "criteria": {"metric": "posts_published", "threshold": 0}}, ("criteria", "threshold")),
        (
            {"name": "X", "criteria": {"metric": "posts_published", "threshold": 2, "window_days": 0}},
            ("criteria", "window_days"),
        ),
        (
            {"name": "X", "criteria": {"metric": "posts_published", "threshold": 2, "window_days": 367}},
            ("criteria", "window_days"),
        ),
        ({"name": "X"}, ("criteria",)),
        ({"name": "  ", "criteria": {"metric": "posts_published", "threshold": 2}}, ("name",)),
    ],
)
def test_invalid_badges_are_422_naming_the_field(world, body, path):
    response = world.b.api.post("/badges", json=body)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]["json"]
    for part in path:
        assert part in errors, errors
        errors = errors[part]
    assert world.b.api.get("/badges").get_json()["items"] == [
        b for b in world.b.api.get("/badges").get_json()["items"] if b["builtin"]
    ]


def test_only_staff_define_and_retire_badges(app, world):
    anna = influencer(app, world.b, name="Anna")
    assert _create_badge(anna, metric="posts_published", threshold=2).status_code == 403
    badge = _create_badge(world.b.api, metric="posts_published", threshold=2).get_json()
    assert anna.delete(f"/badges/{badge['key']}").status_code == 403
    assert badge["key"] in {b["key"] for b in anna.get("/badges").get_json()["items"]}


def test_a_retired_badge_is_no_longer_listed_or_awarded(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    ben = influencer(app, b, name="Ben")
    _post(anna, 1)
    badge = _create_badge(b.api, metric="posts_published", threshold=1).get_json()
    assert _badges(anna)[badge["key"]]["awarded_at"] is not None

    assert b.api.delete(f"/badges/{badge['key']}").status_code == 204
    assert b.api.delete(f"/badges/{badge['key']}").status_code == 204  # retiring twice changes nothing
    assert badge["key"] not in {item["key"] for item in b.api.get("/badges").get_json()["items"]}
    _post(ben, 2)  # would have met it: retired badges are not awarded any more
    assert badge["key"] not in _badges(ben)


def test_members_who_earned_a_retired_badge_keep_it(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    _post(anna, 1)
    badge = _create_badge(b.api, metric="posts_published", threshold=1).get_json()
    earned = _badges(anna)[badge["key"]]["awarded_at"]
    assert earned is not None
    assert b.api.delete(f"/badges/{badge['key']}").status_code == 204
    kept = _badges(anna)[badge["key"]]
    assert kept["awarded_at"] == earned and kept["name"] == "Zwei Beiträge"


def test_windowed_builtin_badge_needs_four_posts_within_28_days(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    ben = influencer(app, b, name="Ben")
    for week in range(4):  # Anna: one post a week, four within 28 days
        with clock.frozen(MONDAY + timedelta(days=7 * week)):
            _post(anna, week)
            if week < 3:
                assert _badges(anna)["steady_voice"]["awarded_at"] is None
    with clock.frozen(MONDAY + timedelta(days=21)):
        steady = _badges(anna)["steady_voice"]
    assert steady["awarded_at"] == "2026-12-28T09:00:00Z" and steady["progress"] == {
        "current": 4,
        "target": 4,
        "ratio": 1.0,
    }

    for n, day in enumerate((0, 20, 40, 60)):  # Ben: four posts spread over 60 days
        with clock.frozen(MONDAY + timedelta(days=day)):
            _post(ben, 10 + n)
    with clock.frozen(MONDAY + timedelta(days=60)):
        steady = _badges(ben)["steady_voice"]
    assert steady["awarded_at"] is None and steady["progress"]["current"] == 2


# -- milestones -----------------------------------------------------------------------------


def test_profile_account_and_reach_milestones_and_the_profile_bonus_once(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    before = _milestones(anna)
    assert before["profile_completed"]["achieved_at"] is None and before["profile_completed"]["progress"] == {
        "current": 0,
        "target": 4,
        "ratio": 0.0,
    }

    profile = {
        "headline": "Vertriebsingenieurin",
        "bio": "Ich erkläre Medizintechnik.",
        "photo_url": "https://example.com/anna.jpg",
    }
    assert anna.patch("/me", json={"profile": profile}).status_code == 200
    mine = _milestones(anna)
    assert mine["profile_completed"]["achieved_at"] is None and mine["profile_completed"]["progress"]["current"] == 3
    assert mine["first_social_account"]["achieved_at"] is None
    assert points(anna) == 0

    account = anna.post("/me/social-accounts", json={"platform": "linkedin", "handle": "anna-v", "followers": 1200})
    assert account.status_code == 201, account.get_json()
    mine = _milestones(anna)
    for key in ("profile_completed", "first_social_account", "reach_1000"):
        assert mine[key]["achieved_at"] is not None, key
    assert mine["reach_10000"]["achieved_at"] is None and mine["reach_10000"]["progress"] == {
        "current": 1200,
        "target": 10000,
        "ratio": 0.12,
    }
    assert points(anna) == 15
    completed_at = mine["profile_completed"]["achieved_at"]

    # The profile changes again (even incomplete and complete again): the bonus stays once.
    assert anna.patch("/me", json={"profile": {"headline": "Key Account Managerin"}}).status_code == 200
    assert anna.patch("/me", json={"profile": {"photo_url": None}}).status_code == 200
    assert anna.patch("/me", json={"profile": {"photo_url": "https://example.com/anna2.jpg"}}).status_code == 200
    entries = anna.get("/me/points").get_json()["items"]
    assert [e["rule"] for e in entries] == ["profile_completed"] and entries[0]["points"] == 15
    assert _milestones(anna)["profile_completed"]["achieved_at"] == completed_at

    account_id = account.get_json()["id"]
    assert anna.patch(f"/me/social-accounts/{account_id}", json={"followers": 12000}).status_code == 200
    assert _milestones(anna)["reach_10000"]["achieved_at"] is not None
    assert points(anna) == 15
    # Nothing of it reaches the other tenant.
    assert world.a.api.get("/gamification/ledger").get_json()["items"] == []


def test_posting_streak_needs_four_consecutive_weeks_and_ten_posts_needs_ten(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    ben = influencer(app, b, name="Ben")
    for n, week in enumerate((0, 1, 2, 3)):
        with clock.frozen(MONDAY + timedelta(days=7 * week + 2)):
            _post(anna, n)
            if week < 3:
                assert _milestones(anna)["posting_streak_4_weeks"]["achieved_at"] is None
    with clock.frozen(MONDAY + timedelta(days=23)):
        streak = _milestones(anna)["posting_streak_4_weeks"]
    assert streak["achieved_at"] is not None and streak["progress"] == {"current": 4, "target": 4, "ratio": 1.0}

    for n, week in enumerate((0, 1, 3, 4)):  # a week without a post breaks the streak
        with clock.frozen(MONDAY + timedelta(days=7 * week + 1)):
            _post(ben, 20 + n)
    with clock.frozen(MONDAY + timedelta(days=29)):
        streak = _milestones(ben)["posting_streak_4_weeks"]
    assert streak["achieved_at"] is None and streak["progress"]["current"] == 2

    with clock.frozen(MONDAY + timedelta(days=24)):
        for n in range(5):
            _post(anna, 40 + n)
        assert _milestones(anna)["ten_posts"]["achieved_at"] is None
        assert _milestones(anna)["ten_posts"]["progress"]["current"] == 9
        _post(anna, 50)
        ten = _milestones(anna)["ten_posts"]
    assert ten["achieved_at"] is not None and ten["progress"]["current"] == 10
    assert _milestones(ben)["ten_posts"]["progress"]["current"] == 4


def _guideline(api, at: datetime) -> str:
    with clock.frozen(at):
        guideline = api.post(
            "/guidelines", json={"title": "Richtlinie", "body": "# Richtlinie\n\nSeien Sie Sie selbst.", "locale": "de"}
        )
    assert guideline.status_code == 201, guideline.get_json()
    return f"/guidelines/{guideline.get_json()['id']}/acknowledgements"


@pytest.mark.parametrize(("days", "in_time"), [(3, True), (7, True), (8, False)])
def test_guideline_acknowledged_within_a_week_is_a_milestone_later_only_points(app, world, days, in_time):
    anna = influencer(app, world.b, name="Anna")
    t0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    path = _guideline(world.b.api, t0)
    with clock.frozen(t0 + timedelta(days=days)):
        assert anna.post(path).status_code == 201

    reached = _milestones(anna)["guideline_within_week"]
    if in_time:
        assert (
            reached["achieved_at"] == clock.isoformat(t0 + timedelta(days=days)) and reached["progress"]["current"] == 1
        )
    else:
        assert reached["achieved_at"] is None and reached["progress"] == {"current": 0, "target": 1, "ratio": 0.0}
    entries = anna.get("/me/points").get_json()["items"]
    assert [(e["rule"], e["points"]) for e in entries] == [("guideline_acknowledged", 10)]  # points either way


def test_every_member_acknowledging_the_same_guideline_gets_points_and_the_milestone(app, world):
    anna = influencer(app, world.b, name="Anna")
    ben = influencer(app, world.b, name="Ben")
    t0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    path = _guideline(world.b.api, t0)
    with clock.frozen(t0 + timedelta(days=2)):
        assert anna.post(path).status_code == 201
        assert ben.post(path).status_code == 201
    for api in (anna, ben):
        assert points(api) == 10
        assert _milestones(api)["guideline_within_week"]["achieved_at"] is not None


def test_required_training_progress_counts_required_modules_passed(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    first = published_module(b.api, title="Markenwerte")
    second = published_module(b.api, title="Datenschutz")
    start = _milestones(anna)["required_training_passed"]
    assert start["achieved_at"] is None and start["progress"] == {"current": 0, "target": 2, "ratio": 0.0}

    assert anna.post(f"/training/modules/{first['id']}/attempts", json=answers(first)).get_json()["passed"]
    half = _milestones(anna)["required_training_passed"]
    assert half["achieved_at"] is None and half["progress"] == {"current": 1, "target": 2, "ratio": 0.5}

    assert anna.post(f"/training/modules/{second['id']}/attempts", json=answers(second)).get_json()["passed"]
    done = _milestones(anna)["required_training_passed"]
    assert done["achieved_at"] is not None and done["progress"] == {"current": 2, "target": 2, "ratio": 1.0}


def test_every_member_passing_the_same_module_gets_points_badge_and_progress(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    ben = influencer(app, b, name="Ben")
    module = published_module(b.api, title="Markenwerte")
    for api in (anna, ben):
        assert api.post(f"/training/modules/{module['id']}/attempts", json=answers(module)).get_json()["passed"]
    for api in (anna, ben):
        assert points(api) == 30  # module 20 + perfect score 10
        assert _badges(api)["first_steps"]["awarded_at"] is not None
        assert _milestones(api)["required_training_passed"]["achieved_at"] is not None
