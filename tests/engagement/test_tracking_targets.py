"""Tracking links never lead to internal hosts: one rule (engagement.tracking.targets) for content
URLs (422 on `url`), an own post's first link (422 on `text`), ensure_link (422 on `target_url`)
and the redirect (410 for a stored target the rule now refuses); bare IP hosts only with
TRACKING_ALLOW_IP_HOSTS."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import update

from app import tenancy, transactions
from app.db import db
from app.errors import ValidationFailed
from engagement.tracking import services, targets
from engagement.tracking.models import TrackingLink
from tests.factories import add_member

CAPTION = "Unser neues Werk in Hamburg ist eröffnet. #Mitarbeiter"
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"

INTERNAL = [
    "http://127.0.0.1/admin",
    "http://127.9.9.9:8080/x",
    "http://10.1.2.3/intranet",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.1.1/router",
    "http://169.254.169.254/latest/meta-data",
    "http://0.0.0.0/",
    "http://[::ffff:127.0.0.1]/",
    "https://foo.localhost/",
    "http://localhost.:8080/",
    "http://user@127.0.0.1/",  # userinfo: the host is what follows the @
    "http://127.0.0.1\\@example.com/",  # a browser ends the authority at the backslash
    "http://0x7f.1/",  # hex and short forms a browser reads as 127.0.0.1
    "http://0177.0.0.1/",
    "http://127.0.0.%31/",
    "http://\uff11\uff12\uff17.0.0.1/",  # full-width digits
]
IP_HOSTS = ["http://93.184.216.34/article", "https://8.8.8.8./x", "http://172.32.0.1/"]
ALLOWED = [
    "https://example.com/blog/werk",
    "https://www.medtech-nord.example:8443/a?b=c#d",
    "http://example.com\\@127.0.0.1/",  # the host is example.com (the rest is the path)
    "https://localhost.example.com/",
    "https://127.0.0.1.example.com/",
]


def _member(app, tenant, *roles):
    _, token = add_member(app, tenant.tenant_id, *roles)
    return tenant.api.as_(token)


def _content(api, url):
    body = {"title": "Werk", "kind": "article", "url": url, "captions": [{"locale": "de", "text": CAPTION}]}
    return api.post("/content", json=body)


def _refusal(app, url):
    with app.app_context():
        return targets.refusal(url)


@pytest.mark.parametrize("url", INTERNAL + IP_HOSTS)
def test_content_urls_to_internal_or_ip_hosts_answer_422_naming_url(world, url):
    response = _content(world.b.api, url)
    assert response.status_code == 422, response.get_json()
    assert list(response.get_json()["errors"]["json"]) == ["url"]


def test_content_url_updates_follow_the_same_rule(world):
    api = world.b.api
    item = _content(api, "https://example.com/werk").get_json()
    response = api.patch(f"/content/{item['id']}", json={"url": "http://192.168.0.10/werk"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["url"] == [targets.INTERNAL_MESSAGE]
    assert api.get(f"/content/{item['id']}").get_json()["url"] == "https://example.com/werk"


def test_an_own_posts_first_link_to_an_internal_host_answers_422_naming_text(app, world):
    author = _member(app, world.b, "influencer")
    for text in (
        "Unser Dashboard: http://localhost:3000/board #Mitarbeiter",
        "Intern unter http://10.0.0.7/wiki nachlesen.",
        "Neu: http://93.184.216.34/artikel",
    ):
        response = author.post("/posts", json={"platform": "linkedin", "text": text})
        assert response.status_code == 422, response.get_json()
        assert list(response.get_json()["errors"]["json"]) == ["text"]

    draft = author.post("/posts", json={"platform": "linkedin", "text": "Neu: https://example.com/artikel"})
    assert draft.status_code == 201
    edited = author.patch(f"/posts/{draft.get_json()['id']}", json={"text": "Neu: http://127.0.0.1/artikel"})
    assert edited.status_code == 422 and list(edited.get_json()["errors"]["json"]) == ["text"]

    # A share's target is the item's URL: links in its text are not the target.
    item = _content(world.b.api, "https://example.com/werk").get_json()
    share = author.post(
        f"/content/{item['id']}/shares", json={"platform": "linkedin", "text": "Siehe auch http://10.0.0.7/wiki"}
    )
    assert share.status_code == 201, share.get_json()


def test_ip_hosts_pass_only_with_tracking_allow_ip_hosts(app, world, monkeypatch):
    api = world.b.api
    assert _content(api, "http://93.184.216.34/article").status_code == 422
    monkeypatch.setitem(app.config, "TRACKING_ALLOW_IP_HOSTS", True)
    assert _content(api, "http://93.184.216.34/article").status_code == 201
    for url in INTERNAL:  # internal addresses stay refused
        assert _content(api, url).status_code == 422, url


def test_the_redirect_answers_410_when_the_stored_target_is_now_refused(app, world, client, monkeypatch):
    b = world.b
    monkeypatch.setitem(app.config, "TRACKING_ALLOW_IP_HOSTS", True)
    item = _content(b.api, "http://93.184.216.34/article").get_json()
    author = _member(app, b, "influencer")
    post = author.post(f"/content/{item['id']}/shares", json={"platform": "linkedin"}).get_json()
    assert post["status"] == "approved" and post["tracking_url"], post
    code = post["tracking_url"].rsplit("/", 1)[1]
    headers = {"User-Agent": BROWSER}
    followed = client.get(f"/r/{code}", headers=headers)
    assert followed.status_code == 302 and followed.headers["Location"].startswith("http://93.184.216.34/article?")

    monkeypatch.setitem(app.config, "TRACKING_ALLOW_IP_HOSTS", False)
    gone = client.get(f"/r/{code}", headers=headers)
    assert gone.status_code == 410 and "Location" not in gone.headers

    # A target stored before the rule existed (written behind the API's back) is gone too.
    with app.app_context(), tenancy.scope(b.tenant_id):
        db.session.execute(update(TrackingLink).where(TrackingLink.code == code).values(target_url="http://10.0.0.1/"))
        transactions.commit()
    assert client.get(f"/r/{code}", headers=headers).status_code == 410
    assert b.api.get(f"/engagement/links/{post['id']}").get_json()["clicks"] == 1  # only the redirect counted


def test_ensure_link_refuses_internal_targets_naming_target_url(app, world):
    author = _member(app, world.b, "influencer")
    post = author.post("/posts", json={"platform": "linkedin", "text": "Heute im Büro. #Mitarbeiter"}).get_json()
    with app.app_context(), tenancy.scope(world.b.tenant_id):
        with pytest.raises(ValidationFailed) as refused:
            services.ensure_link(uuid.UUID(post["id"]), "http://169.254.169.254/")
        assert refused.value.errors == {"json": {"target_url": [targets.INTERNAL_MESSAGE]}}


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_spellings_are_refused(app, url):
    assert _refusal(app, url) == targets.INTERNAL_MESSAGE


@pytest.mark.parametrize("url", IP_HOSTS)
def test_public_ip_hosts_are_refused_by_default(app, url):
    assert _refusal(app, url) == targets.IP_MESSAGE


@pytest.mark.parametrize("url", ALLOWED)
def test_public_names_are_allowed(app, url):
    assert _refusal(app, url) is None
