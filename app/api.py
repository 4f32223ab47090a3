"""The HTTP API: flask-smorest ``Api``, one error body, OpenAPI and a locally served Swagger UI."""

from __future__ import annotations

import http
import logging
import re

import marshmallow as ma
from flask import Blueprint as FlaskBlueprint
from flask import current_app, send_from_directory
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest import abort
from flask_smorest.pagination import PaginationMetadataSchema
from sqlalchemy.exc import DisconnectionError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from app import auth, tenancy

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"

#: The database did not answer: down or refusing connections (within ``DATABASE_CONNECT_TIMEOUT``),
#: a connection lost mid-request, or no pooled connection free within ``DATABASE_POOL_TIMEOUT``.
#: Answered 503 with ``Retry-After``, never 500 (:func:`database_unavailable`).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)
DATABASE_UNAVAILABLE_MESSAGE = "The database is unavailable; retry after the number of seconds in Retry-After."


class ErrorBodySchema(ma.Schema):
    code = ma.fields.Integer(metadata={"description": "HTTP status code."})
    status = ma.fields.String(metadata={"description": "HTTP status name."})
    message = ma.fields.String(metadata={"description": "What went wrong, for humans."})
    errors = ma.fields.Dict(metadata={"description": "Field-by-field validation errors."})
    missing = ma.fields.List(
        ma.fields.String(),
        metadata={
            "description": "Only on 403 when posting: the codes of what still blocks the member (as in `GET /me/eligibility`)."
        },
    )


class Api(SmorestApi):
    """flask-smorest's Api, keeping headers such as ``Allow`` (405) and ``WWW-Authenticate``.

    Operations document the error statuses they can answer (see :class:`Blueprint`) instead of
    a catch-all ``default`` response, so the document says exactly what a client must handle.
    """

    ERROR_SCHEMA = ErrorBodySchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_pagination_header(self):
        # The X-Pagination value is JSON; OpenAPI describes such a header with `content`
        # (a bare `schema` would mean the `simple` style, "total,3,page,1").
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "Pagination metadata, JSON-encoded.",
                "content": {"application/json": {"schema": PaginationMetadataSchema}},
            },
            lazy=True,
        )

    def handle_http_exception(self, error: HTTPException):
        payload, code, headers = super().handle_http_exception(error)
        headers = dict(headers or {})
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                headers.setdefault(name, value)
        if "message" not in payload and error.description and code != 500:
            payload["message"] = error.description
        data = getattr(error, "data", None) or {}
        if "missing" in data:  # abort(403, missing=[...]): what still blocks posting
            payload["missing"] = list(data["missing"])
        return payload, code, headers


def _error_ref(status: int) -> str:
    """Name of the component response flask-smorest registers for ``status`` (error body)."""
    return http.HTTPStatus(status).name


_PATH_PARAMETERS_KEY = "cip_path_parameters"


#: Arrays and objects nest at most this deep in a JSON body (the API's own bodies need 6).
MAX_JSON_DEPTH = 32
NUL_MESSAGE = "Text must not contain NUL characters."
SURROGATE_MESSAGE = "Text must be valid Unicode: a lone surrogate such as \\ud800 is not a character."
TOO_DEEP_MESSAGE = f"Nested too deeply: at most {MAX_JSON_DEPTH} levels of arrays and objects."
#: What no stored text may contain: NUL (PostgreSQL text cannot hold it) and lone UTF-16
#: surrogates (``"\ud800"`` in JSON; no database driver can encode them).
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def _text_problem(value: str) -> str | None:
    if not _BAD_TEXT.search(value):
        return None
    return NUL_MESSAGE if "\x00" in value else SURROGATE_MESSAGE


def _inspect(value) -> tuple[dict[str, list[str]], str | None]:
    """Text that cannot be stored, by path, and the field where nesting passes MAX_JSON_DEPTH.

    Walks without recursion, so any depth json.loads produced is safe to look at. A bad key is
    reported at its parent's path, a bad value at its own.
    """
    problems: dict[str, list[str]] = {}

    def note(path: str, text: str) -> None:
        if message := _text_problem(text):
            found = problems.setdefault(path or "_schema", [])
            if message not in found:
                found.append(message)

    stack = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            note(path, item)
            continue
        if isinstance(item, dict):
            children = list(item.items())
        elif isinstance(item, list):
            children = list(enumerate(item))
        else:
            continue
        if depth >= MAX_JSON_DEPTH:
            return problems, path.partition(".")[0] or "_schema"
        for key, child in reversed(children):
            if isinstance(key, str):
                note(path, key)
            stack.append((child, f"{path}.{key}".lstrip("."), depth + 1))
    return problems, None


