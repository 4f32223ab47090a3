"""Writes that must happen once, however many requests race for them (PostgreSQL only).

Each test starts the app in a real threaded HTTP server and fires 20 to 30 requests at the same
moment (a barrier releases them together), then counts the effects: one accepted invitation,
one post per ``Idempotency-Key``, no seat beyond the limit, one decision per approval level.
SQLite serialises every writer, so the races these tests guard against cannot happen there.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from app import clock
from tests.conftest import API
from tests.factories import add_member


@dataclass
class Answer:
    status: int
    body: dict
    headers: dict


@pytest.fixture
def server(app, is_postgres):
    """The app behind a threaded werkzeug server on a free port; yields its base URL."""
    if not is_postgres:
        pytest.skip("races need concurrent writers: run with TEST_DATABASE_URL (SQLite serialises every write)")
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}{API}"
    httpd.shutdown()
    thread.join()


def _call(
    base: str, method: str, path: str, body: dict | None = None, token: str | None = None, *, csv: str = "", **headers
) -> Answer:
    """One HTTP request: a JSON body, or ``csv`` uploaded as the multipart field ``file``."""
    if csv:
        boundary = uuid.uuid4().hex
        data = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="members.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
        ).encode()
        content_type = f"multipart/form-data; boundary={boundary}"
    else:
        data, content_type = json.dumps(body or {}).encode(), "application/json"
    request = urllib.request.Request(base + path, method=method, data=data)
    request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in headers.items():
        request.add_header(name.replace("_", "-"), value)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return Answer(response.status, json.loads(response.read() or b"{}"), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Answer(error.code, json.loads(error.read() or b"{}"), dict(error.headers))


def race(calls) -> list[Answer]:
    """Run the callables at the same moment, one thread each; their answers in order."""
    barrier = threading.Barrier(len(calls))
    answers: list[Answer | BaseException | None] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            answers[index] = calls[index]()
        except BaseException as exc:  # reported below, not lost in the thread
            answers[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures = [a for a in answers if isinstance(a, BaseException)]
    assert not failures, failures
    return answers  # type: ignore[return-value]


def statuses(answers: list[Answer]) -> Counter:
    return Counter(answer.status for answer in answers)


def _count(owner_engine, sql: str, **params) -> int:
    with owner_engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def _used_just_now(api) -> None:
    """Use the token once: for a while its requests no longer write ``last_used_at``, a row lock
    that would otherwise queue them one behind the other and hide the race."""
    assert api.get("/me").status_code == 200


def test_an_invitation_is_accepted_once(server, world, owner_engine):
    invited = world.a.api.post("/members", json={"email": "ada@example.com", "name": "Ada"}).get_json()
    code = invited["invitation"]["token"]
    body = {"token": code, "consent": {"participation": True, "leaderboard_visible": False}}

    answers = race([lambda: _call(server, "POST", "/invitations/accept", body)] * 25)

    assert statuses(answers) == {200: 1, 410: 24}, statuses(answers)
    assert _count(owner_engine, "SELECT count(*) FROM api_tokens WHERE member_id = :m", m=invited["id"]) == 1


def test_one_idempotency_key_creates_one_post(server, world, owner_engine):
    b = world.b
    body = {"platform": "linkedin", "text": "Heute auf dem Sommerfest unseres Teams: danke an alle! #Mitarbeiter"}
    key = str(uuid.uuid4())
    _used_just_now(b.api)

    answers = race([lambda: _call(server, "POST", "/posts", body, b.token, Idempotency_Key=key)] * 30)

    assert statuses(answers) == {201: 30}, statuses(answers)
    assert len({answer.body["id"] for answer in answers}) == 1
    assert sum(answer.headers.get("Idempotent-Replayed") == "true" for answer in answers) == 29
    assert _count(owner_engine, "SELECT count(*) FROM posts WHERE tenant_id = :t", t=b.tenant_id.hex) == 1


def test_a_reserved_key_is_given_back_by_a_failure_and_freed_by_its_expiry(world):
    """Not a race (runs on SQLite too): the reservation made before the work rolls back with a
    failed request, and an expired key is reserved afresh."""
    api, key = world.b.api, {"Idempotency-Key": "post-1"}
    post = {"platform": "linkedin", "text": "Heute auf dem Sommerfest unseres Teams! #Mitarbeiter"}
    assert api.post("/posts", json={**post, "platform": "myspace"}, headers=key).status_code == 422
    first = api.post("/posts", json=post, headers=key)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    assert api.post("/posts", json=post, headers=key).headers["Idempotent-Replayed"] == "true"
    with clock.frozen(clock.now() + timedelta(hours=25)):  # IDEMPOTENCY_TTL_HOURS is 24
        again = api.post("/posts", json=post, headers=key)
    assert again.status_code == 201 and again.get_json()["id"] != first.get_json()["id"]
    assert "Idempotent-Replayed" not in again.headers


def test_concurrent_invites_respect_the_seat_limit(server, world, owner_engine):
    a = world.a
    with owner_engine.begin() as connection:  # the owner holds one seat: ten are left
        connection.execute(text("UPDATE tenants SET seat_limit = 11 WHERE id = :t"), {"t": a.tenant_id.hex})
    _used_just_now(a.api)

    answers = race(
        [
            (lambda i=i: _call(server, "POST", "/members", {"email": f"m{i}@example.com", "name": f"M {i}"}, a.token))
            for i in range(20)
        ]
    )

    assert statuses(answers) == {201: 10, 402: 10}, statuses(answers)
    seats = a.api.get("/tenant").get_json()["seats"]
    assert seats == {"limit": 11, "used": 11}


def test_an_import_and_invites_at_the_same_time_share_the_seats(server, world, owner_engine):
    a = world.a
    with owner_engine.begin() as connection:  # ten seats left, thirty wanted
        connection.execute(text("UPDATE tenants SET seat_limit = 11 WHERE id = :t"), {"t": a.tenant_id.hex})
    _used_just_now(a.api)
    rows = "".join(f"csv{i}@example.com,CSV {i}\n" for i in range(15))

    def invite(i: int) -> Answer:
        return _call(server, "POST", "/members", {"email": f"m{i}@example.com", "name": f"M {i}"}, a.token)

    def upload() -> Answer:
        return _call(server, "POST", "/members/imports", token=a.token, csv="email,name\n" + rows)

    answers = race([upload] + [(lambda i=i: invite(i)) for i in range(15)])

    assert answers[0].status == 202, answers[0].body
    job = a.api.get(f"/jobs/{answers[0].body['job']['id']}").get_json()  # without Redis it ran inline
    assert job["status"] == "finished", job
    invited = statuses(answers[1:])[201]
    assert invited + job["result"]["created"] == 10
    assert a.api.get("/tenant").get_json()["seats"] == {"limit": 11, "used": 11}


def test_a_decision_race_has_one_winner_and_the_others_get_409(server, app, world, owner_engine):
    a = world.a  # containment: every post waits for the approver level
    _, author_token = add_member(app, a.tenant_id, "influencer")
    post = a.api.as_(author_token).post("/posts", json={"platform": "linkedin", "text": "Neues vom Team."}).get_json()
    submitted = a.api.as_(author_token).post(f"/posts/{post['id']}/submit").get_json()
    assert submitted["status"] == "pending_approval"
    approvers = [add_member(app, a.tenant_id, "approver")[1] for _ in range(20)]

    answers = race(
        [
            (
                lambda token=token: _call(
                    server, "POST", f"/posts/{post['id']}/decisions", {"decision": "approve"}, token
                )
            )
            for token in approvers
        ]
    )

    assert statuses(answers) == {200: 1, 409: 19}, statuses(answers)
    assert _count(owner_engine, "SELECT count(*) FROM post_decisions WHERE post_id = :p", p=post["id"]) == 1


def test_a_decision_that_waited_while_its_level_was_decided_answers_409(server, app, world, owner_engine):
    """Two levels, and the decider holds both roles: a decision meant for level 1 that waited for
    the post's lock while level 1 was decided must not silently decide level 2."""
    a = world.a
    chain = {"levels": [{"name": "Fachabteilung", "role": "program_lead"}, {"name": "Compliance", "role": "approver"}]}
    assert a.api.put("/governance/approval-chain", json=chain).status_code == 200
    _, author_token = add_member(app, a.tenant_id, "influencer")
    post = a.api.as_(author_token).post("/posts", json={"platform": "linkedin", "text": "Neues vom Team."}).get_json()
    assert a.api.as_(author_token).post(f"/posts/{post['id']}/submit").get_json()["current_level"] == 1
    _, decider = add_member(app, a.tenant_id, "program_lead", "approver")
    answer: list[Answer] = []

    with owner_engine.connect() as holder:
        holder.execute(text("SELECT id FROM posts WHERE id = :p FOR UPDATE"), {"p": post["id"]})
        request = threading.Thread(
            target=lambda: answer.append(
                _call(server, "POST", f"/posts/{post['id']}/decisions", {"decision": "approve"}, decider)
            )
        )
        request.start()
        _wait_until_a_request_waits_for_a_lock(owner_engine)
        # Meanwhile someone else decided level 1: the post now waits at level 2.
        holder.execute(
            text("UPDATE posts SET current_level = 2, awaiting_role = 'approver' WHERE id = :p"), {"p": post["id"]}
        )
        holder.commit()
        request.join()

    assert answer[0].status == 409, answer[0].body
    assert _count(owner_engine, "SELECT count(*) FROM post_decisions WHERE post_id = :p", p=post["id"]) == 0


def _wait_until_a_request_waits_for_a_lock(owner_engine) -> None:
    with owner_engine.connect() as connection:
        for _ in range(2000):
            waiting = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            if waiting:
                return
            threading.Event().wait(0.01)
    raise AssertionError("the request never waited for the post's lock")
