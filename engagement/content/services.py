"""The content library: items, captions, targeting, the member's feed and sharing.

An item is *live* while it is not archived and inside its validity window. A member's feed
holds the live items targeted to them: an item without departments (locations) is for every
department (location); otherwise the member's department (location) must be one of them,
compared case-insensitively. Pinned statements come first, then the newest.

Sharing creates a post through the governance workflow (``engagement.posts.services``); the
library tells that workflow which items are live, which texts are unchanged captions (in
Containment they count as centrally approved) and where tracking links point
(:data:`SOURCE`, registered by ``engagement.register``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select

from app import clock
from app.auth import Principal
from app.db import db
from app.errors import Conflict, NotFound, ValidationFailed, field_error
from engagement.archive import services as archive
from engagement.content.models import ContentCaption, ContentItem, ContentTag
from engagement.content.schemas import rule_errors
from engagement.posts import services as posts
from engagement.posts.models import Post
from tenants import audit, members
from tenants.models import Member
from tenants.services import setting

TAG_FIELDS = {"topics": "topic", "departments": "department", "locations": "location"}
SCALAR_FIELDS = ("title", "kind", "url", "body", "starts_at", "ends_at", "pinned")


def tag_key(value: str) -> str:
    """How tags and member attributes are compared: trimmed and case-folded (the members' rule,
    :func:`tenants.members.attribute_key`)."""
    return members.attribute_key(value) or ""


#: :func:`tag_key` of a member attribute that may be unset or blank (None then).
optional_tag_key = members.attribute_key


# --- Conditions ----------------------------------------------------------------------------


def live_condition(now=None):
    """SQL condition: not archived and inside the validity window at ``now``."""
    now = now or clock.now()
    return and_(
        ContentItem.archived_at.is_(None),
        or_(ContentItem.starts_at.is_(None), ContentItem.starts_at <= now),
        or_(ContentItem.ends_at.is_(None), ContentItem.ends_at > now),
    )


def _tag_exists(kind: str, key: str | None = None):
    condition = exists().where(
        ContentTag.content_id == ContentItem.id, ContentTag.tenant_id == ContentItem.tenant_id, ContentTag.kind == kind
    )
    return condition.where(ContentTag.key == key) if key is not None else condition


def targeted_condition(member: Member):
    """SQL condition: the item is for everyone or for the member's department and location."""
    parts = []
    for kind, attribute in (("department", member.department), ("location", member.location)):
        key = optional_tag_key(attribute)
        parts.append(or_(~_tag_exists(kind), _tag_exists(kind, key)) if key else ~_tag_exists(kind))
    return and_(*parts)


def _in_feed(member: Member):
    return and_(live_condition(), targeted_condition(member))


# --- Reading -------------------------------------------------------------------------------


def listing(filters: dict[str, Any], principal: Principal) -> Select:
    """The caller's feed (members, or staff asking for ``feed``) or the whole library (staff)."""
    statement = select(ContentItem)
    if principal.has("content:manage") and not filters.get("feed"):
        if filters.get("archived"):
            statement = statement.where(ContentItem.archived_at.is_not(None))
        else:
            statement = statement.where(ContentItem.archived_at.is_(None))
        if "live" in filters:
            statement = statement.where(live_condition() if filters["live"] else ~live_condition())
        order = (ContentItem.created_at.desc(), ContentItem.id.desc())
    else:
        statement = statement.where(_in_feed(members.get(principal.member_id)))
        order = (ContentItem.pinned.desc(), ContentItem.created_at.desc(), ContentItem.id.desc())
    if filters.get("kind"):
        statement = statement.where(ContentItem.kind == filters["kind"])
    if filters.get("topic"):
        statement = statement.where(_tag_exists("topic", tag_key(filters["topic"])))
    return statement.order_by(*order)


