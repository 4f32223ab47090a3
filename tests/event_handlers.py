"""Event handlers and tracked-job functions the job/event tests use.

Importable by a real RQ worker: ``rq worker -c tests.worker_settings`` imports this module so
the worker's dispatcher knows the handlers, exactly as an app imports its domain handlers.
Every effect goes through the email outbox, so tests observe it as ``EmailMessage`` rows (and,
with SMTP configured, as mail on a real SMTP server).
"""

from __future__ import annotations

from pathlib import Path

from app import events, jobs, notifications
from app.events import OutboxEvent
from app.jobs import Job

MEMBER_JOINED = events.declare(
    "test.member_joined",
    version=1,
    fields={"email": "the new member's address", "name": "their name", "lead": "the program lead's address"},
    optional={"fault_switch": "a file path: notify_lead fails while it exists"},
    doc="Test-only: a member joined (welcome mail, lead notice).",
)

#: (handler, event id) for every handler invocation in this process (inline runs only).
CALLS: list[tuple[str, str]] = []


@events.handler(MEMBER_JOINED)
def send_welcome(event: OutboxEvent) -> None:
    """Welcome the new member. No dedupe key on purpose: a second run would add a second row,
    so exactly one row proves the outbox itself never re-ran a delivered handler."""
    CALLS.append(("send_welcome", str(event.id)))
    notifications.queue_email(
        event.field("email"),
        f"Willkommen im Programm, {event.field('name')}!",
        f"Hallo {event.field('name')},\n\nschön, dass du dabei bist. Grüße aus München.\n",
        kind="test.welcome",
    )


@events.handler(MEMBER_JOINED)
def notify_lead(event: OutboxEvent) -> None:
    """Tell the program lead; fails while the event's ``fault_switch`` file exists."""
    CALLS.append(("notify_lead", str(event.id)))
    notifications.queue_email(
        event.field("lead"),
        f"Neues Mitglied: {event.field('name')}",
        f"{event.field('name')} ist dem Programm beigetreten.\n",
        kind="test.lead_notice",
        dedupe_key=f"lead-notice:{event.id}",
    )
    switch = event.field("fault_switch")
    if switch and Path(switch).exists():
        raise RuntimeError("lead directory unavailable")


RACED = events.declare(
    "test.raced", version=1, fields={"email": "where the one mail goes"}, doc="Test-only: a dispatch overtaken."
)


@events.handler(RACED)
def raced(event: OutboxEvent) -> None:
    """On its first run a second dispatcher of the same event overtakes it and delivers first
    (what a redispatch racing an RQ retry does); the effect must still happen once."""
    CALLS.append(("raced", str(event.id)))
    if len(calls("raced", event.id)) == 1:
        jobs.enqueue(events.dispatch, event.tenant_id, str(event.id))
    notifications.queue_email(event.field("email"), "Einmal, nicht zweimal", "…", kind="test.raced")


def calls(handler: str | None = None, event_id: object = None) -> list[tuple[str, str]]:
    return [c for c in CALLS if (handler is None or c[0] == handler) and (event_id is None or c[1] == str(event_id))]


# Tracked-job functions: ``fn(job, *args)`` returning the job's result.


def count_words(job: Job, text: str) -> dict:
    jobs.report_progress(job, 50)
    return {"words": len(text.split())}


def explode(job: Job, message: str) -> dict:
    jobs.report_progress(job, 40)
    raise ValueError(message)


def fail_first_time(job: Job, marker: str) -> dict:
    """Fails on the first attempt (leaving ``marker`` behind), succeeds on the next."""
    path = Path(marker)
    if not path.exists():
        path.write_text("first attempt failed")
        raise RuntimeError("transient failure on the first attempt")
    return {"attempt": 2}


def welcome_member(job: Job, email: str, name: str, lead: str) -> dict:
    """A job whose effects are an event (and through its handlers, two emails)."""
    event = events.emit(MEMBER_JOINED, {"email": email, "name": name, "lead": lead})
    jobs.report_progress(job, 50)
    return {"event_id": str(event.id)}
