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
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from app import clock, jobs, transactions
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
    existing = db.session.scalar(select(EmailMessage).where(EmailMessage.dedupe_key == key))
    if existing is not None:
        return existing
    message = EmailMessage(to_address=to, subject=subject, body_text=body, kind=kind, dedupe_key=key)
    db.session.add(message)
    db.session.flush()
    tenant_id, message_id = message.tenant_id, str(message.id)
    transactions.on_commit(lambda: jobs.enqueue(send, tenant_id, message_id))
    return message


def send(message_id: str) -> None:
    """Job: deliver one outbox message (a sent message is never sent again)."""
    message = db.session.get(EmailMessage, uuid.UUID(message_id))
    if message is None or message.status == "sent":
        return
    smtp_url = current_app.config.get("SMTP_URL")
    if not smtp_url:
        log.info("email kept in outbox (no SMTP_URL)", extra={"email_id": message_id, "kind": message.kind})
        return
    message.attempts += 1
    mime = _mime(message, current_app.config["MAIL_FROM"])
    try:
        deliver(smtp_url, mime)
    except (OSError, smtplib.SMTPException) as exc:
        message.last_error = repr(exc)[:2000]
        message.status = "failed" if message.attempts >= len(jobs.RETRY_INTERVALS) + 1 else "pending"
        transactions.commit()
        raise
    message.status, message.sent_at, message.message_id = "sent", clock.now(), mime["Message-ID"]
    message.last_error = None


def _mime(message: EmailMessage, sender: str) -> MimeMessage:
    mime = MimeMessage()
    mime["From"] = sender
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime["Message-ID"] = make_msgid(idstring=str(message.id))
    mime.set_content(message.body_text)
    return mime


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


def pending() -> list[EmailMessage]:
    """Messages of the current tenant still waiting to be sent."""
    return list(db.session.scalars(select(EmailMessage).where(EmailMessage.status == "pending")))
