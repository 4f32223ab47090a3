"""Schemas for content library items, the feed, shares and the share report."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.schemas import NOT_BLANK_PATTERN, BoundedDateTime, StrictBoolean, UTCDateTimeField, not_blank
from engagement.content.models import KINDS, PINNABLE_KINDS
from engagement.posts.models import POST_STATUSES
from engagement.posts.platforms import MAX_TEXT_LENGTH, TEXT_LIMITS
from engagement.tracking import targets
from tenants.policy import PLATFORMS
from tenants.schemas import LOCALES

MAX_CAPTIONS = 40
MAX_TAGS = 50
_LIMITS = ", ".join(f"{p} {n:,}" for p, n in TEXT_LIMITS.items())

#: Cross-field rules of the create and update bodies (documented for the contract test).
CONTENT_RULES = (
    "`ends_at` must be later than `starts_at`; only `statement` items may be `pinned`; a caption "
    "for a platform must fit that platform's text limit; at most one caption per locale and platform."
)


def _tags(what: str) -> ma.fields.List:
    return ma.fields.List(
        ma.fields.String(
            validate=[validate.Length(min=1, max=100), not_blank(what)],
            metadata={"description": f"A {what}.", "pattern": NOT_BLANK_PATTERN},
        ),
        validate=validate.Length(max=MAX_TAGS),
        metadata={"description": f"Up to {MAX_TAGS} values; matched case-insensitively."},
    )


class CaptionSchema(ma.Schema):
    locale = ma.fields.String(
        required=True, validate=validate.OneOf(LOCALES), metadata={"description": "Language of the caption."}
    )
    platform = ma.fields.String(
        allow_none=True,
        validate=validate.OneOf(PLATFORMS),
        metadata={"description": "The platform this caption is written for; null or absent: any platform."},
    )
    text = ma.fields.String(
        required=True,
        validate=[validate.Length(min=1, max=MAX_TEXT_LENGTH), not_blank("caption")],
        metadata={
            "description": f"The ready-to-post text; at most the platform's limit ({_LIMITS}).",
            "pattern": NOT_BLANK_PATTERN,
        },
    )

    @ma.validates_schema
    def _fits_platform(self, data, **kwargs):
        platform = data.get("platform")
        if platform and len(data["text"]) > TEXT_LIMITS[platform]:
            raise ma.ValidationError(
                f"{len(data['text'])} characters; {platform} allows at most {TEXT_LIMITS[platform]}.", field_name="text"
            )


def _captions(required: bool) -> ma.fields.List:
    return ma.fields.List(
        ma.fields.Nested(CaptionSchema),
        required=required,
        validate=validate.Length(min=1, max=MAX_CAPTIONS),
        metadata={
            "description": f"Captions per locale and platform, 1 to {MAX_CAPTIONS}; an update replaces them all."
        },
    )


class _ContentBody(ma.Schema):
    title = ma.fields.String(
        validate=[validate.Length(min=1, max=200), not_blank("title")],
        metadata={"description": "Title shown in the library and the feed.", "pattern": NOT_BLANK_PATTERN},
    )
    kind = ma.fields.String(
        validate=validate.OneOf(KINDS),
        metadata={"description": "`article`, `image`, `video` or `statement` (an official position)."},
    )
    url = targets.url_field("The article, image or video to share; target of the posts' tracking links.")
    body = ma.fields.String(
        allow_none=True,
        validate=validate.Length(max=20_000),
        metadata={"description": "Background for the members (not posted), up to 20,000 characters."},
    )
    captions = _captions(required=False)
    topics = _tags("topic")
    departments = _tags("department")
    locations = _tags("location")
    starts_at = BoundedDateTime(allow_none=True, metadata={"description": "Live from (inclusive); null: at once."})
    ends_at = BoundedDateTime(allow_none=True, metadata={"description": "Live until (exclusive); null: open-ended."})
    pinned = StrictBoolean(metadata={"description": "Shown first in the feed; only for `statement` items."})

    @ma.validates_schema
    def _cross_field(self, data, **kwargs):
        errors = rule_errors(data)
        if errors:
            raise ma.ValidationError(errors)


def rule_errors(data: dict) -> dict:
    """Breaches of the cross-field rules in ``data`` (a body, or an item merged with an update)."""
    errors: dict = {}
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts is not None and ends is not None and ends <= starts:
        errors["ends_at"] = ["Must be later than starts_at."]
    if data.get("pinned") and data.get("kind") is not None and data["kind"] not in PINNABLE_KINDS:
        errors["pinned"] = ["Only statements can be pinned."]
    captions = data.get("captions") or []
    seen: set = set()
    for index, caption in enumerate(captions):
        key = (caption.get("locale"), caption.get("platform"))
        if key in seen:
            errors.setdefault("captions", {})[index] = {"platform": ["A second caption for this locale and platform."]}
        seen.add(key)
    return errors


class ContentCreateSchema(_ContentBody):
    title = ma.fields.String(
        required=True,
        validate=[validate.Length(min=1, max=200), not_blank("title")],
        metadata={"description": "Title shown in the library and the feed.", "pattern": NOT_BLANK_PATTERN},
    )
    kind = ma.fields.String(
        required=True,
        validate=validate.OneOf(KINDS),
        metadata={"description": "`article`, `image`, `video` or `statement` (an official position)."},
    )
    captions = _captions(required=True)


class ContentUpdateSchema(_ContentBody):
    """Every field optional; `captions`, `topics`, `departments` and `locations` replace the lists."""


class CaptionViewSchema(ma.Schema):
    locale = ma.fields.String(metadata={"description": "Language of the caption."})
    platform = ma.fields.String(allow_none=True, metadata={"description": "Platform it is written for; null: any."})
    text = ma.fields.String(metadata={"description": "The ready-to-post text."})


class ContentSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Content item id."})
    title = ma.fields.String(metadata={"description": "Title."})
    kind = ma.fields.String(metadata={"description": "`article`, `image`, `video` or `statement`."})
    url = ma.fields.String(allow_none=True, metadata={"description": "What is shared; target of tracking links."})
    body = ma.fields.String(allow_none=True, metadata={"description": "Background for the members."})
    caption = ma.fields.Nested(
        CaptionViewSchema,
        allow_none=True,
        metadata={
            "description": "The caption for the caller: their locale, else the tenant's default locale, else any; a caption for any platform preferred."
        },
    )
    captions = ma.fields.List(
        ma.fields.Nested(CaptionViewSchema), metadata={"description": "Every caption of the item."}
    )
    topics = ma.fields.List(ma.fields.String(), metadata={"description": "Topics."})
    departments = ma.fields.List(ma.fields.String(), metadata={"description": "Targeted departments; empty: everyone."})
    locations = ma.fields.List(ma.fields.String(), metadata={"description": "Targeted locations; empty: everyone."})
    starts_at = UTCDateTimeField(allow_none=True, metadata={"description": "Live from."})
    ends_at = UTCDateTimeField(allow_none=True, metadata={"description": "Live until."})
    pinned = ma.fields.Boolean(metadata={"description": "A pinned statement (shown first)."})
    live = ma.fields.Boolean(metadata={"description": "Not archived and inside its validity window now."})
    shared_by_me = ma.fields.Boolean(
        metadata={"description": "The caller has a post sharing this item that is not withdrawn."}
    )
    share_count = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "Staff only (else null): posts sharing the item that are not withdrawn."},
    )
    archived_at = UTCDateTimeField(
        allow_none=True, metadata={"description": "When it was deleted from the library (it stays readable)."}
    )
    created_at = UTCDateTimeField(metadata={"description": "When it was added."})
    updated_at = UTCDateTimeField(metadata={"description": "Last change."})


class ContentListArgsSchema(ma.Schema):
    kind = ma.fields.String(validate=validate.OneOf(KINDS), metadata={"description": "Only items of this kind."})
    topic = ma.fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Only items with this topic (case-insensitive)."},
    )
    live = ma.fields.Boolean(metadata={"description": "Staff: only live (`true`) or only not live (`false`) items."})
    archived = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "Staff: `true` lists deleted (archived) items instead of the library."},
    )
    feed = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "Staff: `true` shows the caller's own feed, as members see theirs."},
    )


class ShareCreateSchema(ma.Schema):
    platform = ma.fields.String(
        required=True, validate=validate.OneOf(PLATFORMS), metadata={"description": "Where to post."}
    )
    locale = ma.fields.String(
        validate=validate.OneOf(LOCALES),
        metadata={
            "description": "Language; without `text` the item needs a caption in it. Default: the caller's locale with the feed's fallback."
        },
    )
    text = ma.fields.String(
        validate=[validate.Length(min=1, max=MAX_TEXT_LENGTH), not_blank("text")],
        metadata={
            "description": "Own wording; absent: the caption for the locale and platform. In Containment an unchanged caption counts as approved, an edit goes through the approval chain.",
            "pattern": NOT_BLANK_PATTERN,
        },
    )


class ShareMemberSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Member id."})
    name = ma.fields.String(metadata={"description": "Name."})
    department = ma.fields.String(allow_none=True, metadata={"description": "Department."})


class ShareSchema(ma.Schema):
    post_id = ma.fields.UUID(metadata={"description": "The post that shares the item."})
    member = ma.fields.Nested(ShareMemberSchema, metadata={"description": "Who shared it."})
    platform = ma.fields.String(metadata={"description": "On which platform."})
    locale = ma.fields.String(metadata={"description": "In which language."})
    status = ma.fields.String(metadata={"description": "The post's status: one of " + ", ".join(POST_STATUSES) + "."})
    caption_unchanged = ma.fields.Boolean(
        metadata={"description": "The text is one of the item's captions, unchanged."}
    )
    shared_at = UTCDateTimeField(metadata={"description": "When the post was created."})
    approved_at = UTCDateTimeField(allow_none=True, metadata={"description": "When it was approved."})
    published_at = UTCDateTimeField(allow_none=True, metadata={"description": "When it was published."})


class ShareListArgsSchema(ma.Schema):
    status = ma.fields.String(
        validate=validate.OneOf(POST_STATUSES), metadata={"description": "Only shares whose post has this status."}
    )
    platform = ma.fields.String(
        validate=validate.OneOf(PLATFORMS), metadata={"description": "Only shares on this platform."}
    )
