"""The baseline of bench/http_me.py: one primary-key SELECT through SQLAlchemy Core, nothing else.

Served by gunicorn like the API, as the same application role on the same database.
"""

from __future__ import annotations

import os

from flask import Flask, jsonify
from sqlalchemy import text

from app.db import app_role_url, make_engine

app = Flask(__name__)
engine = make_engine(app_role_url(os.environ["DATABASE_URL"], os.environ.get("DATABASE_APP_ROLE", "cip_app"), None))
TENANT_ID = os.environ["BARE_TENANT_ID"]


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.get("/bare")
def bare():
    with engine.connect() as connection:
        row = connection.execute(text("SELECT id, name FROM tenants WHERE id = :id"), {"id": TENANT_ID}).one()
    return jsonify(id=str(row.id), name=row.name)
