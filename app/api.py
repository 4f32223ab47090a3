"""The HTTP API: flask-smorest ``Api``, one error body, OpenAPI and a locally served Swagger UI."""

from __future__ import annotations

import logging

import marshmallow as ma
from flask import Blueprint as FlaskBlueprint
from flask import send_from_directory
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, InternalServerError

from app import tenancy

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


class Api(SmorestApi):
    """flask-smorest's Api, keeping headers such as ``Allow`` (405) and ``WWW-Authenticate``."""

    def handle_http_exception(self, error: HTTPException):
        payload, code, headers = super().handle_http_exception(error)
        headers = dict(headers or {})
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                headers.setdefault(name, value)
        if "message" not in payload and error.description and code != 500:
            payload["message"] = error.description
        return payload, code, headers


class ErrorBodySchema(ma.Schema):
    code = ma.fields.Integer(metadata={"description": "HTTP status code."})
    status = ma.fields.String(metadata={"description": "HTTP status name."})
    message = ma.fields.String(metadata={"description": "What went wrong, for humans."})
    errors = ma.fields.Dict(metadata={"description": "Field-by-field validation errors."})


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
    api.ERROR_SCHEMA = ErrorBodySchema
    app.register_blueprint(_swagger_assets)

    @app.errorhandler(IntegrityError)
    def _conflict(error: IntegrityError):
        log.info("integrity conflict", extra={"error": type(error.orig).__name__})
        return {"code": 409, "status": "Conflict", "message": "This conflicts with existing data."}, 409

    @app.errorhandler(tenancy.TenantContextMissing)
    def _no_tenant(error):
        log.error("tenant context missing", exc_info=error)
        return {"code": 500, "status": "Internal Server Error", "message": "Internal error."}, 500

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return api.handle_http_exception(error)
        log.exception("unhandled error")
        return api.handle_http_exception(InternalServerError())

    return api
