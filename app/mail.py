"""Mail transports: how a composed email leaves the application.

The outbox (:mod:`app.notifications`) composes each email as a MIME message and hands it to
the transport :func:`transport` chooses. Another transport (an HTTP mail API, a test double)
fits behind :class:`Transport` without the outbox changing. There is one so far: SMTP, as
configured by ``SMTP_URL`` (``smtp://user:pass@host:port``, ``smtp+starttls://...`` or
``smtps://...``). Without a transport, emails wait in the outbox.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage as MimeMessage
from typing import ClassVar, Protocol
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app


class Transport(Protocol):
    """Delivers one composed email.

    An exception of a type in :attr:`retryable` means "not delivered this time" (server down,
    message refused): the outbox records it and the job is retried. Any other exception
    propagates.
    """

    retryable: ClassVar[tuple[type[Exception], ...]]

    def send(self, mime: MimeMessage) -> None: ...


class SmtpTransport:
    """SMTP as configured by an ``SMTP_URL``: one connection per message."""

    retryable: ClassVar[tuple[type[Exception], ...]] = (OSError, smtplib.SMTPException)

    def __init__(self, url: str, timeout: float = 10.0):
        self.url = url
        self.timeout = timeout

    def send(self, mime: MimeMessage) -> None:
        parts = urlsplit(self.url)
        scheme = parts.scheme.lower()
        if scheme not in {"smtp", "smtps", "smtp+starttls"}:
            raise ValueError(f"unsupported SMTP_URL scheme {scheme!r}")
        host = parts.hostname or "localhost"
        port = parts.port or (465 if scheme == "smtps" else 587 if scheme == "smtp+starttls" else 25)
        client_class = smtplib.SMTP_SSL if scheme == "smtps" else smtplib.SMTP
        with client_class(host, port, timeout=self.timeout) as client:
            if scheme == "smtp+starttls":
                client.starttls()
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(mime)


def transport(app: Flask | None = None) -> Transport | None:
    """The configured transport, or None when emails are to wait in the outbox (no ``SMTP_URL``)."""
    url = (app or current_app).config.get("SMTP_URL")
    return SmtpTransport(url) if url else None
