"""The content library through the API: targeting, locale fallback, validity window, pinned
statements, shared_by_me, sharing in both governance modes, the share report, soft delete,
other tenants' ids and bad input; plus the caption choice and the posts hook directly."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from app import clock, tenancy, transactions
from app.db import db
from engagement.content import services
from engagement.content.models import ContentCaption
from tenants.models import Member
from tests.factories import add_member

DE = "Unser neues Werk in Hamburg ist eröffnet. #Mitarbeiter"
EN = "Our new plant in Hamburg is open. #employee"


def _member(app, world_tenant, *roles, department=None, location=None, locale="de"):
    member_id, token = add_member(app, world_tenant.tenant_id, *roles)
    with app.app_context(), tenancy.scope(world_tenant.tenant_id):
        member = db.session.get(Member, member_id)
        member.department, member.location, member.locale = department, location, locale
        transactions.commit()
    return member_id, world_tenant.api.as_(token)


def _item(api, **fields):
    body = {"title": "Werkseröffnung", "kind": "article", "captions": [{"locale": "de", "text": DE}], **fields}
    response = api.post("/content", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _ids(response):
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()]


def test_feed_targets_falls_back_in_locale_pins_statements_and_marks_shares(app, world):
    b = world.b
    sales_id, sales = _member(app, b, "influencer", department="Vertrieb", location="Hamburg", locale="de")
    _, outsider = _member(app, b, "influencer", location="Berlin", locale="en")
    article = _item(
        b.api,
        url="https://example.com/werk",
        captions=[
            {"locale": "de", "text": DE},
            {"locale": "en", "text": EN},
            {"locale": "de", "platform": "x", "text": "Werk offen! #Mitarbeiter"},
        ],
        departments=["VERTRIEB", "Service"],
        topics=["Standorte"],
    )
    image = _item(b.api, kind="image", captions=[{"locale": "en", "text": EN}], locations=["hamburg"])
    statement = _item(
        b.api,
        kind="statement",
        title="Stellungnahme",
        pinned=True,
        captions=[{"locale": "de", "text": "Wir nehmen Stellung."}],
    )
    marketing = _item(b.api, kind="video", departments=["Marketing"])
    later = _item(b.api, starts_at=clock.isoformat(clock.now() + timedelta(days=1)))
    expired = _item(b.api, starts_at="2020-01-01T00:00:00Z", ends_at="2020-02-01T00:00:00+01:00")

    # Sales in Hamburg: the pinned statement first, then the newest; not Marketing's video,
    # not what is not live yet or any more.
    feed = sales.get("/content")
    assert _ids(feed) == [statement["id"], image["id"], article["id"]]
    by_id = {item["id"]: item for item in feed.get_json()}
    assert by_id[article["id"]]["caption"] == {"locale": "de", "platform": None, "text": DE}
    assert by_id[image["id"]]["caption"]["locale"] == "en"  # no German caption: the one there is
    assert by_id[article["id"]]["share_count"] is None and not any(item["shared_by_me"] for item in feed.get_json())

    # No department, in Berlin, English: only what is for everyone; German is the tenant default.
    only = outsider.get("/content").get_json()
    assert [item["id"] for item in only] == [statement["id"]] and only[0]["caption"]["locale"] == "de"
    assert outsider.get(f"/content/{article['id']}").status_code == 404
    assert sales.get(f"/content/{marketing['id']}").status_code == 404
    assert sales.get(f"/content/{later['id']}").status_code == 404
    assert outsider.post(f"/content/{article['id']}/shares", json={"platform": "linkedin"}).status_code == 404

    # Sharing without a text posts the caption for the platform; Empowerment approves it.
    shared = sales.post(f"/content/{article['id']}/shares", json={"platform": "x"})
    assert shared.status_code == 201, shared.get_json()
    post = shared.get_json()
    assert (post["status"], post["content_id"], post["text"], post["locale"]) == (
        "approved",
        article["id"],
        "Werk offen! #Mitarbeiter",
        "de",
    )
    english = sales.post(f"/content/{article['id']}/shares", json={"platform": "linkedin", "locale": "en"}).get_json()
    assert (english["text"], english["locale"]) == (EN, "en")
    feed = sales.get("/content").get_json()
    assert {item["id"]: item["shared_by_me"] for item in feed} == {
        statement["id"]: False,
        image["id"]: False,
        article["id"]: True,
    }
    assert outsider.get("/content").get_json()[0]["shared_by_me"] is False

    # Staff: the library with filters, share counts and the share report.
    library = b.api.get("/content")
    assert set(_ids(library)) == {
        article["id"],
        image["id"],
        statement["id"],
        marketing["id"],
        later["id"],
        expired["id"],
    }
    assert {i["id"]: i["share_count"] for i in library.get_json()}[article["id"]] == 2
    assert _ids(b.api.get("/content", query_string={"kind": "statement"})) == [statement["id"]]
    assert _ids(b.api.get("/content", query_string={"topic": "standorte"})) == [article["id"]]
    assert set(_ids(b.api.get("/content", query_string={"live": "false"}))) == {later["id"], expired["id"]}
    assert b.api.get("/content", query_string={"feed": "true"}).status_code == 200
    report = b.api.get(f"/content/{article['id']}/shares")
    assert report.status_code == 200
    rows = report.get_json()
    assert [(r["member"]["id"], r["platform"], r["status"], r["caption_unchanged"]) for r in rows] == [
        (str(sales_id), "linkedin", "approved", True),
        (str(sales_id), "x", "approved", True),
    ]
    assert sales.get(f"/content/{article['id']}/shares").status_code == 403
    assert b.api.get(f"/content/{article['id']}/shares", query_string={"platform": "xing"}).get_json() == []

    # Deleting takes it out of feeds and the library, but the sharer and staff still read it.
    assert sales.delete(f"/content/{article['id']}").status_code == 403
    assert b.api.delete(f"/content/{article['id']}").status_code == 204
    assert article["id"] not in _ids(sales.get("/content"))
    assert article["id"] not in _ids(b.api.get("/content"))
    assert _ids(b.api.get("/content", query_string={"archived": "true"})) == [article["id"]]
    kept = sales.get(f"/content/{article['id']}")
    assert kept.status_code == 200 and kept.get_json()["live"] is False and kept.get_json()["shared_by_me"] is True
    assert b.api.get(f"/content/{article['id']}").get_json()["archived_at"] is not None
    assert sales.post(f"/content/{article['id']}/shares", json={"platform": "linkedin"}).status_code == 404
    assert b.api.patch(f"/content/{article['id']}", json={"title": "Neu"}).status_code == 409
    assert (
        sales.post("/posts", json={"platform": "linkedin", "text": DE, "content_id": article["id"]}).status_code == 422
    )


def test_validity_window_opens_and_closes_with_the_clock(app, world):
    b = world.b
    _, member = _member(app, b, "influencer")
    start = clock.now().replace(microsecond=0) + timedelta(days=1)
    with clock.frozen(start - timedelta(hours=1)):
        item = _item(b.api, starts_at=clock.isoformat(start), ends_at=clock.isoformat(start + timedelta(days=1)))
        assert _ids(member.get("/content")) == []
        assert b.api.get(f"/content/{item['id']}").get_json()["live"] is False
        clock.advance(timedelta(hours=1))  # starts_at is inclusive
        assert _ids(member.get("/content")) == [item["id"]]
        clock.advance(timedelta(days=1))  # ends_at is exclusive
        assert _ids(member.get("/content")) == []
        assert member.post(f"/content/{item['id']}/shares", json={"platform": "linkedin"}).status_code == 404


def test_containment_unchanged_caption_is_approved_by_the_library_and_an_edit_waits(app, world):
    a = world.a
    _, member = _member(app, a, "influencer", department="Produktion")
    item = _item(
        a.api,
        kind="statement",
        pinned=True,
        departments=["Produktion"],
        captions=[{"locale": "de", "platform": "linkedin", "text": DE}],
    )

    unchanged = member.post(f"/content/{item['id']}/shares", json={"platform": "linkedin"})
    assert unchanged.status_code == 201, unchanged.get_json()
    assert (unchanged.get_json()["status"], unchanged.get_json()["approval_route"]) == ("approved", "library")
    spaced = member.post(f"/content/{item['id']}/shares", json={"platform": "linkedin", "text": f"  {DE}\n"}).get_json()
    assert spaced["status"] == "approved"
    edited = member.post(
        f"/content/{item['id']}/shares", json={"platform": "linkedin", "text": DE + " Ich bin stolz!"}
    ).get_json()
    assert (edited["status"], edited["current_level"]) == ("pending_approval", 1)
    # Containment allows only some platforms.
    assert member.post(f"/content/{item['id']}/shares", json={"platform": "instagram"}).status_code == 422
    rows = a.api.get(f"/content/{item['id']}/shares").get_json()
    assert sorted((r["status"], r["caption_unchanged"]) for r in rows) == [
        ("approved", True),
        ("approved", True),
        ("pending_approval", False),
    ]


def test_other_tenants_items_answer_404(app, world):
    a, b = world.a, world.b
    _, member_a = _member(app, a, "influencer")
    foreign = _item(b.api)
    for response in (
        a.api.get(f"/content/{foreign['id']}"),
        a.api.patch(f"/content/{foreign['id']}", json={"title": "x"}),
        a.api.delete(f"/content/{foreign['id']}"),
        a.api.get(f"/content/{foreign['id']}/shares"),
        member_a.get(f"/content/{foreign['id']}"),
        member_a.post(f"/content/{foreign['id']}/shares", json={"platform": "linkedin"}),
    ):
        assert response.status_code == 404
    assert foreign["id"] not in _ids(a.api.get("/content"))
    assert (
        member_a.post("/posts", json={"platform": "linkedin", "text": DE, "content_id": foreign["id"]}).status_code
        == 422
    )
    assert b.api.get(f"/content/{foreign['id']}").get_json()["archived_at"] is None
    assert a.api.get(f"/content/{uuid.uuid4()}").status_code == 404


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "article", "pinned": True}, "pinned"),
        ({"pinned": "yes", "kind": "statement"}, "pinned"),
        ({"starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"}, "ends_at"),
        ({"starts_at": "2030-01-02T00:00:00"}, "starts_at"),
        ({"captions": []}, "captions"),
        ({"captions": [{"locale": "de", "text": "a"}, {"locale": "de", "platform": None, "text": "b"}]}, "captions"),
        ({"captions": [{"locale": "de", "platform": "x", "text": "x" * 281}]}, "captions"),
        ({"captions": [{"locale": "fr", "text": "Bonjour"}]}, "captions"),
        ({"captions": [{"locale": "de", "text": " \n"}]}, "captions"),
        ({"kind": "podcast"}, "kind"),
        ({"title": "   "}, "title"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"departments": ["a"] * 51}, "departments"),
    ],
)
def test_bad_items_answer_422_with_the_field(world, body, field):
    response = world.b.api.post(
        "/content", json={"title": "T", "kind": "statement", "captions": [{"locale": "de", "text": DE}], **body}
    )
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"]


def test_updates_are_checked_against_the_whole_item_and_audited(app, world):
    b = world.b
    statement = _item(b.api, kind="statement", pinned=True, starts_at="2030-01-01T00:00:00Z")
    assert "pinned" in b.api.patch(f"/content/{statement['id']}", json={"kind": "article"}).get_json()["errors"]["json"]
    assert (
        "ends_at"
        in b.api.patch(f"/content/{statement['id']}", json={"ends_at": "2029-01-01T00:00:00Z"}).get_json()["errors"][
            "json"
        ]
    )
    assert b.api.patch(f"/content/{statement['id']}", json={"captions": []}).status_code == 422
    changed = b.api.patch(
        f"/content/{statement['id']}",
        json={
            "pinned": False,
            "kind": "article",
            "departments": ["Vertrieb", "vertrieb "],
            "captions": [{"locale": "en", "text": EN}],
        },
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["kind"], body["pinned"], body["departments"], body["captions"]) == (
        "article",
        False,
        ["Vertrieb"],
        [{"locale": "en", "platform": None, "text": EN}],
    )
    actions = [e["action"] for e in b.api.get("/audit-events").get_json()["items"]]
    assert "content.created" in actions and "content.updated" in actions


def test_sharing_refuses_a_locale_without_caption_and_needs_the_scope_to_manage(app, world):
    b = world.b
    _, member = _member(app, b, "influencer")
    item = _item(b.api)
    missing = member.post(f"/content/{item['id']}/shares", json={"platform": "linkedin", "locale": "en"})
    assert missing.status_code == 422 and "locale" in missing.get_json()["errors"]["json"]
    own = member.post(f"/content/{item['id']}/shares", json={"platform": "linkedin", "locale": "en", "text": EN})
    assert own.status_code == 201 and own.get_json()["locale"] == "en"
    assert member.post(f"/content/{item['id']}/shares", json={"platform": "myspace"}).status_code == 422
    assert (
        member.post(
            "/content", json={"title": "T", "kind": "article", "captions": [{"locale": "de", "text": DE}]}
        ).status_code
        == 403
    )
    assert member.patch(f"/content/{item['id']}", json={"title": "T"}).status_code == 403


def _caption(locale, platform, text, position):
    return ContentCaption(content_id=uuid.uuid4(), position=position, locale=locale, platform=platform, text=text)


def test_pick_caption_prefers_locale_then_platform_then_any_platform():
    captions = [
        _caption("en", None, "en", 0),
        _caption("de", "x", "de-x", 1),
        _caption("de", None, "de", 2),
        _caption("de", "linkedin", "de-li", 3),
    ]
    assert services.pick_caption(captions, ["de"]).text == "de"
    assert services.pick_caption(captions, ["de"], "x").text == "de-x"
    assert services.pick_caption(captions, ["de"], "xing").text == "de"
    assert services.pick_caption(captions, ["fr", "en"]).text == "en"
    assert services.pick_caption(captions[1:2], ["de"], "linkedin").text == "de-x"  # the locale beats the platform
    assert services.pick_caption(captions[1:], ["en"]).locale == "de"  # any, as a last resort
    assert services.pick_caption(captions[1:], ["en"], any_locale=False) is None
    assert services.pick_caption([], ["de"]) is None


def test_the_posts_hook_knows_live_items_their_captions_and_url(app, world):
    b = world.b
    item = _item(
        b.api,
        url="https://example.com/a",
        captions=[{"locale": "de", "text": DE}, {"locale": "en", "platform": "x", "text": EN}],
    )
    foreign = _item(world.a.api, url="https://example.com/b")
    item_id = uuid.UUID(item["id"])
    with app.app_context(), tenancy.scope(b.tenant_id):
        assert services.SOURCE.is_live(item_id)
        assert services.SOURCE.caption_matches(item_id, f"\n {EN} ")
        assert not services.SOURCE.caption_matches(item_id, DE + "!")
        assert services.SOURCE.url(item_id) == "https://example.com/a"
        assert not services.SOURCE.is_live(uuid.UUID(foreign["id"]))
        assert services.SOURCE.url(uuid.UUID(foreign["id"])) is None
    assert b.api.delete(f"/content/{item['id']}").status_code == 204
    with app.app_context(), tenancy.scope(b.tenant_id):
        assert not services.SOURCE.is_live(item_id)
        assert services.SOURCE.url(item_id) == "https://example.com/a"
