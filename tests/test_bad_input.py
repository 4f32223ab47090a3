"""Bad input answers 4xx naming the field, never 500, and changes nothing.

Dates at the edges of what Python and the databases can represent (years 0001 and 9999, with
offsets that push them past the edge) go through the one bounded date type (years 2000 to
2100); JSON nested 1,000 deep, lone surrogates and bodies not sent as JSON are refused by the
one request parser, for every operation of the OpenAPI document.
"""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select

from app.api import MAX_JSON_DEPTH
from app.schemas import DATE_PATTERN, DATETIME_PATTERN, MAX_YEAR, MIN_YEAR
from tests.conftest import metadata
from tests.gamification.helpers import influencer, publish_post
from tests.training.test_modules import published_module

EARLY = "0001-01-01T00:00:00+01:00"  # 31 Dec of year 0 in UTC: before datetime.min
LATE = "9999-12-31T23:59:59-12:00"  # year 10000 in UTC: after datetime.max
FIRST = "2000-01-01T00:00:00+14:00"  # the earliest accepted, 1999 in UTC
LAST = "2100-12-31T23:59:59-12:00"  # the latest accepted, 2101 in UTC
DEEP = "[" * 1000 + "]" * 1000
OUT_OF_RANGE = f"Out of range: use a date in the years {MIN_YEAR} to {MAX_YEAR}."


def _row_counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {t.name: connection.scalar(select(func.count()).select_from(t)) for t in metadata.sorted_tables}


def _refused(response, status: int, location: str, field: str) -> list[str]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == status and isinstance(body["status"], str)
    assert field in body["errors"][location], body
    return body["errors"][location][field]


def _tenant(world, which: str):
    return getattr(world, which)


# --- Dates at the edges ------------------------------------------------------------------


