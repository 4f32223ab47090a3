"""Email notifications through an outbox: the outbox table, queueing and the sending jobs.

:func:`queue_email` stores the message in the current transaction; after the commit a job
hands it to the mail transport (:mod:`app.mail`: SMTP as configured by ``SMTP_URL``). Without
a transport (no ``SMTP_URL``) a message is logged (ids only) and stays ``pending`` in the
outbox, so ``flask notifications flush`` can send it once SMTP is configured. A
``dedupe_key`` makes queueing idempotent: the same key never sends twice.

A row that owes exactly one email can be the outbox of that email itself
(:class:`OutboxDelivery`, e.g. an invitation): the email is rendered when it is sent, so bulk
writes need no second row and secrets need not sit in ``email_messages``. Such a model registers
with :func:`register_outbox`, so ``flask notifications flush`` and :func:`send` cover it too.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime, parseaddr

from flask import current_app
from sqlalchemy import String, Text, UniqueConstraint, func, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from app import clock, jobs, mail, tenancy, transactions
from app.db import Base, IdMixin, TenantOwned, db, upsert_insert

log = logging.getLogger(__name__)


class EmailMessage(IdMixin, TenantOwned, Base):
    __tablename__ = "email_messages"
    __table_args__ = (UniqueConstraint("tenant_id", "id"), UniqueConstraint("tenant_id", "dedupe_key"))

    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(60))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sent|failed|cancelled (erased)
    attempts: Mapped[int] = mapped_column(default=0)
    message_id: Mapped[str | None] = mapped_column(String(300))
    last_error: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    sent_at: Mapped[datetime | None]


@dataclass(frozen=True)
class Rendered:
    """An email rendered at send time from the row that is its outbox."""

    to: str
    subject: str
    body: str


class OutboxDelivery:
    """Delivery state of a row that is the outbox of its own email (``email_status`` NULL: none owed).

    ``pending`` until sent (``sent``), given up on after the job's attempts (``failed``), or no
    longer wanted before it left (``cancelled``).
    """

    email_status: Mapped[str | None] = mapped_column(String(20))
    email_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    email_message_id: Mapped[str | None] = mapped_column(String(300))
    email_error: Mapped[str | None] = mapped_column(String(2000))
    email_sent_at: Mapped[datetime | None]


@dataclass(frozen=True)
class _Outbox:
    model: type
    send: Callable[[str], None]


_OUTBOXES: list[_Outbox] = []


def register_outbox(model: type, send_fn: Callable[[str], None]) -> None:
    """Let ``flush`` and :func:`send` cover ``model`` (an :class:`OutboxDelivery` row per email).

    ``send_fn(row_id)`` is a job that loads the row locked and calls :func:`send_outboxed`.
    """
    if not any(o.model is model for o in _OUTBOXES):
        _OUTBOXES.append(_Outbox(model, send_fn))


def send_outboxed(row: OutboxDelivery, render: Callable[[], Rendered | None], key: uuid.UUID) -> None:
    """Deliver the one email a locked :class:`OutboxDelivery` row owes, at most once.

    ``render`` builds the email now (``None``: no longer wanted, the row is ``cancelled``;
    ``ValueError``: it cannot be built, the row is ``failed``);
    ``key`` gives the Message-ID, stable across retries. Failures are recorded as for
    :func:`send`: a malformed message fails at once, a refused one stays ``pending`` until the
    job's attempts are used up.
    """
    if row.email_status not in ("pending", "failed"):
        return
    try:
        rendered = render()
    except (ValueError, TypeError) as exc:  # not retryable: the row cannot give its email
        row.email_status, row.email_error = "failed", repr(exc)[:2000]
        log.warning("email cannot be rendered", extra={"email_id": str(key)})
        return
    if rendered is None:
        row.email_status = "cancelled"
        return
    transport = mail.transport()
    if transport is None:
        log.info("email kept in outbox (no SMTP_URL)", extra={"email_id": str(key)})
        return
    _attempt(
        row,
        _OUTBOX_FIELDS,
        lambda: _build(rendered.to, _one_line(rendered.subject), rendered.body, key, current_app.config["MAIL_FROM"]),
        transport,
        {"email_id": str(key)},
    )


#: Where each kind of outbox row keeps its delivery state (logical name -> attribute).
_MESSAGE_FIELDS = {
    "status": "status",
    "attempts": "attempts",
    "error": "last_error",
    "sent_at": "sent_at",
    "message_id": "message_id",
}
_OUTBOX_FIELDS = {
    "status": "email_status",
    "attempts": "email_attempts",
    "error": "email_error",
    "sent_at": "email_sent_at",
    "message_id": "email_message_id",
}


def _attempt(
    row, fields: dict[str, str], build: Callable[[], MimeMessage], transport: mail.Transport, log_extra: dict
) -> None:
    """One delivery attempt for a locked outbox row, recorded on the row.

    A message that cannot be built or never be delivered (:class:`app.mail.Undeliverable`)
    fails at once (not retryable); one the server refuses stays
    ``pending`` until the job's attempts are used up (``failed``) and the error is re-raised so
    the job is retried.
    """
    attempts = (getattr(row, fields["attempts"]) or 0) + 1
    setattr(row, fields["attempts"], attempts)
    try:
        mime = build()
    except (ValueError, TypeError) as exc:
        setattr(row, fields["status"], "failed")
        setattr(row, fields["error"], repr(exc)[:2000])
        log.warning("email cannot be built", extra=log_extra)
        return
    try:
        transport.send(mime)
    except mail.Undeliverable as exc:
        setattr(row, fields["status"], "failed")
        setattr(row, fields["error"], repr(exc)[:2000])
        log.warning("email undeliverable", extra=log_extra)
        return
    except transport.retryable as exc:
        setattr(row, fields["error"], repr(exc)[:2000])
        setattr(row, fields["status"], "failed" if attempts >= jobs.max_attempts() else "pending")
        transactions.commit()
        raise
    for name, value in (
        ("status", "sent"),
        ("sent_at", clock.now()),
        ("message_id", mime["Message-ID"]),
        ("error", None),
    ):
        setattr(row, fields[name], value)


def send_each(ids: list[str], send_one: Callable[[str], None], what: str) -> None:
    """Deliver a batch of outbox rows, each committed on its own; a failure retries the batch
    (rows already sent are skipped then)."""
    if mail.transport() is None:
        log.info(f"{what} kept in outbox (no SMTP_URL)", extra={"emails": len(ids)})
        return
    failures = 0
    for row_id in ids:
        try:
            send_one(row_id)
            transactions.commit()
        except Exception:
            transactions.rollback()
            failures += 1
    if failures:
        raise RuntimeError(f"{failures} of {len(ids)} {what} not delivered; retrying the batch")


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
    if message is None:
        for outbox in _OUTBOXES:  # a row that is the outbox of its own email
            model = outbox.model
            if db.session.scalar(select(model.id).where(model.id == uuid.UUID(message_id))) is not None:
                outbox.send(message_id)
                return
        return
    if message.status in ("sent", "cancelled"):
        return
    transport = mail.transport()
    if transport is None:
        log.info("email kept in outbox (no SMTP_URL)", extra={"email_id": message_id, "kind": message.kind})
        return
    _attempt(
        message,
        _MESSAGE_FIELDS,
        lambda: _mime(message, current_app.config["MAIL_FROM"]),
        transport,
        {"email_id": message_id, "kind": message.kind},
    )


def _mime(message: EmailMessage, sender: str) -> MimeMessage:
    return _build(message.to_address, message.subject, message.body_text, message.id, sender)


def _build(to: str, subject: str, body: str, key: uuid.UUID, sender: str) -> MimeMessage:
    mime = MimeMessage()
    mime["From"] = sender
    mime["To"] = mail.ascii_domain(to)
    mime["Subject"] = subject
    mime["Date"] = format_datetime(clock.now())
    # Derived from the outbox id: a message re-sent after a crash keeps its Message-ID, so
    # receiving systems can recognise the duplicate.
    mime["Message-ID"] = f"<{key}@{_domain(sender)}>"
    mime.set_content(body, cte="quoted-printable")
    return mime


def _domain(address: str) -> str:
    _, addr = parseaddr(address)
    domain = addr.rpartition("@")[2].strip()
    return domain or "localhost"


def pseudonymise(address: str, new_address: str, needles: list[str], scrub: Callable[[str], str]) -> int:
    """Erasure of a person: outbox emails to ``address`` go to ``new_address`` instead, and every
    outbox email mentioning one of ``needles`` (name, email, handles) is passed through ``scrub``.

    Emails to the person still waiting are ``cancelled``: nobody is left to receive them. Returns
    how many rows changed.
    """
    address = address.lower()
    lowered = [n.lower() for n in needles if n]
    mentions = [func.lower(column).contains(n, autoescape=True) for n in lowered for column in _TEXT_COLUMNS]
    changed = 0
    for message in db.session.scalars(
        select(EmailMessage).where(or_(func.lower(EmailMessage.to_address) == address, *mentions))
    ):
        if message.to_address.lower() == address:
            message.to_address = new_address
            if message.status in ("pending", "failed"):
                message.status = "cancelled"
        message.subject, message.body_text = scrub(message.subject), scrub(message.body_text)
        message.last_error = message.last_error and scrub(message.last_error)
        changed += 1
    return changed


_TEXT_COLUMNS = (EmailMessage.subject, EmailMessage.body_text)


def pending(*, include_failed: bool = False) -> list:
    """Messages of the current tenant still waiting to be sent (and those given up on).

    Outbox messages first, then rows that are the outbox of their own email (each has an ``id``
    that :func:`send` accepts).
    """
    statuses = ["pending", "failed"] if include_failed else ["pending"]
    waiting: list = list(
        db.session.scalars(
            select(EmailMessage).where(EmailMessage.status.in_(statuses)).order_by(EmailMessage.created_at)
        )
    )
    for outbox in _OUTBOXES:
        model = outbox.model
        waiting += db.session.scalars(
            select(model).where(model.email_status.in_(statuses)).order_by(model.created_at, model.id)
        )
    return waiting


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
    db.session.execute(upsert_insert(EmailMessage.__table__), rows)
    ids = ",".join(str(row["id"]) for row in rows)
    transactions.on_commit(lambda: jobs.enqueue(send_many, tenant_id, ids))
    return len(rows)


def send_many(message_ids: str) -> None:
    """Job: deliver a batch of outbox messages; each is committed on its own."""
    send_each([i for i in message_ids.split(",") if i], send, "emails")
