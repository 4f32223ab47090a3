"""API tokens: shown once, stored hashed, listed, revoked; Idempotency-Key replays."""

from __future__ import annotations

from sqlalchemy import text

from app import auth


def test_tokens_are_shown_once_stored_hashed_and_revocable(world, owner_engine):
    created = world.a.api.post("/tokens", json={"name": "reporting"})
    assert created.status_code == 201
    body = created.get_json()
    secret = body["token"]
    assert secret.startswith("cip_") and len(secret) > 40
    listed = world.a.api.get("/tokens").get_json()
    assert {t["name"] for t in listed} == {"signup", "reporting"}
    assert all("token" not in t for t in listed)
    with owner_engine.connect() as connection:
        hashes = connection.execute(text("SELECT token_hash FROM api_tokens")).scalars().all()
    assert auth.hash_secret(secret) in hashes and secret not in hashes
    assert world.a.api.as_(secret).get("/me").get_json()["id"] == str(world.a.owner_id)
    assert world.a.api.delete(f"/tokens/{body['id']}").status_code == 204
    assert world.a.api.as_(secret).get("/me").status_code == 401
    assert world.a.api.delete(f"/tokens/{body['id']}").status_code == 404
    actions = [e["action"] for e in world.a.api.get("/audit-events").get_json()["items"]]
    assert "token.created" in actions and "token.revoked" in actions


def test_idempotency_key_replays_the_first_response(world):
    headers = {"Idempotency-Key": "create-reporting-token-1"}
    first = world.a.api.post("/tokens", json={"name": "reporting"}, headers=headers)
    again = world.a.api.post("/tokens", json={"name": "reporting"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(world.a.api.get("/tokens").get_json()) == 2
    different = world.a.api.post("/tokens", json={"name": "other"}, headers=headers)
    assert different.status_code == 422
    # keys are per member: tenant B may use the same key for its own request
    assert world.b.api.post("/tokens", json={"name": "reporting"}, headers=headers).status_code == 201
    assert world.a.api.post("/tokens", json={"name": "x"}, headers={"Idempotency-Key": " "}).status_code == 400


def test_a_token_limited_to_scopes_can_do_only_that(app, world):
    from tests.factories import add_member

    limited = world.a.api.post(
        "/tokens", json={"name": "intranet-widget", "scopes": ["tenant:read", "members:read"]}
    ).get_json()
    assert limited["scopes"] == ["members:read", "tenant:read"]
    widget = world.a.api.as_(limited["token"])
    assert widget.get("/tenant").status_code == 200 and widget.get("/members").status_code == 200
    assert widget.get("/me").status_code == 403 and widget.post("/tokens", json={"name": "x"}).status_code == 403
    assert widget.patch("/tenant", json={"name": "Übernommen"}).status_code == 403  # the owner could, the token cannot
    _, influencer_token = add_member(app, world.b.tenant_id, "influencer")
    influencer = world.b.api.as_(influencer_token)
    refused = influencer.post("/tokens", json={"name": "too-much", "scopes": ["members:read"]})
    assert refused.status_code == 422 and "members:read" in refused.get_json()["errors"]["json"]["scopes"][0]
    assert influencer.post("/tokens", json={"name": "bad", "scopes": ["root"]}).status_code == 422
    assert world.b.api.as_(limited["token"]).get("/tenant").get_json()["slug"] == world.a.slug  # the token is A's


def test_authentication_reads_the_database_on_every_request(app, world):
    """No cached credential: revocation, offboarding and role changes apply to the next request."""
    from tests.factories import add_member

    member_id, secret = add_member(app, world.a.tenant_id, "hr")
    hr = world.a.api.as_(secret)
    assert hr.get("/members").status_code == 200
    assert world.a.api.patch(f"/members/{member_id}", json={"roles": ["influencer"]}).status_code == 200
    assert hr.get("/members").status_code == 403  # the role change applies at once
    assert world.a.api.post(f"/members/{member_id}/offboard").status_code == 200
    assert hr.get("/me").status_code == 401  # so does offboarding
    created = world.a.api.post("/tokens", json={"name": "short-lived"}).get_json()
    owner = world.a.api.as_(created["token"])
    assert owner.get("/me").status_code == 200
    assert world.a.api.delete(f"/tokens/{created['id']}").status_code == 204
    assert owner.get("/me").status_code == 401  # and revocation


def test_a_token_and_its_tenant_context_take_one_statement_on_postgresql(app, world, is_postgres):
    """Authentication is one round trip (``cip_authenticate``) and sets the RLS tenant itself."""
    import pytest
    from sqlalchemy import event

    from app import tenancy
    from app.db import db
    from tenants import tokens

    if not is_postgres:
        pytest.skip("cip_authenticate is PostgreSQL's; SQLite resolves with plain statements")
    secret = world.a.api.post("/tokens", json={"name": "counted"}).get_json()["token"]
    statements = []
    with app.test_request_context():
        listener = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            principal = tokens.resolve(auth.hash_secret(secret))
            tenant_seen = db.session.execute(text("SELECT current_setting('app.tenant_id', true)")).scalar()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
            db.session.rollback()
            tenancy.reset()
    assert principal.tenant_id == world.a.tenant_id and principal.member_id == world.a.owner_id
    assert tenant_seen == str(world.a.tenant_id)
    assert len(statements) == 2 and "cip_authenticate" in statements[0], statements
    assert tokens.resolve(auth.hash_secret("cip_unknown")) is None


def test_get_me_reads_the_token_and_the_caller_in_one_statement(app, world, is_postgres):
    """``cip_authenticate`` returns the member's row; the route reuses it instead of reading it again,
    so ``GET /me`` is two statements: authentication with the caller, and the social accounts."""
    import pytest
    from sqlalchemy import event

    from app.db import db

    if not is_postgres:
        pytest.skip("cip_authenticate is PostgreSQL's; SQLite resolves with plain statements")
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = world.a.api.get("/me")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200 and response.get_json()["id"] == str(world.a.owner_id)
    assert len(statements) == 2, statements
    assert "cip_authenticate" in statements[0] and "social_accounts" in statements[1]


def test_a_role_change_takes_effect_on_the_next_request(app, world):
    """Nothing about the caller is cached between requests: roles are read with the token each time."""
    from tests.factories import add_member

    hr_id, hr_token = add_member(app, world.a.tenant_id, "hr")
    as_hr = world.a.api.as_(hr_token)
    assert as_hr.get("/members").status_code == 200
    changed = world.a.api.patch(f"/members/{hr_id}", json={"roles": ["influencer"]})
    assert changed.status_code == 200, changed.get_json()
    assert as_hr.get("/members").status_code == 403
