"""Engagement: posts and their approval, compliance rules, the archive, the content library,
tracking links and metrics."""

from __future__ import annotations

from app.auth import EVERY_ROLE, OWNER_AND_ADMIN, STAFF_ROLES
from app.domains import Domain

#: Subpackages with tables, routes and (some) a CLI group, in registration order.
_PARTS = ("compliance", "archive", "posts", "content", "tracking", "metrics")


def register(app) -> None:
    """Routes and CLI of every part; the archive's and the posts' event listeners; the content
    library as the posts' content source; the member exporter and eraser and the demo seeder."""
    from app.api import register_blueprints
    from engagement.archive import listeners as archive_listeners  # noqa: F401 (subscribes its handlers)
    from engagement.archive import services as archive
    from engagement.archive.cli import archive_cli
    from engagement.archive.routes import archive_blp
    from engagement.compliance.routes import compliance_blp
    from engagement.content import services as content
    from engagement.content.routes import content_blp
    from engagement.metrics.routes import metrics_blp
    from engagement.posts import demo as posts_demo
    from engagement.posts import privacy as posts_privacy
    from engagement.posts import services as posts  # subscribes the governance-switch handler
    from engagement.posts.cli import posts_cli
    from engagement.posts.routes import posts_blp
    from engagement.tracking import clicks
    from engagement.tracking.cli import tracking_cli
    from engagement.tracking.routes import links_blp, redirect_blp
    from tenants import data_rights, demo

    register_blueprints(app, compliance_blp, archive_blp, posts_blp, content_blp, links_blp, metrics_blp)
    app.register_blueprint(redirect_blp)  # GET /r/<code> at the root, outside the API
    for group in (archive_cli, posts_cli, tracking_cli):
        app.cli.add_command(group)
    clicks.register(app)  # `flask clicks` and the worker's maintenance hook
    posts.set_content_source(content.SOURCE)
    data_rights.EXPORTERS["posts"] = posts_privacy.export_member
    data_rights.ERASERS["archive"] = archive.erase_member
    demo.SEEDERS["posts"] = posts_demo.seed


DOMAIN = Domain(
    name="engagement",
    register=register,
    models=tuple(f"engagement.{part}.models" for part in _PARTS),
    scopes={
        "posts:write": EVERY_ROLE,  # own posts: draft, submit, publish
        "posts:read_all": STAFF_ROLES,  # every member's posts (approvers see their queue)
        "posts:decide": STAFF_ROLES | {"approver"},  # approval decisions; each level of the chain names its role
        "governance:manage": OWNER_AND_ADMIN,  # approval chain
        "compliance:check": EVERY_ROLE,  # dry-run a text against the rules
        "compliance:read": STAFF_ROLES | {"approver"},
        "compliance:manage": OWNER_AND_ADMIN,  # rules and presets
        "archive:read": frozenset({"owner", "admin", "approver"}),
        "content:read": EVERY_ROLE,  # the influencer feed
        "content:manage": STAFF_ROLES,  # the content library
        "engagement:ingest": STAFF_ROLES,  # metric observations (staff or an integration token limited to it)
        "engagement:report": STAFF_ROLES,  # shares, reach, earned media value of the tenant
    },
)
