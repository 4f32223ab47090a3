"""Helpers for the job, event, notification and worker tests: units of work as a tenant, a
real SMTP server on loopback, a real ``rq worker`` process, an in-process worker on fakeredis.

Their fixtures live in :mod:`tests.jobs_fixtures` (``pytest_plugins = ["tests.jobs_fixtures"]``).
"""

from __future__ import annotations

import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage as ParsedMail
from pathlib import Path

from sqlalchemy import select

from app import tenancy
from app.db import db

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def as_tenant(app, tenant_id: uuid.UUID) -> Iterator[None]:
    """A unit of work outside a request: app context with ``tenant_id`` activated.

    Nothing is committed implicitly; call ``transactions.commit()`` (or leave to roll back).
    """
    with app.app_context(), tenancy.scope(tenant_id):
        yield


def rows(app, tenant_id: uuid.UUID, model, *where, order_by=None) -> list:
    """The rows of ``model`` visible to ``tenant_id`` (a fresh session, read only)."""
    with as_tenant(app, tenant_id):
        statement = select(model).where(*where)
        if order_by is not None:
            statement = statement.order_by(order_by)
        return list(db.session.scalars(statement))


# --- a real SMTP server on loopback ------------------------------------------------------


def free_port() -> int:
    """A TCP port nothing listens on (bound and released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: ParsedMail
    auth_login: str | None


class Inbox:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[ReceivedMail] = []
        self._changed = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        login = session.auth_data if session.authenticated else None
        with self._changed:
            self.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message, login))
            self._changed.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 30.0) -> list[ReceivedMail]:
        """Bounded wait until ``count`` messages arrived (for deliveries from another process)."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
            return list(self.messages)

    def to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.messages if address in m.rcpt_tos]


class SmtpServer:
    def __init__(self, *, credentials: tuple[str, str] | None = None, smtputf8: bool = False) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.inbox = Inbox()
        self.port = free_port()
        kwargs: dict = {"enable_SMTPUTF8": smtputf8}  # aiosmtpd's default: no SMTPUTF8
        if credentials:

            def authenticator(server, session, envelope, mechanism, auth_data):
                ok = (auth_data.login.decode(), auth_data.password.decode()) == credentials
                if not ok:
                    return AuthResult(success=False, handled=False)  # server answers 535
                return AuthResult(success=True, auth_data=auth_data.login.decode())

            kwargs |= {
                "authenticator": authenticator,
                "auth_required": True,
                "auth_require_tls": False,  # loopback only; keeps the test free of certificates
            }
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **kwargs)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


# --- a real RQ worker ---------------------------------------------------------------------


@dataclass
class RqSetup:
    redis_url: str
    queue_name: str
    env: dict[str, str]
    connection: object

    def queue(self):
        from rq import Queue

        return Queue(self.queue_name, connection=self.connection)

    def _command(self, *, burst: bool, with_scheduler: bool) -> list[str]:
        command = [sys.executable, "-m", "rq.cli", "worker", "--url", self.redis_url]
        command += ["-w", "app.worker.AppWorker", "-c", "tests.worker_settings", "--logging_level", "WARNING"]
        command += ["--burst"] if burst else []
        command += ["--with-scheduler"] if with_scheduler else []
        return [*command, self.queue_name]

    def run_worker(
        self, *, with_scheduler: bool = False, timeout: float = 60.0, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        """``rq worker --burst`` in a subprocess; returns once it has drained the queue.

        ``env`` adds to (or overrides) the worker's environment."""
        command = self._command(burst=True, with_scheduler=with_scheduler)
        started = time.monotonic()
        completed = subprocess.run(
            command, cwd=ROOT, env={**self.env, **(env or {})}, capture_output=True, text=True, timeout=timeout
        )
        assert completed.returncode == 0, (
            f"rq worker exited {completed.returncode} after {time.monotonic() - started:.1f}s\n"
            f"{completed.stdout}\n{completed.stderr}"
        )
        return completed

    def start_worker(self, env: dict[str, str] | None = None) -> subprocess.Popen:
        """A long-running ``rq worker`` in a session of its own (see :meth:`kill`)."""
        return subprocess.Popen(
            self._command(burst=False, with_scheduler=False),
            cwd=ROOT,
            env={**self.env, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    @staticmethod
    def kill(worker: subprocess.Popen) -> None:
        """SIGKILL the worker and its work horse (a process group of its own): no clean-up runs."""
        for horse in _children(worker.pid):
            os.killpg(horse, signal.SIGKILL)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)

    def cleanup(self) -> None:
        queue = self.queue()
        ids: set[str] = set(queue.get_job_ids())
        for registry in (
            queue.finished_job_registry,
            queue.failed_job_registry,
            queue.scheduled_job_registry,
            queue.started_job_registry,
            queue.deferred_job_registry,
            queue.canceled_job_registry,
        ):
            ids.update(registry.get_job_ids())
        for job_id in ids:
            self.connection.delete(f"rq:job:{job_id}", f"rq:results:{job_id}")
        for key in self.connection.scan_iter(match=f"rq:*{self.queue_name}*"):
            self.connection.delete(key)
        self.connection.srem("rq:queues", f"rq:queue:{self.queue_name}")


def _children(pid: int) -> list[int]:
    """The ids of the processes whose parent is ``pid`` (Linux /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


# --- RQ on fakeredis, in process -----------------------------------------------------------


@dataclass
class FakeRq:
    connection: object
    queue_name: str

    def queue(self):
        from rq import Queue

        return Queue(self.queue_name, connection=self.connection)

    def work(self, app) -> bool:
        """Drain the queue with an in-process ``SimpleWorker`` (burst), as the app."""
        from rq import SimpleWorker

        with app.app_context():
            worker = SimpleWorker([self.queue()], connection=self.connection)
            return worker.work(burst=True, logging_level="WARNING")
