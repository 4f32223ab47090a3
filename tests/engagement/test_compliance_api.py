"""Compliance rules through the API: CRUD with per-kind validation, presets, the dry-run check,
who may do what, audit rows, the compiled-rule cache and isolation between the two tenants."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from app import tenancy
from engagement.compliance import engine, presets, services
from engagement.compliance.schemas import CheckResultSchema, FindingSchema
from tests.factories import add_member

HEALING = {
    "kind": "terms",
    "severity": "block",
    "message": "Keine Heilversprechen.",
    "terms": ["heilt garantiert", "Heilung"],
}


def create(api, **overrides):
    """POST a rule: HEALING with ``overrides``; an override of None leaves the field out."""
    body = {k: v for k, v in {**HEALING, **overrides}.items() if v is not None}
    response = api.post("/compliance/rules", json=body)
    return response


def check(api, text, **kw):
    response = api.post("/compliance/check", json={"text": text, **kw})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_owner_creates_reads_updates_and_deletes_a_rule(world):
    api = world.a.api
    created = create(api, locales=["de"], platforms=["linkedin", "linkedin"])
    assert created.status_code == 201, created.get_json()
    rule = created.get_json()
    assert rule["kind"] == "terms" and rule["terms"] == HEALING["terms"] and rule["preset"] is None
    assert rule["platforms"] == ["linkedin"] and rule["enabled"] is True
    assert api.get(f"/compliance/rules/{rule['id']}").get_json() == rule
    assert [r["id"] for r in api.get("/compliance/rules").get_json()] == [rule["id"]]

    patched = api.patch(f"/compliance/rules/{rule['id']}", json={"severity": "warn", "locales": None})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["severity"] == "warn" and patched.get_json()["locales"] == []

    assert api.delete(f"/compliance/rules/{rule['id']}").status_code == 204
    assert api.get(f"/compliance/rules/{rule['id']}").status_code == 404

    actions = [e["action"] for e in api.get("/audit-events").get_json()["items"]]
    assert {"compliance_rule.created", "compliance_rule.updated", "compliance_rule.deleted"} <= set(actions)


def test_check_returns_findings_with_spans_and_kinds(world):
    api = world.a.api
    rule = create(api).get_json()
    text = "Unser Gerät heilt garantiert. Heilungen für alle!"
    body = check(api, text, platform="linkedin", locale="de")
    assert body["blocked"] is True
    assert [(f["rule_id"], f["kind"], f["severity"], f["excerpt"]) for f in body["findings"]] == [
        (rule["id"], "terms", "block", "heilt garantiert"),
        (rule["id"], "terms", "block", "Heilungen"),
    ]
    first = body["findings"][0]
    assert text[first["start"] : first["end"]] == "heilt garantiert" and first["message"] == "Keine Heilversprechen."
    assert check(api, "Nichts zu beanstanden.") == {"findings": [], "blocked": False}


def test_rules_of_one_tenant_never_affect_another(world):
    create(world.a.api)
    text = "Heilung garantiert"
    assert len(check(world.a.api, text)["findings"]) == 1
    assert check(world.b.api, text)["findings"] == []
    world.b.api.post("/compliance/presets/generic")
    # b's disclosure rule fires for b only.
    assert any(f["kind"] == "disclosure" for f in check(world.b.api, text)["findings"])
    assert all(f["kind"] != "disclosure" for f in check(world.a.api, text)["findings"])


def test_another_tenants_rule_is_not_found(world):
    rule = create(world.a.api).get_json()
    b = world.b.api
    assert b.get(f"/compliance/rules/{rule['id']}").status_code == 404
    assert b.patch(f"/compliance/rules/{rule['id']}", json={"severity": "warn"}).status_code == 404
    assert b.delete(f"/compliance/rules/{rule['id']}").status_code == 404
    assert b.get("/compliance/rules").get_json() == []
    assert world.a.api.get(f"/compliance/rules/{rule['id']}").get_json()["severity"] == "block"


def test_presets_add_their_rules_once(world):
    api = world.a.api
    first = api.post("/compliance/presets/healthcare_de")
    assert first.status_code == 200, first.get_json()
    expected = len(presets.PRESETS["healthcare_de"]["rules"])
    assert first.get_json()["added"] == expected and first.get_json()["skipped"] == 0
    again = api.post("/compliance/presets/healthcare_de").get_json()
    assert again["added"] == 0 and again["skipped"] == expected
    assert len(api.get("/compliance/rules?page_size=100").get_json()) == expected
    assert {r["preset"] for r in again["rules"]} == {"healthcare_de"}

    # A deleted preset rule comes back on re-application; an edited one keeps its edits.
    rules = api.get("/compliance/rules?preset=healthcare_de&kind=pii").get_json()
    assert len(rules) == 1
    api.delete(f"/compliance/rules/{rules[0]['id']}")
    edited = api.get("/compliance/rules?preset=healthcare_de&kind=regex").get_json()[0]
    api.patch(f"/compliance/rules/{edited['id']}", json={"severity": "block"})
    restored = api.post("/compliance/presets/healthcare_de").get_json()
    assert restored["added"] == 1
    assert api.get(f"/compliance/rules/{edited['id']}").get_json()["severity"] == "block"

    assert api.post("/compliance/presets/nonsense").status_code == 404
    assert [p["name"] for p in api.get("/compliance/presets").get_json()] == list(presets.PRESETS)
    assert "compliance_preset.applied" in [e["action"] for e in api.get("/audit-events").get_json()["items"]]


def test_generic_preset_end_to_end(world):
    api = world.a.api
    api.post("/compliance/presets/generic")
    text = "Schaut mal: https://a.de https://b.de https://c.de – Fragen an eva@example.com. Was für ein Idiot."
    findings = check(api, text, locale="de", platform="linkedin")["findings"]
    assert [(f["kind"], f["excerpt"]) for f in findings] == [
        ("link_limit", "https://c.de"),
        ("pii", "eva@example.com"),
        ("terms", "Idiot"),
        ("disclosure", ""),
    ]
    on_x = check(api, text + " #Mitarbeiter", locale="de", platform="x")["findings"]
    assert [f["excerpt"] for f in on_x if f["kind"] == "link_limit"] == ["https://b.de", "https://c.de", "https://c.de"]


def test_cached_rule_sets_follow_every_change(world, app):
    api = world.a.api
    rule = create(api, terms=["Nordstern"]).get_json()
    assert len(check(api, "Projekt Nordstern")["findings"]) == 1
    api.patch(f"/compliance/rules/{rule['id']}", json={"terms": ["Südstern"]})
    assert check(api, "Projekt Nordstern")["findings"] == []
    assert len(check(api, "Projekt Suedstern")["findings"]) == 1
    api.patch(f"/compliance/rules/{rule['id']}", json={"enabled": False})
    assert check(api, "Projekt Suedstern")["findings"] == []
    api.patch(f"/compliance/rules/{rule['id']}", json={"enabled": True})
    assert len(check(api, "Projekt Suedstern")["findings"]) == 1
    api.delete(f"/compliance/rules/{rule['id']}")
    assert check(api, "Projekt Suedstern")["findings"] == []

    # The function the posts module calls, in the tenant's context.
    assert create(api, kind="confidential", terms=["Projekt Nordstern"], message=None).status_code == 201
    with app.app_context(), tenancy.scope(world.a.tenant_id):
        findings = services.check("Zum Projekt  Nordstern", platform="x", locale="de")
        assert [(f["kind"], f["excerpt"], f["start"], f["end"]) for f in findings] == [
            ("confidential", "Projekt  Nordstern", 4, 22)
        ]
        assert isinstance(findings[0]["rule_id"], str)


def test_a_compiled_rule_set_is_reused_until_another_process_changes_the_rules(world, app, owner_engine, monkeypatch):
    api = world.a.api
    rule = create(api, terms=["Nordstern"]).get_json()
    compiled = []
    compile_rules = engine.compile_rules
    monkeypatch.setattr(engine, "compile_rules", lambda specs: compiled.append(1) or compile_rules(specs))
    assert len(check(api, "Projekt Nordstern")["findings"]) == 1
    assert len(check(api, "Projekt Nordstern")["findings"]) == 1
    assert len(compiled) <= 1  # compiled once at most (the create may have left it compiled already)

    # Another worker changes the rule: its transaction bumps the version, this one recompiles.
    with owner_engine.begin() as connection:
        connection.execute(
            text("UPDATE compliance_rules SET terms = :terms WHERE id = :id"),
            {
                "terms": json.dumps(["Südstern"]),
                "id": rule["id"] if owner_engine.dialect.name == "postgresql" else rule["id"].replace("-", ""),
            },
        )
        connection.execute(text("UPDATE compliance_rule_sets SET version = version + 1"))
    assert check(api, "Projekt Nordstern")["findings"] == []
    assert len(check(api, "Projekt Suedstern")["findings"]) == 1


def test_the_check_answers_what_its_schema_dumps(world):
    api = world.a.api
    create(api, terms=["Nordstern"])
    create(api, kind="regex", terms=None, pattern=r"PRJ-\d+", severity="warn", message=None)
    body = check(api, "Projekt Nordstern, PRJ-12, Grüße")
    assert len(body["findings"]) == 2 and body["blocked"] is True
    assert body == CheckResultSchema().dump(body)
    assert list(body["findings"][0]) == list(FindingSchema._declared_fields)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "regex", "pattern": "(?<=a)b"}, "pattern"),
        ({"kind": "regex", "pattern": "(unclosed"}, "pattern"),
        ({"kind": "regex", "pattern": "x*"}, "pattern"),
        ({"kind": "regex", "pattern": "(a{1000}){1000}"}, "pattern"),
        ({"kind": "regex"}, "pattern"),
        ({"kind": "terms", "terms": None}, "terms"),
        ({"kind": "terms", "terms": []}, "terms"),
        ({"kind": "terms", "terms": ["#!"]}, "terms"),
        ({"kind": "terms", "terms": ["   "]}, "terms"),
        ({"kind": "terms", "pattern": "a"}, "pattern"),
        ({"kind": "disclosure", "terms": None}, "terms"),
        ({"kind": "link_limit", "terms": None}, "max_links"),
        ({"kind": "link_limit", "terms": None, "max_links": -1}, "max_links"),
        ({"kind": "link_limit", "terms": None, "max_links": "2"}, "max_links"),
        ({"kind": "pii", "max_links": 3, "terms": None}, "max_links"),
        ({"kind": "pii"}, "terms"),
        ({"kind": "nonsense"}, "kind"),
        ({"severity": "info"}, "severity"),
        ({"locales": ["fr"]}, "locales"),
        ({"platforms": ["myspace"]}, "platforms"),
        ({"message": "  "}, "message"),
        ({"enabled": 1}, "enabled"),
    ],
)
def test_bad_rules_are_refused_with_field_errors(world, body, field):
    data = {**HEALING, **body}
    data = {k: v for k, v in data.items() if v is not None}
    response = world.a.api.post("/compliance/rules", json=data)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"]
    assert world.a.api.get("/compliance/rules").get_json() == []


def test_updates_must_fit_the_kind(world):
    api = world.a.api
    rule = create(api).get_json()
    url = f"/compliance/rules/{rule['id']}"
    assert api.patch(url, json={"kind": "regex"}).get_json()["errors"]["json"] == {
        "pattern": ["Required for kind regex."]
    }
    assert api.patch(url, json={"pattern": "x+"}).status_code == 422
    assert api.patch(url, json={"terms": None}).status_code == 422
    assert api.patch(url, json={"pattern": "(?<=a)"}).status_code == 422
    changed = api.patch(url, json={"kind": "regex", "pattern": "Heil\\w+"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["terms"] is None and changed.get_json()["pattern"] == "Heil\\w+"
    assert [f["excerpt"] for f in check(api, "Heilung")["findings"]] == ["Heilung"]
    assert api.get(url).get_json()["kind"] == "regex"


def test_who_may_do_what(world, app):
    rule = create(world.a.api).get_json()
    _, influencer_token = add_member(app, world.a.tenant_id, "influencer")
    _, approver_token = add_member(app, world.a.tenant_id, "approver")
    _, admin_token = add_member(app, world.a.tenant_id, "admin")
    influencer = world.a.api.as_(influencer_token)
    url = f"/compliance/rules/{rule['id']}"
    assert create(influencer).status_code == 403
    assert influencer.patch(url, json={"severity": "warn"}).status_code == 403
    assert influencer.delete(url).status_code == 403
    assert influencer.post("/compliance/presets/generic").status_code == 403
    assert influencer.get("/compliance/rules").status_code == 403
    assert len(check(influencer, "Heilung")["findings"]) == 1  # everyone may dry-run

    approver = world.a.api.as_(approver_token)
    assert approver.get(url).status_code == 200 and approver.get("/compliance/rules").status_code == 200
    assert create(approver).status_code == 403

    admin = world.a.api.as_(admin_token)
    assert create(admin).status_code == 201
    assert admin.post("/compliance/presets/finance").status_code == 200
    assert world.a.api.as_(None).post("/compliance/check", json={"text": "x"}).status_code == 401


def test_check_input_is_validated(world):
    api = world.a.api
    assert api.post("/compliance/check", json={"text": "x", "platform": "myspace"}).status_code == 422
    assert api.post("/compliance/check", json={"text": "x", "locale": "fr"}).status_code == 422
    assert api.post("/compliance/check", json={}).status_code == 422
    assert api.post("/compliance/check", json={"text": "x" * 100_001}).status_code == 422
    assert api.post("/compliance/check", json={"text": ""}).status_code == 200


def test_rule_limit(world, monkeypatch):
    monkeypatch.setattr(services, "MAX_RULES", 2)
    api = world.a.api
    assert create(api).status_code == 201 and create(api).status_code == 201
    assert create(api).status_code == 409
    assert api.post("/compliance/presets/generic").status_code == 409
    assert len(api.get("/compliance/rules").get_json()) == 2


def test_a_pattern_too_slow_on_the_probe_inputs_is_refused(world, monkeypatch):
    from engagement.compliance import patterns

    monkeypatch.setattr(patterns, "PROBE_BUDGET", -1.0)  # every pattern now takes "too long"
    response = create(world.a.api, kind="regex", terms=None, pattern="Heil(ung|en)")
    assert response.status_code == 422
    assert "too slow" in response.get_json()["errors"]["json"]["pattern"][0]