#: Documented on every string field without a pattern of its own: what InputParser enforces.
NO_NUL_PATTERN = "^[^\\u0000]*$"


def no_nul_pattern(self, field, ret=None, **kwargs) -> dict:
    """apispec attribute function: strings may not contain NUL (see :class:`InputParser`).

    Fields with a format (email, uuid, date-time, time zone) or their own pattern exclude NUL
    already and keep their own generators.
    """
    ret = ret or {}
    own = {"pattern", "format"} & (set(ret) | set(field.metadata))
    if isinstance(field, ma.fields.String) and not own:
        return {"pattern": NO_NUL_PATTERN}
    return {}


class InputParser(FlaskParser):
    """webargs' parser: the one place request bodies and query strings are read, for every route.

    A body that is not sent as JSON answers 415 naming its Content-Type; arrays and objects
    nested more than :data:`MAX_JSON_DEPTH` deep answer 400; NUL characters and lone
    surrogates in any text answer 422 naming the field. All before any view runs.
    """

    def _refuse_bad_input(self, data, location: str):
        items = data if isinstance(data, (dict, list, str)) else dict(getattr(data, "items", lambda: [])())
        problems, too_deep = _inspect(items)
        if too_deep is not None:
            abort(400, message=TOO_DEEP_MESSAGE, errors={location: {too_deep: [TOO_DEEP_MESSAGE]}})
        if problems:
            abort(422, errors={location: problems})
        return data

    def _raw_load_json(self, req):
        if not is_json_request(req):
            if req.get_data(cache=True):
                got = req.mimetype or "no Content-Type"
                message = f"Send the body as application/json (got {got})."
                abort(415, message=message, errors={"headers": {"Content-Type": [message]}})
            return core.missing
        try:
            return core.parse_json(req.get_data(cache=True))
        except RecursionError:  # deeper than the interpreter's stack: far past MAX_JSON_DEPTH
            abort(400, message=TOO_DEEP_MESSAGE, errors={"json": {"_schema": [TOO_DEEP_MESSAGE]}})

    def load_json(self, req, schema):
        return self._refuse_bad_input(super().load_json(req, schema), "json")

    def load_querystring(self, req, schema):
        return self._refuse_bad_input(super().load_querystring(req, schema), "query")


class Blueprint(SmorestBlueprint):
    """A blueprint whose operations document the errors every request can meet.

    Derived from what the request pipeline enforces, so the document cannot drift from it:
    401 unless the view is :func:`app.auth.public` (which also documents ``security: []``),
    403 when the view's scope is not held by every role, 404 when the path names an object
    (missing, or another tenant's), and 400 (malformed JSON) and 413 (body over
    ``MAX_CONTENT_LENGTH``) when the operation takes a body, 415 (not sent as JSON) when it
    takes a JSON body, and 503 (the database is unavailable) on every operation. 422 comes from
    ``@blp.arguments``; a view documents anything else (409, 410, ...) with ``alt_response``,
    which also takes precedence over these generic descriptions. Every error answer is
    documented with the one error body, as the error handlers produce it.
    """

    ARGUMENTS_PARSER = InputParser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_error_doc)

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None, **kwargs):
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **kwargs)
        if "<" in rule:
            # flask-smorest keeps per-endpoint doc info in `_docs`, keyed by the (possibly
            # de-duplicated) endpoint name it has just appended to `_endpoints`.
            for key, method_doc in self._docs[self._endpoints[-1]].items():
                if key != "parameters":
                    method_doc[_PATH_PARAMETERS_KEY] = True

    @staticmethod
    def _prepare_error_doc(doc, doc_info, *, api, **kwargs):
        access = doc_info.get(auth.APIDOC_KEY, {})
        responses = doc.setdefault("responses", {})
        if doc_info.get(_PATH_PARAMETERS_KEY):
            responses.setdefault(404, _error_ref(404))
        if "requestBody" in doc:
            responses.setdefault(400, _error_ref(400))
            responses.setdefault(413, _error_ref(413))
            if "application/json" in doc["requestBody"].get("content", {}):
                responses.setdefault(415, _error_ref(415))
        if access.get("public"):
            doc["security"] = []
        else:
            responses.setdefault(401, _error_ref(401))
            responses.setdefault(429, _error_ref(429))  # too many failed tokens (app.ratelimit)
            scope = access.get("scope")
            if scope and auth.SCOPE_ROLES[scope] != frozenset(auth.ROLES):
                responses.setdefault(403, _error_ref(403))
        responses.setdefault(503, _error_ref(503))  # the database is unavailable (database_unavailable)
        for status, response in responses.items():
            if str(status)[0] in "45" and isinstance(response, dict) and "content" not in response:
                response["content"] = {api.DEFAULT_RESPONSE_CONTENT_TYPE: {"schema": api.ERROR_SCHEMA}}
        doc["responses"] = dict(sorted(responses.items(), key=lambda item: str(item[0])))
        return doc


