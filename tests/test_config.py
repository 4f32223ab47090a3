"""Configuration from the environment: links follow the port `make run` serves on."""

from __future__ import annotations

import pytest

from app.config import Config
from tests.gamification.helpers import influencer, publish_post
from tests.tenants.test_members import invite

BASE = {"DATABASE_URL": "sqlite://", "SECRET_KEY": "test"}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:5000"),
        ({"PORT": "8080"}, "http://127.0.0.1:8080"),
        ({"PORT": "8080", "PUBLIC_BASE_URL": ""}, "http://127.0.0.1:8080"),
        ({"PORT": "8080", "PUBLIC_BASE_URL": "https://advocacy.example.com/"}, "https://advocacy.example.com"),
        ({"PUBLIC_BASE_URL": "https://advocacy.example.com"}, "https://advocacy.example.com"),
        ({"PORT": "not-a-port"}, "http://127.0.0.1:5000"),
        ({"PORT": "70000"}, "http://127.0.0.1:5000"),
    ],
)
def test_public_base_url_follows_port_unless_set(env, expected):
    assert Config({**BASE, **env}).PUBLIC_BASE_URL == expected


def test_port_8080_writes_its_own_address_into_invitations_and_tracking_links(app, world, smtp_server, monkeypatch):
    """`PORT=8080 make run`: the app's configuration comes from the environment, as create_app reads it."""
    monkeypatch.setenv("PORT", "8080")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    app.config["PUBLIC_BASE_URL"] = Config().PUBLIC_BASE_URL
    app.config["SMTP_URL"] = smtp_server.url

    assert invite(world.a.api).status_code == 201
    [mail] = smtp_server.inbox.wait_for(1)
    assert "POST http://127.0.0.1:8080/api/v1/invitations/accept" in mail.message.get_content()

    post = publish_post(influencer(app, world.b))
    tracking_url = world.b.api.get(f"/posts/{post['id']}").get_json()["tracking_url"]
    assert tracking_url.startswith("http://127.0.0.1:8080/r/")
    assert "5000" not in mail.message.get_content() + tracking_url


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, (1.0, 1.0, 3, 10.0, 5)),
        (
            {
                "REDIS_CONNECT_TIMEOUT": "0.25",
                "REDIS_SOCKET_TIMEOUT": "2",
                "DATABASE_CONNECT_TIMEOUT": "5",
                "DATABASE_POOL_TIMEOUT": "2.5",
                "RETRY_AFTER": "30",
            },
            (0.25, 2.0, 5, 2.5, 30),
        ),
        # Not a positive number: the default, never "wait forever" (0) or an error at start-up.
        (
            {
                "REDIS_CONNECT_TIMEOUT": "0",
                "REDIS_SOCKET_TIMEOUT": "soon",
                "DATABASE_CONNECT_TIMEOUT": "-1",
                "DATABASE_POOL_TIMEOUT": "",
                "RETRY_AFTER": "0",
            },
            (1.0, 1.0, 3, 10.0, 5),
        ),
    ],
)
def test_outage_timeouts_are_positive_seconds(env, expected):
    config = Config({**BASE, **env})
    got = (
        config.REDIS_CONNECT_TIMEOUT,
        config.REDIS_SOCKET_TIMEOUT,
        config.DATABASE_CONNECT_TIMEOUT,
        config.DATABASE_POOL_TIMEOUT,
        config.RETRY_AFTER,
    )
    assert got == expected


@pytest.mark.parametrize(
    ("env", "intervals", "recovery"),
    [
        ({}, [10, 60, 300], (60, 120)),
        (
            {"JOB_RETRY_INTERVALS": "5, 30", "JOB_RECOVERY_INTERVAL": "15", "JOB_RECOVERY_GRACE": "45"},
            [5, 30],
            (15, 45),
        ),
        ({"JOB_RETRY_INTERVALS": ""}, [], (60, 120)),  # never retry: one attempt
        ({"JOB_RETRY_INTERVALS": "ten", "JOB_RECOVERY_GRACE": "-5"}, [10, 60, 300], (60, 0)),
    ],
)
def test_job_retry_and_recovery_settings(env, intervals, recovery):
    config = Config({**BASE, **env})
    assert config.JOB_RETRY_INTERVALS == intervals
    assert (config.JOB_RECOVERY_INTERVAL, config.JOB_RECOVERY_GRACE) == recovery
