"""Leaderboards through the API: shared ranks, limits and validation, who appears by name,
period boundaries in the tenant's time zone, the fair team board and isolation between the
two tenants."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app import clock
from tests.gamification.helpers import influencer

PERIODS = ("week", "month", "quarter", "all")


def _adjust(owner, member, amount: int):
    response = owner.post(
        "/gamification/adjustments",
        json={"member_id": str(member.member_id), "points": amount, "reason": "Messeeinsatz"},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _board(api, period="week", **query) -> dict:
    response = api.get(f"/leaderboards/{period}", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _ranked(board) -> list[tuple[int, str, int]]:
    return [(item["rank"], item["member"]["name"], item["points"]) for item in board["items"]]


def _settings(owner, **settings):
    response = owner.patch("/tenant", json={"settings": settings})
    assert response.status_code == 200, response.get_json()


def test_ties_share_a_rank_and_limit_cuts_the_board(app, world):
    b = world.b
    people = {name: influencer(app, b, name=name) for name in ("Anna", "Ben", "Carla", "Dirk")}
    for name, amount in (("Anna", 50), ("Ben", 30), ("Carla", 30), ("Dirk", 10)):
        _adjust(b.api, people[name], amount)
    emil = influencer(app, b, name="Emil")  # no points: not on the board

    for period in PERIODS:
        board = _board(people["Dirk"], period)
        ranked = _ranked(board)
        assert [(r, p) for r, _, p in ranked] == [(1, 50), (2, 30), (2, 30), (4, 10)], period
        assert ranked[0][1] == "Anna" and {ranked[1][1], ranked[2][1]} == {"Ben", "Carla"} and ranked[3][1] == "Dirk"
        assert board["me"] == {"rank": 4, "points": 10, "listed": True}
    assert _board(people["Carla"])["me"] == {"rank": 2, "points": 30, "listed": True}
    assert _board(b.api)["me"] == {"rank": 5, "points": 0, "listed": False}  # the owner did not opt in
    assert [r for r, _, _ in _ranked(_board(people["Anna"], limit=3))] == [1, 2, 2]
    assert len(_board(people["Anna"], limit=1)["items"]) == 1
    assert "Emil" not in json.dumps(_board(people["Anna"], limit=100))
    assert _board(emil)["me"] == {"rank": 5, "points": 0, "listed": True}


@pytest.mark.parametrize(
    ("path", "where", "field"),
    [
        ("/leaderboards/year", "path", "period"),
        ("/leaderboards/year/teams", "path", "period"),
        ("/leaderboards/week?limit=0", "query", "limit"),
        ("/leaderboards/week?limit=101", "query", "limit"),
        ("/leaderboards/week?date=gestern", "query", "date"),
    ],
)
def test_invalid_board_requests_are_422(world, path, where, field):
    response = world.b.api.get(path)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"][where], response.get_json()


def test_members_not_opted_in_paused_or_offboarded_never_appear_by_name(app, world):
    b = world.b
    anna = influencer(app, b, name="Anna", department="Vertrieb")
    hidden = influencer(app, b, name="Verena Verborgen", department="Vertrieb", visible=False)
    paused = influencer(app, b, name="Paul Pausiert", department="Vertrieb")
    gone = influencer(app, b, name="Olga Offboard", department="Vertrieb")
    for member, amount in ((anna, 20), (hidden, 100), (paused, 80), (gone, 70)):
        _adjust(b.api, member, amount)
    assert b.api.post(f"/members/{paused.member_id}/pause").status_code == 200
    assert b.api.post(f"/members/{gone.member_id}/offboard").status_code == 200
    _settings(b.api, min_group_size=2)

    for viewer in (anna, hidden, b.api):
        for period in PERIODS:
            for query in ({}, {"department": "vertrieb"}):
                board = _board(viewer, period, **query)
                assert _ranked(board) == [(1, "Anna", 20)], (period, query)
                text = json.dumps(board)
                assert "Verena" not in text and "Paul" not in text and "Olga" not in text
                assert str(hidden.member_id) not in text
            teams = viewer.get(f"/leaderboards/{period}/teams")
            assert teams.status_code == 200
            assert not any(name in teams.get_data(as_text=True) for name in ("Anna", "Verena", "Paul", "Olga"))
    # Not listed, but still told where she would stand.
    assert _board(hidden)["me"] == {"rank": 1, "points": 100, "listed": False}
    assert _board(anna)["me"] == {"rank": 1, "points": 20, "listed": True}

    # Opting in later brings her onto the board; opting out takes her off again.
    assert hidden.put("/me/consent", json={"participation": True, "leaderboard_visible": True}).status_code == 200
    assert _ranked(_board(anna)) == [(1, "Verena Verborgen", 100), (2, "Anna", 20)]
    assert hidden.put("/me/consent", json={"participation": True, "leaderboard_visible": False}).status_code == 200
    assert _ranked(_board(anna)) == [(1, "Anna", 20)]


def test_periods_are_cut_in_the_tenants_time_zone(app, world):
    a, b = world.a, world.b
    _settings(b.api, timezone="Europe/Berlin")
    _settings(a.api, timezone="UTC")
    anna = influencer(app, b, name="Anna")
    alex = influencer(app, a, name="Alex")

    sunday_night = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # Monday 00:30 in Berlin, still Sunday in UTC
    with clock.frozen(sunday_night):
        _adjust(b.api, anna, 20)
        _adjust(a.api, alex, 20)
        berlin = _board(anna)
        assert (berlin["starts_on"], berlin["ends_on"], berlin["timezone"]) == (
            "2026-11-30",
            "2026-12-06",
            "Europe/Berlin",
        )
        assert _ranked(berlin) == [(1, "Anna", 20)]
        previous = _board(anna, date="2026-11-29")
        assert (previous["starts_on"], previous["items"]) == ("2026-11-23", [])
        utc = _board(alex)
        assert (utc["starts_on"], utc["ends_on"], utc["timezone"]) == ("2026-11-23", "2026-11-29", "UTC")
        assert _ranked(utc) == [(1, "Alex", 20)]
        assert _board(alex, date="2026-11-30")["items"] == []
        month = _board(anna, "month")
        assert (month["starts_on"], month["ends_on"], _ranked(month)) == ("2026-11-01", "2026-11-30", [(1, "Anna", 20)])
        quarter = _board(anna, "quarter")
        assert (quarter["starts_on"], quarter["ends_on"]) == ("2026-10-01", "2026-12-31")

    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 1 January 2027 in Berlin
    with clock.frozen(new_year):
        _adjust(b.api, anna, 5)
        _adjust(a.api, alex, 5)
        month = _board(anna, "month")
        assert (month["starts_on"], month["ends_on"], _ranked(month)) == ("2027-01-01", "2027-01-31", [(1, "Anna", 5)])
        quarter = _board(anna, "quarter")
        assert (quarter["starts_on"], quarter["ends_on"], _ranked(quarter)) == (
            "2027-01-01",
            "2027-03-31",
            [(1, "Anna", 5)],
        )
        assert _ranked(_board(anna, "month", date="2026-11-15")) == [(1, "Anna", 20)]
        assert _board(anna, "month", date="2026-12-15")["items"] == []
        assert _ranked(_board(anna, "quarter", date="2026-12-31")) == [(1, "Anna", 20)]
        assert _ranked(_board(alex, "month")) == [(1, "Alex", 5)] and _board(alex, "month")["starts_on"] == "2026-12-01"
        assert _ranked(_board(alex, "quarter")) == [(1, "Alex", 25)]
        for api, name in ((anna, "Anna"), (alex, "Alex")):
            everything = _board(api, "all")
            assert (everything["starts_on"], everything["ends_on"], _ranked(everything)) == (
                None,
                None,
                [(1, name, 25)],
            )
        week = _board(anna, date="2026-12-01")
        assert (week["starts_on"], _ranked(week)) == ("2026-11-30", [(1, "Anna", 20)])


def test_team_board_averages_over_active_members_and_hides_small_groups(app, world):
    b = world.b
    _settings(b.api, min_group_size=2)
    sales = [
        influencer(app, b, name=n, department=d)
        for n, d in (("Anna", "Vertrieb"), ("Ben", "Vertrieb"), ("Carla", "vertrieb "))
    ]
    buying = [influencer(app, b, name=n, department="Einkauf") for n in ("Dirk", "Eva")]
    solo = influencer(app, b, name="Sven", department="Recht")
    paused = influencer(app, b, name="Paul", department="Vertrieb")
    hidden = influencer(app, b, name="Verena", department="Vertrieb", visible=False)
    for member, amount in ((sales[0], 30), (sales[2], 15), (hidden, 15), (buying[0], 20), (solo, 50), (paused, 100)):
        _adjust(b.api, member, amount)
    assert b.api.post(f"/members/{paused.member_id}/pause").status_code == 200

    response = sales[1].get("/leaderboards/month/teams")
    assert response.status_code == 200, response.get_json()
    teams = response.get_json()
    # Vertrieb: 30 + 0 + 15 + 15 (opted out, still counted) over 4 active members; Paul is paused.
    assert [(t["rank"], t["department"], t["average_points"], t["active_members"]) for t in teams["items"]] == [
        (1, "Vertrieb", 15.0, 4),
        (2, "Einkauf", 10.0, 2),
    ]
    assert (teams["hidden_groups"], teams["min_group_size"], teams["period"]) == (1, 2, "month")
    text = response.get_data(as_text=True)
    assert "Recht" not in text
    for name in ("Anna", "Ben", "Carla", "Dirk", "Eva", "Sven", "Paul", "Verena"):
        assert name not in text
    for member in (*sales, *buying, solo, paused, hidden):
        assert str(member.member_id) not in text

    _adjust(b.api, buying[1], 10)  # Einkauf 30 / 2 = 15.0: a tie shares the rank
    tied = b.api.get("/leaderboards/week/teams").get_json()
    assert [(t["rank"], t["department"], t["average_points"]) for t in tied["items"]] == [
        (1, "Einkauf", 15.0),
        (1, "Vertrieb", 15.0),
    ]

    _settings(b.api, min_group_size=3)
    bigger = b.api.get("/leaderboards/quarter/teams").get_json()
    assert [t["department"] for t in bigger["items"]] == ["Vertrieb"] and bigger["hidden_groups"] == 2
    assert world.a.api.get("/leaderboards/month/teams").get_json()["items"] == []


def test_the_other_tenants_members_and_departments_never_show(app, world):
    a, b = world.a, world.b
    _settings(a.api, min_group_size=2)
    _settings(b.api, min_group_size=2)
    alex = influencer(app, a, name="Alexander Medtech", department="Entwicklung")
    alma = influencer(app, a, name="Alma Medtech", department="Entwicklung")
    anna = influencer(app, b, name="Annabel Agentur", department="Vertrieb")
    bert = influencer(app, b, name="Bertram Agentur", department="Vertrieb")
    _adjust(a.api, alex, 10)
    _adjust(b.api, anna, 50)
    _adjust(b.api, bert, 40)

    filtered = _board(alex, "week", department="Vertrieb")
    assert filtered["items"] == [] and filtered["me"] is None
    assert _board(a.api, "all", department="vertrieb")["items"] == []
    for period in PERIODS:
        ours = _board(alma, period)
        assert _ranked(ours) == [(1, "Alexander Medtech", 10)]
        assert ours["me"] == {"rank": 2, "points": 0, "listed": True}
        assert "Agentur" not in json.dumps(ours)
        team_text = alma.get(f"/leaderboards/{period}/teams").get_data(as_text=True)
        assert "Vertrieb" not in team_text and "Agentur" not in team_text
        assert [t["department"] for t in json.loads(team_text)["items"]] == ["Entwicklung"]
        theirs = _board(bert, period)
        assert [n for _, n, _ in _ranked(theirs)] == ["Annabel Agentur", "Bertram Agentur"]
        assert "Medtech" not in json.dumps(theirs) and "Entwicklung" not in bert.get(
            f"/leaderboards/{period}/teams"
        ).get_data(as_text=True)
    # Adjusting a member of the other tenant is 404, and moves nothing.
    other = a.api.post(
        "/gamification/adjustments", json={"member_id": str(anna.member_id), "points": 500, "reason": "Versuch"}
    )
    assert other.status_code == 404
    assert _board(anna)["me"]["points"] == 50
