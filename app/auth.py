"""Authentication (bearer tokens) and authorisation (roles mapped to scopes in one table).

Every route needs a valid credential unless its view is marked :func:`public`; a missing or
bad credential answers 401, a valid one whose roles lack the route's scope answers 403. Both
checks run before the body is parsed, so an anonymous caller never learns how to shape one.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, has_request_context, request
from flask_smorest import abort

from app import ratelimit, tenancy

TOKEN_PREFIX = "cip_"

ROLES = ("owner", "admin", "hr", "program_lead", "approver", "influencer")
STAFF_ROLES = frozenset({"owner", "admin", "hr", "program_lead"})

#: Blueprints served without a credential: the OpenAPI document, Swagger UI and probes.
PUBLIC_BLUEPRINTS = frozenset({"api-docs", "swagger_assets", "health"})

EVERY_ROLE = frozenset(ROLES)
OWNER_AND_ADMIN = frozenset({"owner", "admin"})
PEOPLE_ADMINS = frozenset({"owner", "admin", "hr"})

#: scope -> roles that hold it. The shell's own scopes; each domain adds the scopes its routes
#: need (its ``Domain.scopes``) through :func:`declare_scopes` when the app is created.
SCOPE_ROLES: dict[str, frozenset[str]] = {
    "self": EVERY_ROLE,  # own profile, own tokens, own jobs
    "jobs:read": EVERY_ROLE,
}


def declare_scopes(scopes: dict[str, frozenset[str]]) -> None:
    """Add a domain's scopes; declaring one again with the same roles is a no-op."""
    for scope, roles in scopes.items():
        unknown = set(roles) - EVERY_ROLE
        if unknown:
            raise ValueError(f"scope {scope!r} names unknown roles {sorted(unknown)}")
        if SCOPE_ROLES.get(scope, roles) != roles:
            raise ValueError(f"scope {scope!r} is declared twice with different roles")
        SCOPE_ROLES[scope] = frozenset(roles)


def check_scopes(app) -> None:
    """Every view's required scope must be declared (a typo would otherwise lock everybody out)."""
    for endpoint, view in app.view_functions.items():
        view_class = getattr(view, "view_class", None)
        views = (
            [getattr(view_class, m, None) for m in ("get", "post", "put", "patch", "delete")] if view_class else [view]
        )
        for candidate in views:
            scope = getattr(candidate, "_cip_scope", None)
            if scope is not None and scope not in SCOPE_ROLES:
                raise ValueError(f"{endpoint} requires the undeclared scope {scope!r}")


def scopes_for(roles: list[str] | tuple[str, ...]) -> frozenset[str]:
    held = set(roles)
    return frozenset(scope for scope, allowed in SCOPE_ROLES.items() if held & allowed)


@dataclass(frozen=True)
class Principal:
    """Who is calling: one member of one tenant, through one token."""

    tenant_id: uuid.UUID
    member_id: uuid.UUID
    roles: tuple[str, ...]
    token_id: uuid.UUID | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    #: The member's ORM object when the resolver loaded it with the token: held here for the
    #: request, so the session's (weak) identity map keeps it and ``db.session.get`` of the
    #: caller reads nothing more.
    member: Any = field(default=None, compare=False, repr=False)

    def has(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def is_staff(self) -> bool:
        return bool(STAFF_ROLES & set(self.roles))


# The tenants package registers how a token hash becomes a Principal (it owns the token table).
_resolver: Callable[[str], Principal | None] | None = None


def set_credential_resolver(resolver: Callable[[str], Principal | None]) -> None:
    global _resolver
    _resolver = resolver


def new_secret(prefix: str = TOKEN_PREFIX) -> str:
    """A random credential: the prefix plus 256 bits of URL-safe randomness."""
    return prefix + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """Credentials are stored only as SHA-256 hex digests (they carry 256 bits of entropy)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


#: Key under which the access rule is added to a view's flask-smorest ``_apidoc``, so the
#: OpenAPI document lists the 401/403 answers the rule produces (see ``app.api.Blueprint``).
APIDOC_KEY = "cip_access"


def _document_access(view: Callable, **access) -> None:
    apidoc = dict(getattr(view, "_apidoc", {}))
    apidoc[APIDOC_KEY] = {**apidoc.get(APIDOC_KEY, {}), **access}
    view._apidoc = apidoc


def public(view: Callable) -> Callable:
    """Mark a view as reachable without a credential."""
    view._cip_public = True
    _document_access(view, public=True)
    return view


def require_scope(scope: str) -> Callable[[Callable], Callable]:
    """Declare the scope a view needs; enforced in :func:`authorize_request`.

    The scope must be declared by the shell or a domain; :func:`check_scopes` verifies that
    when the app is created.
    """

    def decorate(view: Callable) -> Callable:
        view._cip_scope = scope
        _document_access(view, scope=scope)
        return view

    return decorate


def body_limit(config_key: str) -> Callable[[Callable], Callable]:
    """Let a view accept bodies up to ``app.config[config_key]`` bytes (e.g. CSV uploads)."""

    def decorate(view: Callable) -> Callable:
        view._cip_body_limit = config_key
        return view

    return decorate


def calling_member_id() -> uuid.UUID | None:
    """The member behind the current request, if any (None in jobs, the CLI, anonymous routes)."""
    principal = g.get("principal") if has_request_context() else None
    return principal.member_id if principal is not None else None


def current_principal() -> Principal:
    principal = g.get("principal")
    if principal is None:
        abort(401, message="Authentication required.")
    return principal


def _view_for_request() -> Callable | None:
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return getattr(view_class, request.method.lower(), None)
    return view


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return ""
    return value.strip()


def authorize_request() -> None:
    """before_request hook: resolve the credential, set the tenant, enforce the view's scope.

    A failed token counts against the client (:mod:`app.ratelimit`); a client that has failed
    too often gets 429 for any token until its window ends.
    """
    g.principal = None
    if request.endpoint is None:
        return  # 404/405 are answered by Flask's routing
    if request.method == "OPTIONS" and getattr(request.url_rule, "provide_automatic_options", False):
        return  # Flask answers OPTIONS itself (no view runs): a CORS preflight carries no credential
    view = _view_for_request()
    limit_key = getattr(view, "_cip_body_limit", None)
    if limit_key:
        request.max_content_length = current_app.config[limit_key]
    is_public = getattr(view, "_cip_public", False) or request.blueprint in PUBLIC_BLUEPRINTS
    token = _bearer_token()
    if token is not None and not is_public:
        ratelimit.refuse_if_too_many_failed_authentications()
    if token and _resolver is not None:
        principal = _resolver(hash_secret(token))
        if principal is not None:
            g.principal = principal
            if tenancy.current() != principal.tenant_id:  # the resolver usually set it already
                tenancy.activate(principal.tenant_id)
    if is_public:
        return
    if g.principal is None:
        if token is not None:
            ratelimit.count_failed_authentication()
        abort(
            401,
            message="A valid bearer token is required." if token is None else "The token is invalid or revoked.",
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    scope = getattr(view, "_cip_scope", None)
    if scope and not g.principal.has(scope):
        abort(403, message=f"Your roles do not allow this (needs scope '{scope}').")
