"""Request and response schemas of gamification."""

from __future__ import annotations

from datetime import timedelta

import marshmallow as ma
from marshmallow import validate, validates_schema

from app import clock
from app.pagination import CursorArgsSchema, CursorPageSchema
from app.schemas import BoundedDate, BoundedDateTime, UTCDateTimeField, body_integer, not_blank
from gamification import activities, challenges, config, ledger
from gamification.models import PERIODS
from tenants.policy import PLATFORMS

MAX_THRESHOLD = 10_000_000
MAX_CHALLENGE_DAYS = 366


def _text(max_length: int, description: str, **kwargs) -> ma.fields.String:
    return ma.fields.String(
        validate=[validate.Length(min=1, max=max_length), not_blank("text")],
        metadata={"description": description},
        **kwargs,
    )


# -- point rules and levels ---------------------------------------------------------------

RulesSchema = ma.Schema.from_dict(
    {
        rule: body_integer(
            validate=validate.Range(min=0, max=config.MAX_RULE_VALUE),
            metadata={"description": f"{text} Default {default}."},
        )
        for rule, (default, text) in (config.POINT_RULES | config.LIMIT_RULES).items()
    },
    name="PointRulesSchema",
)


class RulesUpdateSchema(ma.Schema):
    rules = ma.fields.Nested(
        RulesSchema,
        required=True,
        metadata={
            "description": f"Rules to change (0-{config.MAX_RULE_VALUE} each); the others keep their value. Applies from now on, never to past entries."
        },
    )


class RulesViewSchema(ma.Schema):
    rules = ma.fields.Nested(RulesSchema, metadata={"description": "Points per rule, and the click cap, in force now."})
    version = ma.fields.Integer(
        metadata={"description": "Version of the rules; ledger entries carry the version they were written with."}
    )
    updated_at = UTCDateTimeField(
        allow_none=True, metadata={"description": "Last change (null: the defaults were never changed)."}
    )


class PointLevelSchema(ma.Schema):
    name = _text(50, "Name of the level, e.g. `Ambassador`.", required=True)
    min_points = body_integer(
        required=True,
        validate=validate.Range(min=0, max=MAX_THRESHOLD),
        metadata={"description": "All-time points from which the level is reached."},
    )


class PointLevelsSchema(ma.Schema):
    levels = ma.fields.List(
        ma.fields.Nested(PointLevelSchema),
        required=True,
        validate=validate.Length(min=1, max=12),
        metadata={"description": "1-12 levels with strictly increasing `min_points`, the first at 0; names unique."},
    )

    @validates_schema
    def _ordered(self, data, **kwargs):
        levels = data.get("levels") or []
        errors: dict[int, dict[str, list[str]]] = {}
        if levels and levels[0]["min_points"] != 0:
            errors[0] = {"min_points": ["The first level starts at 0 points."]}
        for index in range(1, len(levels)):
            if levels[index]["min_points"] <= levels[index - 1]["min_points"]:
                errors.setdefault(index, {})["min_points"] = ["Must be more than the level before."]
        seen: set[str] = set()
        for index, level in enumerate(levels):
            name = level["name"].strip().casefold()
            if name in seen:
                errors.setdefault(index, {})["name"] = ["Level names must be unique."]
            seen.add(name)
        if errors:
            raise ma.ValidationError({"levels": errors})


class NextLevelSchema(ma.Schema):
    name = ma.fields.String(metadata={"description": "The next level."})
    min_points = ma.fields.Integer(metadata={"description": "Points it needs."})
    points_to_go = ma.fields.Integer(metadata={"description": "Points still missing."})


class MyLevelSchema(ma.Schema):
    name = ma.fields.String(metadata={"description": "The level reached."})
    min_points = ma.fields.Integer(metadata={"description": "Its threshold."})
    next = ma.fields.Nested(
        NextLevelSchema, allow_none=True, metadata={"description": "The next level (null at the top)."}
    )


# -- ledger -------------------------------------------------------------------------------


class PointEntrySchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Entry id."})
    member_id = ma.fields.UUID(metadata={"description": "Whose points."})
    rule = ma.fields.String(
        metadata={"description": "Why: a point rule, `challenge_completed`, `adjustment` or `reversal`."}
    )
    points = ma.fields.Integer(metadata={"description": "Points (negative for corrections)."})
    reason = ma.fields.String(allow_none=True, metadata={"description": "Why a correction was made."})
    subject_id = ma.fields.UUID(
        allow_none=True, metadata={"description": "The post, module, guideline or challenge the points are for."}
    )
    reverses_id = ma.fields.UUID(allow_none=True, metadata={"description": "The entry this one reverses."})
    rule_version = ma.fields.Integer(allow_none=True, metadata={"description": "Version of the point rules applied."})
    occurred_at = UTCDateTimeField(metadata={"description": "When it happened; decides the leaderboard periods."})
    created_at = UTCDateTimeField(metadata={"description": "When the entry was written."})


class MyPointsSchema(CursorPageSchema):
    total = ma.fields.Integer(metadata={"description": "All-time points."})
    level = ma.fields.Nested(MyLevelSchema, metadata={"description": "The level those points reach."})
    items = ma.fields.List(
        ma.fields.Nested(PointEntrySchema), metadata={"description": "Ledger entries, newest first."}
    )


class LedgerPageSchema(CursorPageSchema):
    items = ma.fields.List(
        ma.fields.Nested(PointEntrySchema), metadata={"description": "Ledger entries, newest first."}
    )


class LedgerArgsSchema(CursorArgsSchema):
    member_id = ma.fields.UUID(metadata={"description": "Only this member's entries."})


class ReversalSchema(ma.Schema):
    reason = _text(500, "Why the entry is reversed (kept in the ledger and the audit log).", required=True)


class AdjustmentSchema(ma.Schema):
    member_id = ma.fields.UUID(required=True, metadata={"description": "The member whose points are corrected."})
    points = body_integer(
        required=True,
        validate=[
            validate.Range(min=-ledger.MAX_ADJUSTMENT, max=ledger.MAX_ADJUSTMENT),
            validate.NoneOf([0], error="Must not be 0."),
        ],
        metadata={
            "description": f"Points to add (negative to deduct), -{ledger.MAX_ADJUSTMENT:,} to {ledger.MAX_ADJUSTMENT:,}, not 0."
        },
    )
    reason = _text(500, "Why (kept in the ledger and the audit log).", required=True)


# -- badges and milestones -----------------------------------------------------------------


class CriteriaSchema(ma.Schema):
    metric = ma.fields.String(
        required=True,
        validate=validate.OneOf(tuple(activities.METRICS)),
        metadata={"description": "What is counted: " + "; ".join(f"`{k}`: {v}" for k, v in activities.METRICS.items())},
    )
    threshold = body_integer(
        required=True,
        validate=validate.Range(min=1, max=MAX_THRESHOLD),
        metadata={"description": "Value from which the badge is awarded."},
    )
    window_days = body_integer(
        allow_none=True,
        validate=validate.Range(min=1, max=366),
        metadata={"description": "Count only the last N days (rolling); null or absent: all time."},
    )


class BadgeCreateSchema(ma.Schema):
    name = _text(100, "Name of the badge.", required=True)
    description = ma.fields.String(
        validate=validate.Length(max=1000), allow_none=True, metadata={"description": "What it recognises."}
    )
    criteria = ma.fields.Nested(CriteriaSchema, required=True, metadata={"description": "When it is awarded."})


class ProgressSchema(ma.Schema):
    current = ma.fields.Integer(metadata={"description": "Where the member stands."})
    target = ma.fields.Integer(metadata={"description": "What reaching it takes."})
    ratio = ma.fields.Float(metadata={"description": "current / target, at most 1."})


class BadgeSchema(ma.Schema):
    key = ma.fields.String(metadata={"description": "Built-in key (e.g. `first_steps`) or the tenant badge's id."})
    name = ma.fields.String(metadata={"description": "Name (built-in badges in the caller's locale)."})
    description = ma.fields.String(allow_none=True, metadata={"description": "What it recognises."})
    criteria = ma.fields.Nested(CriteriaSchema, metadata={"description": "When it is awarded."})
    builtin = ma.fields.Boolean(metadata={"description": "Part of the product (true) or defined by the tenant."})


class BadgeListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(BadgeSchema), metadata={"description": "Badges that can be earned."})


class MyBadgeSchema(BadgeSchema):
    awarded_at = UTCDateTimeField(
        allow_none=True, metadata={"description": "When the caller earned it (null: not yet)."}
    )
    progress = ma.fields.Nested(ProgressSchema, metadata={"description": "The caller's progress towards it."})


class MyBadgeListSchema(ma.Schema):
    items = ma.fields.List(
        ma.fields.Nested(MyBadgeSchema), metadata={"description": "Every badge with the caller's progress."}
    )


