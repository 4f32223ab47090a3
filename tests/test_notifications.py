"""The email outbox over real SMTP: an aiosmtpd server on loopback receives what the app sends."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest

from app import notifications, transactions
from app.notifications import EmailMessage
from tenants import invitations as tenant_invitations
from tenants.models import Invitation
from tests.jobs_support import SmtpServer, as_tenant, free_port, rows

SENDER = "Müller & Söhne Programm <programm@mueller-soehne.example>"
SUBJECT = "Schulung fällig: Äußerungen über Wettbewerber"
BODY = "Hallo Jürgen,\n\nbitte schließe die Schulung „Grüne Claims“ bis Freitag ab.\n\nGrüße\nDein Programmteam\n"


@pytest.fixture(autouse=True)
def _sender(app):
    app.config["MAIL_FROM"] = SENDER


def queue(app, tenant, to=None, *, subject=SUBJECT, body=BODY, dedupe_key=None) -> uuid.UUID:
    with as_tenant(app, tenant.tenant_id):
        message_id = notifications.queue_email(
            to or f"juergen@{tenant.slug}.example", subject, body, kind="test.reminder", dedupe_key=dedupe_key
        ).id
        transactions.commit()
    return message_id


def outbox(app, tenant) -> list[EmailMessage]:
    return rows(app, tenant.tenant_id, EmailMessage, order_by=EmailMessage.created_at)


def flush(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["notifications", "flush", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_queued_email_is_sent_over_smtp_after_commit(app, world, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    with as_tenant(app, world.a.tenant_id):
        message = notifications.queue_email("juergen@medtech-nord.example", SUBJECT, BODY, kind="test.reminder")
        assert message.status == "pending" and message.tenant_id == world.a.tenant_id
        assert smtp_server.inbox.messages == []  # nothing leaves before the commit
        transactions.commit()

    [received] = smtp_server.inbox.messages
    assert received.mail_from == "programm@mueller-soehne.example"
    assert received.rcpt_tos == ["juergen@medtech-nord.example"]
    mail = received.message
    assert mail["From"] == SENDER
    assert mail["To"] == "juergen@medtech-nord.example"
    assert mail["Subject"] == SUBJECT
    assert mail.get_content_type() == "text/plain" and mail.get_content_charset() == "utf-8"
    assert mail.get_content().replace("\r\n", "\n") == BODY  # CRLF on the wire
    assert mail["Date"]

    [row] = outbox(app, world.a)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.sent_at is not None
    assert row.message_id == mail["Message-ID"] == f"<{row.id}@mueller-soehne.example>"
    assert outbox(app, world.b) == []


def test_same_dedupe_key_sends_once_per_tenant(app, world, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    first = queue(app, world.a, dedupe_key="training-due:42")
    again = queue(app, world.a, dedupe_key="training-due:42")
    with as_tenant(app, world.a.tenant_id):  # twice in one transaction, too
        same = notifications.queue_email(
            "x@y.example", "Anders", "Anders", kind="test.reminder", dedupe_key="training-due:42"
        )
        assert same.id == first
        transactions.commit()
    other_tenant = queue(app, world.b, dedupe_key="training-due:42")

    assert again == first and other_tenant != first
    assert [m.id for m in outbox(app, world.a)] == [first]
    assert [m.id for m in outbox(app, world.b)] == [other_tenant]
    assert sorted(m.rcpt_tos[0] for m in smtp_server.inbox.messages) == [
        "juergen@agentur-sued.example",
        "juergen@medtech-nord.example",
    ]


def test_without_smtp_the_message_waits_in_the_outbox_until_a_flush(app, world, smtp_server):
    message_a = queue(app, world.a)
    message_b = queue(app, world.b, subject="Neue Leitlinie")
    assert [(m.status, m.attempts) for m in outbox(app, world.a)] == [("pending", 0)]
    assert "enqueued 2 email(s)" in flush(app)  # still no SMTP_URL: nothing is sent
    assert smtp_server.inbox.messages == []

    app.config["SMTP_URL"] = smtp_server.url
    assert "enqueued 2 email(s)" in flush(app)
    assert "enqueued 0 email(s)" in flush(app)

    assert sorted(m.message["Subject"] for m in smtp_server.inbox.messages) == ["Neue Leitlinie", SUBJECT]
    assert [(m.id, m.status) for m in outbox(app, world.a)] == [(message_a, "sent")]
    assert [(m.id, m.status) for m in outbox(app, world.b)] == [(message_b, "sent")]


def test_smtp_down_records_the_error_and_a_later_flush_sends(app, world, smtp_server):
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    message_id = queue(app, world.a)

    [row] = outbox(app, world.a)
    assert (row.id, row.status, row.attempts, row.message_id) == (message_id, "pending", 1, None)
    assert "ConnectionRefusedError" in row.last_error

    app.config["SMTP_URL"] = smtp_server.url
    assert "enqueued 1 email(s)" in flush(app)
    [row] = outbox(app, world.a)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
    [received] = smtp_server.inbox.messages
    assert received.message["Message-ID"] == row.message_id


def test_message_that_used_up_its_attempts_is_failed_until_flushed_explicitly(app, world, smtp_server):
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"
    app.config["JOB_RETRY_INTERVALS"] = [0]  # two attempts in all
    queue(app, world.a)
    flush(app)
    [row] = outbox(app, world.a)
    assert (row.status, row.attempts) == ("failed", 2)

    app.config["SMTP_URL"] = smtp_server.url
    assert "enqueued 0 email(s)" in flush(app)
    assert "enqueued 1 email(s)" in flush(app, "--include-failed")
    [row] = outbox(app, world.a)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    assert len(smtp_server.inbox.messages) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_auth_with_credentials_from_the_url(app, world):
    user, password = "mailer@cip.example", "s3cr3t:p@ss/w0rd%"  # needs percent-encoding in the URL
    with SmtpServer(credentials=(user, password)) as server:
        app.config["SMTP_URL"] = f"smtp://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{server.port}"
        queue(app, world.a)
        [received] = server.inbox.messages
        assert received.auth_login == user

        app.config["SMTP_URL"] = f"smtp://{quote(user, safe='')}:wrong@127.0.0.1:{server.port}"
        queue(app, world.b)
        [row] = outbox(app, world.b)
        assert row.status == "pending" and "SMTPAuthenticationError" in row.last_error
        assert len(server.inbox.messages) == 1


def test_header_injection_is_neutralised(app, world, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    queue(app, world.a, subject="Hallo\r\nBcc: everyone@evil.example")
    [received] = smtp_server.inbox.messages
    assert received.rcpt_tos == ["juergen@medtech-nord.example"]
    assert received.message["Subject"] == "Hallo Bcc: everyone@evil.example"
    assert received.message["Bcc"] is None

    queue(app, world.b, to="a@b.example\r\nBcc: everyone@evil.example")
    [row] = outbox(app, world.b)
    assert row.status == "failed" and "ValueError" in row.last_error  # never retried
    assert len(smtp_server.inbox.messages) == 1


def invitations(tenant, numbers) -> list[dict]:
    return [
        {
            "to": f"person{i}@{tenant.slug}.example",
            "subject": f"Einladung Nr. {i}: Corporate-Influencer-Programm",
            "body": f"Hallo Person {i},\nbitte bestätige deine Teilnahme.\n",
            "kind": "test.invitation",
            "dedupe_key": f"invitation:{i}",
        }
        for i in numbers
    ]


def test_bulk_queue_skips_known_keys_and_sends_each_message_once(app, world, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    with as_tenant(app, world.b.tenant_id):
        assert notifications.queue_bulk(invitations(world.b, [1, 2, 1])) == 2  # a key twice: once
        transactions.commit()
    assert sorted(m.rcpt_tos[0] for m in smtp_server.inbox.messages) == [
        "person1@agentur-sued.example",
        "person2@agentur-sued.example",
    ]
    assert {(m.status, m.attempts) for m in outbox(app, world.b)} == {("sent", 1)}

    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # the relay goes down
    with as_tenant(app, world.a.tenant_id):
        assert notifications.queue_bulk(invitations(world.a, [1, 2])) == 2  # B's keys are B's
        transactions.commit()
    with as_tenant(app, world.a.tenant_id):
        assert notifications.queue_bulk(invitations(world.a, [1, 2, 3])) == 1
        transactions.commit()
    pending = outbox(app, world.a)
    assert len(pending) == 3
    assert all(m.status == "pending" and m.attempts == 1 and "ConnectionRefusedError" in m.last_error for m in pending)

    app.config["SMTP_URL"] = smtp_server.url
    assert "enqueued 3 email(s)" in flush(app)
    assert {m.status for m in outbox(app, world.a)} == {"sent"}
    received = [m.rcpt_tos[0] for m in smtp_server.inbox.messages]
    assert sorted(received) == sorted(set(received)) and len(received) == 5
    assert smtp_server.inbox.to("person3@medtech-nord.example")[0].message["Subject"] == (
        "Einladung Nr. 3: Corporate-Influencer-Programm"
    )


def invite(tenant, email: str, **fields) -> dict:
    response = tenant.api.post("/members", json={"email": email, "name": fields.pop("name", "Erika Muster"), **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def invitation_rows(app, tenant) -> list[Invitation]:
    return rows(app, tenant.tenant_id, Invitation, order_by=Invitation.created_at)


def test_invitation_is_the_outbox_of_its_email_sent_once_by_flush(app, world, smtp_server, anon):
    erika = invite(world.a, "erika@medtech-nord.example", locale="de")
    john = invite(world.b, "john@agentur-sued.example", name="John Doe", locale="en")
    assert [(i.email_status, i.email_attempts) for i in invitation_rows(app, world.a)] == [("pending", 0)]
    assert outbox(app, world.a) == [] and smtp_server.inbox.messages == []  # no second row, no SMTP yet

    app.config["SMTP_URL"] = smtp_server.url
    assert "enqueued 2 email(s)" in flush(app)
    assert "enqueued 0 email(s)" in flush(app)  # never twice
    assert len(smtp_server.inbox.messages) == 2
    german = smtp_server.inbox.to("erika@medtech-nord.example")[0].message
    assert "Einladung" in german["Subject"] and erika["invitation"]["token"] in german.get_content()
    english = smtp_server.inbox.to("john@agentur-sued.example")[0].message
    assert english["Subject"].startswith("Your invitation") and john["invitation"]["token"] in english.get_content()
    [row] = invitation_rows(app, world.a)
    assert (row.email_status, row.email_attempts, row.email_error) == ("sent", 1, None)
    assert german["Message-ID"] == row.email_message_id == f"<{row.id}@mueller-soehne.example>"
    assert (
        anon.post(
            "/invitations/accept", json={"token": erika["invitation"]["token"], "consent": {"participation": True}}
        ).status_code
        == 200
    )


def test_replaced_or_erased_invitations_are_never_emailed(app, world, smtp_server):
    member = invite(world.a, "erika@medtech-nord.example")
    resent = world.a.api.post(f"/members/{member['id']}/invitations").get_json()
    gone = invite(world.a, "gone@medtech-nord.example")
    assert world.a.api.post(f"/members/{gone['id']}/erase").status_code == 200
    statuses = sorted(i.email_status for i in invitation_rows(app, world.a))
    assert statuses == ["cancelled", "cancelled", "pending"]

    app.config["SMTP_URL"] = smtp_server.url
    assert "enqueued 1 email(s)" in flush(app)
    [received] = smtp_server.inbox.messages
    assert received.rcpt_tos == ["erika@medtech-nord.example"]
    assert resent["invitation"]["token"] in received.message.get_content()
    assert member["invitation"]["token"] not in received.message.get_content()


def test_invitation_email_retries_until_delivered(app, world, smtp_server):
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # the relay is down
    invite(world.a, "erika@medtech-nord.example")
    [row] = invitation_rows(app, world.a)
    assert (row.email_status, row.email_attempts) == ("pending", 1) and "ConnectionRefusedError" in row.email_error

    app.config["SMTP_URL"] = smtp_server.url
    assert "enqueued 1 email(s)" in flush(app)
    [row] = invitation_rows(app, world.a)
    assert (row.email_status, row.email_attempts, row.email_error) == ("sent", 2, None)
    assert len(smtp_server.inbox.messages) == 1


def test_invitation_made_under_another_secret_key_fails_instead_of_mailing_a_dead_code(app, world, smtp_server):
    invite(world.a, "erika@medtech-nord.example")
    app.config["SMTP_URL"] = smtp_server.url
    app.config["SECRET_KEY"] = "rotated"
    assert "enqueued 1 email(s)" in flush(app)
    [row] = invitation_rows(app, world.a)
    assert row.email_status == "failed" and "SECRET_KEY" in row.email_error
    assert smtp_server.inbox.messages == []


def test_invitation_secret_is_derived_from_the_key_and_the_id(app):
    first, second = uuid.uuid4(), uuid.uuid4()
    with app.app_context():
        secret = tenant_invitations.secret_for(first)
        assert secret.startswith("inv_") and len(secret) == len("inv_") + 43
        assert tenant_invitations.secret_for(first) == secret != tenant_invitations.secret_for(second)
        assert tenant_invitations.secret_for(first, b"another key") != secret
