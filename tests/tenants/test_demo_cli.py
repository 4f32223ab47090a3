"""``flask demo seed`` and ``flask tenants create`` through Flask's CLI runner."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import JSON, text

from app import tenancy
from tenants import demo
from tests.conftest import ApiClient

TOKEN_LINE = re.compile(r"^Demo token: (cip_\S+)$", re.MULTILINE)
OWNER_TOKEN_LINE = re.compile(r"^owner token: (cip_\S+)$", re.MULTILINE)


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=list(args))

    return invoke


def _token(result, pattern=TOKEN_LINE) -> str:
    assert result.exit_code == 0, result.output
    match = pattern.search(result.output)
    assert match, result.output
    return match.group(1)


def _demo_members(owner_engine) -> list[dict]:
    with owner_engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT m.email, m.department, m.location, m.locale, m.roles, m.status,"
                " m.leaderboard_visible, m.participation_consent_at"
                " FROM members m JOIN tenants t ON t.id = m.tenant_id WHERE t.slug = :slug"
            ).columns(roles=JSON),
            {"slug": demo.DEMO_SLUG},
        ).mappings()
        return [dict(row) for row in rows]


def _count(owner_engine, sql: str) -> int:
    with owner_engine.connect() as connection:
        return connection.execute(text(sql)).scalar_one()


def test_seed_builds_the_medtech_demo_tenant_and_prints_a_working_token(cli, client, owner_engine, monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    result = cli("demo", "seed")
    token = _token(result)
    assert tenancy.current() is None  # the command restores the (absent) tenant context
    assert demo.DEMO_SLUG in result.output
    assert f'curl -H "Authorization: Bearer {token}" http://127.0.0.1:5000/api/v1/tenant' in result.output

    api = ApiClient(client, token)
    tenant = api.get("/tenant").get_json()
    assert tenant["slug"] == "nordlicht-medtech" and tenant["name"] == "Nordlicht Medizintechnik GmbH"
    assert tenant["industry"] == "medtech" and tenant["governance_mode"] == "containment"
    assert tenant["policy"]["approval_required"] is True and tenant["policy"]["archive_enabled"] is True
    assert tenant["settings"]["default_locale"] == "de" and tenant["settings"]["timezone"] == "Europe/Berlin"
    assert tenant["seats"] == {"limit": 100, "used": len(demo.MEMBERS)}
    me = api.get("/me").get_json()
    assert me["email"] == "katrin.albers@nordlicht-medtech.de" and "owner" in me["roles"]
    actions = [e["action"] for e in api.get("/audit-events").get_json()["items"]]
    assert "demo.seeded" in actions and "tenant.created" in actions

    members = _demo_members(owner_engine)
    assert 45 <= len(members) <= 55
    assert len({m["department"] for m in members}) >= 6 and len({m["location"] for m in members}) >= 4
    locales = Counter(m["locale"] for m in members)
    assert locales["de"] > locales["en"] > 0
    roles = Counter(role for m in members for role in m["roles"])
    assert (roles["owner"], roles["admin"], roles["hr"], roles["program_lead"], roles["approver"]) == (1, 1, 2, 2, 3)
    assert roles["influencer"] >= 35 and any(len(m["roles"]) > 1 for m in members)
    active = [m for m in members if m["status"] == "active"]
    invited = [m for m in members if m["status"] == "invited"]
    assert len(active) + len(invited) == len(members) and 0 < len(invited) < len(active)
    assert all(m["participation_consent_at"] is not None for m in active)
    assert all(m["participation_consent_at"] is None and not m["leaderboard_visible"] for m in invited)
    assert 0.5 <= sum(bool(m["leaderboard_visible"]) for m in active) / len(active) <= 0.7
    assert all(re.fullmatch(r"[a-z0-9-]+\.[a-z0-9-]+@nordlicht-medtech\.de", m["email"]) for m in members)

    # Governance demo data: a two-level chain, the healthcare preset, posts in every state.
    assert [level["role"] for level in api.get("/governance/approval-chain").get_json()["levels"]] == [
        "program_lead",
        "approver",
    ]
    assert any(
        rule["preset"] == "healthcare_de"
        for rule in api.get("/compliance/rules", query_string={"page_size": 100}).get_json()
    )
    posts = {p["status"]: p for p in api.get("/posts").get_json()}
    assert set(posts) == {"published", "pending_approval", "rejected", "draft"}
    assert posts["pending_approval"]["current_level"] == 2
    assert any(f["severity"] == "block" for f in posts["rejected"]["findings"])
    assert api.get("/archive/verify").get_json()["ok"] is True

    # Gamification demo data: a running challenge, a tenant badge, a populated board.
    assert [c["status"] for c in api.get("/challenges").get_json()["items"]] == ["running"]
    assert any(not b["builtin"] for b in api.get("/badges").get_json()["items"])
    board = api.get("/leaderboards/all").get_json()
    assert len(board["items"]) >= 3 and board["items"][0]["rank"] == 1
    assert [i["rank"] for i in board["items"]] == sorted(i["rank"] for i in board["items"])
    teams = api.get("/leaderboards/all/teams").get_json()
    assert teams["items"] and all(t["active_members"] >= teams["min_group_size"] for t in teams["items"])


def test_seed_if_empty_twice_adds_nothing_and_prints_a_fresh_token(cli, client, owner_engine, monkeypatch):
    monkeypatch.setenv("PORT", "8080")  # `make run PORT=8080`: the hint points at that port
    first = _token(cli("demo", "seed", "--if-empty"))
    counts = {table: _count(owner_engine, f"SELECT count(*) FROM {table}") for table in ("tenants", "members")}
    again = cli("demo", "seed", "--if-empty")
    second = _token(again)
    assert second != first and "exists already" in again.output
    assert f'Bearer {second}" http://127.0.0.1:8080/api/v1/tenant' in again.output
    assert {table: _count(owner_engine, f"SELECT count(*) FROM {table}") for table in counts} == counts
    assert _count(owner_engine, "SELECT count(*) FROM audit_events WHERE action = 'demo.seeded'") == 1
    for token in (first, second):
        assert ApiClient(client, token).get("/tenant").get_json()["slug"] == demo.DEMO_SLUG
    # without --if-empty an existing demo tenant is not seeded again either
    _token(cli("demo", "seed"))
    assert _count(owner_engine, "SELECT count(*) FROM members") == counts["members"]


def test_seed_if_empty_leaves_a_database_with_other_tenants_alone(cli, world, owner_engine):
    result = cli("demo", "seed", "--if-empty")
    assert result.exit_code == 0, result.output
    assert "Demo token" not in result.output and "not seeding" in result.output
    assert _count(owner_engine, "SELECT count(*) FROM tenants") == 2


def test_seed_next_to_other_tenants_keeps_them_apart(cli, client, world, owner_engine):
    before = {side.slug: side.api.get("/tenant").get_json() for side in (world.a, world.b)}
    token = _token(cli("demo", "seed"))
    demo_api = ApiClient(client, token)

    assert demo_api.get("/me").get_json()["email"] == "katrin.albers@nordlicht-medtech.de"
    demo_tenant = demo_api.get("/tenant").get_json()
    assert demo_tenant["slug"] == demo.DEMO_SLUG and demo_tenant["id"] not in {
        str(world.a.tenant_id),
        str(world.b.tenant_id),
    }
    events = demo_api.get("/audit-events").get_json()["items"]
    assert {e["target_id"] for e in events if e["target_type"] == "tenant"} == {demo_tenant["id"]}
    assert [t["name"] for t in demo_api.get("/tokens").get_json()] == ["signup"]

    for side in (world.a, world.b):
        assert side.api.get("/tenant").get_json() == before[side.slug]
        assert side.api.get("/me").get_json()["id"] == str(side.owner_id)
        assert "demo.seeded" not in [e["action"] for e in side.api.get("/audit-events").get_json()["items"]]
        assert [t["name"] for t in side.api.get("/tokens").get_json()] == ["signup"]
    with owner_engine.connect() as connection:
        per_tenant = dict(
            connection.execute(
                text("SELECT t.slug, count(m.id) FROM tenants t JOIN members m ON m.tenant_id = t.id GROUP BY t.slug")
            ).all()
        )
    assert per_tenant == {world.a.slug: 1, world.b.slug: 1, demo.DEMO_SLUG: len(demo.MEMBERS)}


def test_tenants_create_prints_a_working_owner_token(cli, client, world):
    result = cli(
        "tenants",
        "create",
        "--name",
        "Klinikum Elbe",
        "--slug",
        "klinikum-elbe",
        "--industry",
        "healthcare",
        "--owner-email",
        "Leitung@Klinikum-Elbe.example",
        "--owner-name",
        "Dr. Ute Sommer",
    )
    token = _token(result, OWNER_TOKEN_LINE)
    assert "mode containment" in result.output
    api = ApiClient(client, token)
    assert api.get("/tenant").get_json()["slug"] == "klinikum-elbe"
    assert api.get("/me").get_json()["email"] == "leitung@klinikum-elbe.example"
    assert world.a.api.get("/me").get_json()["id"] == str(world.a.owner_id)


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("Not A Slug", "organization.slug: 3-63 lowercase letters"),
        ("medtech-nord", "The slug 'medtech-nord' is taken."),
    ],
)
def test_tenants_create_rejects_bad_and_duplicate_slugs(cli, world, owner_engine, slug, message):
    result = cli(
        "tenants", "create", "--name", "X", "--slug", slug, "--owner-email", "x@x.example", "--owner-name", "X"
    )
    assert result.exit_code != 0
    assert message in result.output and "owner token" not in result.output
    assert _count(owner_engine, "SELECT count(*) FROM tenants") == 2
    assert _count(owner_engine, "SELECT count(*) FROM members WHERE email = 'x@x.example'") == 0