class MilestoneSchema(ma.Schema):
    key = ma.fields.String(metadata={"description": "Milestone key, e.g. `first_post`."})
    name = ma.fields.String(metadata={"description": "Name in the caller's locale."})
    achieved_at = UTCDateTimeField(allow_none=True, metadata={"description": "When it was reached (null: not yet)."})
    progress = ma.fields.Nested(ProgressSchema, metadata={"description": "Progress towards it."})


class MilestoneListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MilestoneSchema), metadata={"description": "Personal-branding milestones."})


# -- leaderboards -------------------------------------------------------------------------


class LeaderboardArgsSchema(ma.Schema):
    department = ma.fields.String(
        validate=[validate.Length(min=1, max=100), not_blank("department")],
        metadata={"description": "Only this department (case-insensitive)."},
    )
    location = ma.fields.String(
        validate=[validate.Length(min=1, max=100), not_blank("location")],
        metadata={"description": "Only this location (case-insensitive)."},
    )
    limit = ma.fields.Integer(
        load_default=10, validate=validate.Range(min=1, max=100), metadata={"description": "Places shown (1-100)."}
    )
    date = BoundedDate(
        metadata={"description": "A day inside the period to show (default: today in the tenant's time zone)."}
    )


class TeamBoardArgsSchema(ma.Schema):
    date = BoundedDate(
        metadata={"description": "A day inside the period to show (default: today in the tenant's time zone)."}
    )


class PeriodViewSchema(ma.Schema):
    period = ma.fields.String(metadata={"description": "`" + "`, `".join(PERIODS) + "`."})
    starts_on = ma.fields.Date(
        allow_none=True, metadata={"description": "First day (tenant time zone; null for all time)."}
    )
    ends_on = ma.fields.Date(allow_none=True, metadata={"description": "Last day (null for all time)."})
    timezone = ma.fields.String(metadata={"description": "The tenant's time zone the period is cut in."})


class RankedMemberSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Member id."})
    name = ma.fields.String(allow_none=True, metadata={"description": "Name (only members who opted in are listed)."})


class LeaderboardItemSchema(ma.Schema):
    rank = ma.fields.Integer(metadata={"description": "Place; ties share it (1, 2, 2, 4)."})
    member = ma.fields.Nested(RankedMemberSchema, metadata={"description": "Who."})
    points = ma.fields.Integer(metadata={"description": "Points in the period."})


class MyRankSchema(ma.Schema):
    rank = ma.fields.Integer(
        metadata={"description": "The caller's place among the listed members (where they would stand if not listed)."}
    )
    points = ma.fields.Integer(metadata={"description": "The caller's points in the period."})
    listed = ma.fields.Boolean(
        metadata={"description": "Whether the caller appears on the board (active and opted in)."}
    )


class LeaderboardSchema(PeriodViewSchema):
    items = ma.fields.List(
        ma.fields.Nested(LeaderboardItemSchema), metadata={"description": "Top members with points, best first."}
    )
    me = ma.fields.Nested(
        MyRankSchema,
        allow_none=True,
        metadata={"description": "The caller's rank (null when a filter excludes the caller)."},
    )


class TeamItemSchema(ma.Schema):
    rank = ma.fields.Integer(metadata={"description": "Place; ties share it."})
    department = ma.fields.String(metadata={"description": "Department."})
    average_points = ma.fields.Float(metadata={"description": "Points in the period per active member."})
    active_members = ma.fields.Integer(metadata={"description": "Active members of the department."})


class TeamBoardSchema(PeriodViewSchema):
    items = ma.fields.List(
        ma.fields.Nested(TeamItemSchema),
        metadata={"description": "Departments with at least `min_group_size` active members."},
    )
    hidden_groups = ma.fields.Integer(
        metadata={"description": "Departments not shown because they are smaller than `min_group_size`."}
    )
    min_group_size = ma.fields.Integer(
        metadata={"description": "The tenant's minimum group size (works-council privacy)."}
    )


# -- challenges ---------------------------------------------------------------------------