@pytest.mark.parametrize("which", ["a", "b"])
@pytest.mark.parametrize("path", ["/leaderboards/week", "/leaderboards/quarter", "/leaderboards/month/teams"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"])
def test_leaderboard_days_outside_the_years_answer_422(world, which, path, day):
    api = _tenant(world, which).api
    assert _refused(api.get(path, query_string={"date": day}), 422, "query", "date") == [OUT_OF_RANGE]


@pytest.mark.parametrize("period", ["week", "month", "quarter", "all"])
def test_leaderboard_days_at_the_edges_of_the_years_are_served(world, period):
    for day in ("2000-01-01", "2100-12-31"):
        board = world.b.api.get(f"/leaderboards/{period}", query_string={"date": day})
        assert board.status_code == 200, board.get_json()
        teams = world.a.api.get(f"/leaderboards/{period}/teams", query_string={"date": day})
        assert teams.status_code == 200, teams.get_json()
    week = world.b.api.get("/leaderboards/week", query_string={"date": "2100-12-31"}).get_json()
    assert (week["starts_on"], week["ends_on"]) == ("2100-12-27", "2101-01-02")


@pytest.mark.parametrize("which", ["a", "b"])
@pytest.mark.parametrize("path", ["/engagement/stats", "/me/stats", "/archive/export"])
@pytest.mark.parametrize(("field", "value"), [("since", EARLY), ("until", LATE), ("since", LATE), ("until", EARLY)])
def test_time_ranges_outside_the_years_answer_422(world, which, path, field, value):
    api = _tenant(world, which).api
    assert _refused(api.get(path, query_string={field: value}), 422, "query", field) == [OUT_OF_RANGE]


@pytest.mark.parametrize("path", ["/engagement/stats", "/me/stats", "/archive/export"])
def test_time_ranges_at_the_edges_of_the_years_are_served(world, path):
    response = world.a.api.get(path, query_string={"since": FIRST, "until": LAST})
    assert response.status_code == 200, response.get_data(as_text=True)
    if path != "/archive/export":
        assert (response.get_json()["since"], response.get_json()["until"]) == (
            "1999-12-31T10:00:00Z",
            "2101-01-01T11:59:59Z",
        )


def test_observations_outside_the_years_answer_422_and_store_nothing(app, world, owner_engine):
    b = world.b
    post = publish_post(influencer(app, b))
    before = _row_counts(owner_engine)
    for observed_at in (EARLY, LATE, "1999-12-31T23:59:59Z"):
        good = {"post_id": post["id"], "metric": "impressions", "value": 10, "observed_at": "2026-01-05T10:00:00Z"}
        bad = {"post_id": post["id"], "metric": "clicks", "value": 1, "observed_at": observed_at}
        response = b.api.post("/engagement/metrics", json={"observations": [good, bad]})
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["errors"]["json"]["observations"] == {"1": {"observed_at": [OUT_OF_RANGE]}}
    assert _row_counts(owner_engine) == before
    # The earliest accepted time is stored (it lies in 1999 in UTC).
    first = {"post_id": post["id"], "metric": "clicks", "value": 1, "observed_at": FIRST}
    assert b.api.post("/engagement/metrics", json={"observations": [first]}).get_json()["accepted"] == 1


@pytest.mark.parametrize("which", ["a", "b"])
def test_assignment_due_dates_outside_the_years_answer_422_and_assign_nothing(app, world, which):
    tenant = _tenant(world, which)
    module = published_module(tenant.api, max_attempts=None, required=False)  # assigned by hand only
    for due_at in (LATE, EARLY):
        body = {"module_id": module["id"], "all_members": True, "due_at": due_at}
        assert _refused(tenant.api.post("/training/assignments", json=body), 422, "json", "due_at") == [OUT_OF_RANGE]
    assert tenant.api.get("/me/assignments").get_json() == []
    body = {"module_id": module["id"], "all_members": True, "due_at": LAST}
    assert tenant.api.post("/training/assignments", json=body).get_json() == {"created": 1}
    assert [a["due_at"] for a in tenant.api.get("/me/assignments").get_json()] == ["2101-01-01T11:59:59Z"]


@pytest.mark.parametrize("which", ["a", "b"])
def test_challenge_times_outside_the_years_answer_422_and_create_nothing(world, which):
    api = _tenant(world, which).api
    body = {"title": "Drei Beiträge", "metric": "library_shares", "target": 3}
    cases = [("ends_at", {"ends_at": LATE}), ("starts_at", {"starts_at": EARLY, "ends_at": "2099-01-01T00:00:00Z"})]
    for field, times in cases:
        assert _refused(api.post("/challenges", json={**body, **times}), 422, "json", field) == [OUT_OF_RANGE]
    late_start = {**body, "starts_at": "2100-12-30T00:00:00Z", "ends_at": LATE}
    assert _refused(api.post("/challenges", json=late_start), 422, "json", "ends_at") == [OUT_OF_RANGE]
    assert api.get("/challenges").get_json()["items"] == []


@pytest.mark.parametrize("which", ["a", "b"])
def test_content_times_outside_the_years_answer_422_and_change_nothing(world, which):
    api = _tenant(world, which).api
    body = {
        "title": "Unser Standpunkt",
        "kind": "statement",
        "body": "Hintergrund",
        "captions": [{"locale": "de", "text": "Was uns wichtig ist: Sicherheit zuerst. #Mitarbeiter"}],
    }
    for field, value in (("ends_at", LATE), ("starts_at", EARLY)):
        assert _refused(api.post("/content", json={**body, field: value}), 422, "json", field) == [OUT_OF_RANGE]
    assert api.get("/content").get_json() == []
    created = api.post("/content", json={**body, "starts_at": FIRST, "ends_at": LAST})
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert (item["starts_at"], item["ends_at"]) == ("1999-12-31T10:00:00Z", "2101-01-01T11:59:59Z")
    patched = api.patch(f"/content/{item['id']}", json={"ends_at": LATE})
    assert _refused(patched, 422, "json", "ends_at") == [OUT_OF_RANGE]
    assert api.get(f"/content/{item['id']}").get_json()["ends_at"] == "2101-01-01T11:59:59Z"


@pytest.mark.parametrize(
    "value",
    ["2030-01-31T09:00:00", "2030-01-31 09:00:00Z", "20300131T090000Z", "2030-W05-4T09:00:00Z", "2030-02-30T09:00:00Z"],
)
def test_times_must_be_iso_8601_with_seconds_and_an_offset(world, value):
    response = world.b.api.get("/engagement/stats", query_string={"since": value})
    [message] = _refused(response, 422, "query", "since")
    assert message.startswith("Not a valid datetime")


# --- The document states the bound; every accepted date carries it ---------------------------


def _deref(document: dict, node: dict) -> dict:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        target = document
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node, seen = target, seen + 1
    return node


def _dates_in(document: dict, schema: dict, where: str, seen: set[str]) -> list[tuple[str, dict]]:
    """Every date or date-time string schema reachable from ``schema``."""
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return []
        seen.add(schema["$ref"])
    schema = _deref(document, schema)
    found = [(where, schema)] if schema.get("format") in ("date", "date-time") else []
    for name, prop in schema.get("properties", {}).items():
        found += _dates_in(document, prop, f"{where}.{name}", seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            found += _dates_in(document, schema[key], f"{where}[]", seen)
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(key, []):
            found += _dates_in(document, branch, where, seen)
    return found


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_every_accepted_date_is_bounded_in_the_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    accepted = []
    for path, method, operation in _operations(document):
        label = f"{method.upper()} {path}"
        for parameter in operation.get("parameters", []):
            parameter = _deref(document, parameter)
            # A parameter carries its description itself, next to its schema.
            schema = {"description": parameter.get("description", ""), **parameter.get("schema", {})}
            accepted += _dates_in(document, schema, f"{label} ?{parameter['name']}", set())
        for media in _deref(document, operation.get("requestBody", {})).get("content", {}).values():
            accepted += _dates_in(document, media.get("schema", {}), f"{label} body", set())
    names = {where for where, _ in accepted}
    assert {
        "GET /api/v1/leaderboards/{period} ?date",
        "GET /api/v1/engagement/stats ?since",
        "GET /api/v1/archive/export ?until",
        "POST /api/v1/engagement/metrics body.observations[].observed_at",
        "POST /api/v1/training/assignments body.due_at",
        "POST /api/v1/challenges body.ends_at",
        "POST /api/v1/content body.starts_at",
        "PATCH /api/v1/content/{content_id} body.ends_at",
    } <= names, sorted(names)
    for where, schema in accepted:
        expected = DATE_PATTERN if schema["format"] == "date" else DATETIME_PATTERN
        assert schema.get("pattern") == expected, where
        assert "Years 2000 to 2100" in schema.get("description", ""), where
        assert (schema.get("x-minimum"), schema.get("x-maximum")) == ("2000-01-01", "2100-12-31"), where


# --- JSON the parser refuses, for every operation that takes a JSON body -------------------


def _json_operations(document: dict):
    """(method, url, operation, body schema) for every operation with a JSON request body."""
    for path, method, operation in _operations(document):
        content = _deref(document, operation.get("requestBody", {})).get("content", {})
        if "application/json" not in content:
            continue
        url = path
        for parameter in document["paths"][path].get("parameters", []) + operation.get("parameters", []):
            parameter = _deref(document, parameter)
            if parameter["in"] == "path":
                schema = _deref(document, parameter.get("schema", {}))
                value = schema["enum"][0] if "enum" in schema else str(uuid.uuid4())
                url = url.replace("{" + parameter["name"] + "}", str(value))
        yield method, url, operation, _deref(document, content["application/json"].get("schema", {}))


def _send(world, anon, method: str, url: str, operation: dict, data: str, content_type="application/json"):
    caller = anon if operation.get("security") == [] else world.a.api
    return caller.request(method.upper(), url, data=data, content_type=content_type)


@pytest.fixture
def document(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def test_json_nested_1000_deep_answers_400_for_every_operation(world, anon, document, owner_engine):
    before = _row_counts(owner_engine)
    operations = list(_json_operations(document))
    assert len(operations) > 25 and any(op.get("security") == [] for _, _, op, _ in operations)
    for method, url, operation, _ in operations:
        for body in (DEEP, '{"x": ' + DEEP + "}"):
            response = _send(world, anon, method, url, operation, body)
            assert response.status_code == 400, (method, url, response.get_data(as_text=True))
            assert response.get_json()["errors"] == {"json": {"_schema": [response.get_json()["message"]]}}
    assert _row_counts(owner_engine) == before


def test_nesting_past_the_limit_names_the_field(world, anon, owner_engine):
    before = _row_counts(owner_engine)
    nested = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH  # one level too many under the body object
    response = world.a.api.post("/tokens", data='{"name": ' + nested + "}", content_type="application/json")
    assert _refused(response, 400, "json", "name") == [response.get_json()["message"]]
    signup = {"organization": {"name": "Tief", "slug": "tief-gmbh", "industry": "generic"}, "owner": {}}
    signup["owner"] = {"email": "owner@tief.example", "name": json.loads(nested)}
    _refused(anon.post("/signup", json=signup), 400, "json", "owner")
    assert _row_counts(owner_engine) == before
    # Within the limit, the usual validation answers instead.
    fits = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)
    response = world.a.api.post("/tokens", data='{"name": ' + fits + "}", content_type="application/json")
    assert _refused(response, 422, "json", "name") == ["Not a valid string."]


def _first_text_property(document: dict, schema: dict) -> str | None:
    for name, prop in schema.get("properties", {}).items():
        prop = _deref(document, prop)
        if prop.get("type") == "string" and not prop.get("enum") and prop.get("format") != "binary":
            return name
    return None


def test_a_lone_surrogate_in_any_text_field_answers_422_naming_it(world, anon, document, owner_engine):
    before = _row_counts(owner_engine)
    checked = 0
    for method, url, operation, schema in _json_operations(document):
        name = _first_text_property(document, schema)
        if name is None:
            continue
        data = json.dumps({name: "Gr\ud800n"})  # the JSON escape "\ud800", no pair to make a character
        assert "\\ud800" in data
        response = _send(world, anon, method, url, operation, data)
        assert _refused(response, 422, "json", name) == [
            "Text must be valid Unicode: a lone surrogate such as \\ud800 is not a character."
        ], (method, url)
        checked += 1
    assert checked > 20
    # In a nested field and in a key, too; a proper pair (an emoji) is fine.
    signup = {
        "organization": {"name": "Grün\udfff", "slug": "gruen-ag", "industry": "generic"},
        "owner": {"email": "owner@gruen.example", "name": "Owner"},
    }
    _refused(
        anon.post("/signup", data=json.dumps(signup), content_type="application/json"), 422, "json", "organization.name"
    )
    keyed = json.dumps({"name": "ok", "\ud800": 1})
    _refused(world.a.api.post("/tokens", data=keyed, content_type="application/json"), 422, "json", "_schema")
    assert _row_counts(owner_engine) == before
    emoji = world.a.api.post("/tokens", data=json.dumps({"name": "Launch \U0001f680"}), content_type="application/json")
    assert emoji.status_code == 201 and emoji.get_json()["name"] == "Launch \U0001f680"


@pytest.mark.parametrize("which", ["a", "b"])
def test_a_lone_surrogate_changes_nothing(world, which):
    api = _tenant(world, which).api
    name = api.get("/tenant").get_json()["name"]
    response = api.patch("/tenant", data='{"name": "Neu\\ud800"}', content_type="application/json")
    _refused(response, 422, "json", "name")
    assert api.get("/tenant").get_json()["name"] == name
    response = api.patch("/me", data='{"profile": {"headline": "\\udc00"}}', content_type="application/json")
    _refused(response, 422, "json", "profile.headline")


def test_a_body_not_sent_as_json_answers_415_naming_the_content_type(world, anon, document, owner_engine):
    before = _row_counts(owner_engine)
    for method, url, operation, _ in _json_operations(document):
        response = _send(world, anon, method, url, operation, '{"name": "x"}', content_type="text/plain")
        assert response.status_code == 415, (method, url, response.get_data(as_text=True))
        body = response.get_json()
        assert body["message"] == "Send the body as application/json (got text/plain)."
        assert body["errors"] == {"headers": {"Content-Type": [body["message"]]}}
    form = world.a.api.post("/tokens", data={"name": "x"})
    assert form.get_json()["message"] == "Send the body as application/json (got application/x-www-form-urlencoded)."
    bare = world.a.api.post("/tokens", data=b'{"name": "x"}', headers={"Content-Type": ""})
    assert bare.status_code == 415 and "(got no Content-Type)" in bare.get_json()["message"]
    assert _row_counts(owner_engine) == before
    # The same body as JSON is taken; an empty body without a type is still "no body".
    assert world.a.api.post("/tokens", data='{"name": "x"}', content_type="application/json").status_code == 201
    assert world.a.api.post("/tokens").status_code == 201


def test_415_is_documented_for_every_json_body(document):
    for method, url, operation, _ in _json_operations(document):
        assert "415" in operation["responses"], (method, url)