def make_blueprint(name: str, import_name: str, description: str) -> Blueprint:
    """A blueprint under ``/api/v1`` whose operations are tagged ``name``."""
    return Blueprint(name, import_name, url_prefix=API_PREFIX, description=description)


_swagger_assets = FlaskBlueprint("swagger_assets", __name__)


@_swagger_assets.get(f"{API_PREFIX}/docs/assets/<path:filename>")
def swagger_asset(filename: str):
    """Swagger UI's JavaScript and CSS, served from the swagger-ui-bundle package (no CDN)."""
    from swagger_ui_bundle import swagger_ui_path

    return send_from_directory(swagger_ui_path, filename, max_age=86400)


def openapi_config() -> dict:
    return {
        "API_TITLE": "Corporate Influencer Programs",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": API_PREFIX,
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": f"{API_PREFIX}/docs/assets/",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": (
                    "Multi-tenant backend for corporate influencer (employee advocacy) programs: "
                    "enrol employees, train them, govern what they post, track engagement and "
                    "reward participation. Authenticate with `Authorization: Bearer <token>`."
                )
            },
            "security": [{"bearerAuth": []}],
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            },
        },
    }


def init_api(app) -> Api:
    app.config.update({k: v for k, v in openapi_config().items() if k not in app.config})
    api = Api(app)
    api.ma_plugin.converter.add_attribute_function(no_nul_pattern)
    app.register_blueprint(_swagger_assets)

    @app.errorhandler(IntegrityError)
    def _conflict(error: IntegrityError):
        log.info("integrity conflict", extra={"error": type(error.orig).__name__})
        return {"code": 409, "status": "Conflict", "message": "This conflicts with existing data."}, 409

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(DisconnectionError)
    @app.errorhandler(PoolTimeout)
    def _database_unavailable(error):
        return database_unavailable(api, error)

    @app.errorhandler(tenancy.TenantContextMissing)
    def _no_tenant(error):
        log.error("tenant context missing", exc_info=error)
        return {"code": 500, "status": "Internal Server Error", "message": "Internal error."}, 500

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        # What an after_request function raised (the commit) reaches Flask as a 500 around it.
        original = getattr(error, "original_exception", None)
        if isinstance(error, InternalServerError) and isinstance(original, DATABASE_UNAVAILABLE):
            return database_unavailable(api, original)
        if isinstance(error, HTTPException):
            return api.handle_http_exception(error)
        log.exception("unhandled error")
        return api.handle_http_exception(InternalServerError())

    return api


def database_unavailable(api: Api, error: Exception):
    """503 with ``Retry-After`` (``RETRY_AFTER`` seconds) and the API's error body.

    Only the error's class is logged: the message may carry the statement's parameters.
    """
    cause = getattr(error, "orig", None)
    log.error(
        "database unavailable",
        extra={"error": type(error).__name__, "cause": type(cause).__name__ if cause is not None else None},
    )
    retry_after = current_app.config["RETRY_AFTER"]
    return api.handle_http_exception(ServiceUnavailable(DATABASE_UNAVAILABLE_MESSAGE, retry_after=retry_after))


def cross_field_rules(description: str) -> dict:
    """OpenAPI extension naming body rules that JSON Schema 3.0 cannot express (422 when broken).

    Use as ``@blp.doc(**cross_field_rules("..."))``; the contract test relies on it.
    """
    return {"x-cross-field-rules": description}


def register_blueprints(app, *blueprints: Blueprint) -> None:
    """Serve ``blueprints`` under the app's one :class:`Api` (a domain's ``register`` calls this)."""
    api = app.extensions["cip_api"]
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
