"""Training reminders with a controlled clock, delivered through a real SMTP server."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from app import clock
from tests.factories import add_member
from tests.test_localdates import ISO_TIME, LOCAL_TIME
from tests.training.test_modules import answers, published_module


def remind(app, at):
    with clock.frozen(at):
        result = app.test_cli_runner().invoke(args=["training", "remind"])
    assert result.exit_code == 0, result.output
    return result.output


def test_due_and_overdue_reminders_daily_digest_weekly_and_recertification(world, app, smtp_server):
    # Pinned to a Monday: the overdue runs below (Friday, Saturday) must fall in one ISO week.
    with clock.frozen(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)):
        app.config["SMTP_URL"] = smtp_server.url
        member_id, token = add_member(app, world.a.tenant_id, "influencer", email="lena@medtech-nord.example")
        add_member(app, world.a.tenant_id, "hr", email="hr@medtech-nord.example")
        module = published_module(
            world.a.api, max_attempts=None, recertify_after_days=30, title="Social-Media-Leitlinie", required=False
        )  # optional modules: assigned below with the due dates the reminders run against
        start = clock.now()
        due = start + timedelta(days=10)
        world.a.api.post(
            "/training/assignments",
            json={"module_id": module["id"], "member_ids": [str(member_id)], "due_at": clock.isoformat(due)},
        )
        b_member, _ = add_member(app, world.b.tenant_id, "influencer", email="b@agentur-sued.example")
        b_module = published_module(world.b.api, required=False)
        world.b.api.post(
            "/training/assignments",
            json={"module_id": b_module["id"], "all_members": True, "due_at": clock.isoformat(due)},
        )

        assert "reminded 0" in remind(app, start + timedelta(days=1))  # not due soon yet
        # due within 3 days: Lena in A; in B everybody was assigned (the owner and one member)
        assert "reminded 3" in remind(app, due - timedelta(days=2))
        assert "reminded 0" in remind(app, due - timedelta(days=2) + timedelta(hours=6))  # at most once a day
        lena = smtp_server.inbox.wait_for(3) and smtp_server.inbox.to("lena@medtech-nord.example")
        assert len(lena) == 1 and "Erinnerung" in lena[0].message["Subject"]
        assert re.search(LOCAL_TIME, lena[0].message["Subject"]) and not re.search(ISO_TIME, lena[0].message["Subject"])

        output = remind(app, due + timedelta(days=1))  # overdue: reminders plus a digest per tenant
        assert "reminded 3, digest recipients 2" in output  # B has no HR: its owner gets the digest
        mails = smtp_server.inbox.wait_for(8)
        digest = [m for m in mails if "hr@medtech-nord.example" in m.rcpt_tos]
        assert len(digest) == 1 and digest[0].message["Subject"] == "Wochenbericht: 1 überfällige Schulungen"
        assert "Lena" not in digest[0].message["Subject"] and "Test Member" in digest[0].message.get_content()
        assert "b@agentur-sued.example" not in digest[0].message.get_content()
        remind(app, due + timedelta(days=2))  # same ISO week: no second digest
        assert len(smtp_server.inbox.to("hr@medtech-nord.example")) == 1

        with clock.frozen(due + timedelta(days=3)):
            assert (
                world.a.api.as_(token)
                .post(f"/training/modules/{module['id']}/attempts", json=answers(module))
                .get_json()["passed"]
            )
        expiry = due + timedelta(days=34)
        with clock.frozen(expiry):
            assert world.a.api.as_(token).get("/me/assignments").get_json()[0]["status"] == "expired"
        assert "reopened 1" in remind(app, expiry)
        with clock.frozen(expiry + timedelta(minutes=1)):
            item = world.a.api.as_(token).get("/me/assignments").get_json()[0]
        assert item["status"] == "assigned" and item["completed_at"] is None