def get(item_id: uuid.UUID, principal: Principal) -> ContentItem:
    """The item if the caller may read it, else 404.

    Staff read every item of the library, archived ones too. Members read the items in their
    feed and the items they have shared (those stay readable after they expire or are deleted).
    """
    statement = select(ContentItem).where(ContentItem.id == item_id)
    if not principal.has("content:manage"):
        member = members.get(principal.member_id)
        statement = statement.where(or_(_in_feed(member), _shared_by(member.id)))
    item = db.session.scalar(statement)
    if item is None:
        raise NotFound("No such content item.")
    return item


def _shared_by(member_id: uuid.UUID):
    return exists().where(
        Post.content_id == ContentItem.id, Post.tenant_id == ContentItem.tenant_id, Post.member_id == member_id
    )


def _manageable(item_id: uuid.UUID) -> ContentItem:
    item = db.session.scalar(select(ContentItem).where(ContentItem.id == item_id).with_for_update())
    if item is None:
        raise NotFound("No such content item.")
    return item


def is_live(item: ContentItem, now=None) -> bool:
    now = now or clock.now()
    return (
        item.archived_at is None
        and (item.starts_at is None or item.starts_at <= now)
        and (item.ends_at is None or item.ends_at > now)
    )


def pick_caption(
    captions: list[ContentCaption], locales: list[str], platform: str | None = None, any_locale: bool = True
) -> ContentCaption | None:
    """The best caption: the first of ``locales`` that has one (then any locale, if allowed);
    within a locale the one for ``platform``, then one for any platform, then any other."""
    ordered = sorted(captions, key=lambda c: c.position)
    candidates = [locale for locale in locales if locale]
    if any_locale:
        candidates += [c.locale for c in ordered]
    for locale in candidates:
        in_locale = [c for c in ordered if c.locale == locale]
        if not in_locale:
            continue
        for wanted in ([platform] if platform else []) + [None]:
            for caption in in_locale:
                if caption.platform == wanted:
                    return caption
        return in_locale[0]
    return None


def _captions_of(item_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ContentCaption]]:
    found: dict[uuid.UUID, list[ContentCaption]] = defaultdict(list)
    if item_ids:
        for caption in db.session.scalars(
            select(ContentCaption).where(ContentCaption.content_id.in_(item_ids)).order_by(ContentCaption.position)
        ):
            found[caption.content_id].append(caption)
    return found


def _tags_of(item_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, list[str]]]:
    found: dict[uuid.UUID, dict[str, list[str]]] = defaultdict(lambda: {kind: [] for kind in TAG_FIELDS.values()})
    if item_ids:
        for tag in db.session.scalars(
            select(ContentTag).where(ContentTag.content_id.in_(item_ids)).order_by(ContentTag.value, ContentTag.id)
        ):
            found[tag.content_id][tag.kind].append(tag.value)
    return found


def views(items: list[ContentItem], principal: Principal) -> list[dict[str, Any]]:
    """Items as the API shows them to the caller: their caption, whether they shared each one,
    and (staff) how often each has been shared. A fixed number of queries per page."""
    ids = [item.id for item in items]
    if not ids:
        return []
    captions, tags = _captions_of(ids), _tags_of(ids)
    member = members.get(principal.member_id)
    locales = [member.locale, setting("default_locale")]
    shared = set(
        db.session.scalars(
            select(Post.content_id)
            .where(Post.content_id.in_(ids), Post.member_id == member.id, Post.status != "withdrawn")
            .distinct()
        )
    )
    counts = None
    if principal.has("content:manage"):
        counts = dict(
            db.session.execute(
                select(Post.content_id, func.count())
                .where(Post.content_id.in_(ids), Post.status != "withdrawn")
                .group_by(Post.content_id)
            ).all()
        )
    now = clock.now()
    result = []
    for item in items:
        chosen = pick_caption(captions[item.id], locales)
        result.append(
            {
                "id": item.id,
                "title": item.title,
                "kind": item.kind,
                "url": item.url,
                "body": item.body,
                "caption": _caption_view(chosen) if chosen else None,
                "captions": [_caption_view(c) for c in captions[item.id]],
                "topics": tags[item.id]["topic"],
                "departments": tags[item.id]["department"],
                "locations": tags[item.id]["location"],
                "starts_at": item.starts_at,
                "ends_at": item.ends_at,
                "pinned": item.pinned,
                "live": is_live(item, now),
                "shared_by_me": item.id in shared,
                "share_count": counts.get(item.id, 0) if counts is not None else None,
                "archived_at": item.archived_at,
                "created_at": item.created_at,
                "updated_at": item.updated_at,
            }
        )
    return result


