"""``Idempotency-Key`` on POST: the same key with the same body replays the first response.

The key is reserved before the request does any work: a ``pending`` row is inserted (``ON
CONFLICT DO NOTHING``) in the request's own transaction, and filled with the response just
before that transaction commits. A concurrent request with the same key waits at the insert
until the first one ends, then replays its response; if the first one failed, its reservation
rolled back with it and the waiting request does the work instead. So one key has one effect
however many copies of a request arrive at once, and a crash leaves no stale reservation. A
reservation seen still pending (only if a request committed before finishing) answers 409.

Keys are per member, kept ``IDEMPOTENCY_TTL_HOURS``; only successful (2xx) responses are kept,
since a failed request changed nothing and may simply be retried.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

from flask import Response, current_app, g, request
from flask_smorest import abort
from sqlalchemy import String, Text, UniqueConstraint, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.db import Base, IdMixin, TenantOwned, db, upsert_insert

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
#: ``status_code`` of a reserved key whose request has not finished.
PENDING = 0


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


def _stored(key: str) -> IdempotencyKey | None:
    return db.session.scalar(
        select(IdempotencyKey)
        .where(IdempotencyKey.member_id == g.principal.member_id, IdempotencyKey.key == key)
        .execution_options(populate_existing=True)
    )


def _reserve(key: str) -> IdempotencyKey | None:
    """Reserve ``key`` for this request (None), or the record of the request that holds it.

    On PostgreSQL the insert waits while another transaction holds an uncommitted reservation
    of the same key, so the record returned is that request's finished answer.
    """
    ttl = timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
    for _ in range(2):
        now = clock.now()
        reserved = db.session.execute(
            upsert_insert(IdempotencyKey)
            .values(
                id=uuid.uuid4(),
                member_id=g.principal.member_id,
                key=key,
                method=request.method,
                path=request.path,
                request_hash=_request_hash(),
                status_code=PENDING,
                response_body="",
                response_headers={},
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["tenant_id", "member_id", "key"])
            .returning(IdempotencyKey.id)
        ).scalar()
        if reserved is not None:
            g.idempotency_reservation = reserved
            return None
        stored = _stored(key)
        if stored is not None and stored.created_at >= now - ttl:
            return stored
        if stored is not None:  # expired: the key is free again
            _forget(stored.id)
    raise RuntimeError(f"{HEADER} could not be reserved")  # pragma: no cover - deleted twice in between


def _forget(record_id: uuid.UUID) -> None:
    db.session.execute(
        delete(IdempotencyKey)
        .where(IdempotencyKey.tenant_id == g.principal.tenant_id, IdempotencyKey.id == record_id)
        .execution_options(synchronize_session=False)
    )


def replay_if_seen() -> Response | None:
    """before_request: reserve a new key, or answer a repeated one from the stored response."""
    key = _applies()
    if key is None:
        return None
    stored = _reserve(key)
    if stored is None:
        return None
    if stored.request_hash != _request_hash():
        abort(422, message=f"This {HEADER} was already used with a different request.")
    if stored.status_code == PENDING:
        abort(409, message=f"A request with this {HEADER} is still in progress; retry it shortly.")
    response = current_app.response_class(stored.response_body, status=stored.status_code, mimetype="application/json")
    for name, value in stored.response_headers.items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def remember(response: Response) -> None:
    """Fill the request's reservation with a successful response (before the commit).

    Failed requests roll back, reservation included; any other response committed (a
    redirect) gives the key up, so only 2xx answers are replayed.
    """
    reserved = g.pop("idempotency_reservation", None)
    if reserved is None:
        return
    if not 200 <= response.status_code < 300:
        _forget(reserved)
        return
    db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.tenant_id == g.principal.tenant_id, IdempotencyKey.id == reserved)
        .values(
            status_code=response.status_code,
            response_body=response.get_data(as_text=True),
            response_headers={k: v for k, v in response.headers.items() if k in ("Location", "X-Pagination")},
        )
        .execution_options(synchronize_session=False)
    )
