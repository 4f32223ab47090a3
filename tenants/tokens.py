"""API tokens: random, shown once, stored as a SHA-256 hash, listed, revoked."""

from __future__ import annotations

import functools
import uuid
from datetime import datetime, timedelta

from sqlalchemy import JSON, String, UniqueConstraint, Uuid, column, select, text, update
from sqlalchemy.orm import Mapped, mapped_column

from app import auth, clock, tenancy
from app.db import Base, IdMixin, TenantOwned, db, tenant_fk
from tenants import audit
from tenants.models import Member

#: ``last_used_at`` is written at most this often per token (reads must stay cheap).
LAST_USED_RESOLUTION = timedelta(minutes=5)


class ApiToken(IdMixin, TenantOwned, Base):
    __tablename__ = "api_tokens"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        tenant_fk("member_id", "members"),
    )

    member_id: Mapped[uuid.UUID]
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    #: Null: everything the member's roles allow. A list limits the token to those scopes
    #: (an integration that only ingests metrics holds ``["engagement:ingest"]``).
    scopes: Mapped[list | None] = mapped_column(JSON)


def issue(member: Member, name: str, scopes: list[str] | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``member``; the secret is returned once and never stored."""
    secret = auth.new_secret()
    token = ApiToken(
        tenant_id=member.tenant_id,
        member_id=member.id,
        name=name,
        token_hash=auth.hash_secret(secret),
        prefix=secret[:8],
        scopes=sorted(set(scopes)) if scopes is not None else None,
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def for_member(member_id: uuid.UUID) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.member_id == member_id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at)
        )
    )


def get_own(member_id: uuid.UUID, token_id: uuid.UUID) -> ApiToken | None:
    return db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.member_id == member_id, ApiToken.revoked_at.is_(None))
    )


def revoke(token: ApiToken) -> None:
    token.revoked_at = clock.now()
    audit.record("token.revoked", "api_token", token.id, after={"name": token.name})


def revoke_all(member_id: uuid.UUID) -> int:
    """Revoke every live token of a member (offboarding, erasure)."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.member_id == member_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    return result.rowcount or 0


def resolve(token_hash: str) -> auth.Principal | None:
    """Credential resolver for :mod:`app.auth`: a live token of a member who is not offboarded.

    On PostgreSQL one statement (``cip_authenticate``, migrations 0016/0017) reads the token and
    its member, records ``last_used_at`` and leaves the transaction's row-level-security context
    set to the tenant; the member comes back as a whole row and lands in the session as the
    :class:`Member` object, so routes that load the caller (``db.session.get``) read no more.
    Elsewhere plain statements do the same.
    """
    now = clock.now()
    if db.session.get_bind().dialect.name == "postgresql":
        with tenancy.unscoped():  # no tenant yet: the function admits the presented token only
            row = db.session.execute(
                _authenticate_statement(), {"hash": token_hash, "now": now, "before": now - LAST_USED_RESOLUTION}
            ).first()
        if row is None:
            return None
        member, token_id, token_scopes = row
        tenancy.adopt(member.tenant_id)
        return _principal(member, token_id, token_scopes)
    with tenancy.by_credential(token_hash):
        token = db.session.execute(
            select(ApiToken.id, ApiToken.tenant_id, ApiToken.member_id, ApiToken.last_used_at, ApiToken.scopes).where(
                ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None)
            )
        ).first()
    if token is None:
        return None
    tenancy.activate(token.tenant_id)
    member = db.session.get(Member, token.member_id)
    if member is None or member.status == "offboarded":
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return _principal(member, token.id, token.scopes)


@functools.cache
def _authenticate_statement():
    """``cip_authenticate`` as an ORM statement yielding ``(Member, token_id, token_scopes)``.

    The member's columns are named one by one from the composite, in the table's order, so the
    ORM maps them by the column objects given to :meth:`~sqlalchemy.sql.expression.TextClause.columns`.
    Built once per process (the statement is then cached compiled).
    """
    member_columns = list(Member.__table__.c)
    token_id = column("token_id", Uuid())
    token_scopes = column("token_scopes", JSON())
    listed = ", ".join(f"(a.member).{c.name}" for c in member_columns)
    textual = text(
        f"SELECT {listed}, a.token_id, a.token_scopes FROM cip_authenticate(:hash, :now, :before) AS a"
    ).columns(*member_columns, token_id, token_scopes)
    return select(Member, token_id, token_scopes).from_statement(textual)


def _principal(member: Member, token_id, token_scopes) -> auth.Principal:
    roles = tuple(member.roles)
    scopes = auth.scopes_for(roles)
    if token_scopes is not None:  # a limited token never exceeds what the member's roles allow today
        scopes = scopes & frozenset(token_scopes)
    return auth.Principal(
        tenant_id=member.tenant_id, member_id=member.id, roles=roles, token_id=token_id, scopes=scopes, member=member
    )
