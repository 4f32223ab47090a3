"""Abuse controls through the API: failed token authentications, signup, invitation accepts and
the public redirect are rate limited per client and, where a tenant is known, per tenant; an
exhausted budget answers 429 with ``Retry-After`` and the API's error body.

Every test runs on the in-memory storage and, when TEST_REDIS_URL is set, again on Redis. The
suite's configuration raises every limit (tests/conftest.py); each test here lowers the ones it
floods. No test waits for a window to pass: the limiter is reset between tests.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError

from app import ratelimit
from engagement.tracking import services
from tests.engagement.test_tracking import BROWSER, _approved_post, _link

ATTACKER = "203.0.113.66"
NEIGHBOUR = "198.51.100.23"


@pytest.fixture(params=["memory", "redis"])
def storage(request, app, redis_url):
    """The limiter's counters in memory, or in the test Redis (TEST_REDIS_URL)."""
    if request.param == "memory":
        yield "memory"
        return
    if not redis_url:
        pytest.skip("TEST_REDIS_URL is not set")
    app.config["RATELIMIT_STORAGE_URI"] = redis_url
    ratelimit.init_app(app)
    ratelimit.reset()
    try:
        yield "redis"
    finally:
        ratelimit.reset()
        app.config["RATELIMIT_STORAGE_URI"] = "memory://"
        ratelimit.init_app(app)


pytestmark = pytest.mark.usefixtures("storage")


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def _assert_too_many(response, message_part: str) -> None:
    assert response.status_code == 429, response.get_json()
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == 429 and body["status"] == "Too Many Requests", body
    assert message_part in body["message"], body
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 60, retry_after


# -- failed token authentications ----------------------------------------------------------------


def test_failed_token_authentications_are_limited_per_client(app, world, anon):
    app.config["RATELIMIT_AUTH_FAILURES"] = "3/minute"
    guessing = anon.as_("cip_guessed-token")
    for _ in range(3):
        assert guessing.get("/tenant", **_from(ATTACKER)).status_code == 401
    _assert_too_many(guessing.get("/tenant", **_from(ATTACKER)), "failed authentications")
    _assert_too_many(guessing.get("/members", **_from(ATTACKER)), "failed authentications")  # any route
    # Until the window ends the client gets no lookup at all, even for a valid token.
    _assert_too_many(world.a.api.get("/tenant", **_from(ATTACKER)), "failed authentications")

    # Another client is unaffected: its own bad token is a 401, a good one works.
    assert guessing.get("/tenant", **_from(NEIGHBOUR)).status_code == 401
    assert world.a.api.get("/tenant", **_from(NEIGHBOUR)).status_code == 200
    assert world.b.api.get("/tenant").status_code == 200

    ratelimit.reset()  # the window is over
    assert world.a.api.get("/tenant", **_from(ATTACKER)).status_code == 200


def test_only_presented_tokens_that_fail_count(app, world, anon):
    app.config["RATELIMIT_AUTH_FAILURES"] = "2/minute"
    for _ in range(5):  # no credential at all: an ordinary 401, not a failed authentication
        assert anon.get("/tenant", **_from(ATTACKER)).status_code == 401
    for _ in range(5):  # valid tokens never count
        assert world.a.api.get("/tenant", **_from(ATTACKER)).status_code == 200
    bad_scheme = anon.get("/tenant", headers={"Authorization": "Basic b3duZXI6c2VjcmV0"}, **_from(ATTACKER))
    assert bad_scheme.status_code == 401  # a malformed credential counts
    assert anon.as_("cip_revoked").get("/tenant", **_from(ATTACKER)).status_code == 401
    _assert_too_many(anon.as_("cip_revoked").get("/tenant", **_from(ATTACKER)), "failed authentications")
    # Public routes do not authenticate, so a blocked client still reaches them.
    assert anon.get("/healthz", **_from(ATTACKER)).status_code == 200


# -- signup --------------------------------------------------------------------------------------


def _signup(anon, slug: str, address: str):
    return anon.post(
        "/signup",
        json={
            "organization": {"name": slug.title(), "slug": slug, "industry": "generic"},
            "owner": {"email": f"owner@{slug}.example", "name": "Owner"},
        },
        **_from(address),
    )


def test_signup_is_limited_per_client(app, anon):
    app.config["RATELIMIT_SIGNUP"] = "2/minute"
    assert _signup(anon, "erste-firma", ATTACKER).status_code == 201
    assert anon.post("/signup", json={}, **_from(ATTACKER)).status_code == 422  # every attempt counts
    refused = _signup(anon, "dritte-firma", ATTACKER)
    _assert_too_many(refused, "signups")
    assert _signup(anon, "nachbar-firma", NEIGHBOUR).status_code == 201  # another client

    ratelimit.reset()
    assert _signup(anon, "dritte-firma", ATTACKER).status_code == 201  # nothing was created before


