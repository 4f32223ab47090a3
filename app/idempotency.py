"""``Idempotency-Key`` on POST: the same key with the same body replays the first response.

The key is stored with the response in the same transaction as the change it produced, so a
client that retries after a lost response gets the original answer and no second effect.
Keys are per member, kept ``IDEMPOTENCY_TTL_HOURS``; only successful (2xx) responses are kept,
since a failed request changed nothing and may simply be retried.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

from flask import Response, current_app, g, request
from flask_smorest import abort
from sqlalchemy import String, Text, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.db import Base, IdMixin, TenantOwned, db

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class IdempotencyKey(IdMixin, TenantOwned, Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("tenant_id", "member_id", "key"),)

    member_id: Mapped[uuid.UUID]
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response_body: Mapped[str] = mapped_column(Text)
    response_headers: Mapped[dict[str, str]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


def _request_hash() -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.full_path.encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _applies() -> str | None:
    if request.method != "POST" or g.get("principal") is None:
        return None
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        abort(400, message=f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters.")
    return key


def replay_if_seen() -> Response | None:
    """before_request: answer a repeated key from the stored response."""
    key = _applies()
    if key is None:
        return None
    ttl = timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
    stored = db.session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.member_id == g.principal.member_id,
            IdempotencyKey.key == key,
            IdempotencyKey.created_at >= clock.now() - ttl,
        )
    )
    if stored is None:
        g.idempotency_key = key
        return None
    if stored.request_hash != _request_hash():
        abort(422, message=f"This {HEADER} was already used with a different request.")
    response = current_app.response_class(stored.response_body, status=stored.status_code, mimetype="application/json")
    for name, value in stored.response_headers.items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def remember(response: Response) -> None:
    """Store a successful response under the request's key (before the commit)."""
    key = g.pop("idempotency_key", None)
    if key is None or not 200 <= response.status_code < 300:
        return
    db.session.execute(
        delete(IdempotencyKey)
        .where(
            IdempotencyKey.tenant_id == g.principal.tenant_id,
            IdempotencyKey.member_id == g.principal.member_id,
            IdempotencyKey.key == key,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.add(
        IdempotencyKey(
            member_id=g.principal.member_id,
            key=key,
            method=request.method,
            path=request.path,
            request_hash=_request_hash(),
            status_code=response.status_code,
            response_body=response.get_data(as_text=True),
            response_headers={k: v for k, v in response.headers.items() if k in ("Location", "X-Pagination")},
        )
    )
