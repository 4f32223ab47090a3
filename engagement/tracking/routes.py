"""HTTP routes for tracking links: the public redirect ``GET /r/<code>`` at the root and the
staff report ``GET /api/v1/engagement/links/{post_id}``."""

from __future__ import annotations

import uuid

from flask import Blueprint as FlaskBlueprint
from flask import redirect, request
from flask.views import MethodView

from app import ratelimit
from app.api import make_blueprint
from app.auth import public, require_scope
from app.errors import Gone, NotFound
from engagement.tracking import clicks, services, targets
from engagement.tracking.schemas import LinkReportSchema

links_blp = make_blueprint(
    "tracking", __name__, "Tracking links of approved posts: where they lead and how often they were clicked."
)

#: The redirect sits at the root, outside the documented API (like the health probes).
redirect_blp = FlaskBlueprint("tracking_redirect", __name__)


@links_blp.route("/engagement/links/<uuid:post_id>")
class PostLink(MethodView):
    @require_scope("engagement:report")
    @links_blp.response(200, LinkReportSchema)
    def get(self, post_id: uuid.UUID):
        """The post's tracking link with its click totals and daily counts (staff).

        404 when the post is unknown, another tenant's, or not approved yet (no link).
        """
        return services.report(post_id)


#: Where the per-tenant rate limit leaves the link it looked up, for the view to use.
_RESOLVED_LINK = "cip.tracking.link"


def _link_tenant() -> uuid.UUID | None:
    """The tenant of the link behind the requested code (None if the code is unknown)."""
    link = services.resolve(request.view_args.get("code", ""))
    request.environ[_RESOLVED_LINK] = link
    return link.tenant_id if link is not None else None


@redirect_blp.get("/r/<code>")
@public
@ratelimit.per_client("RATELIMIT_REDIRECT", "link requests")
@ratelimit.per_tenant("RATELIMIT_REDIRECT_TENANT", "link requests", _link_tenant)
def follow(code: str):
    """Redirect (302) to the link's target with UTM parameters; count the click unless it comes
    from a bot, a crawler, a link preview or a HEAD request. Reads only: the link comes from the
    process's cache (or one indexed read) and the click goes to a buffer that is folded into the
    counts in batches (:mod:`engagement.tracking.clicks`). Unknown code: 404. A target the
    rule of :mod:`engagement.tracking.targets` now refuses (an internal host, or an IP address
    while ``TRACKING_ALLOW_IP_HOSTS`` is off): 410, nothing counted, no redirect."""
    if _RESOLVED_LINK in request.environ:  # looked up for the per-tenant rate limit
        link = request.environ.pop(_RESOLVED_LINK)
    else:
        link = services.resolve(code)
    if link is None:
        raise NotFound("Unknown link.")
    if not targets.allowed(link.target_url):
        raise Gone("This link no longer leads anywhere.")
    if services.is_countable(request.method, request.user_agent.string, request.headers):
        clicks.record(link, request.remote_addr, request.user_agent.string)
    response = redirect(services.redirect_url(link), code=302)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