class ChallengeCreateSchema(ma.Schema):
    title = _text(200, "Title, e.g. `Drei Beiträge zur Grippeimpfung`.", required=True)
    description = ma.fields.String(
        validate=validate.Length(max=2000), allow_none=True, metadata={"description": "What and why."}
    )
    metric = ma.fields.String(
        required=True,
        validate=validate.OneOf(challenges.METRICS),
        metadata={"description": "What counts: `" + "`, `".join(challenges.METRICS) + "`."},
    )
    target = body_integer(
        required=True,
        validate=validate.Range(min=1, max=1000),
        metadata={"description": "How many to complete it (1-1000)."},
    )
    topic = ma.fields.String(
        validate=validate.Length(min=1, max=100),
        allow_none=True,
        metadata={
            "description": "Only shares (and their clicks) of library items with this topic; for `"
            + "`, `".join(challenges.TOPIC_METRICS)
            + "`."
        },
    )
    platform = ma.fields.String(
        validate=validate.OneOf(PLATFORMS),
        allow_none=True,
        metadata={"description": "Only on this platform; for `" + "`, `".join(challenges.PLATFORM_METRICS) + "`."},
    )
    departments = ma.fields.List(
        ma.fields.String(validate=validate.Length(min=1, max=100)),
        validate=validate.Length(max=50),
        metadata={"description": "Only members of these departments take part (empty: everybody)."},
    )
    bonus_points = body_integer(
        validate=validate.Range(min=0, max=config.MAX_RULE_VALUE),
        metadata={"description": "Points on completion (default: the `challenge_completed` rule)."},
    )
    starts_at = BoundedDateTime(metadata={"description": "Start (default: now). In the past, facts since then count."})
    ends_at = BoundedDateTime(
        required=True,
        metadata={
            "description": f"End (exclusive), in the future and at most {MAX_CHALLENGE_DAYS} days after the start."
        },
    )

    @validates_schema
    def _consistent(self, data, **kwargs):
        errors: dict[str, list[str]] = {}
        starts = data.get("starts_at") or clock.now()
        ends = data.get("ends_at")
        if ends is not None:
            if ends <= max(starts, clock.now()):
                errors["ends_at"] = ["Must be after `starts_at` and in the future."]
            elif ends - starts > timedelta(days=MAX_CHALLENGE_DAYS):
                errors["ends_at"] = [f"A challenge lasts at most {MAX_CHALLENGE_DAYS} days."]
        metric = data.get("metric")
        if data.get("topic") and metric not in challenges.TOPIC_METRICS:
            errors["topic"] = [
                "Only shares and clicks carry a topic: use `" + "`, `".join(challenges.TOPIC_METRICS) + "`."
            ]
        if data.get("platform") and metric not in challenges.PLATFORM_METRICS:
            errors["platform"] = ["Only posts and clicks have a platform."]
        if errors:
            raise ma.ValidationError(errors)


class ChallengeArgsSchema(ma.Schema):
    status = ma.fields.String(
        validate=validate.OneOf(challenges.STATUSES), metadata={"description": "Only challenges in this state."}
    )


class MyChallengeSchema(ma.Schema):
    progress = ma.fields.Nested(ProgressSchema, metadata={"description": "The caller's count towards the target."})
    completed_at = UTCDateTimeField(allow_none=True, metadata={"description": "When the caller completed it."})


class ChallengeSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Challenge id."})
    title = ma.fields.String(metadata={"description": "Title."})
    description = ma.fields.String(allow_none=True, metadata={"description": "What and why."})
    metric = ma.fields.String(metadata={"description": "What counts."})
    target = ma.fields.Integer(metadata={"description": "How many complete it."})
    topic = ma.fields.String(allow_none=True, metadata={"description": "Topic filter."})
    platform = ma.fields.String(allow_none=True, metadata={"description": "Platform filter."})
    departments = ma.fields.List(
        ma.fields.String(), metadata={"description": "Departments taking part (empty: everybody)."}
    )
    bonus_points = ma.fields.Integer(metadata={"description": "Points on completion."})
    starts_at = UTCDateTimeField(metadata={"description": "Start."})
    ends_at = UTCDateTimeField(metadata={"description": "End (exclusive)."})
    status = ma.fields.String(metadata={"description": "`" + "`, `".join(challenges.STATUSES) + "`."})
    created_at = UTCDateTimeField(metadata={"description": "When it was created."})
    me = ma.fields.Nested(MyChallengeSchema, metadata={"description": "The caller's progress."})
    participants = ma.fields.Integer(metadata={"description": "Members with progress (staff only)."})
    completed = ma.fields.Integer(metadata={"description": "Members who completed it (staff only)."})


class ChallengeListSchema(ma.Schema):
    items = ma.fields.List(
        ma.fields.Nested(ChallengeSchema), metadata={"description": "Challenges, latest start first."}
    )
