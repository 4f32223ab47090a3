"""Point rules and levels, the click cap, ledger corrections, idempotent event handling, the
rebuild of the aggregates and standings that follow member changes, through the API (plus the
rules and calculations directly), always in the two-tenant world."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import ProgrammingError

from app import events, tenancy, transactions
from app.db import db
from gamification import config, ledger, listeners
from gamification.models import PointEntry
from tests.gamification.helpers import click, influencer, points, publish_post

DEFAULT_LEVEL_NAMES = ["Starter", "Advocate", "Ambassador", "Thought Leader"]


def _rules(api):
    response = api.get("/gamification/point-rules")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _ledger(owner_api, member_id):
    response = owner_api.get("/gamification/ledger", query_string={"member_id": str(member_id), "limit": 100})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def _audit_actions(owner_api, action):
    response = owner_api.get("/audit-events", query_string={"action": action, "limit": 100})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def _board(api, period="all", **query):
    response = api.get(f"/leaderboards/{period}", query_string={"limit": 100, **query})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _listed(board):
    return {item["member"]["name"]: item["points"] for item in board["items"]}


# -- 1. point rules ---------------------------------------------------------------------------


def test_point_rules_defaults_and_owner_change_starts_a_new_version(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    view = _rules(anna)  # everybody may read the rules
    assert view["version"] == 1 and view["updated_at"] is None
    assert view["rules"] == config.DEFAULT_RULES
    assert view["rules"]["own_post_published"] == 15 and view["rules"]["click_daily_cap_per_post"] == 20

    changed = b.api.put("/gamification/point-rules", json={"rules": {"own_post_published": 30}})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["version"] == 2 and body["updated_at"] is not None
    assert body["rules"] == {**config.DEFAULT_RULES, "own_post_published": 30}
    assert _rules(anna)["version"] == 2

    # The same values again are no change: no new version
    again = b.api.put("/gamification/point-rules", json={"rules": {"own_post_published": 30}})
    assert again.status_code == 200 and again.get_json()["version"] == 2

    # The other tenant's rules are untouched
    assert _rules(world.a.api) == {"rules": config.DEFAULT_RULES, "version": 1, "updated_at": None}

    audit = _audit_actions(b.api, "gamification.rules_changed")
    assert len(audit) == 1
    assert audit[0]["before"] == {"own_post_published": 15} and audit[0]["after"] == {"own_post_published": 30}
    assert _audit_actions(world.a.api, "gamification.rules_changed") == []


def test_influencer_cannot_change_point_rules(app, world):
    anna = influencer(app, world.b, name="Anna")
    response = anna.put("/gamification/point-rules", json={"rules": {"own_post_published": 30}})
    assert response.status_code == 403
    assert _rules(world.b.api)["version"] == 1
    assert _rules(world.b.api)["rules"]["own_post_published"] == 15


@pytest.mark.parametrize("value", [-1, 1001, 2.5, "3", None, True])
def test_point_rule_values_out_of_range_are_rejected(app, world, value):
    b = world.b
    response = b.api.put("/gamification/point-rules", json={"rules": {"own_post_published": value}})
    assert response.status_code == 422, response.get_json()
    assert "own_post_published" in response.get_json()["errors"]["json"]["rules"]
    view = _rules(b.api)
    assert view["version"] == 1 and view["rules"]["own_post_published"] == 15


def test_changing_levels_does_not_date_the_point_rules(app, world):
    b = world.b
    assert b.api.put("/gamification/levels", json={"levels": [{"name": "Neu", "min_points": 0}]}).status_code == 200
    view = _rules(b.api)
    assert view["version"] == 1
    assert view["updated_at"] is None  # "null: the defaults were never changed"


def test_point_rule_bounds_are_inclusive(app, world):
    b = world.b
    response = b.api.put("/gamification/point-rules", json={"rules": {"click": 0, "first_post": 1000}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["rules"]["click"] == 0 and response.get_json()["rules"]["first_post"] == 1000


@pytest.mark.parametrize(
    "body, field",
    [
        ({"rules": {"bogus_rule": 5}}, "bogus_rule"),
        ({"rules": {"own_post_published": 20, "reversal": 5}}, "reversal"),
        ({"rules": {"adjustment": 5}}, "adjustment"),
    ],
)
def test_unknown_rule_keys_are_rejected_and_nothing_changes(app, world, body, field):
    b = world.b
    response = b.api.put("/gamification/point-rules", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"]["rules"]
    view = _rules(b.api)
    assert view["version"] == 1 and view["rules"] == config.DEFAULT_RULES


@pytest.mark.parametrize("body", [{}, {"own_post_published": 30}, {"rules": None}, {"rules": [1]}])
def test_missing_or_malformed_rules_object_is_rejected(app, world, body):
    b = world.b
    response = b.api.put("/gamification/point-rules", json=body)
    assert response.status_code == 422, response.get_json()
    assert "rules" in response.get_json()["errors"]["json"]
    assert _rules(b.api)["version"] == 1


def test_rule_change_is_not_retroactive_and_entries_carry_the_rule_version(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    publish_post(anna)  # own post 15 + first post 25, version 1
    assert points(anna) == 40

    assert b.api.put("/gamification/point-rules", json={"rules": {"own_post_published": 30}}).get_json()["version"] == 2
    assert points(anna) == 40  # nothing rescored

    publish_post(anna, text="Zweiter Beitrag über unser Team. #Mitarbeiter")
    assert points(anna) == 70

    entries = _ledger(b.api, anna.member_id)
    by_points = sorted((e["points"], e["rule_version"]) for e in entries if e["rule"] == "own_post_published")
    assert by_points == [(15, 1), (30, 2)]
    first = [e for e in entries if e["rule"] == "first_post"]
    assert len(first) == 1 and first[0]["points"] == 25 and first[0]["rule_version"] == 1
    assert first[0]["subject_id"] == next(
        e["subject_id"] for e in entries if e["rule"] == "own_post_published" and e["points"] == 15
    )

    # The member's own view shows the same entries
    mine = anna.get("/me/points").get_json()
    assert sorted(e["points"] for e in mine["items"]) == [15, 25, 30] and mine["total"] == 70


# -- 2. levels --------------------------------------------------------------------------------


def test_levels_default_and_custom_thresholds_drive_my_level(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    levels = anna.get("/gamification/levels")
    assert levels.status_code == 200
    assert [level["name"] for level in levels.get_json()["levels"]] == DEFAULT_LEVEL_NAMES
    assert [level["min_points"] for level in levels.get_json()["levels"]] == [0, 100, 500, 1500]

    publish_post(anna)  # 40 points
    level = anna.get("/me/points").get_json()["level"]
    assert level["name"] == "Starter" and level["next"] == {"name": "Advocate", "min_points": 100, "points_to_go": 60}

    custom = [
        {"name": "Neu", "min_points": 0},
        {"name": "Aktiv", "min_points": 30},
        {"name": "Profi", "min_points": 50},
    ]
    assert anna.put("/gamification/levels", json={"levels": custom}).status_code == 403
    response = b.api.put("/gamification/levels", json={"levels": custom})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"levels": custom}
    assert anna.get("/gamification/levels").get_json() == {"levels": custom}
    assert world.a.api.get("/gamification/levels").get_json()["levels"][1]["name"] == "Advocate"  # other tenant

    level = anna.get("/me/points").get_json()["level"]
    assert level == {"name": "Aktiv", "min_points": 30, "next": {"name": "Profi", "min_points": 50, "points_to_go": 10}}
    assert _audit_actions(b.api, "gamification.levels_changed")[0]["after"] == {"levels": custom}


@pytest.mark.parametrize(
    "levels, where",
    [
        ([{"name": "A", "min_points": 10}, {"name": "B", "min_points": 20}], ("0", "min_points")),
        (
            [{"name": "A", "min_points": 0}, {"name": "B", "min_points": 20}, {"name": "C", "min_points": 20}],
            ("2", "min_points"),
        ),
        (
            [{"name": "A", "min_points": 0}, {"name": "B", "min_points": 20}, {"name": "C", "min_points": 5}],
            ("2", "min_points"),
        ),
        ([{"name": "A", "min_points": 0}, {"name": "a ", "min_points": 20}], ("1", "name")),
        ([], None),
        ([{"name": "A", "min_points": -1}], ("0", "min_points")),
        ([{"name": "", "min_points": 0}], ("0", "name")),
    ],
)
def test_invalid_levels_are_rejected_and_nothing_changes(app, world, levels, where):
    b = world.b
    response = b.api.put("/gamification/levels", json={"levels": levels})
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]["json"]["levels"]
    if where is not None:
        index, field = where
        assert field in errors[index], errors
    assert [level["name"] for level in b.api.get("/gamification/levels").get_json()["levels"]] == DEFAULT_LEVEL_NAMES


def test_level_for_calculation(app, world):
    levels = [{"name": "L0", "min_points": 0}, {"name": "L1", "min_points": 10}, {"name": "L2", "min_points": 20}]
    assert config.level_for(0, levels) == {
        "name": "L0",
        "min_points": 0,
        "next": {"name": "L1", "min_points": 10, "points_to_go": 10},
    }
    assert config.level_for(10, levels)["name"] == "L1"
    assert config.level_for(19, levels)["next"]["points_to_go"] == 1
    assert config.level_for(25, levels) == {"name": "L2", "min_points": 20, "next": None}
    assert config.level_for(-5, levels)["name"] == "L0"  # corrections may take a member below 0
    assert config.level_for(5, list(reversed(levels)))["name"] == "L0"  # order of the stored list does not matter

    custom = [{"name": "Neu", "min_points": 0}, {"name": "Profi", "min_points": 50}]
    assert world.b.api.put("/gamification/levels", json={"levels": custom}).status_code == 200
    with app.app_context():
        with tenancy.scope(world.b.tenant_id):  # the tenant's own levels
            assert config.level_for(150) == {"name": "Profi", "min_points": 50, "next": None}
            assert config.current_rules() == (config.DEFAULT_RULES, 1)
        with tenancy.scope(world.a.tenant_id):  # the other tenant: the defaults
            assert config.level_for(150)["name"] == "Advocate" and config.level_for(150)["next"]["points_to_go"] == 350
        transactions.rollback()


# -- 3. the click cap ----------------------------------------------------------------------


def test_click_points_are_capped_per_post_and_day_but_every_click_counts(app, world, client):
    b = world.b
    cap = b.api.put("/gamification/point-rules", json={"rules": {"click_daily_cap_per_post": 2}})
    assert cap.status_code == 200 and cap.get_json()["rules"]["click_daily_cap_per_post"] == 2
    anna = influencer(app, b, name="Anna")
    post = publish_post(anna)  # 40
    for visitor in range(4):
        click(client, post, visitor)
    assert points(anna) == 42
    entries = _ledger(b.api, anna.member_id)
    clicks = [e for e in entries if e["rule"] == "click"]
    assert len(clicks) == 2 and all(e["points"] == 1 and e["rule_version"] == 2 for e in clicks)
    milestones = {m["key"]: m for m in anna.get("/me/milestones").get_json()["items"]}
    assert milestones["hundred_clicks"]["progress"]["current"] == 4

    # A second post has its own cap
    other = publish_post(anna, text="Noch ein Beitrag von der Messe: https://example.com/stand #Mitarbeiter")  # +15
    click(client, other, 10)
    assert points(anna) == 42 + 15 + 1


# -- 4. corrections -------------------------------------------------------------------------


def test_owner_reverses_an_entry_once_and_the_ledger_stays_append_only(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    publish_post(anna)  # own 15 + first 25
    entries = _ledger(b.api, anna.member_id)
    assert len(entries) == 2 and all(e["member_id"] == str(anna.member_id) for e in entries)
    own = next(e for e in entries if e["rule"] == "own_post_published")

    # Not for influencers, not even their own entries
    assert anna.get("/gamification/ledger", query_string={"member_id": str(anna.member_id)}).status_code == 403
    assert anna.post(f"/gamification/ledger/{own['id']}/reversal", json={"reason": "Ich"}).status_code == 403

    reversed_ = b.api.post(f"/gamification/ledger/{own['id']}/reversal", json={"reason": "Beitrag war ein Duplikat"})
    assert reversed_.status_code == 201, reversed_.get_json()
    reversal = reversed_.get_json()
    assert reversal["points"] == -15 and reversal["reverses_id"] == own["id"] and reversal["rule"] == "reversal"
    assert reversal["reason"] == "Beitrag war ein Duplikat" and reversal["member_id"] == str(anna.member_id)
    assert reversal["occurred_at"] == own["occurred_at"]  # corrects the original's periods
    assert points(anna) == 25
    assert _board(anna)["me"]["points"] == 25 and _board(anna, "week")["me"]["points"] == 25

    after = _ledger(b.api, anna.member_id)
    assert len(after) == 3
    original = next(e for e in after if e["id"] == own["id"])
    assert original == own  # still there, unchanged

    again = b.api.post(f"/gamification/ledger/{own['id']}/reversal", json={"reason": "Nochmal"})
    assert again.status_code == 409
    of_reversal = b.api.post(f"/gamification/ledger/{reversal['id']}/reversal", json={"reason": "Zurück"})
    assert of_reversal.status_code == 409
    assert b.api.post(f"/gamification/ledger/{uuid.uuid4()}/reversal", json={"reason": "Unbekannt"}).status_code == 404
    assert len(_ledger(b.api, anna.member_id)) == 3 and points(anna) == 25

    # The other tenant's owner cannot see or reverse it
    assert world.a.api.post(f"/gamification/ledger/{own['id']}/reversal", json={"reason": "Fremd"}).status_code == 404
    assert _ledger(world.a.api, anna.member_id) == []

    audit = _audit_actions(b.api, "gamification.entry_reversed")
    assert len(audit) == 1 and audit[0]["target_id"] == own["id"]
    assert audit[0]["after"]["reversal_id"] == reversal["id"] and audit[0]["actor_member_id"] == str(b.owner_id)


@pytest.mark.parametrize(
    "body, field",
    [({}, "reason"), ({"reason": ""}, "reason"), ({"reason": "   "}, "reason"), ({"reason": "x" * 501}, "reason")],
)
def test_reversal_needs_a_reason(app, world, body, field):
    b = world.b
    anna = influencer(app, b, name="Anna")
    publish_post(anna)
    entry = _ledger(b.api, anna.member_id)[0]
    response = b.api.post(f"/gamification/ledger/{entry['id']}/reversal", json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"]["json"]
    assert points(anna) == 40 and len(_ledger(b.api, anna.member_id)) == 2


def test_adjustments_correct_points_with_a_reason(app, world):
    a, b = world.a, world.b
    anna = influencer(app, b, name="Anna")
    publish_post(anna)  # 40
    response = b.api.post(
        "/gamification/adjustments", json={"member_id": str(anna.member_id), "points": -5, "reason": "Regelverstoß"}
    )
    assert response.status_code == 201, response.get_json()
    entry = response.get_json()
    assert (
        entry["points"] == -5
        and entry["rule"] == "adjustment"
        and entry["reason"] == "Regelverstoß"
        and entry["reverses_id"] is None
    )
    assert points(anna) == 35
    bonus = b.api.post(
        "/gamification/adjustments", json={"member_id": str(anna.member_id), "points": 12, "reason": "Messe-Einsatz"}
    )
    assert bonus.status_code == 201 and points(anna) == 47
    assert _board(anna, "week")["me"]["points"] == 47

    zero = b.api.post(
        "/gamification/adjustments", json={"member_id": str(anna.member_id), "points": 0, "reason": "Nichts"}
    )
    assert zero.status_code == 422 and "points" in zero.get_json()["errors"]["json"]
    for bad in (2.5, "5", ledger.MAX_ADJUSTMENT + 1, -ledger.MAX_ADJUSTMENT - 1):
        response = b.api.post(
            "/gamification/adjustments", json={"member_id": str(anna.member_id), "points": bad, "reason": "x"}
        )
        assert response.status_code == 422 and "points" in response.get_json()["errors"]["json"], bad
    missing = b.api.post("/gamification/adjustments", json={"member_id": str(anna.member_id), "points": 3})
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]["json"]

    other = influencer(app, a, name="Otto")
    foreign = b.api.post(
        "/gamification/adjustments", json={"member_id": str(other.member_id), "points": 5, "reason": "Fremd"}
    )
    assert foreign.status_code == 404
    unknown = b.api.post(
        "/gamification/adjustments", json={"member_id": str(uuid.uuid4()), "points": 5, "reason": "Niemand"}
    )
    assert unknown.status_code == 404
    assert points(other) == 0 and _ledger(a.api, other.member_id) == []

    assert (
        anna.post(
            "/gamification/adjustments", json={"member_id": str(anna.member_id), "points": 100, "reason": "Ich"}
        ).status_code
        == 403
    )
    assert points(anna) == 47 and len(_ledger(b.api, anna.member_id)) == 4

    audit = _audit_actions(b.api, "gamification.points_adjusted")
    assert sorted(e["after"]["points"] for e in audit) == [-5, 12]
    assert all(e["target_id"] == str(anna.member_id) and e["actor_member_id"] == str(b.owner_id) for e in audit)
    assert {e["after"]["entry_id"] for e in audit} == {entry["id"], bonus.get_json()["id"]}
    assert _audit_actions(a.api, "gamification.points_adjusted") == []

    # An adjustment can itself be reversed (once)
    undo = b.api.post(f"/gamification/ledger/{entry['id']}/reversal", json={"reason": "Doch kein Verstoß"})
    assert undo.status_code == 201 and undo.get_json()["points"] == 5 and points(anna) == 52


def test_tenant_ledger_lists_every_member_newest_first(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    ben = influencer(app, b, name="Ben")
    publish_post(anna)
    publish_post(ben)
    response = b.api.get("/gamification/ledger", query_string={"limit": 100})
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert {e["member_id"] for e in items} == {str(anna.member_id), str(ben.member_id)} and len(items) == 4
    created = [e["created_at"] for e in items]
    assert created == sorted(created, reverse=True)
    page = b.api.get("/gamification/ledger", query_string={"limit": 3}).get_json()
    assert len(page["items"]) == 3 and page.get("next_cursor")
    rest = b.api.get("/gamification/ledger", query_string={"limit": 3, "cursor": page["next_cursor"]}).get_json()
    assert {e["id"] for e in page["items"]} | {e["id"] for e in rest["items"]} == {e["id"] for e in items}
    assert world.a.api.get("/gamification/ledger").get_json()["items"] == []


# -- 5. idempotency ---------------------------------------------------------------------------


def _ledger_state(owner_engine, tenant_id):
    with owner_engine.connect() as connection:
        entries = connection.execute(
            text("SELECT count(*), coalesce(sum(points), 0) FROM point_entries WHERE tenant_id = :t"),
            {"t": _id(owner_engine, tenant_id)},
        ).one()
        totals = connection.execute(
            text("SELECT member_id, period, points FROM member_points WHERE tenant_id = :t ORDER BY member_id, period"),
            {"t": _id(owner_engine, tenant_id)},
        ).all()
        counters = connection.execute(
            text(
                "SELECT member_id, metric, value FROM member_counters WHERE tenant_id = :t ORDER BY member_id, metric"
            ),
            {"t": _id(owner_engine, tenant_id)},
        ).all()
    return tuple(entries), [tuple(r) for r in totals], [tuple(r) for r in counters]


def _id(engine, value: uuid.UUID) -> str:
    """A UUID as the raw SQL of the dialect stores it (SQLite: 32 hex digits)."""
    return str(value) if engine.dialect.name == "postgresql" else value.hex


def _published_event_id(owner_engine, tenant_id) -> str:
    with owner_engine.connect() as connection:
        rows = (
            connection.execute(
                text("SELECT id FROM outbox_events WHERE tenant_id = :t AND name = 'engagement.post_published'"),
                {"t": _id(owner_engine, tenant_id)},
            )
            .scalars()
            .all()
        )
    assert len(rows) == 1
    return str(uuid.UUID(str(rows[0])))


def test_redispatching_a_published_event_adds_nothing(app, world, owner_engine):
    b = world.b
    anna = influencer(app, b, name="Anna")
    publish_post(anna)
    assert points(anna) == 40
    event_id = _published_event_id(owner_engine, b.tenant_id)
    state = _ledger_state(owner_engine, b.tenant_id)
    assert state[0] == (2, 40)

    with owner_engine.begin() as connection:  # as if the dispatch had never been recorded
        connection.execute(
            text("DELETE FROM event_deliveries WHERE event_id = :e"), {"e": _id(owner_engine, uuid.UUID(event_id))}
        )
        connection.execute(
            text("UPDATE outbox_events SET dispatched_at = NULL WHERE id = :e"),
            {"e": _id(owner_engine, uuid.UUID(event_id))},
        )
    with app.app_context(), tenancy.scope(b.tenant_id):
        events.dispatch(event_id)
        events.dispatch(event_id)  # and once more, now a no-op
        event = db.session.get(events.OutboxEvent, uuid.UUID(event_id))
        assert event.dispatched_at is not None and event.last_error is None
        transactions.rollback()

    assert _ledger_state(owner_engine, b.tenant_id) == state
    assert points(anna) == 40
    milestones = {m["key"]: m for m in anna.get("/me/milestones").get_json()["items"]}
    assert milestones["ten_posts"]["progress"]["current"] == 1


def test_calling_the_listener_again_in_a_transaction_adds_nothing(app, world, owner_engine):
    b = world.b
    anna = influencer(app, b, name="Anna")
    publish_post(anna)
    event_id = uuid.UUID(_published_event_id(owner_engine, b.tenant_id))
    state = _ledger_state(owner_engine, b.tenant_id)
    with app.app_context(), tenancy.scope(b.tenant_id):
        event = db.session.get(events.OutboxEvent, event_id)
        before = db.session.scalar(select(func.count()).select_from(PointEntry))
        listeners.on_post_published(event)
        listeners.on_post_published(event)
        assert db.session.scalar(select(func.count()).select_from(PointEntry)) == before == 2
        assert ledger.total(anna.member_id) == 40
        transactions.commit()
    assert _ledger_state(owner_engine, b.tenant_id) == state
    assert points(anna) == 40


def test_award_is_keyed_by_source_and_rule(app, world, owner_engine):
    """The ledger primitive itself: the same (source_key, rule) once; 0 points are no entry."""
    b = world.b
    anna = influencer(app, b, name="Anna")
    from app import clock
    from tenants.models import Member

    with app.app_context(), tenancy.scope(b.tenant_id):
        member = db.session.get(Member, anna.member_id)
        at = clock.now()
        first = ledger.award(member, "adjustment", 7, "test:1", at, reason="a")
        assert first is not None
        assert ledger.award(member, "adjustment", 7, "test:1", at, reason="again") is None
        assert ledger.award(member, "click", 7, "test:1", at) is not None  # another rule, same source
        assert ledger.award(member, "adjustment", 0, "test:2", at) is None
        assert ledger.total(member.id) == 14
        transactions.commit()
    assert points(anna) == 14
    assert _board(anna, "week")["me"]["points"] == 14 and _board(anna, "quarter")["me"]["points"] == 14


# -- 6. rebuild -------------------------------------------------------------------------------


def _rebuild(app, *args):
    result = app.test_cli_runner().invoke(args=["gamification", "rebuild", *args])
    return result.exit_code, result.output


def test_rebuild_check_reports_tampering_and_rebuild_corrects_it(app, world, client, owner_engine):
    b = world.b
    anna = influencer(app, b, name="Anna", department="Vertrieb")
    ben = influencer(app, b, name="Ben", department="Einkauf")
    post = publish_post(anna)  # 40
    for visitor in range(3):
        click(client, post, visitor)  # 43
    publish_post(ben)  # 40
    b.api.post(
        "/gamification/adjustments", json={"member_id": str(ben.member_id), "points": 5, "reason": "Bonus"}
    )  # 45
    assert (points(anna), points(ben)) == (43, 45)

    code, output = _rebuild(app, "--check")
    assert code == 0, output
    assert "0 difference(s) in all" in output
    assert f"tenant {b.tenant_id}: 3 members, 8 ledger entries, 0 difference(s)" in output, output

    t, m_anna, m_ben = (
        _id(owner_engine, b.tenant_id),
        _id(owner_engine, anna.member_id),
        _id(owner_engine, ben.member_id),
    )
    with owner_engine.begin() as connection:
        assert (
            connection.execute(
                text(
                    "UPDATE member_points SET points = points + 7 WHERE tenant_id = :t AND member_id = :m AND period = 'all'"
                ),
                {"t": t, "m": m_anna},
            ).rowcount
            == 1
        )
        assert (
            connection.execute(
                text("DELETE FROM member_points WHERE tenant_id = :t AND member_id = :m AND period = 'week'"),
                {"t": t, "m": m_ben},
            ).rowcount
            == 1
        )
        assert (
            connection.execute(
                text(
                    "UPDATE member_counters SET value = value + 3 WHERE tenant_id = :t AND member_id = :m AND metric = 'clicks'"
                ),
                {"t": t, "m": m_anna},
            ).rowcount
            == 1
        )
        assert (
            connection.execute(
                text("DELETE FROM member_counters WHERE tenant_id = :t AND member_id = :m AND metric = 'own_posts'"),
                {"t": t, "m": m_ben},
            ).rowcount
            == 1
        )
    tampered = _ledger_state(owner_engine, b.tenant_id)
    assert points(anna) == 50
    assert _board(ben, "week")["me"]["points"] == 0

    code, output = _rebuild(app, "--check")
    assert code == 1, output
    assert "4 difference(s) in all" in output, output
    assert f"tenant {b.tenant_id}: 3 members, 8 ledger entries, 4 difference(s)\n" in output, output
    assert f"tenant {world.a.tenant_id}: 1 members, 0 ledger entries, 0 difference(s)" in output, output
    assert "'expected': 43, 'stored': 50" in output and "'expected': 45, 'stored': 0" in output
    assert "'kind': 'counter'" in output and "'what': 'clicks'" in output and "'what': 'own_posts'" in output
    assert _ledger_state(owner_engine, b.tenant_id) == tampered  # a check changes nothing

    code, output = _rebuild(app)
    assert code == 0, output
    assert "4 difference(s) corrected" in output, output

    code, output = _rebuild(app, "--check")
    assert code == 0 and "0 difference(s) in all" in output, output

    assert (points(anna), points(ben)) == (43, 45)
    assert _listed(_board(anna, "week")) == {"Anna": 43, "Ben": 45}
    assert _listed(_board(anna, "all")) == {"Anna": 43, "Ben": 45}
    assert _listed(_board(anna, "all", department="einkauf")) == {"Ben": 45}
    assert _board(ben, "week")["me"] == {"rank": 1, "points": 45, "listed": True}
    milestones = {m["key"]: m for m in anna.get("/me/milestones").get_json()["items"]}
    assert milestones["hundred_clicks"]["progress"]["current"] == 3
    with owner_engine.connect() as connection:
        value = connection.execute(
            text("SELECT value FROM member_counters WHERE tenant_id = :t AND member_id = :m AND metric = 'own_posts'"),
            {"t": t, "m": m_ben},
        ).scalar()
    assert value == 1


def test_rebuild_keeps_what_the_boards_filter_on(app, world, owner_engine):
    """Rewritten rows carry the member's current department and consent, so filters still work."""
    b = world.b
    anna = influencer(app, b, name="Anna", department="Vertrieb")
    hidden = influencer(app, b, name="Hanna", department="Vertrieb", visible=False)
    publish_post(anna)
    publish_post(hidden)
    with owner_engine.begin() as connection:
        connection.execute(
            text("DELETE FROM member_points WHERE tenant_id = :t"), {"t": _id(owner_engine, b.tenant_id)}
        )
    assert _listed(_board(anna)) == {}
    code, output = _rebuild(app)
    assert code == 0 and "corrected" in output, output
    assert _listed(_board(anna, department="VERTRIEB")) == {"Anna": 40}
    assert _board(hidden)["me"] == {"rank": 1, "points": 40, "listed": False}  # a tie with Anna shares her rank


