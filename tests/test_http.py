"""What any client sees: error bodies, status codes, probes, request ids, structured logs."""

from __future__ import annotations

import json
import logging

from app.logs import JsonFormatter
from tests.factories import add_member


def _is_error_body(body: dict, code: int) -> None:
    assert body["code"] == code and isinstance(body["status"], str)


def test_health_and_readiness(anon, app):
    assert anon.get("/healthz").get_json() == {"status": "ok"}
    ready = anon.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"]["database"] == "ok"
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    down = anon.get("/readyz")
    assert down.status_code == 503 and down.get_json()["checks"]["redis"] == "unavailable"


def test_unknown_route_and_wrong_method(world):
    missing = world.a.api.get("/no-such-thing")
    assert missing.status_code == 404
    _is_error_body(missing.get_json(), 404)
    wrong = world.a.api.delete("/tenant")
    assert wrong.status_code == 405
    assert set(wrong.headers["Allow"].split(", ")) >= {"GET", "PATCH"}
    _is_error_body(wrong.get_json(), 405)


def test_malformed_json_is_400_and_changes_nothing(world):
    response = world.a.api.post("/tokens", data="{not json", content_type="application/json")
    assert response.status_code == 400
    _is_error_body(response.get_json(), 400)
    assert len(world.a.api.get("/tokens").get_json()) == 1


def test_validation_errors_are_422_field_by_field(world):
    response = world.a.api.patch("/tenant", json={"name": 42, "colour": "red", "settings": {"invitation_ttl_days": 0}})
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert set(errors) == {"name", "colour", "settings"}
    assert "invitation_ttl_days" in errors["settings"]
    assert world.a.api.get("/tenant").get_json()["name"] == "Medtech Nord"


def test_oversize_body_is_413(world, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = world.a.api.post("/tokens", json={"name": "x" * 5000})
    assert response.status_code == 413
    _is_error_body(response.get_json(), 413)


def test_401_without_or_with_bad_credentials_and_403_without_scope(world, app, anon):
    no_token = anon.get("/tenant")
    assert no_token.status_code == 401 and no_token.headers["WWW-Authenticate"].startswith("Bearer")
    assert anon.get("/tenant", token="cip_forged").status_code == 401
    assert anon.get("/tenant", headers={"Authorization": "Basic abc"}).status_code == 401
    _, influencer = add_member(app, world.a.tenant_id, "influencer")
    forbidden = anon.patch("/tenant", token=influencer, json={"name": "Mine now"})
    assert forbidden.status_code == 403
    _is_error_body(forbidden.get_json(), 403)
    # 401/403 come before body validation: an anonymous caller learns nothing about the body
    assert anon.patch("/tenant", json={"bogus": 1}).status_code == 401
    assert anon.patch("/tenant", token=influencer, json={"bogus": 1}).status_code == 403


def test_request_id_is_echoed_or_assigned(world):
    echoed = world.a.api.get("/tenant", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["X-Request-ID"] == "abc-123"
    assigned = world.a.api.get("/tenant", headers={"X-Request-ID": "bad id with spaces"})
    assert assigned.headers["X-Request-ID"] not in ("", "bad id with spaces")


def test_logs_are_json_with_the_request_id(app, world):
    with app.test_request_context("/api/v1/tenant"):
        from flask import g

        g.request_id = "req-42"
        record = logging.makeLogRecord(
            {"msg": "hello %s", "args": ("world",), "levelname": "INFO", "name": "t", "status": 200}
        )
        entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "hello world"
    assert entry["request_id"] == "req-42" and entry["status"] == 200
    assert entry["time"].endswith("Z")


def test_openapi_and_docs_are_served_without_auth(anon):
    spec = anon.get("/api/v1/openapi.json")
    assert spec.status_code == 200 and spec.get_json()["openapi"].startswith("3.")
    docs = anon.get("/api/v1/docs")
    assert docs.status_code == 200 and b"/api/v1/docs/assets/swagger-ui-bundle.js" in docs.data
    assert anon.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_nul_characters_are_refused_with_422_not_stored(world):
    response = world.a.api.patch("/tenant", json={"name": "Nord\u0000licht"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {"name": ["Text must not contain NUL characters."]}
    assert world.a.api.get("/members", query_string={"q": "a\u0000b"}).status_code == 422
    assert world.a.api.get("/tenant").get_json()["name"] == "Medtech Nord"
