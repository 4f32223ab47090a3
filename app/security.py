"""Security headers on every response, CORS for configured origins, trusted reverse proxies.

Every response (JSON, errors, redirects, the docs) carries:

- ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` and ``Referrer-Policy:
  no-referrer`` (a route may set a stricter one of its own);
- ``Content-Security-Policy``: ``default-src 'none'; frame-ancestors 'none'`` for everything the
  API answers. The Swagger UI page gets a policy that lets it work and nothing else: scripts and
  styles from the app itself, its one inline script by hash (computed from the page, so no
  ``'unsafe-inline'`` for scripts), inline styles (they cannot run code, and every Swagger UI
  widget keeps its look), images from the app and ``data:``, requests to the app only, and no
  framing;
- ``Strict-Transport-Security: max-age=HSTS_MAX_AGE`` when the request came over HTTPS
  (``request.is_secure``: the socket, or with ``TRUSTED_PROXIES`` the proxies'
  ``X-Forwarded-Proto``).

No ``Server`` header comes from the app; the production server (gunicorn) names itself without
a version (README, production section).

CORS is off unless ``CORS_ORIGINS`` lists origins (``https://app.example.com``, comma-separated,
or ``*``). Then a request from a listed origin gets ``Access-Control-Allow-Origin`` with that
origin, and a preflight (``OPTIONS`` with ``Access-Control-Request-Method``) is answered without a
credential, with the route's methods, the request headers the API reads and a max age. Tokens
travel in the ``Authorization`` header, never in cookies, so credentials are never allowed.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

#: The policy of everything but the docs page: JSON is never a document that runs anything.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

#: flask-smorest's Swagger UI page (its blueprint ``api-docs``).
SWAGGER_UI_ENDPOINT = "api-docs.openapi_swagger_ui"

#: Request headers a browser may send cross-origin, and response headers its scripts may read.
CORS_ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-Request-ID"
CORS_EXPOSE_HEADERS = "X-Pagination, X-Request-ID, Location, Retry-After, Idempotent-Replayed, WWW-Authenticate"
CORS_MAX_AGE_SECONDS = 600

_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        # The last `proxies` hops of X-Forwarded-For and -Proto are our own proxies: the client
        # address (rate limits) and the scheme (HSTS) come from them. Never set this without a
        # proxy in front: a client could then claim any address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.after_request(_security_headers)
    app.after_request(_cors)


@functools.lru_cache(maxsize=8)
def _docs_csp(page: bytes) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    return (
        "default-src 'none'; "
        f"script-src 'self' {hashes}; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; "
        "font-src 'self' data:; "
        "connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if request.endpoint == SWAGGER_UI_ENDPOINT and response.mimetype == "text/html" and not response.is_streamed:
        headers["Content-Security-Policy"] = _docs_csp(response.get_data())
    else:
        headers.setdefault("Content-Security-Policy", API_CSP)
    max_age = int(current_app.config.get("HSTS_MAX_AGE") or 0)
    if request.is_secure and max_age > 0:
        headers.setdefault("Strict-Transport-Security", f"max-age={max_age}")
    headers.remove("Server")
    return response


def allowed_origins() -> frozenset[str]:
    configured = current_app.config.get("CORS_ORIGINS") or ()
    if isinstance(configured, str):
        configured = configured.split(",")
    return frozenset(origin.strip().rstrip("/").lower() for origin in configured if origin.strip())


def _cors(response: Response) -> Response:
    origins = allowed_origins()
    if not origins:
        return response
    response.vary.add("Origin")
    origin = request.headers.get("Origin", "")
    if not origin or not ("*" in origins or origin.rstrip("/").lower() in origins):
        return response
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = "*" if "*" in origins else origin
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        methods = response.headers.get("Allow") or "GET, HEAD, POST, PUT, PATCH, DELETE"
        headers["Access-Control-Allow-Methods"] = ", ".join(m.strip() for m in methods.split(",") if m.strip())
        headers["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS
        headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE_SECONDS)
    else:
        headers["Access-Control-Expose-Headers"] = CORS_EXPOSE_HEADERS
    return response
