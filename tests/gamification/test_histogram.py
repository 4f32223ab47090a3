"""The points histogram stays in step with the points: ranks from it equal ranks counted member
by member, through awards, reversals, opting out and in, department moves and pauses."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from app import tenancy
from app.db import db
from gamification import histogram, periods
from gamification.models import MemberPoints
from tests.gamification.helpers import influencer


def _counted_rank(app, tenant_id, period, points, department=None) -> int:
    with app.app_context(), tenancy.scope(tenant_id):
        window = periods.window(period)
        query = (
            select(func.count())
            .select_from(MemberPoints)
            .where(
                MemberPoints.period == period,
                MemberPoints.period_start == window.start,
                MemberPoints.listed,
                MemberPoints.points > points,
            )
        )
        if department:
            query = query.where(MemberPoints.department_key == department.casefold())
        return db.session.scalar(query) + 1


def test_ranks_from_the_histogram_equal_ranks_counted_member_by_member(app, world):
    b = world.b
    rng = random.Random(7)
    departments = ["Vertrieb", "Einkauf", "Service"]
    members = [
        influencer(app, b, name=f"M{i}", department=rng.choice(departments), visible=rng.random() < 0.7)
        for i in range(12)
    ]
    for _ in range(40):
        member = rng.choice(members)
        assert (
            b.api.post(
                "/gamification/adjustments",
                json={
                    "member_id": str(member.member_id),
                    "points": rng.choice([5, 10, 20, 95, 150, 320, -5, -120]),
                    "reason": "Test",
                },
            ).status_code
            == 201
        )
    entry = b.api.get("/gamification/ledger").get_json()["items"][0]
    assert b.api.post(f"/gamification/ledger/{entry['id']}/reversal", json={"reason": "Versehen"}).status_code == 201
    members[0].put(
        "/me/consent", json={"leaderboard_visible": not members[0].get("/me").get_json()["leaderboard_visible"]}
    )
    assert b.api.patch(f"/members/{members[1].member_id}", json={"department": "Einkauf"}).status_code == 200
    assert b.api.post(f"/members/{members[2].member_id}/pause").status_code == 200

    for member in members[3:]:
        for period in ("week", "all"):
            me = member.get(f"/leaderboards/{period}").get_json()["me"]
            assert me["rank"] == _counted_rank(app, b.tenant_id, period, max(me["points"], 0)), (period, me)
        department = member.get("/me").get_json()["department"]
        mine = member.get("/leaderboards/month", query_string={"department": department}).get_json()["me"]
        assert mine["rank"] == _counted_rank(app, b.tenant_id, "month", max(mine["points"], 0), department)

    result = app.test_cli_runner().invoke(args=["gamification", "rebuild", "--check"])
    assert result.exit_code == 0 and "0 difference(s) in all; 0 histogram row(s)" in result.output, result.output


def test_buckets_and_coarse_scopes():
    assert [histogram.bucket(p) for p in (1, 99, 100, 250)] == [0, 0, 100, 200]
    assert histogram.coarse("") == "c|" and histogram.coarse("d:vertrieb") == "c|d:vertrieb"


def test_scope_names_and_the_both_filters_fallback():
    assert histogram.scope_for(None, None) == histogram.WHOLE_BOARD
    assert histogram.scope_for("vertrieb", None) == "d:vertrieb"
    assert histogram.scope_for(None, "hamburg") == "l:hamburg"
    assert histogram.scope_for("vertrieb", "hamburg") is None