def view(item: ContentItem, principal: Principal) -> dict[str, Any]:
    return views([item], principal)[0]


def _caption_view(caption: ContentCaption) -> dict[str, Any]:
    return {"locale": caption.locale, "platform": caption.platform, "text": caption.text}


# --- Changing the library ------------------------------------------------------------------


def _set_captions(item: ContentItem, captions: list[dict[str, Any]]) -> None:
    for old in db.session.scalars(select(ContentCaption).where(ContentCaption.content_id == item.id)):
        db.session.delete(old)
    db.session.flush()
    for position, caption in enumerate(captions):
        db.session.add(
            ContentCaption(
                content_id=item.id,
                position=position,
                locale=caption["locale"],
                platform=caption.get("platform"),
                text=caption["text"],
            )
        )


def _set_tags(item: ContentItem, kind: str, values: list[str]) -> None:
    for old in db.session.scalars(select(ContentTag).where(ContentTag.content_id == item.id, ContentTag.kind == kind)):
        db.session.delete(old)
    db.session.flush()
    seen: set[str] = set()
    for value in values:
        key = tag_key(value)
        if key in seen:
            continue  # the same department twice, differently capitalised
        seen.add(key)
        db.session.add(ContentTag(content_id=item.id, kind=kind, value=value.strip(), key=key))


def _auditable(item: ContentItem, data: dict[str, Any]) -> dict[str, Any]:
    values = {field: getattr(item, field) for field in SCALAR_FIELDS}
    values.update({field: data[field] for field in (*TAG_FIELDS, "captions") if field in data})
    return values


def create(data: dict[str, Any], actor: Principal) -> ContentItem:
    """Add an item to the library (staff); audited, and archived where the policy archives."""
    item = ContentItem(
        title=data["title"],
        kind=data["kind"],
        url=data.get("url"),
        body=data.get("body"),
        pinned=data.get("pinned", False),
        starts_at=data.get("starts_at"),
        ends_at=data.get("ends_at"),
        created_by=actor.member_id,
    )
    db.session.add(item)
    db.session.flush()
    _set_captions(item, data["captions"])
    for field, kind in TAG_FIELDS.items():
        _set_tags(item, kind, data.get(field) or [])
    db.session.flush()
    after = _auditable(item, data)
    audit.record("content.created", "content", item.id, after=after)
    archive.record("content.created", "content", item.id, after, actor_member_id=actor.member_id)
    return item


def update(item_id: uuid.UUID, changes: dict[str, Any], actor: Principal) -> ContentItem:
    """Change an item (staff); lists given replace the item's lists. A deleted item answers 409."""
    item = _manageable(item_id)
    if item.archived_at is not None:
        raise Conflict("The item has been deleted from the library; it can no longer be changed.")
    merged = {field: changes.get(field, getattr(item, field)) for field in ("kind", "pinned", "starts_at", "ends_at")}
    errors = rule_errors(merged)
    if errors:
        raise ValidationFailed({"json": errors})
    before = _auditable(item, {})
    for field in SCALAR_FIELDS:
        if field in changes:
            setattr(item, field, changes[field] if field != "pinned" else bool(changes[field]))
    if "captions" in changes:
        before["captions"] = [_caption_view(c) for c in _captions_of([item.id])[item.id]]
        _set_captions(item, changes["captions"])
    current_tags = _tags_of([item.id])[item.id] if any(field in changes for field in TAG_FIELDS) else {}
    for field, kind in TAG_FIELDS.items():
        if field in changes:
            before[field] = current_tags[kind]
            _set_tags(item, kind, changes[field] or [])
    item.updated_at = clock.now()
    db.session.flush()
    old, new = audit.changes(before, _auditable(item, changes))
    if new:
        audit.record("content.updated", "content", item.id, before=old, after=new)
        archive.record(
            "content.updated", "content", item.id, {"before": old, "after": new}, actor_member_id=actor.member_id
        )
    return item


