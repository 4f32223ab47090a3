"""Tracking links: the redirect with UTM parameters, click counting (bots, unique visitors per
day without raw IPs), the staff report, the services the posts and metrics work call, two
tenants' codes, and the PostgreSQL RLS path of the lookup by code."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import create_engine, select, text

from app import clock, tenancy, transactions
from app.db import app_role_url, db
from app.errors import NotFound, ValidationFailed
from app.events import OutboxEvent
from engagement.tracking import services
from engagement.tracking.models import TrackingLink
from tests.clock_support import pinned_clock  # noqa: F401 (fixture)
from tests.factories import add_member

ORDINARY = "Heute auf dem Sommerfest unseres Teams in Hamburg: danke an alle, die dabei waren! #Mitarbeiter"
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
BOTS = [
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Twitterbot/1.0",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "WhatsApp/2.23.20.0",
    "TelegramBot (like TwitterBot)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/8.5.0",
    "Wget/1.21.4",
    "python-requests/2.32.3",
]


def _approved_post(app, tenant, platform="linkedin") -> dict:
    """An ordinary post through the API, taken through whatever approval the tenant needs."""
    _, token = add_member(app, tenant.tenant_id, "influencer")
    author = tenant.api.as_(token)
    draft = author.post("/posts", json={"platform": platform, "text": ORDINARY})
    assert draft.status_code == 201, draft.get_json()
    post = author.post(f"/posts/{draft.get_json()['id']}/submit").get_json()
    while post["status"] == "pending_approval":
        _, approver_token = add_member(app, tenant.tenant_id, post["awaiting_role"])
        decided = tenant.api.as_(approver_token).post(
            f"/posts/{post['id']}/decisions", json={"decision": "approve", "comment": "ok"}
        )
        assert decided.status_code == 200, decided.get_json()
        post = decided.get_json()
    assert post["status"] == "approved", post
    return post


def _link(app, tenant, post_id, target="https://example.com/blog/sommerfest") -> TrackingLink:
    with app.app_context(), tenancy.scope(tenant.tenant_id):
        link = services.ensure_link(uuid.UUID(str(post_id)), target)
        transactions.commit()
        return link


def _click(client, code, agent=BROWSER, ip="203.0.113.7", method="GET", headers=None):
    headers = {**({"User-Agent": agent} if agent is not None else {}), **(headers or {})}
    return client.open(f"/r/{code}", method=method, headers=headers, environ_base={"REMOTE_ADDR": ip})


def _report(tenant, post_id):
    response = tenant.api.get(f"/engagement/links/{post_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _clicked_events(app, tenant_id):
    with app.app_context(), tenancy.scope(tenant_id):
        return [
            e.payload
            for e in db.session.scalars(select(OutboxEvent).where(OutboxEvent.name == "engagement.link_clicked"))
        ]


@pytest.mark.usefixtures("pinned_clock")  # the click's day is today's: never straddle midnight
def test_redirect_adds_utm_keeps_the_query_and_counts_the_click(app, world, client):
    b = world.b
    post = _approved_post(app, b)
    link = _link(app, b, post["id"], "https://example.com/blog/sommerfest?ref=intranet&utm_source=old#fotos")
    assert len(link.code) == 8 and link.code.isalnum()

    response = _click(client, link.code)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path, location.fragment) == (
        "https",
        "example.com",
        "/blog/sommerfest",
        "fotos",
    )
    assert parse_qsl(location.query) == [
        ("ref", "intranet"),
        ("utm_source", "linkedin"),
        ("utm_medium", "employee_advocacy"),
        ("utm_campaign", "own_post"),
    ]
    assert response.headers["Cache-Control"] == "no-store"

    report = _report(b, post["id"])
    assert (report["code"], report["clicks"], report["unique_clicks"]) == (link.code, 1, 1)
    assert report["tracking_url"].endswith(f"/r/{link.code}")
    assert report["days"] == [{"day": clock.now().date().isoformat(), "clicks": 1, "unique_clicks": 1}]
    [event] = _clicked_events(app, b.tenant_id)
    assert event["post_id"] == post["id"] and event["member_id"] == post["member_id"] and event["unique"] is True
    assert event["link_id"] == str(link.id) and event["day"] == clock.now().date().isoformat()


def test_bots_previews_and_head_requests_are_redirected_but_not_counted(app, world, client):
    b = world.b
    post = _approved_post(app, b)
    link = _link(app, b, post["id"])
    for agent in BOTS:
        assert _click(client, link.code, agent).status_code == 302, agent
    assert _click(client, link.code, agent=None).status_code == 302  # no user agent at all
    assert _click(client, link.code, method="HEAD").status_code == 302
    assert _click(client, link.code, headers={"Sec-Purpose": "prefetch"}).status_code == 302
    assert _click(client, link.code, headers={"Purpose": "prefetch"}).status_code == 302
    report = _report(b, post["id"])
    assert (report["clicks"], report["unique_clicks"], report["days"]) == (0, 0, [])
    assert _clicked_events(app, b.tenant_id) == []

    assert _click(client, link.code, PHONE).status_code == 302  # a person on a phone counts
    assert _report(b, post["id"])["clicks"] == 1


def test_unique_clicks_per_day_without_storing_ip_addresses(app, world, client, owner_engine):
    b = world.b
    post = _approved_post(app, b)
    link = _link(app, b, post["id"])
    day_one = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with clock.frozen(day_one):
        for _ in range(3):
            _click(client, link.code)  # the same visitor three times
        _click(client, link.code, ip="198.51.100.23")  # another address
        _click(client, link.code, PHONE)  # same address, another device
        clock.advance(timedelta(hours=13, minutes=59))  # 23:59 in Berlin (the tenant's zone), still day one
        _click(client, link.code)
        clock.advance(timedelta(minutes=2))  # day two in Berlin: the first visitor is unique again
        _click(client, link.code)
        _click(client, link.code)

    report = _report(b, post["id"])
    assert report["days"] == [
        {"day": "2026-11-24", "clicks": 2, "unique_clicks": 1},
        {"day": "2026-11-23", "clicks": 6, "unique_clicks": 3},
    ]
    assert (report["clicks"], report["unique_clicks"]) == (8, 4)
    assert [e["unique"] for e in _clicked_events(app, b.tenant_id)].count(True) == 4

    # No IP address and no user agent anywhere: only keyed hashes, different per day.
    with owner_engine.connect() as connection:
        rows = connection.execute(text("SELECT day, visitor_hash FROM tracking_visitors")).all()
        dump = " ".join(
            str(v)
            for table in ("tracking_visitors", "tracking_click_days", "tracking_links")
            for row in connection.execute(text(f"SELECT * FROM {table}"))
            for v in row
        )
    assert len(rows) == 4 and all(len(h) == 64 for _, h in rows)
    assert "203.0.113.7" not in dump and "198.51.100.23" not in dump and "Mozilla" not in dump

    # The hashes serve only the day: purging keeps the counts.
    with app.app_context(), tenancy.scope(b.tenant_id):
        assert services.purge_visitors(date(2026, 11, 24)) == 3
        transactions.commit()
    with owner_engine.connect() as connection:
        assert [str(r[0]) for r in connection.execute(text("SELECT day FROM tracking_visitors"))] == ["2026-11-24"]
    assert _report(b, post["id"])["clicks"] == 8
    with app.app_context(), tenancy.scope(b.tenant_id):
        totals = services.click_totals([uuid.UUID(post["id"])])
        assert totals == {uuid.UUID(post["id"]): {"clicks": 8, "unique_clicks": 4}}
        assert services.click_totals([uuid.UUID(post["id"])], since=date(2026, 11, 24)) == {
            uuid.UUID(post["id"]): {"clicks": 2, "unique_clicks": 1}
        }
        assert services.tenant_click_totals(until=date(2026, 11, 23)) == {"clicks": 6, "unique_clicks": 3}


def test_unknown_codes_answer_404(app, world, client):
    b = world.b
    link = _link(app, b, _approved_post(app, b)["id"])
    unknown = "Zz" + link.code[2:] if not link.code.startswith("Zz") else "Yy" + link.code[2:]
    for code in (unknown, "short", "a" * 9, "abc-defg", "%00abcdefg"):
        response = client.get(f"/r/{code}", headers={"User-Agent": BROWSER})
        assert response.status_code == 404, code
        assert response.get_json()["code"] == 404
    assert _report(b, _report_post_id(app, b, link))["clicks"] == 0


def _report_post_id(app, tenant, link):
    with app.app_context(), tenancy.scope(tenant.tenant_id):
        return db.session.scalar(select(TrackingLink.post_id).where(TrackingLink.id == link.id))


def test_ensure_link_is_idempotent_validates_and_serves_list_views(app, world):
    b = world.b
    post = _approved_post(app, b)
    first = _link(app, b, post["id"], "https://example.com/a")
    again = _link(app, b, post["id"], "https://example.com/a")
    assert (again.id, again.code) == (first.id, first.code)
    moved = _link(app, b, post["id"], "https://example.com/b")
    assert (moved.code, moved.target_url) == (first.code, "https://example.com/b")
    other = _approved_post(app, b, platform="xing")
    with app.app_context(), tenancy.scope(b.tenant_id):
        for bad in ("javascript:alert(1)", "ftp://example.com/x", "https://", "https://example.com/" + "x" * 2000):
            with pytest.raises(ValidationFailed) as refused:
                services.ensure_link(uuid.UUID(other["id"]), bad)
            assert refused.value.status == 422
        with pytest.raises(NotFound) as missing:
            services.ensure_link(uuid.uuid4(), "https://example.com/")
        assert missing.value.status == 404
        urls = services.tracking_urls([uuid.UUID(post["id"]), uuid.UUID(other["id"])])
        assert urls == {uuid.UUID(post["id"]): f"{app.config['PUBLIC_BASE_URL']}/r/{first.code}"}
        assert services.tracking_urls([]) == {}
        transactions.rollback()


def test_two_tenants_codes_are_independent(app, world, client):
    a, b = world.a, world.b
    post_a, post_b = _approved_post(app, a), _approved_post(app, b, platform="xing")
    link_a = _link(app, a, post_a["id"], "https://a.example/news")
    link_b = _link(app, b, post_b["id"], "https://b.example/jobs")
    assert link_a.code != link_b.code

    assert urlsplit(_click(client, link_a.code).headers["Location"]).netloc == "a.example"
    location_b = urlsplit(_click(client, link_b.code).headers["Location"])
    assert location_b.netloc == "b.example" and ("utm_source", "xing") in parse_qsl(location_b.query)
    _click(client, link_b.code, PHONE)
    assert (_report(a, post_a["id"])["clicks"], _report(b, post_b["id"])["clicks"]) == (1, 2)

    # Another tenant's post: 404 in the report and nothing in the services.
    assert a.api.get(f"/engagement/links/{post_b['id']}").status_code == 404
    assert b.api.get(f"/engagement/links/{post_a['id']}").status_code == 404
    with app.app_context(), tenancy.scope(a.tenant_id):
        assert services.click_totals([uuid.UUID(post_b["id"])]) == {
            uuid.UUID(post_b["id"]): {"clicks": 0, "unique_clicks": 0}
        }
        assert services.tracking_urls([uuid.UUID(post_b["id"])]) == {}
        assert services.tenant_click_totals() == {"clicks": 1, "unique_clicks": 1}
        with pytest.raises(NotFound) as foreign:
            services.ensure_link(uuid.UUID(post_b["id"]), "https://a.example/steal")
        assert foreign.value.status == 404
        transactions.rollback()
    assert [e["post_id"] for e in _clicked_events(app, a.tenant_id)] == [post_a["id"]]


def test_the_report_needs_staff(app, world):
    b = world.b
    post = _approved_post(app, b)
    _link(app, b, post["id"])
    _, influencer = add_member(app, b.tenant_id, "influencer")
    assert b.api.as_(influencer).get(f"/engagement/links/{post['id']}").status_code == 403
    assert b.api.as_(None).get(f"/engagement/links/{post['id']}").status_code == 401
    unlinked = _approved_post(app, b)
    assert b.api.get(f"/engagement/links/{unlinked['id']}").status_code == 404


def test_postgresql_rls_admits_a_link_only_by_its_code(app, world, is_postgres, database_url):
    if not is_postgres:
        pytest.skip("row-level security exists only on PostgreSQL (CI runs it)")
    a, b = world.a, world.b
    link_a = _link(app, a, _approved_post(app, a)["id"])
    link_b = _link(app, b, _approved_post(app, b)["id"])
    engine = create_engine(app_role_url(database_url, "cip_app", None))
    try:
        with engine.begin() as connection:
            connection.execute(
                text("SELECT set_config('app.tenant_id', '', true), set_config('app.credential_hash', :c, true)"),
                {"c": link_a.code},
            )
            assert connection.execute(text("SELECT code FROM tracking_links")).scalars().all() == [link_a.code]
            assert connection.execute(text("SELECT count(*) FROM tracking_click_days")).scalar() == 0
        with engine.begin() as connection:
            connection.execute(
                text("SELECT set_config('app.tenant_id', '', true), set_config('app.credential_hash', '', true)")
            )
            assert connection.execute(text("SELECT count(*) FROM tracking_links")).scalar() == 0
        with engine.begin() as connection:
            connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(a.tenant_id)})
            assert connection.execute(text("SELECT code FROM tracking_links")).scalars().all() == [link_a.code]
            with pytest.raises(Exception, match="row-level security"):
                with connection.begin_nested():
                    connection.execute(
                        text(
                            "INSERT INTO tracking_click_days (id, tenant_id, link_id, day, clicks, unique_clicks) VALUES (:i, :t, :l, CURRENT_DATE, 1, 1)"
                        ),
                        {"i": str(uuid.uuid4()), "t": str(b.tenant_id), "l": str(link_b.id)},
                    )
    finally:
        engine.dispose()
    # And through the app, connected as the same role: the redirect finds the link by its code.
    client = app.test_client()
    assert _click(client, link_b.code).status_code == 302
    assert _report(b, _report_post_id(app, b, link_b))["clicks"] == 1


# -- rules, unit-tested --------------------------------------------------------------------


def _fake_link(target, platform="linkedin", content_id=None):
    return TrackingLink(
        post_id=uuid.uuid4(),
        member_id=uuid.uuid4(),
        platform=platform,
        content_id=content_id,
        code="abcdEFGH",
        target_url=target,
    )


def test_redirect_url_rules():
    content_id = uuid.uuid4()
    assert services.redirect_url(_fake_link("https://example.com")) == (
        "https://example.com?utm_source=linkedin&utm_medium=employee_advocacy&utm_campaign=own_post"
    )
    # The target's query stays byte for byte; its own UTM parameters are replaced, not doubled.
    url = services.redirect_url(
        _fake_link("https://example.com/p?q=a%20b&x=1+2&UTM_x=k&utm_campaign=spring#top", "x", content_id)
    )
    assert (
        url
        == f"https://example.com/p?q=a%20b&x=1+2&UTM_x=k&utm_source=x&utm_medium=employee_advocacy&utm_campaign={content_id}#top"
    )


def test_countable_rules():
    assert services.is_countable("GET", BROWSER)
    assert services.is_countable(
        "GET", "Mozilla/5.0 (Linux; Android 9; CUBOT X19) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36"
    )
    assert not services.is_countable("HEAD", BROWSER)
    assert not services.is_countable("GET", "")
    assert not services.is_countable("GET", BROWSER, {"Sec-Purpose": "prefetch;prerender"})
    for agent in BOTS:
        assert not services.is_countable("GET", agent), agent


def test_visitor_hash_is_keyed_daily_and_per_link(app):
    link_one, link_two = uuid.uuid4(), uuid.uuid4()
    with app.app_context():
        monday = services.visitor_hash(link_one, "203.0.113.7", BROWSER, date(2026, 11, 23))
        assert monday == services.visitor_hash(link_one, "203.0.113.7", BROWSER, date(2026, 11, 23))
        assert monday != services.visitor_hash(link_one, "203.0.113.7", BROWSER, date(2026, 11, 24))
        assert monday != services.visitor_hash(link_two, "203.0.113.7", BROWSER, date(2026, 11, 23))
        assert monday != services.visitor_hash(link_one, "203.0.113.8", BROWSER, date(2026, 11, 23))
        app.config["SECRET_KEY"] = "another"
        assert monday != services.visitor_hash(link_one, "203.0.113.7", BROWSER, date(2026, 11, 23))
