"""The OpenAPI document is the contract: schemathesis runs over every operation in it.

In-process against the WSGI app, every operation of ``/api/v1/openapi.json`` gets valid and
invalid requests (examples, coverage and fuzzing phases) and all of schemathesis' default
checks: no 5xx, only documented status codes, content types, headers and body schemas, invalid
data rejected, valid data accepted, and authentication enforced (``ignored_auth`` repeats
successful requests without and with a bad token).

Every example of an operation runs in one fresh world (two tenants signed up through the API)
and carries a fresh token of tenant A's owner, so an example that revokes a token
(``DELETE /tokens/{id}``) or switches the governance mode cannot break the ones after it.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app, tenancy, transactions
from app.db import db
from app.schemas import MAX_YEAR, MIN_YEAR
from tenants import tokens
from tenants.models import Member
from tenants.schemas import TIMEZONE_FORMAT, TIMEZONES

OPENAPI_PATH = "/api/v1/openapi.json"
DOCS_PATH = "/api/v1/docs"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

# The document's own string formats: valid requests draw from the values the API accepts.
schemathesis.openapi.format(TIMEZONE_FORMAT, st.sampled_from(sorted(TIMEZONES)))

# Dates and times the API accepts lie in the years MIN_YEAR to MAX_YEAR as written (the document
# says so with a pattern). Valid requests draw their edges as often as the middle: the first and
# last day, the last second, and offsets that carry the first and last day into 1999 and 2101 in
# UTC. `test_dates_outside_the_years_answer_422` sends the values just outside.
_EDGE_DAYS = [date(MIN_YEAR, 1, 1), date(MIN_YEAR, 2, 29), date(MAX_YEAR, 2, 28), date(MAX_YEAR, 12, 31)]
_DAYS = st.sampled_from(_EDGE_DAYS) | st.dates(date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31))
_TIMES = st.sampled_from(["00:00:00", "23:59:59", "23:59:59.999999"]) | st.times().map(lambda t: t.isoformat())
_OFFSETS = st.sampled_from(["Z", "+00:00", "+14:00", "-12:00", "+23:59", "-23:59", "+05:45"])
schemathesis.openapi.format("date", _DAYS.map(date.isoformat))
schemathesis.openapi.format(
    "date-time", st.builds(lambda day, time, offset: f"{day.isoformat()}T{time}{offset}", _DAYS, _TIMES, _OFFSETS)
)
_OUTSIDE = {
    "date": ["0001-01-01", "9999-12-31", f"{MIN_YEAR - 1}-12-31", f"{MAX_YEAR + 1}-01-01"],
    "date-time": [
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-12:00",
        f"{MIN_YEAR - 1}-12-31T23:59:59-12:00",
        f"{MAX_YEAR + 1}-01-01T00:00:00+14:00",
    ],
}

_CSV_CELL = st.text(
    st.characters(codec="utf-8", exclude_characters=',;"\r\n', exclude_categories=["Cs", "Cc"]), max_size=20
)


@st.composite
def _members_csv(draw) -> bytes:
    """A CSV upload as the member import documents it (rows may still be invalid members)."""
    lines = ["email,name,department,location,locale,title,roles"]
    for _ in range(draw(st.integers(1, 5))):
        email = draw(st.emails() | _CSV_CELL)
        cells = [email, *(draw(_CSV_CELL) for _ in range(5)), draw(st.sampled_from(["", "influencer", "hr|approver"]))]
        lines.append(",".join(cells))
    return ("\n".join(lines) + "\n").encode()


# For file parts documented with `encoding: {contentType: text/csv}` (the member import).
schemathesis.openapi.media_type("text/csv", _members_csv())


def _document_app():
    """An app that only serves the OpenAPI document at collection time (it touches no database).

    The document depends on code, not data; the test checks the fixture app serves the same.
    The shared engine is put back, so the test apps are unaffected.
    """
    engine = db.engine
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "REDIS_URL": None, "LOG_LEVEL": "WARNING"})
    if db.engine is not engine:
        db.engine.dispose()
        db.engine = engine
        db.session.remove()
        db.session.configure(bind=engine)
    return app


schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, _document_app())
# The bearer token is supplied per example (below), not generated: otherwise schemathesis would
# also send made-up or missing credentials and then count the real one we restore as invalid
# data. Missing and bad credentials are still probed, by the `ignored_auth` check.
schema.config.generation.update(with_security_parameters=False)


def _issue_token(app, tenant_id: uuid.UUID, member_id: uuid.UUID) -> str:
    """A new live token for the member, committed, exactly as ``POST /tokens`` creates one."""
    with app.app_context(), tenancy.scope(tenant_id):
        member = db.session.get(Member, member_id)
        _, secret = tokens.issue(member, "contract-test")
        transactions.commit()
    return secret


def _requires_auth(case) -> bool:
    return bool(case.operation.definition.raw.get("security", schema.raw_schema.get("security", [])))


@settings(
    max_examples=30,
    derandomize=True,
    database=None,
    deadline=None,
    # The examples of one operation deliberately share one world (tenants, tokens, audit log).
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
@schema.parametrize()
def test_operation_honours_its_contract(case, app, world):
    headers = {}
    if _requires_auth(case):
        # A fresh token per example: one revoked by DELETE /tokens/{id} never leaks into the next.
        secret = _issue_token(app, world.a.tenant_id, world.a.owner_id)
        headers["Authorization"] = f"Bearer {secret}"
    # Rules across fields that JSON Schema 3.0 cannot state are declared on the operation;
    # there a schema-valid body may still be rejected with 422, and every other check holds.
    excluded = [positive_data_acceptance] if "x-cross-field-rules" in case.operation.definition.raw else []
    case.call_and_validate(app=app, headers=headers, excluded_checks=excluded)


def test_revoking_the_calling_token_follows_the_contract(app, world):
    """What generated ids never reach: a token revoking itself, then an id that is gone or foreign."""
    operation = schema["/api/v1/tokens/{token_id}"]["DELETE"]

    def revoke(token_id: str, secret: str) -> int:
        case = operation.Case(path_parameters={"token_id": token_id})
        return case.call_and_validate(app=app, headers={"Authorization": f"Bearer {secret}"}).status_code

    created = world.a.api.post("/tokens", json={"name": "short-lived"}).get_json()
    assert revoke(created["id"], created["token"]) == 204
    assert revoke(created["id"], created["token"]) == 401  # it revoked itself
    assert revoke(created["id"], world.a.token) == 404  # already revoked
    foreign = world.b.api.get("/tokens").get_json()[0]["id"]
    assert revoke(foreign, world.a.token) == 404  # another tenant's token
    assert world.b.api.get("/tokens").status_code == 200


def _deref(node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        target = schema.raw_schema
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def _body_dates(node: dict, path: tuple, depth: int = 0) -> list[tuple[tuple, str]]:
    node = _deref(node)
    if node.get("format") in _OUTSIDE:
        return [(path, node["format"])]
    if depth > 4:
        return []
    found = []
    for name, prop in node.get("properties", {}).items():
        found += _body_dates(prop, (*path, name), depth + 1)
    if isinstance(node.get("items"), dict):
        found += _body_dates(node["items"], (*path, 0), depth + 1)
    return found


def _accepted_dates(operation) -> list[tuple[str, tuple, str]]:
    """(location, path, format) of every date or date-time the operation accepts."""
    raw = operation.definition.raw
    found = []
    for parameter in map(_deref, raw.get("parameters", [])):
        if parameter["in"] == "query" and _deref(parameter.get("schema", {})).get("format") in _OUTSIDE:
            found.append(("query", (parameter["name"],), _deref(parameter["schema"])["format"]))
    body = _deref(raw.get("requestBody", {})).get("content", {}).get("application/json", {})
    found += [("body", path, kind) for path, kind in _body_dates(body.get("schema", {}), ())]
    return found


_DATED = [operation for result in schema.get_all_operations() if _accepted_dates(operation := result.ok())]


def _put(container, path: tuple, value: str) -> bool:
    """Set the value at ``path`` (list positions must exist, the last key may be new)."""
    *head, last = path
    for key in head:
        if isinstance(key, int):
            if not isinstance(container, list) or len(container) <= key:
                return False
        elif not isinstance(container, dict) or key not in container:
            return False
        container = container[key]
    if not isinstance(container, dict):
        return False
    container[last] = value
    return True


@pytest.mark.parametrize("operation", _DATED, ids=lambda operation: operation.label)
def test_dates_outside_the_years_answer_422(operation, app, world):
    """Valid requests with one date moved just outside the years: 422 naming it, as documented."""
    fields = _accepted_dates(operation)
    headers = {"Authorization": f"Bearer {world.a.token}"}

    @settings(max_examples=8, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(), field=st.sampled_from(fields), data=st.data())
    def check(case, field, data):
        location, path, kind = field
        value = data.draw(st.sampled_from(_OUTSIDE[kind]), label="outside")
        if location == "query":
            case.query = {**(case.query or {}), path[0]: value}
        else:
            assume(_put(case.body, path, value))
        response = case.call_and_validate(
            app=app,
            headers=headers,
            checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
        )
        assert response.status_code == 422, response.text
        errors = json.dumps(response.json()["errors"])
        assert "Out of range" in errors and f'"{path[-1]}"' in errors, errors

    assert fields
    check()


# --- The document itself -------------------------------------------------------------------


def _document(client) -> dict:
    response = client.get(OPENAPI_PATH)
    assert response.status_code == 200
    return response.get_json()


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield f"{method.upper()} {path}", operation


def _resolve(document: dict, node: dict) -> tuple[str | None, dict]:
    """Follow ``$ref`` chains; returns the last reference (a name to report) and the target."""
    ref = None
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = document
        for part in ref[2:].split("/"):
            node = node[part]
    return ref, node


def _undescribed_properties(document: dict, schema: dict, where: str, seen: set[str]) -> list[str]:
    """Every property, at any depth, of ``schema`` that has no description."""
    ref, schema = _resolve(document, schema)
    if ref is not None:
        if ref in seen:
            return []
        seen.add(ref)
        where = ref.rsplit("/", 1)[-1]
    missing = []
    for name, prop in schema.get("properties", {}).items():
        if not prop.get("description"):
            missing.append(f"{where}.{name}")
        missing += _undescribed_properties(document, prop, f"{where}.{name}", seen)
    for key in ("allOf", "anyOf", "oneOf"):
        for index, branch in enumerate(schema.get(key, [])):
            missing += _undescribed_properties(document, branch, f"{where}<{key}[{index}]>", seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            missing += _undescribed_properties(document, schema[key], f"{where}[]", seen)
    return missing


def test_document_served_by_the_app_is_the_one_tested(client):
    assert _document(client) == schema.raw_schema


def test_every_operation_and_schema_property_is_described(client):
    document = _document(client)
    undocumented_operations = [
        label
        for label, operation in _operations(document)
        if not (operation.get("summary", "").strip() or operation.get("description", "").strip())
    ]
    assert not undocumented_operations, "operations without summary or description:\n" + "\n".join(
        undocumented_operations
    )

    missing: list[str] = []
    seen: set[str] = set()
    for label, operation in _operations(document):
        body = _resolve(document, operation.get("requestBody", {}))[1]
        bodies = [
            (f"{label} request", media["schema"]) for media in body.get("content", {}).values() if "schema" in media
        ]
        for status, response in operation["responses"].items():
            response = _resolve(document, response)[1]
            bodies += [
                (f"{label} {status}", media["schema"])
                for media in response.get("content", {}).values()
                if "schema" in media
            ]
        for where, body_schema in bodies:
            missing += _undescribed_properties(document, body_schema, where, seen)
    assert seen, "no schema was walked"
    assert not missing, "properties without description:\n" + "\n".join(missing)


def test_every_operation_documents_its_error_answers(client):
    """401 unless public, and one error body (code, status, message, errors) for every 4xx."""
    document = _document(client)
    problems = []
    for label, operation in _operations(document):
        responses = operation["responses"]
        if "default" in responses:
            problems.append(f"{label}: a catch-all `default` response instead of the actual statuses")
        if operation.get("security", document.get("security")) and "401" not in responses:
            problems.append(f"{label}: needs a credential but does not document 401")
        for status, response in responses.items():
            if status.startswith("4"):
                media = _resolve(document, response)[1].get("content", {}).get("application/json", {})
                ref = _resolve(document, media["schema"])[0] if "schema" in media else None
                if ref != "#/components/schemas/ErrorBody":
                    problems.append(f"{label}: {status} does not document the error body")
    assert not problems, "\n".join(problems)


def test_swagger_ui_is_served_from_local_assets(client):
    response = client.get(DOCS_PATH)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?:[a-z]+:)?//""", page, re.IGNORECASE), "a CDN URL"
    assets = re.findall(r"""<(?:script|link)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""", page)
    assert any(url.endswith(".js") for url in assets) and any(url.endswith(".css") for url in assets), assets
    for url in assets:
        assert url.startswith(f"{DOCS_PATH}/assets/"), f"{url} is not served by the app"
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.get_data(), url
    assert OPENAPI_PATH in page
