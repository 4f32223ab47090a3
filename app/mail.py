"""Mail transports: how a composed email leaves the application.

The outbox (:mod:`app.notifications`) composes each email as a MIME message and hands it to
the transport :func:`transport` chooses. Another transport (an HTTP mail API, a test double)
fits behind :class:`Transport` without the outbox changing. There is one so far: SMTP, as
configured by ``SMTP_URL`` (``smtp://user:pass@host:port``, ``smtp+starttls://...`` or
``smtps://...``). Without a transport, emails wait in the outbox.

Internationalised addresses: the domain is sent IDNA-encoded (``bäckerei.example`` as
``xn--bckerei-5wa.example``), which every server accepts; a non-ASCII local part needs the
server's SMTPUTF8 extension. A server without it can never take such a message, so the
transport raises :class:`Undeliverable` and the outbox gives up at once instead of retrying.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage as MimeMessage
from typing import ClassVar, Protocol
from urllib.parse import unquote, urlsplit

import idna
from flask import Flask, current_app


class Undeliverable(Exception):
    """The message can never be delivered this way (no retry): e.g. the server lacks SMTPUTF8."""


def ascii_domain(address: str) -> str:
    """``address`` with its domain IDNA-encoded (UTS 46 mapping); the local part is kept as is.

    Raises ValueError for a domain that has no IDNA form (the message cannot be built).
    """
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        return f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"
    except idna.IDNAError as exc:
        raise ValueError(f"the domain of the address has no IDNA form: {exc}") from None


class Transport(Protocol):
    """Delivers one composed email.

    An exception of a type in :attr:`retryable` means "not delivered this time" (server down,
    message refused): the outbox records it and the job is retried. :class:`Undeliverable`
    means "never": the outbox records it and gives up at once. Any other exception propagates.
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
            try:
                client.send_message(mime)
            except smtplib.SMTPNotSupportedError as exc:  # SMTPUTF8 needed, not offered
                raise Undeliverable(str(exc)) from exc


def transport(app: Flask | None = None) -> Transport | None:
    """The configured transport, or None when emails are to wait in the outbox (no ``SMTP_URL``)."""
    url = (app or current_app).config.get("SMTP_URL")
    return SmtpTransport(url) if url else None