def delete(item_id: uuid.UUID, actor: Principal) -> None:
    """Take an item out of the library and the feeds: a soft delete, since posts point at it."""
    item = _manageable(item_id)
    if item.archived_at is not None:
        return
    item.archived_at, item.archived_by = clock.now(), actor.member_id
    audit.record("content.deleted", "content", item.id, before={"title": item.title, "kind": item.kind})
    archive.record("content.deleted", "content", item.id, {"title": item.title}, actor_member_id=actor.member_id)


# --- Sharing -------------------------------------------------------------------------------


def share(item_id: uuid.UUID, data: dict[str, Any], principal: Principal) -> Post:
    """Share an item from the caller's feed: a post through the governance workflow.

    Without ``text`` the post takes the item's caption for the locale and platform (in
    Containment an unchanged caption counts as centrally approved; an edit goes through the
    approval chain).
    """
    member = members.get(principal.member_id)
    item = db.session.scalar(select(ContentItem).where(ContentItem.id == item_id, _in_feed(member)))
    if item is None:
        raise NotFound("No such content item in your feed.")
    text, locale = data.get("text"), data.get("locale")
    if text is None:
        captions = _captions_of([item.id])[item.id]
        if locale:
            caption = pick_caption(captions, [locale], data["platform"], any_locale=False)
        else:
            caption = pick_caption(captions, [member.locale, setting("default_locale")], data["platform"])
        if caption is None:
            raise field_error("json", "locale", "The item has no caption in this language; give your own text.")
        text, locale = caption.text, caption.locale
    post = posts.create(
        {"platform": data["platform"], "text": text, "content_id": item.id, "locale": locale}, principal
    )
    return posts.submit(post, principal)


def shares(item_id: uuid.UUID, filters: dict[str, Any]) -> Select:
    """The posts sharing an item, newest first (staff report); the item may be deleted."""
    item = db.session.scalar(select(ContentItem.id).where(ContentItem.id == item_id))
    if item is None:
        raise NotFound("No such content item.")
    statement = select(Post).where(Post.content_id == item_id)
    for field in ("status", "platform"):
        if filters.get(field):
            statement = statement.where(getattr(Post, field) == filters[field])
    return statement.order_by(Post.created_at.desc(), Post.id.desc())


def share_views(rows: list[Post]) -> list[dict[str, Any]]:
    if not rows:
        return []
    people = members.by_id(p.member_id for p in rows)
    texts: dict[uuid.UUID, set[str]] = defaultdict(set)
    for caption in _captions_of(list({p.content_id for p in rows})).values():
        for c in caption:
            texts[c.content_id].add(c.text.strip())
    result = []
    for post in rows:
        person = people.get(post.member_id)
        result.append(
            {
                "post_id": post.id,
                "member": {
                    "id": post.member_id,
                    "name": person.name if person else None,
                    "department": person.department if person else None,
                },
                "platform": post.platform,
                "locale": post.locale,
                "status": post.status,
                "caption_unchanged": post.text.strip() in texts[post.content_id],
                "shared_at": post.created_at,
                "approved_at": post.approved_at,
                "published_at": post.published_at,
            }
        )
    return result


# --- What the posts workflow asks the library ----------------------------------------------


class LibrarySource:
    """The library as ``engagement.posts.services`` sees it (its ``ContentSource``)."""

    def is_live(self, content_id: uuid.UUID) -> bool:
        item = db.session.get(ContentItem, content_id)  # a share has loaded it already: no query
        return item is not None and is_live(item)

    def caption_matches(self, content_id: uuid.UUID, text: str) -> bool:
        wanted = text.strip()
        return any(c.text.strip() == wanted for c in _captions_of([content_id])[content_id])

    def url(self, content_id: uuid.UUID) -> str | None:
        item = db.session.get(ContentItem, content_id)
        return item.url if item is not None else None


SOURCE = LibrarySource()
