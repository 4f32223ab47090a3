"""Schemas for posts, decisions, publications and the approval chain."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.schemas import HTTP_URL_PATTERN, NOT_BLANK_PATTERN, UTCDateTimeField, not_blank
from engagement.compliance.schemas import FindingSchema
from engagement.posts.chain import LEVEL_ROLES, MAX_LEVELS
from engagement.posts.models import APPROVAL_ROUTES, DECISIONS, POST_STATUSES
from engagement.posts.platforms import MAX_TEXT_LENGTH, TEXT_LIMITS
from tenants.policy import PLATFORMS
from tenants.schemas import LOCALES

_LIMITS = ", ".join(f"{p} {n:,}" for p, n in TEXT_LIMITS.items())


class LevelSchema(ma.Schema):
    name = ma.fields.String(
        required=True,
        validate=[validate.Length(min=1, max=100), not_blank("name")],
        metadata={
            "description": "Name of the level, e.g. `Fachabteilung` or `Compliance`.",
            "pattern": NOT_BLANK_PATTERN,
        },
    )
    role = ma.fields.String(
        required=True,
        validate=validate.OneOf(LEVEL_ROLES),
        metadata={"description": "The role whose members decide this level."},
    )


class ApprovalChainSchema(ma.Schema):
    levels = ma.fields.List(
        ma.fields.Nested(LevelSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_LEVELS),
        metadata={"description": f"Ordered levels, 1 to {MAX_LEVELS}; every post passes each in turn."},
    )


class ApprovalChainViewSchema(ApprovalChainSchema):
    is_default = ma.fields.Boolean(metadata={"description": "True while the tenant has not set its own chain."})
    updated_at = UTCDateTimeField(allow_none=True, metadata={"description": "When the chain was last changed."})
    updated_by = ma.fields.UUID(allow_none=True, metadata={"description": "Who changed it last."})


class PostCreateSchema(ma.Schema):
    platform = ma.fields.String(
        required=True, validate=validate.OneOf(PLATFORMS), metadata={"description": "Where the post goes."}
    )
    text = ma.fields.String(
        required=True,
        validate=[validate.Length(min=1, max=MAX_TEXT_LENGTH), not_blank("text")],
        metadata={
            "description": f"The post text; at most the platform's limit ({_LIMITS}).",
            "pattern": NOT_BLANK_PATTERN,
        },
    )
    content_id = ma.fields.UUID(
        allow_none=True, metadata={"description": "The content library item this post shares (absent: an own post)."}
    )
    locale = ma.fields.String(
        validate=validate.OneOf(LOCALES),
        metadata={"description": "Language of the text; defaults to the author's locale."},
    )


class PostUpdateSchema(ma.Schema):
    text = ma.fields.String(
        required=True,
        validate=[validate.Length(min=1, max=MAX_TEXT_LENGTH), not_blank("text")],
        metadata={"description": "The new text (a new version with fresh findings).", "pattern": NOT_BLANK_PATTERN},
    )


class DecisionCreateSchema(ma.Schema):
    decision = ma.fields.String(
        required=True, validate=validate.OneOf(DECISIONS), metadata={"description": "`approve` or `reject`."}
    )
    comment = ma.fields.String(
        validate=validate.Length(max=2000),
        allow_none=True,
        metadata={
            "description": "Why; required to approve a text with blocking findings, shown to the author on rejection."
        },
    )


class PublicationSchema(ma.Schema):
    external_url = ma.fields.String(
        required=True,
        validate=[validate.Length(max=2000), validate.Regexp(HTTP_URL_PATTERN, error="Not an http(s) URL.")],
        metadata={"description": "Where the post is live on the platform.", "pattern": HTTP_URL_PATTERN},
    )


class AuthorSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "The author's member id (the post's `member_id`)."})
    name = ma.fields.String(allow_none=True, metadata={"description": "The author's name."})


class PostSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Post id."})
    member_id = ma.fields.UUID(metadata={"description": "The author."})
    author = ma.fields.Nested(
        AuthorSchema,
        metadata={"description": "Who wrote the post, so an approver sees whose post they decide."},
    )
    platform = ma.fields.String(metadata={"description": "Target platform."})
    locale = ma.fields.String(metadata={"description": "Language of the text."})
    content_id = ma.fields.UUID(allow_none=True, metadata={"description": "Shared content library item, if any."})
    text = ma.fields.String(metadata={"description": "Current text."})
    version = ma.fields.Integer(metadata={"description": "Text version, 1 for the first draft."})
    status = ma.fields.String(metadata={"description": "One of " + ", ".join(POST_STATUSES) + "."})
    findings = ma.fields.List(
        ma.fields.Nested(FindingSchema), metadata={"description": "Compliance findings on the current text."}
    )
    round = ma.fields.Integer(metadata={"description": "How often the post has been submitted."})
    levels = ma.fields.List(
        ma.fields.Nested(LevelSchema),
        allow_none=True,
        metadata={"description": "The approval chain of the current round."},
    )
    current_level = ma.fields.Integer(
        allow_none=True, metadata={"description": "The level (1-based) waiting for a decision."}
    )
    awaiting_role = ma.fields.String(
        allow_none=True, metadata={"description": "The role that decides the current level."}
    )
    approval_route = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "How it was approved, one of "
            + ", ".join(APPROVAL_ROUTES)
            + ": every level of the chain, no approval needed, or an unchanged library caption."
        },
    )
    submitted_at = UTCDateTimeField(allow_none=True, metadata={"description": "Last submission."})
    approved_at = UTCDateTimeField(allow_none=True, metadata={"description": "When it was approved."})
    rejected_at = UTCDateTimeField(allow_none=True, metadata={"description": "When it was last rejected."})
    published_at = UTCDateTimeField(allow_none=True, metadata={"description": "When the author published it."})
    withdrawn_at = UTCDateTimeField(allow_none=True, metadata={"description": "When it was withdrawn."})
    external_url = ma.fields.String(allow_none=True, metadata={"description": "The published post on the platform."})
    tracking_url = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "Short link counting clicks (`/r/{code}`), for approved posts with a target: the shared item's URL or the first link in the text."
        },
    )
    created_at = UTCDateTimeField(metadata={"description": "When the draft was created."})
    updated_at = UTCDateTimeField(metadata={"description": "Last change."})


class PostListArgsSchema(ma.Schema):
    status = ma.fields.String(
        validate=validate.OneOf(POST_STATUSES), metadata={"description": "Only posts in this status."}
    )
    member_id = ma.fields.UUID(metadata={"description": "Only this author's posts."})
    platform = ma.fields.String(
        validate=validate.OneOf(PLATFORMS), metadata={"description": "Only posts for this platform."}
    )
    queue = ma.fields.Boolean(
        metadata={"description": "`true`: only posts waiting for a decision the caller may take now."}
    )


class DecisionSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Decision id."})
    round = ma.fields.Integer(metadata={"description": "Submission round it belongs to."})
    level = ma.fields.Integer(metadata={"description": "Level decided (1-based)."})
    level_name = ma.fields.String(metadata={"description": "Name of the level."})
    role = ma.fields.String(metadata={"description": "Role that decided it."})
    member_id = ma.fields.UUID(metadata={"description": "Who decided."})
    post_version = ma.fields.Integer(metadata={"description": "The text version decided on."})
    decision = ma.fields.String(metadata={"description": "`approve` or `reject`."})
    comment = ma.fields.String(allow_none=True, metadata={"description": "The approver's comment."})
    decided_at = UTCDateTimeField(metadata={"description": "When."})


class VersionSchema(ma.Schema):
    version = ma.fields.Integer(metadata={"description": "Version number."})
    text = ma.fields.String(metadata={"description": "The text of this version."})
    findings = ma.fields.List(
        ma.fields.Nested(FindingSchema), metadata={"description": "Findings on this version when it was written."}
    )
    edited_by = ma.fields.UUID(allow_none=True, metadata={"description": "Who wrote it."})
    created_at = UTCDateTimeField(metadata={"description": "When."})
