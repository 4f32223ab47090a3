"""HTTP routes of gamification: own points, badges and milestones, leaderboards, point rules,
levels, badges, challenges and ledger corrections."""

from __future__ import annotations

import uuid

from flask.views import MethodView

from app import clock
from app.api import cross_field_rules, make_blueprint
from app.auth import current_principal, require_scope
from app.errors import NotFound, field_error
from app.pagination import CursorArgsSchema
from gamification import badges, challenges, config, leaderboards, ledger, milestones
from gamification.models import PERIODS
from gamification.schemas import (
    MAX_CHALLENGE_DAYS,
    AdjustmentSchema,
    BadgeCreateSchema,
    BadgeListSchema,
    BadgeSchema,
    ChallengeArgsSchema,
    ChallengeCreateSchema,
    ChallengeListSchema,
    ChallengeSchema,
    LeaderboardArgsSchema,
    LeaderboardSchema,
    LedgerArgsSchema,
    LedgerPageSchema,
    MilestoneListSchema,
    MyBadgeListSchema,
    MyPointsSchema,
    PointEntrySchema,
    PointLevelsSchema,
    ReversalSchema,
    RulesUpdateSchema,
    RulesViewSchema,
    TeamBoardArgsSchema,
    TeamBoardSchema,
)
from tenants import members

gamification_blp = make_blueprint(
    "gamification",
    __name__,
    "Gamification: points ledger, levels, badges, personal-branding milestones, fair leaderboards and challenges.",
)

_PERIOD_TEXT = "`period`: `" + "`, `".join(PERIODS) + "` (anything else: 422)."


def _me():
    return members.get(current_principal().member_id)


def _period(period: str) -> str:
    if period not in PERIODS:
        raise field_error("path", "period", f"Must be one of: {', '.join(PERIODS)}.")
    return period


# -- the member's own -----------------------------------------------------------------------


@gamification_blp.route("/me/points")
class MyPoints(MethodView):
    @require_scope("self")
    @gamification_blp.arguments(CursorArgsSchema, location="query")
    @gamification_blp.response(200, MyPointsSchema)
    def get(self, args):
        """The caller's all-time points, level and ledger entries (newest first, cursor-paginated)."""
        member = _me()
        total = ledger.total(member.id)
        return {
            "total": total,
            "level": config.level_for(total),
            **ledger.entries(member.id, args["cursor"], args["limit"]),
        }


@gamification_blp.route("/me/badges")
class MyBadges(MethodView):
    @require_scope("self")
    @gamification_blp.response(200, MyBadgeListSchema)
    def get(self):
        """Every badge with the caller's progress, and when they earned it."""
        member = _me()
        return {"items": badges.for_member(member.id, member.locale)}


@gamification_blp.route("/me/milestones")
class MyMilestones(MethodView):
    @require_scope("self")
    @gamification_blp.response(200, MilestoneListSchema)
    def get(self):
        """The caller's personal-branding milestones: profile, accounts, posts, clicks, reach, training, guideline, streak."""
        return {"items": milestones.for_member(_me(), clock.now())}


# -- leaderboards ---------------------------------------------------------------------------


@gamification_blp.route("/leaderboards/<period>")
class Leaderboard(MethodView):
    @require_scope("gamification:read")
    @gamification_blp.doc(**cross_field_rules(_PERIOD_TEXT))
    @gamification_blp.arguments(LeaderboardArgsSchema, location="query")
    @gamification_blp.response(200, LeaderboardSchema)
    def get(self, args, period):
        """Top members of the week, month, quarter or all time (tenant time zone), with the caller's rank.

        Only active members who opted in appear, by name; ties share a rank. Everybody sees
        their own rank and points in `me`. Filters narrow the board to a department or
        location; an unknown one gives an empty board.
        """
        return leaderboards.board(
            _period(period),
            _me(),
            department=args.get("department"),
            location=args.get("location"),
            limit=args["limit"],
            day=args.get("date"),
        )


@gamification_blp.route("/leaderboards/<period>/teams")
class TeamBoard(MethodView):
    @require_scope("gamification:read")
    @gamification_blp.doc(**cross_field_rules(_PERIOD_TEXT))
    @gamification_blp.arguments(TeamBoardArgsSchema, location="query")
    @gamification_blp.response(200, TeamBoardSchema)
    def get(self, args, period):
        """Departments ranked by average points per active member; groups below the tenant's `min_group_size` are hidden."""
        return leaderboards.teams(_period(period), args.get("date"))


# -- rules and levels -----------------------------------------------------------------------


@gamification_blp.route("/gamification/point-rules")
class PointRules(MethodView):
    @require_scope("gamification:read")
    @gamification_blp.response(200, RulesViewSchema)
    def get(self):
        """How points are earned: points per rule and the daily click cap per post (everybody may read them)."""
        return config.rules_view()

    @require_scope("gamification:manage")
    @gamification_blp.arguments(RulesUpdateSchema)
    @gamification_blp.response(200, RulesViewSchema)
    def put(self, data):
        """Change point rules (staff). From now on only: entries already written keep their points."""
        return config.update_rules(data["rules"], current_principal())


