"""Security headers on every response (JSON, errors, redirects, the docs), HSTS over HTTPS only,
no ``Server`` header from the app, trusted proxies, and CORS: off by default, on for listed
origins only, with a preflight that needs no credential.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import subprocess
import threading

import pytest
from flask import Flask, request
from werkzeug.serving import make_server

from app import ratelimit, security
from app.config import Config
from tests.engagement.test_tracking import BROWSER, _approved_post, _link

DOCS = "/api/v1/docs"
ORIGIN = "https://app.medtech-nord.example"


def _assert_secure(response) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    csp = _policy(headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ["'none'"]
    assert "Server" not in headers


def _policy(header: str) -> dict[str, list[str]]:
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {d[0]: d[1:] for d in directives}


def test_json_responses_carry_the_headers(world):
    response = world.a.api.get("/tenant")
    assert response.status_code == 200
    _assert_secure(response)
    assert _policy(response.headers["Content-Security-Policy"])["default-src"] == ["'none'"]
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("GET", "/tenant", {}, 401),  # no credential
        ("GET", "/no-such-route", {}, 404),
        ("DELETE", "/tenant", {"token": "owner"}, 405),
        ("POST", "/signup", {"json": {}}, 422),
        ("POST", "/signup", {"data": "{", "content_type": "application/json"}, 400),
    ],
)
def test_errors_carry_the_headers(world, anon, method, path, kwargs, status):
    kwargs = dict(kwargs)
    token = world.a.token if kwargs.pop("token", None) == "owner" else None
    response = anon.request(method, path, token=token, **kwargs)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["code"] == status
    _assert_secure(response)


def test_a_rate_limited_answer_carries_the_headers(app, anon):
    app.config["RATELIMIT_AUTH_FAILURES"] = "1/minute"
    assert anon.as_("cip_bad").get("/tenant").status_code == 401
    response = anon.as_("cip_bad").get("/tenant")
    assert response.status_code == 429 and "Retry-After" in response.headers
    _assert_secure(response)


def test_redirects_carry_the_headers(app, world, client):
    post = _approved_post(app, world.b)
    link = _link(app, world.b, post["id"])
    response = client.get(f"/r/{link.code}", headers={"User-Agent": BROWSER})
    assert response.status_code == 302
    _assert_secure(response)
    assert response.headers["Cache-Control"] == "no-store"
    unknown = client.get("/r/ZZZZZZZZZZ")
    assert unknown.status_code == 404
    _assert_secure(unknown)


def test_probes_openapi_and_assets_carry_the_headers(client):
    for path in ("/healthz", "/api/v1/openapi.json", f"{DOCS}/assets/swagger-ui-bundle.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_secure(response)


def test_hsts_only_over_https(world, client):
    secure = world.a.api.get("/tenant", base_url="https://localhost")
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = world.a.api.get("/tenant")
    assert "Strict-Transport-Security" not in plain.headers
    # Without TRUSTED_PROXIES a client cannot claim HTTPS (or an address) in a header.
    claimed = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in claimed.headers


def test_hsts_max_age_is_configurable(app, client):
    app.config["HSTS_MAX_AGE"] = 600
    assert client.get("/healthz", base_url="https://localhost").headers["Strict-Transport-Security"] == "max-age=600"
    app.config["HSTS_MAX_AGE"] = 0
    assert "Strict-Transport-Security" not in client.get("/healthz", base_url="https://localhost").headers


def test_trusted_proxies_give_the_client_address_and_scheme():
    """Behind TRUSTED_PROXIES proxies, X-Forwarded-For/-Proto name the client; rate limits key on it."""
    bare = Flask(__name__)
    bare.config.update(TRUSTED_PROXIES=1, HSTS_MAX_AGE=31_536_000)
    security.init_app(bare)

    @bare.get("/who")
    def who():
        return {"client": ratelimit.client_key(), "secure": request.is_secure}

    response = bare.test_client().get(
        "/who",
        headers={"X-Forwarded-For": "192.0.2.99, 203.0.113.5", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert response.get_json() == {"client": "client:203.0.113.5", "secure": True}  # the last hop only
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


# -- the Swagger UI page -------------------------------------------------------------------------


def test_the_docs_policy_allows_exactly_what_the_page_loads(client):
    response = client.get(DOCS)
    assert response.status_code == 200
    _assert_secure(response)
    csp = _policy(response.headers["Content-Security-Policy"])
    page = response.get_data(as_text=True)
    # Scripts and styles come from the app itself ('self'), never from another origin.
    for url in re.findall(r"""<(?:script|link)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""", page):
        assert url.startswith("/"), url
    assert "'self'" in csp["script-src"] and "'self'" in csp["style-src"]
    # Each inline script is allowed by its hash, and nothing else inline or evaluated runs.
    inline = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    assert inline, "the page initialises Swagger UI inline"
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp["script-src"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    # It fetches the OpenAPI document (and "Try it out" calls the API) on its own origin.
    assert csp["connect-src"] == ["'self'"]
    assert csp["default-src"] == ["'none'"]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs a chromium binary")
def test_swagger_ui_renders_in_a_real_browser_under_its_policy(app):
    """Headless Chromium loads the docs from a real server: the operations render and the
    browser reports no Content-Security-Policy violation."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        browser = subprocess.run(
            [
                "chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=15000",
                "--dump-dom",
                f"http://127.0.0.1:{server.server_port}{DOCS}",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.shutdown()
        thread.join()
    console = [line for line in browser.stderr.splitlines() if "CONSOLE" in line]
    assert not [line for line in console if "Content Security Policy" in line], console
    assert browser.stdout.count('class="opblock opblock-') > 50, browser.stdout[:2000]


# -- CORS ----------------------------------------------------------------------------------------


def _preflight(client, path="/api/v1/tenant", method="PATCH", origin=ORIGIN):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )


