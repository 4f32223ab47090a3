"""HTTP routes for metric ingestion and the reach and earned-media-value reports."""

from __future__ import annotations

from flask.views import MethodView

from app.api import cross_field_rules, make_blueprint
from app.auth import current_principal, require_scope
from engagement.metrics import services, stats
from engagement.metrics.schemas import IngestResultSchema, IngestSchema, StatsArgsSchema, StatsSchema, TenantStatsSchema

metrics_blp = make_blueprint(
    "metrics",
    __name__,
    "Engagement metrics: ingestion of cumulative counts, potential reach, amplification and earned media value.",
)

_PERIOD_RULE = cross_field_rules("`until`, when given with `since`, must be after it.")


@metrics_blp.route("/engagement/metrics")
class Metrics(MethodView):
    @require_scope("engagement:ingest")
    @metrics_blp.doc(
        **cross_field_rules(
            "`observed_at` may lie at most 5 minutes in the future; every `post_id` must name a published post "
            "(unknown or another tenant's: 404 naming the index)."
        )
    )
    @metrics_blp.arguments(IngestSchema)
    @metrics_blp.response(200, IngestResultSchema)
    @metrics_blp.alt_response(
        404,
        description="An observation names an unknown post or another tenant's; `errors.json.observations.<index>.post_id` says which. Nothing is stored.",
    )
    def post(self, data):
        """Record up to 1,000 cumulative observations (staff, or an integration token with `engagement:ingest`).

        Idempotent: an observation with the same post, metric and `observed_at` as one stored
        before counts as a duplicate and changes nothing. Out of order is fine: the observation
        with the latest `observed_at` is the current value. Any refused observation refuses the
        whole batch (422 or 404 naming its index); nothing of it is stored.
        """
        return services.ingest(data["observations"], current_principal().member_id)


@metrics_blp.route("/me/stats")
class MyStats(MethodView):
    @require_scope("self")
    @metrics_blp.doc(**_PERIOD_RULE)
    @metrics_blp.arguments(StatsArgsSchema, location="query")
    @metrics_blp.response(200, StatsSchema)
    def get(self, args):
        """The caller's published posts and what they achieved: clicks, impressions, reactions, potential reach, earned media value."""
        return stats.member_stats(current_principal().member_id, args.get("since"), args.get("until"))


@metrics_blp.route("/engagement/stats")
class TenantStats(MethodView):
    @require_scope("engagement:report")
    @metrics_blp.doc(**_PERIOD_RULE)
    @metrics_blp.arguments(StatsArgsSchema, location="query")
    @metrics_blp.response(200, TenantStatsSchema)
    def get(self, args):
        """The tenant's totals (staff): reach per platform next to corporate followers, amplification, EMV, participation rate.

        `since`/`until` select posts by publication time; their metrics are the latest values.
        Participation rate: members with a published post in the period / active members.
        """
        return stats.tenant_stats(args.get("since"), args.get("until"))