@gamification_blp.route("/gamification/levels")
class Levels(MethodView):
    @require_scope("gamification:read")
    @gamification_blp.response(200, PointLevelsSchema)
    def get(self):
        """The tenant's levels by all-time points."""
        return {"levels": config.levels()}

    @require_scope("gamification:manage")
    @gamification_blp.doc(
        **cross_field_rules("The first level starts at 0 points; `min_points` strictly increase; names are unique.")
    )
    @gamification_blp.arguments(PointLevelsSchema)
    @gamification_blp.response(200, PointLevelsSchema)
    def put(self, data):
        """Replace the levels (staff): names and thresholds, the first at 0 points."""
        return {"levels": config.replace_levels(data["levels"], current_principal())}


# -- ledger corrections ---------------------------------------------------------------------


@gamification_blp.route("/gamification/ledger")
class Ledger(MethodView):
    @require_scope("gamification:ledger")
    @gamification_blp.arguments(LedgerArgsSchema, location="query")
    @gamification_blp.response(200, LedgerPageSchema)
    def get(self, args):
        """The tenant's ledger, or one member's (owner, admin, HR), newest first."""
        return ledger.entries(args.get("member_id"), args["cursor"], args["limit"])


@gamification_blp.route("/gamification/ledger/<uuid:entry_id>/reversal")
class Reversal(MethodView):
    @require_scope("gamification:ledger")
    @gamification_blp.arguments(ReversalSchema)
    @gamification_blp.response(201, PointEntrySchema)
    @gamification_blp.alt_response(409, description="The entry was reversed already, or is itself a reversal.")
    def post(self, data, entry_id: uuid.UUID):
        """Reverse an entry (owner, admin, HR): a new entry with the opposite points in the original's periods."""
        return ledger.reverse(entry_id, data["reason"], current_principal())


@gamification_blp.route("/gamification/adjustments")
class Adjustments(MethodView):
    @require_scope("gamification:ledger")
    @gamification_blp.doc(**cross_field_rules("`points` must not be 0."))
    @gamification_blp.arguments(AdjustmentSchema)
    @gamification_blp.response(201, PointEntrySchema)
    @gamification_blp.alt_response(404, description="No such member in this tenant.")
    def post(self, data):
        """Correct a member's points by hand (owner, admin, HR), with a reason; written now, never editing the past."""
        return ledger.adjust(data["member_id"], data["points"], data["reason"], current_principal())


# -- badges ---------------------------------------------------------------------------------


@gamification_blp.route("/badges")
class Badges(MethodView):
    @require_scope("gamification:read")
    @gamification_blp.response(200, BadgeListSchema)
    def get(self):
        """Badges that can be earned: built-in ones, then the tenant's."""
        locale = _me().locale
        return {"items": [badges.view(criterion, locale) for criterion in badges.catalogue()]}

    @require_scope("gamification:manage")
    @gamification_blp.arguments(BadgeCreateSchema)
    @gamification_blp.response(201, BadgeSchema)
    def post(self, data):
        """Define a badge (staff): a metric, a threshold and an optional rolling window.

        Members who already meet an all-time criterion get it at once; windowed criteria are
        checked with each new fact.
        """
        badge = badges.create(data, current_principal())
        return badges.view(badges.criterion_of(badge), _me().locale)


@gamification_blp.route("/badges/<uuid:badge_id>")
class BadgeItem(MethodView):
    @require_scope("gamification:manage")
    @gamification_blp.response(204)
    def delete(self, badge_id: uuid.UUID):
        """Retire a tenant badge (staff): no longer awarded; members who earned it keep it."""
        badges.retire(badges.get(badge_id), current_principal())


# -- challenges -----------------------------------------------------------------------------


@gamification_blp.route("/challenges")
class Challenges(MethodView):
    @require_scope("gamification:read")
    @gamification_blp.arguments(ChallengeArgsSchema, location="query")
    @gamification_blp.response(200, ChallengeListSchema)
    def get(self, args):
        """Challenges the caller takes part in (staff: all), with the caller's progress."""
        principal = current_principal()
        member = _me()
        found = challenges.listing(member, principal.is_staff, args.get("status"))
        return {"items": challenges.views(found, member, principal.is_staff)}

    @require_scope("gamification:manage")
    @gamification_blp.doc(
        **cross_field_rules(
            f"`ends_at` after `starts_at` and in the future, at most {MAX_CHALLENGE_DAYS} days after the start; "
            "`topic` only for metrics that carry one, `platform` only for posts and clicks."
        )
    )
    @gamification_blp.arguments(ChallengeCreateSchema)
    @gamification_blp.response(201, ChallengeSchema)
    def post(self, data):
        """Start a challenge (staff): a target of a metric in a time box, for bonus points."""
        challenge = challenges.create(data, current_principal())
        return challenges.views([challenge], _me(), True)[0]


@gamification_blp.route("/challenges/<uuid:challenge_id>")
class ChallengeItem(MethodView):
    @require_scope("gamification:read")
    @gamification_blp.response(200, ChallengeSchema)
    def get(self, challenge_id: uuid.UUID):
        """One challenge with the caller's progress (staff: also participants and completions)."""
        principal = current_principal()
        member = _me()
        challenge = challenges.get(challenge_id)
        if not challenges.visible_to(challenge, member, principal.is_staff):
            raise NotFound("No such challenge.")
        return challenges.views([challenge], member, principal.is_staff)[0]

    @require_scope("gamification:manage")
    @gamification_blp.response(204)
    def delete(self, challenge_id: uuid.UUID):
        """Cancel a challenge (staff); completions and their bonus stay."""
        challenges.cancel(challenges.get(challenge_id), current_principal())