def test_cors_is_off_by_default(world, client):
    response = world.a.api.get("/tenant", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert not [name for name in response.headers.keys() if name.startswith("Access-Control-")]
    preflight = _preflight(client)
    assert not [name for name in preflight.headers.keys() if name.startswith("Access-Control-")]


def test_cors_answers_listed_origins_only(app, world, client):
    app.config["CORS_ORIGINS"] = [ORIGIN, "https://admin.medtech-nord.example"]
    allowed = world.a.api.get("/tenant", headers={"Origin": ORIGIN})
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in allowed.headers["Vary"]
    exposed = allowed.headers["Access-Control-Expose-Headers"]
    assert "X-Pagination" in exposed and "Retry-After" in exposed
    assert "Access-Control-Allow-Credentials" not in allowed.headers  # tokens, never cookies

    other = world.a.api.get("/tenant", headers={"Origin": "https://evil.example"})
    assert other.status_code == 200
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Origin" in other.headers["Vary"]

    # Errors carry the CORS headers too, so a browser client can read them.
    denied = world.a.api.get("/tenant", token="cip_bad", headers={"Origin": ORIGIN})
    assert denied.status_code == 401 and denied.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_a_preflight_needs_no_credential(app, client):
    app.config["CORS_ORIGINS"] = [ORIGIN]
    response = _preflight(client)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "PATCH"} <= methods and "DELETE" not in methods  # the route's own methods
    allowed_headers = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed_headers
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    _assert_secure(response)

    post = _preflight(client, path="/api/v1/signup", method="POST")
    assert post.status_code == 200 and post.headers["Access-Control-Allow-Origin"] == ORIGIN

    foreign = _preflight(client, origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in foreign.headers


def test_cors_wildcard(app, world):
    app.config["CORS_ORIGINS"] = ["*"]
    response = world.a.api.get("/tenant", headers={"Origin": "https://anywhere.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_configuration_from_the_environment():
    defaults = Config(env={})
    assert defaults.CORS_ORIGINS == [] and defaults.TRUSTED_PROXIES == 0 and defaults.HSTS_MAX_AGE == 31_536_000
    assert defaults.RATELIMIT_ENABLED is True and defaults.RATELIMIT_STORAGE_URI is None
    assert defaults.RATELIMIT_AUTH_FAILURES == "30/minute" and defaults.RATELIMIT_SIGNUP == "10/hour"
    configured = Config(
        env={
            "CORS_ORIGINS": "https://a.example, https://b.example",
            "TRUSTED_PROXIES": "1",
            "HSTS_MAX_AGE": "0",
            "RATELIMIT_REDIRECT": "5/second;100/minute",
            "RATELIMIT_SIGNUP": "",
            "RATELIMIT_STORAGE_URI": "redis://cache:6379/3",
        }
    )
    assert configured.CORS_ORIGINS == ["https://a.example", "https://b.example"]
    assert (configured.TRUSTED_PROXIES, configured.HSTS_MAX_AGE) == (1, 0)
    assert configured.RATELIMIT_REDIRECT == "5/second;100/minute"
    assert configured.RATELIMIT_SIGNUP == ""  # no limit
    assert configured.RATELIMIT_STORAGE_URI == "redis://cache:6379/3"
