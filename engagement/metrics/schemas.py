"""Schemas for metric ingestion and the reach and value reports."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import marshmallow as ma
from marshmallow import validate

from app.schemas import DATETIME_RE, BoundedDateTime, UTCDateTimeField, body_integer
from engagement.metrics.models import METRICS
from engagement.metrics.services import MAX_BATCH, MAX_VALUE


class ObservationSchema(ma.Schema):
    post_id = ma.fields.UUID(required=True, metadata={"description": "The published post the count belongs to."})
    metric = ma.fields.String(
        required=True,
        validate=validate.OneOf(METRICS),
        metadata={"description": "What was counted: " + ", ".join(f"`{m}`" for m in METRICS) + "."},
    )
    value = body_integer(
        required=True,
        validate=validate.Range(min=0, max=MAX_VALUE),
        metadata={"description": "The cumulative count at `observed_at` (a non-negative JSON integer)."},
    )
    observed_at = BoundedDateTime(
        required=True,
        metadata={
            "description": "When the platform reported this count (ISO 8601 with offset); the latest one is the current value."
        },
    )


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_KEYS = frozenset(ObservationSchema._declared_fields)
_METRICS = frozenset(METRICS)


def _plain(item) -> dict | None:
    """An observation in its usual shape, parsed without marshmallow (None: anything unusual).

    Accepts only what the nested schema accepts too (canonical UUIDs, ISO 8601 with an offset,
    JSON integers in range, known metrics), with the same result; everything else goes through
    the schema, which names the field and index that are wrong.
    """
    if type(item) is not dict or item.keys() != _KEYS:
        return None
    post_id, metric, value, observed_at = item["post_id"], item["metric"], item["value"], item["observed_at"]
    if type(post_id) is not str or type(metric) is not str or type(observed_at) is not str:
        return None
    if not _UUID.match(post_id) or metric not in _METRICS:
        return None
    if type(value) is not int or not 0 <= value <= MAX_VALUE or not DATETIME_RE.fullmatch(observed_at):
        return None
    try:
        parsed = datetime.fromisoformat(observed_at)
    except ValueError:
        return None
    return {"post_id": uuid.UUID(post_id), "metric": metric, "value": value, "observed_at": parsed.astimezone(UTC)}


class ObservationList(ma.fields.List):
    """A list of observations: the usual shape parsed in one tight loop, anything else by the schema."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list) and len(value) <= MAX_BATCH:
            parsed = [_plain(item) for item in value]
            if None not in parsed:
                return parsed
        return super()._deserialize(value, attr, data, **kwargs)


class IngestSchema(ma.Schema):
    observations = ObservationList(
        ma.fields.Nested(ObservationSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_BATCH),
        metadata={
            "description": f"1 to {MAX_BATCH:,} observations; errors name the offending index (`observations.<index>.<field>`)."
        },
    )


class IngestResultSchema(ma.Schema):
    accepted = ma.fields.Integer(metadata={"description": "Observations stored by this call."})
    duplicates = ma.fields.Integer(
        metadata={"description": "Observations stored before (or repeated in the batch); they change nothing."}
    )


class StatsArgsSchema(ma.Schema):
    since = BoundedDateTime(metadata={"description": "Only posts published at or after this time."})
    until = BoundedDateTime(metadata={"description": "Only posts published before this time."})

    @ma.validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise ma.ValidationError({"until": ["Must be after `since`."]})


class StatsSchema(ma.Schema):
    since = UTCDateTimeField(
        allow_none=True, metadata={"description": "Start of the period (null: from the beginning)."}
    )
    until = UTCDateTimeField(
        allow_none=True, metadata={"description": "End of the period, exclusive (null: until now)."}
    )
    posts = ma.fields.Integer(metadata={"description": "Published posts in the period."})
    impressions = ma.fields.Integer(metadata={"description": "Impressions of those posts (latest cumulative values)."})
    reactions = ma.fields.Integer(metadata={"description": "Reactions (likes and the like)."})
    comments = ma.fields.Integer(metadata={"description": "Comments."})
    reshares = ma.fields.Integer(metadata={"description": "Reshares."})
    clicks = ma.fields.Integer(
        metadata={
            "description": "Clicks counted once: per post the larger of `platform_clicks` and `tracked_clicks` "
            "(a click on the tracking link in a post can reach both counts), summed over the posts."
        }
    )
    platform_clicks = ma.fields.Integer(
        metadata={"description": "Clicks the platforms reported (latest values of the metric `clicks`)."}
    )
    tracked_clicks = ma.fields.Integer(
        metadata={
            "description": "Clicks on the posts' tracking links (bots, crawlers, link previews not counted), all days."
        }
    )
    unique_clicks = ma.fields.Integer(metadata={"description": "Unique tracking-link clicks (per visitor and day)."})
    engagement_rate = ma.fields.Float(
        allow_none=True,
        metadata={"description": "(reactions + comments + reshares) / impressions (null without impressions)."},
    )
    potential_reach = ma.fields.Integer(
        metadata={"description": "Sum over the posts of the author's followers on the platform at publication."}
    )
    earned_media_value = ma.fields.Integer(
        metadata={
            "description": "CPM x impressions / 1000 (rounded half up) + CPC x `clicks` (each click valued once), "
            "in minor units of `currency`."
        }
    )
    currency = ma.fields.String(metadata={"description": "ISO 4217 currency of `earned_media_value` (tenant setting)."})


class PlatformReachSchema(ma.Schema):
    platform = ma.fields.String(metadata={"description": "Platform."})
    posts = ma.fields.Integer(metadata={"description": "Published posts on it in the period."})
    potential_reach = ma.fields.Integer(
        metadata={"description": "Employees' potential reach: sum of the posts' potential reach."}
    )
    corporate_followers = ma.fields.Integer(
        metadata={"description": "Followers of the company's own accounts there (tenant setting)."}
    )
    amplification_factor = ma.fields.Float(
        allow_none=True,
        metadata={"description": "potential_reach / corporate_followers (null without corporate followers)."},
    )


class TenantStatsSchema(StatsSchema):
    corporate_followers = ma.fields.Integer(
        metadata={"description": "Followers of the company's own accounts, all platforms."}
    )
    amplification_factor = ma.fields.Float(
        allow_none=True,
        metadata={
            "description": "Employees' potential reach / corporate followers, all platforms (null without corporate followers)."
        },
    )
    reach_by_platform = ma.fields.List(
        ma.fields.Nested(PlatformReachSchema),
        metadata={"description": "Reach next to corporate followers per platform."},
    )
    cpm = ma.fields.Integer(metadata={"description": "Tenant's cost per 1,000 impressions, minor units."})
    cpc = ma.fields.Integer(metadata={"description": "Tenant's cost per click, minor units."})
    members_posting = ma.fields.Integer(
        metadata={"description": "Members with at least one published post in the period."}
    )
    active_members = ma.fields.Integer(metadata={"description": "Active members now."})
    participation_rate = ma.fields.Float(
        allow_none=True, metadata={"description": "members_posting / active_members (null without active members)."}
    )
