"""Times in emails: the tenant's time zone, the reader's language, to the minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app import clock, localdates
from tests.tenants.test_members import invite

#: What a time in an email looks like (either language), and what it must no longer look like.
LOCAL_TIME = r"\d{1,2}\.? \w+ \d{4}, \d{1,2}:\d\d"
ISO_TIME = r"\d{4}-\d\d-\d\d"
WINTER = datetime(2026, 12, 7, 13, 30, 15, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "locale", "zone", "expected"),
    [
        (WINTER, "de", "Europe/Berlin", "7. Dezember 2026, 14:30"),
        (WINTER, "en", "Europe/Berlin", "7 December 2026, 2:30 pm"),
        (WINTER.replace(hour=23, minute=5), "de", "Europe/Berlin", "8. Dezember 2026, 00:05"),
        (WINTER.replace(hour=23, minute=5), "en", "Europe/Berlin", "8 December 2026, 12:05 am"),
        (datetime(2026, 7, 1, 10, 0, tzinfo=UTC), "de", "Europe/Berlin", "1. Juli 2026, 12:00"),  # summer time
        (datetime(2026, 3, 1, 12, 0, tzinfo=UTC), "en", "America/New_York", "1 March 2026, 7:00 am"),
        (WINTER.replace(tzinfo=None), "fr", None, "7 December 2026, 1:30 pm"),  # naive UTC, unknown locale
        (WINTER, "de", "Mars/Olympus", "7. Dezember 2026, 13:30"),  # unknown zone: UTC
    ],
)
def test_format_datetime(value, locale, zone, expected):
    assert localdates.format_datetime(value, locale, zone) == expected


def test_invitation_email_shows_the_expiry_in_the_tenants_zone_and_the_members_language(world, app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    world.a.api.patch("/tenant", json={"settings": {"timezone": "Europe/Berlin"}})
    with clock.frozen(WINTER - timedelta(days=14)):
        invite(world.a.api, email="lena@medtech-nord.example", name="Lena", locale="de")
        invite(world.a.api, email="jane@medtech-nord.example", name="Jane", locale="en")
    smtp_server.inbox.wait_for(2)
    lena = smtp_server.inbox.to("lena@medtech-nord.example")[0].message.get_content()
    jane = smtp_server.inbox.to("jane@medtech-nord.example")[0].message.get_content()
    assert "(gültig bis 7. Dezember 2026, 14:30)" in lena
    assert "(valid until 7 December 2026, 2:30 pm)" in jane
    assert "123456" not in lena + jane and "T13:30" not in lena + jane
