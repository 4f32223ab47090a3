"""Domain errors: each kind a service raises is answered with its status and the API's one error
body (``code``, ``status``, ``message``, optional ``errors`` and ``missing``), exactly as
``flask_smorest.abort`` answered it; and :func:`app.errors.field_error` builds the nested shape."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from werkzeug.exceptions import NotFound as WerkzeugNotFound
from werkzeug.exceptions import UnprocessableEntity

from app.errors import DomainError, ValidationFailed, field_error
from tests.factories import add_member


def _invite(api, email: str, **fields):
    return api.post("/members", json={"email": email, "name": "Max Mustermann", **fields})


def test_not_found_with_a_message_and_for_another_tenants_object(world):
    unknown = world.a.api.get(f"/members/{uuid.uuid4()}")
    foreign = world.a.api.get(f"/members/{world.b.owner_id}")
    expected = {"code": 404, "status": "Not Found", "message": "No such member."}
    assert (unknown.status_code, unknown.get_json()) == (404, expected)
    assert (foreign.status_code, foreign.get_json()) == (404, expected)


def test_not_found_without_a_message_gets_werkzeugs_description(world):
    response = world.a.api.delete(f"/tokens/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.get_json() == {"code": 404, "status": "Not Found", "message": WerkzeugNotFound.description}


def test_forbidden(app, world):
    _, admin = add_member(app, world.a.tenant_id, "admin")
    response = world.a.api.as_(admin).post(
        "/members", json={"email": "new.owner@medtech-nord.example", "name": "New Owner", "roles": ["owner"]}
    )
    assert response.status_code == 403
    assert response.get_json() == {
        "code": 403,
        "status": "Forbidden",
        "message": "Only an owner can make someone an owner.",
    }


def test_policy_violation_names_what_is_missing(app, world):
    a = world.a  # containment: a post needs the current guideline acknowledged
    assert (
        a.api.post("/guidelines", json={"title": "Leitlinie", "body": "Sachlich.", "locale": "de"}).status_code == 201
    )
    _, token = add_member(app, a.tenant_id, "influencer")
    author = a.api.as_(token)
    post = author.post("/posts", json={"platform": "linkedin", "text": "Heute auf dem Sommerfest. #Mitarbeiter"})
    assert post.status_code == 201, post.get_json()
    response = author.post(f"/posts/{post.get_json()['id']}/submit")
    assert response.status_code == 403
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "missing"}
    assert (body["code"], body["status"], body["missing"]) == (403, "Forbidden", ["guideline_acknowledgement"])
    assert body["message"].startswith("You cannot post yet: ")


def test_conflict_keeps_message_and_field_errors(world):
    assert _invite(world.a.api, "max@medtech-nord.example").status_code == 201
    response = _invite(world.a.api, "MAX@medtech-nord.example")
    assert response.status_code == 409
    assert response.get_json() == {
        "code": 409,
        "status": "Conflict",
        "message": "A member with this email already exists.",
        "errors": {"json": {"email": ["Already a member."]}},
    }


def test_gone(world, anon):
    invitation = _invite(world.a.api, "max@medtech-nord.example").get_json()["invitation"]["token"]
    accept = {"token": invitation, "consent": {"participation": True}}
    assert anon.post("/invitations/accept", json=accept).status_code == 200
    response = anon.post("/invitations/accept", json=accept)
    assert response.status_code == 410
    assert response.get_json() == {
        "code": 410,
        "status": "Gone",
        "message": "This invitation was already used or replaced by a newer one.",
    }


def test_seat_limit_reached(world, owner_engine):
    with owner_engine.begin() as connection:
        connection.execute(text("UPDATE tenants SET seat_limit = 1 WHERE id = :id"), {"id": world.a.tenant_id.hex})
    response = _invite(world.a.api, "max@medtech-nord.example")
    assert response.status_code == 402
    assert response.get_json() == {
        "code": 402,
        "status": "Payment Required",
        "message": "Seat limit reached: 1 of 1 seats are used by invited and active members. "
        "Offboard members or upgrade the plan.",
    }
    assert _invite(world.b.api, "max@agentur-sued.example").status_code == 201  # the other tenant's seats


def test_validation_failed_without_a_message_gets_werkzeugs_description(app, world):
    _, hr = add_member(app, world.a.tenant_id, "hr")
    response = world.a.api.as_(hr).post("/tokens", json={"name": "too-much", "scopes": ["tenant:write"]})
    assert response.status_code == 422
    assert response.get_json() == {
        "code": 422,
        "status": "Unprocessable Entity",
        "message": UnprocessableEntity.description,
        "errors": {"json": {"scopes": ["Your roles do not hold: tenant:write."]}},
    }


def test_validation_failed_with_a_message(app, world):
    _, hr = add_member(app, world.a.tenant_id, "hr")
    response = world.a.api.as_(hr).post(
        "/guidelines", json={"template_key": "social_media_guideline_de", "placeholders": {"Untrnehmen": "X"}}
    )
    assert response.status_code == 422
    assert response.get_json() == {
        "code": 422,
        "status": "Unprocessable Entity",
        "message": "The template has no such placeholders: Untrnehmen.",
        "errors": {"json": {"placeholders": {"Untrnehmen": ["Not a placeholder of this template."]}}},
    }


def test_field_error_builds_the_nested_shape():
    error = field_error("json", "email", "Already taken.", "Not a company address.")
    assert isinstance(error, ValidationFailed) and isinstance(error, DomainError)
    assert error.status == 422
    assert error.errors == {"json": {"email": ["Already taken.", "Not a company address."]}}
    assert error.body() == {"errors": {"json": {"email": ["Already taken.", "Not a company address."]}}}
    with_message = field_error("files", "file", "The file is empty.", message="Nothing to import.")
    assert with_message.body() == {
        "message": "Nothing to import.",
        "errors": {"files": {"file": ["The file is empty."]}},
    }
