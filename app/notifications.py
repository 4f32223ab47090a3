"""Email notifications through an outbox.

:func:`queue_email` stores the message in the current transaction; after the commit a job
sends it over SMTP (``SMTP_URL``: ``smtp://user:pass@host:port``, ``smtp+starttls://...`` or
``smtps://...``). Without ``SMTP_URL`` a message is logged (ids only) and stays ``pending`` in
the outbox, so ``flask notifications flush`` can send it once SMTP is configured. A
``dedupe_key`` makes queueing idempotent: the same key never sends twice.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import datetime
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import String, Text, UniqueConstraint, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from app import clock, jobs, tenancy, transactions
from app.db import Base, IdMixin, TenantOwned, db

log = logging.getLogger(__name__)


class EmailMessage(IdMixin, TenantOwned, Base):
    __tablename__ = "email_messages"
    __table_args__ = (UniqueConstraint("tenant_id", "id"), UniqueConstraint("tenant_id", "dedupe_key"))

    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(60))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(default=0)
    message_id: Mapped[str | None] = mapped_column(String(300))
    last_error: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    sent_at: Mapped[datetime | None]


def queue_email(to: str, subject: str, body: str, *, kind: str, dedupe_key: str | None = None) -> EmailMessage:
    """Put an email in the outbox; it is sent after the transaction commits."""
    key = dedupe_key or uuid.uuid4().hex
    subject = _one_line(subject)
    existing = db.session.scalar(select(EmailMessage).where(EmailMessage.dedupe_key == key))
    if existing is not None:
        return existing
    message = EmailMessage(to_address=to, subject=subject, body_text=body, kind=kind, dedupe_key=key)
    db.session.add(message)
    db.session.flush()
    tenant_id, message_id = message.tenant_id, str(message.id)
    transactions.on_commit(lambda: jobs.enqueue(send, tenant_id, message_id))
    return message


def _one_line(subject: str) -> str:
    """A subject fit for one header line (no CR/LF from user-supplied text) and the column."""
    return " ".join(subject.split())[:300]


def send(message_id: str) -> None:
    """Job: deliver one outbox message (a sent message is never sent again).

    The row is locked while the message goes out, so a retry and a flush that race each other
    cannot both send it. A message whose headers cannot be encoded fails at once; one the
    server refuses stays ``pending`` until it has used up its attempts (``failed``).
    """
    message = db.session.get(EmailMessage, uuid.UUID(message_id), with_for_update=True)
    if message is None or message.status == "sent":
        return
    smtp_url = current_app.config.get("SMTP_URL")
    if not smtp_url:
        log.info("email kept in outbox (no SMTP_URL)", extra={"email_id": message_id, "kind": message.kind})
        return
    message.attempts += 1
    try:
        mime = _mime(message, current_app.config["MAIL_FROM"])
    except (ValueError, TypeError) as exc:  # not retryable: the stored message is malformed
        message.status, message.last_error = "failed", repr(exc)[:2000]
        log.warning("email cannot be built", extra={"email_id": message_id, "kind": message.kind})
        return
    try:
        deliver(smtp_url, mime)
    except (OSError, smtplib.SMTPException) as exc:
        message.last_error = repr(exc)[:2000]
        message.status = "failed" if message.attempts >= jobs.max_attempts() else "pending"
        transactions.commit()
        raise
    message.status, message.sent_at, message.message_id = "sent", clock.now(), mime["Message-ID"]
    message.last_error = None


def _mime(message: EmailMessage, sender: str) -> MimeMessage:
    mime = MimeMessage()
    mime["From"] = sender
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(clock.now())
    # Derived from the outbox id: a message re-sent after a crash keeps its Message-ID, so
    # receiving systems can recognise the duplicate.
    mime["Message-ID"] = f"<{message.id}@{_domain(sender)}>"
    mime.set_content(message.body_text, cte="quoted-printable")
    return mime


def _domain(address: str) -> str:
    _, addr = parseaddr(address)
    domain = addr.rpartition("@")[2].strip()
    return domain or "localhost"


def deliver(smtp_url: str, mime: MimeMessage, timeout: float = 10.0) -> None:
    """Send one MIME message over SMTP as configured by ``smtp_url``."""
    parts = urlsplit(smtp_url)
    scheme = parts.scheme.lower()
    if scheme not in {"smtp", "smtps", "smtp+starttls"}:
        raise ValueError(f"unsupported SMTP_URL scheme {scheme!r}")
    host = parts.hostname or "localhost"
    port = parts.port or (465 if scheme == "smtps" else 587 if scheme == "smtp+starttls" else 25)
    client_class = smtplib.SMTP_SSL if scheme == "smtps" else smtplib.SMTP
    with client_class(host, port, timeout=timeout) as client:
        if scheme == "smtp+starttls":
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(mime)


def pending(*, include_failed: bool = False) -> list[EmailMessage]:
    """Messages of the current tenant still waiting to be sent (and those given up on)."""
    statuses = ["pending", "failed"] if include_failed else ["pending"]
    return list(
        db.session.scalars(
            select(EmailMessage).where(EmailMessage.status.in_(statuses)).order_by(EmailMessage.created_at)
        )
    )


def queue_bulk(messages: list[dict]) -> int:
    """Queue many emails at once (imports): one insert, one sending job after the commit.

    Each message is a dict with ``to``, ``subject``, ``body``, ``kind`` and ``dedupe_key``;
    keys already in the outbox are skipped. Returns how many were queued.
    """
    if not messages:
        return 0
    keys = [m["dedupe_key"] for m in messages]
    known = set(db.session.scalars(select(EmailMessage.dedupe_key).where(EmailMessage.dedupe_key.in_(keys))))
    unique = []
    for m in messages:  # the first of several messages with one key wins, as with queue_email
        if m["dedupe_key"] not in known:
            known.add(m["dedupe_key"])
            unique.append(m)
    tenant_id = tenancy.require()
    rows = [
        {
            "id": uuid.uuid4(),
            "tenant_id": tenant_id,
            "to_address": m["to"],
            "subject": _one_line(m["subject"]),
            "body_text": m["body"],
            "kind": m["kind"],
            "dedupe_key": m["dedupe_key"],
            "status": "pending",
            "attempts": 0,
            "created_at": clock.now(),
        }
        for m in unique
    ]
    if not rows:
        return 0
    db.session.execute(insert(EmailMessage.__table__), rows)
    ids = ",".join(str(row["id"]) for row in rows)
    transactions.on_commit(lambda: jobs.enqueue(send_many, tenant_id, ids))
    return len(rows)


def send_many(message_ids: str) -> None:
    """Job: deliver a batch of outbox messages; each is committed on its own."""
    ids = [i for i in message_ids.split(",") if i]
    if not current_app.config.get("SMTP_URL"):
        log.info("emails kept in outbox (no SMTP_URL)", extra={"emails": len(ids)})
        return
    failures = 0
    for message_id in ids:
        try:
            send(message_id)
            transactions.commit()
        except Exception:
            transactions.rollback()
            failures += 1
    if failures:
        raise RuntimeError(f"{failures} of {len(ids)} emails not delivered; retrying the batch")