# -- 7. standings follow member changes ------------------------------------------------------


def test_leaderboard_follows_consent_and_department_changes(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna", department="Vertrieb")
    ben = influencer(app, b, name="Ben", department="Vertrieb")
    publish_post(anna)  # 40
    publish_post(ben)
    b.api.post(
        "/gamification/adjustments", json={"member_id": str(ben.member_id), "points": 10, "reason": "Bonus"}
    )  # 50
    assert _listed(_board(anna)) == {"Anna": 40, "Ben": 50}

    withdrawn = ben.put("/me/consent", json={"leaderboard_visible": False})
    assert withdrawn.status_code == 200, withdrawn.get_json()
    for period in ("week", "month", "quarter", "all"):
        assert _listed(_board(anna, period)) == {"Anna": 40}, period
        assert _board(ben, period)["me"] == {"rank": 1, "points": 50, "listed": False}, period
    assert _board(anna)["items"][0]["rank"] == 1
    assert _board(anna)["me"] == {"rank": 1, "points": 40, "listed": True}

    back = ben.put("/me/consent", json={"leaderboard_visible": True})
    assert back.status_code == 200, back.get_json()
    board = _board(anna)
    assert [(i["rank"], i["member"]["name"], i["points"]) for i in board["items"]] == [(1, "Ben", 50), (2, "Anna", 40)]
    assert board["me"] == {"rank": 2, "points": 40, "listed": True}

    moved = b.api.patch(f"/members/{ben.member_id}", json={"department": "Einkauf"})
    assert moved.status_code == 200, moved.get_json()
    assert _listed(_board(anna, department="vertrieb")) == {"Anna": 40}
    assert _listed(_board(anna, department="EINKAUF")) == {"Ben": 50}
    assert _board(ben, department="Einkauf")["me"] == {"rank": 1, "points": 50, "listed": True}
    assert _board(ben, department="Vertrieb")["me"] is None
    for period in ("week", "month", "quarter"):
        assert _listed(_board(anna, period, department="Einkauf")) == {"Ben": 50}, period

    # New points after the move land on rows with the new department
    b.api.post("/gamification/adjustments", json={"member_id": str(ben.member_id), "points": 1, "reason": "Nachtrag"})
    assert _listed(_board(anna, department="einkauf")) == {"Ben": 51}
    code, output = _rebuild(app, "--check")
    assert code == 0, output


def test_paused_member_leaves_the_board_and_comes_back(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna")
    ben = influencer(app, b, name="Ben")
    publish_post(anna)
    publish_post(ben)
    assert b.api.post(f"/members/{ben.member_id}/pause").status_code == 200
    assert _listed(_board(anna)) == {"Anna": 40}
    assert b.api.post(f"/members/{ben.member_id}/reactivate").status_code == 200
    assert _listed(_board(anna)) == {"Anna": 40, "Ben": 40}
    assert [i["rank"] for i in _board(anna)["items"]] == [1, 1]


# -- 8. PostgreSQL: the ledger is append-only for the app role -------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE point_entries SET points = 0",
        "DELETE FROM point_entries",
        "UPDATE member_activities SET member_id = member_id",
        "DELETE FROM member_activities",
    ],
)
def test_app_role_cannot_update_or_delete_the_ledger(app, world, is_postgres, owner_engine, statement):
    if not is_postgres:
        pytest.skip("table privileges exist only on PostgreSQL")
    b = world.b
    anna = influencer(app, b, name="Anna")
    publish_post(anna)
    state = _ledger_state(owner_engine, b.tenant_id)
    with app.app_context(), tenancy.scope(b.tenant_id):
        assert db.session.execute(text("SELECT current_user")).scalar() != "postgres"
        with pytest.raises(ProgrammingError, match="permission denied"):
            db.session.execute(text(statement))
        transactions.rollback()
    assert _ledger_state(owner_engine, b.tenant_id) == state
    assert points(anna) == 40


def test_app_role_may_only_rewrite_a_correction_reason(app, world, is_postgres):
    if not is_postgres:
        pytest.skip("table privileges exist only on PostgreSQL")
    b = world.b
    anna = influencer(app, b, name="Anna")
    publish_post(anna)
    with app.app_context(), tenancy.scope(b.tenant_id):
        db.session.execute(text("UPDATE point_entries SET reason = 'pseudonymised'"))  # erasure needs this
        transactions.rollback()