# -- invitation accepts --------------------------------------------------------------------------


def _invitation(tenant, n: int) -> str:
    response = tenant.api.post("/members", json={"email": f"person{n}@{tenant.slug}.example", "name": f"Person {n}"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["invitation"]["token"]


def _accept(anon, token: str, address: str):
    return anon.post("/invitations/accept", json={"token": token, "consent": {"participation": True}}, **_from(address))


def test_invitation_accepts_are_limited_per_client(app, world, anon):
    app.config["RATELIMIT_INVITATION_ACCEPT"] = "3/minute"
    token = _invitation(world.a, 1)
    for n in range(3):  # guessing tokens uses up the client's budget
        assert _accept(anon, f"inv_guessed{n:020d}", ATTACKER).status_code == 404
    _assert_too_many(_accept(anon, token, ATTACKER), "invitation accepts from this client")
    assert _accept(anon, token, NEIGHBOUR).status_code == 200  # another client


def test_invitation_accepts_are_limited_per_tenant(app, world, anon):
    app.config["RATELIMIT_INVITATION_ACCEPT_TENANT"] = "2/minute"
    a_tokens = [_invitation(world.a, n) for n in range(3)]
    b_token = _invitation(world.b, 1)
    assert _accept(anon, a_tokens[0], "192.0.2.1").status_code == 200
    assert _accept(anon, a_tokens[0], "192.0.2.2").status_code == 410  # used: still an accept of A's
    _assert_too_many(_accept(anon, a_tokens[1], "192.0.2.3"), "for this organization")
    # Tenant B's invitations and unknown tokens (no tenant) are not held up by A's budget.
    assert _accept(anon, b_token, "192.0.2.4").status_code == 200
    assert _accept(anon, "inv_unknownunknownunknown", "192.0.2.5").status_code == 404
    members = world.a.api.get("/members").get_json()
    assert sorted(m["status"] for m in members) == ["active", "active", "invited", "invited"]


# -- the public redirect -------------------------------------------------------------------------


@pytest.fixture
def links(app, world):
    """One tracking link in each tenant: {"a": (post, link), "b": (post, link)}."""
    found = {}
    for name, tenant in (("a", world.a), ("b", world.b)):
        post = _approved_post(app, tenant)
        found[name] = (post, _link(app, tenant, post["id"]))
    return found


def _follow(client, code: str, address: str):
    return client.get(f"/r/{code}", headers={"User-Agent": BROWSER}, **_from(address))


def test_redirects_are_limited_per_client(app, world, client, links):
    app.config["RATELIMIT_REDIRECT"] = "3/minute"
    post, link = links["a"]
    assert _follow(client, link.code, ATTACKER).status_code == 302
    assert _follow(client, "ZZZZZZZZZZ", ATTACKER).status_code == 404  # unknown codes count too
    assert _follow(client, link.code, ATTACKER).status_code == 302
    refused = _follow(client, link.code, ATTACKER)
    _assert_too_many(refused, "link requests from this client")
    assert "Location" not in refused.headers
    _assert_too_many(_follow(client, links["b"][1].code, ATTACKER), "from this client")  # any tenant's link
    assert _follow(client, link.code, NEIGHBOUR).status_code == 302  # another client

    report = world.a.api.get(f"/engagement/links/{post['id']}").get_json()
    assert report["clicks"] == 3  # the refused request was not counted as a click


def test_redirects_are_limited_per_tenant(app, world, client, links):
    app.config["RATELIMIT_REDIRECT_TENANT"] = "3/minute"
    a_post, a_link = links["a"]
    b_post, b_link = links["b"]
    for n in range(3):  # a flood from many addresses, each well within its own budget
        assert _follow(client, a_link.code, f"192.0.2.{n + 1}").status_code == 302
    _assert_too_many(_follow(client, a_link.code, "192.0.2.50"), "link requests for this organization")
    # Tenant B's links are unaffected by A's flood (B has its whole budget), also from the
    # address that was refused.
    for address in ("192.0.2.50", "192.0.2.51", "192.0.2.52"):
        assert _follow(client, b_link.code, address).status_code == 302
    assert world.a.api.get(f"/engagement/links/{a_post['id']}").get_json()["clicks"] == 3
    assert world.b.api.get(f"/engagement/links/{b_post['id']}").get_json()["clicks"] == 3


def test_a_failed_tenant_lookup_leaves_the_answer_to_the_view(app, client, links, monkeypatch):
    app.config["RATELIMIT_REDIRECT_TENANT"] = "1/minute"
    real, calls = services.resolve, []

    def flaky(code):
        calls.append(code)
        if len(calls) == 1:
            raise OperationalError("SELECT", {}, Exception("the database went away"))
        return real(code)

    monkeypatch.setattr(services, "resolve", flaky)
    code = links["a"][1].code
    assert _follow(client, code, ATTACKER).status_code == 302  # the view looked the link up itself
    assert len(calls) == 2
    assert _follow(client, code, ATTACKER).status_code == 302  # the first one did not count
    _assert_too_many(_follow(client, code, ATTACKER), "for this organization")


def test_an_empty_limit_means_no_limit(app, client, links):
    app.config["RATELIMIT_REDIRECT"] = ""
    app.config["RATELIMIT_REDIRECT_TENANT"] = ""
    code = links["a"][1].code
    assert all(_follow(client, code, ATTACKER).status_code == 302 for _ in range(12))
    app.config["RATELIMIT_REDIRECT"] = "12/minute"  # the twelve requests above were not counted
    assert _follow(client, code, ATTACKER).status_code == 302


# -- configuration and storage -------------------------------------------------------------------


def test_a_malformed_limit_stops_the_app_from_starting():
    bare = Flask(__name__)
    bare.config["RATELIMIT_SIGNUP"] = "lots"
    with pytest.raises(ValueError, match="RATELIMIT_SIGNUP='lots' is not a rate limit"):
        ratelimit.init_app(bare)


def test_counters_live_in_the_configured_storage(app, anon, storage, redis_url):
    app.config["RATELIMIT_SIGNUP"] = "1/minute"
    assert _signup(anon, "zaehler-firma", ATTACKER).status_code == 201
    assert _signup(anon, "zweite-firma", ATTACKER).status_code == 429
    if storage == "redis":
        from redis import Redis

        keys = Redis.from_url(redis_url).keys("LIMITS*")
        assert any(b"signup" in key for key in keys), keys


def test_an_unreachable_redis_falls_back_to_memory(app, anon, storage):
    if storage != "memory":
        pytest.skip("points the limiter at a Redis that does not answer")
    app.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:1/0"  # nothing listens there
    app.config["RATELIMIT_SIGNUP"] = "1/minute"
    app.config["RATELIMIT_AUTH_FAILURES"] = "1/minute"
    ratelimit.init_app(app)
    try:
        # The API answers (no 500) and the limits hold, counted in this process meanwhile.
        assert _signup(anon, "ohne-redis", ATTACKER).status_code == 201
        assert _signup(anon, "noch-eine", ATTACKER).status_code == 429
        assert anon.as_("cip_bad").get("/tenant", **_from(ATTACKER)).status_code == 401
        assert anon.as_("cip_bad").get("/tenant", **_from(ATTACKER)).status_code == 429
    finally:
        app.config["RATELIMIT_STORAGE_URI"] = "memory://"
        app.config.pop("RATELIMIT_STORAGE_OPTIONS", None)
        ratelimit.init_app(app)


def test_ipv6_clients_count_per_64_network(app, anon):
    app.config["RATELIMIT_AUTH_FAILURES"] = "2/minute"
    bad = anon.as_("cip_bad")
    assert bad.get("/tenant", **_from("2001:db8:1:2::10")).status_code == 401
    assert bad.get("/tenant", **_from("2001:db8:1:2:ffff::99")).status_code == 401  # same /64
    assert bad.get("/tenant", **_from("2001:db8:1:2::abc")).status_code == 429
    assert bad.get("/tenant", **_from("2001:db8:1:3::10")).status_code == 401  # next /64


def test_rate_limits_can_be_switched_off(app, anon):
    app.config["RATELIMIT_ENABLED"] = False
    app.config["RATELIMIT_AUTH_FAILURES"] = "1/minute"
    app.config["RATELIMIT_SIGNUP"] = "1/minute"
    ratelimit.init_app(app)
    try:
        assert all(anon.as_("cip_bad").get("/tenant").status_code == 401 for _ in range(3))
        assert _signup(anon, "ohne-limit-eins", ATTACKER).status_code == 201
        assert _signup(anon, "ohne-limit-zwei", ATTACKER).status_code == 201
    finally:
        app.config["RATELIMIT_ENABLED"] = True
        ratelimit.init_app(app)
    assert _signup(anon, "mit-limit", ATTACKER).status_code == 201  # nothing was counted meanwhile
    assert _signup(anon, "mit-limit-zwei", ATTACKER).status_code == 429
