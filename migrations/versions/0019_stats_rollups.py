"""stats rollups

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08

Maintained aggregates for the reach and earned-media-value reports (engagement/metrics/rollups.py),
so tenant-wide figures read a bounded number of rows instead of every post and click:

- ``post_stats``: one row per published post: platform, publication time, potential reach and
  the post's current metric values and tracking clicks;
- ``stats_days``: per tenant, UTC day of publication and platform, the sums of ``post_stats``
  (with ``clicks`` the sum of the larger of platform and tracked clicks per post);
- ``stats_members``: published posts per member, and ``stats_tenants.members_posting``: members
  with at least one; ``stats_tenants.active_members``: members whose status is active.

PostgreSQL only (SQLite computes the reports from the source rows): statement-level triggers with
transition tables keep them in the transaction of every write that changes them, whatever the
code path (metric ingestion, click counting, publication, cascaded deletion), one set-based
statement per table and statement. ``post_stats`` is the serialization point: a row's platform
and tracked clicks change under its row lock, and its OLD and NEW images give the exact deltas
that are added to the day's row with ``+=`` in SQL. The backfill inserts ``post_stats`` from the
existing rows, which its trigger sums into the other tables.
"""

import sqlalchemy as sa
from alembic import op

from app import rls
from app.db import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

NEW_TENANT_OWNED = ("post_stats", "stats_days", "stats_members", "stats_tenants")
#: Columns of ``post_stats`` summed into ``stats_days`` (``clicks`` is derived).
SUMMED = (
    "reach",
    "impressions",
    "reactions",
    "comments",
    "reshares",
    "platform_clicks",
    "tracked_clicks",
    "unique_clicks",
)
#: ``post_metrics.metric`` -> ``post_stats`` column.
METRIC_COLUMNS = {
    "impressions": "impressions",
    "reactions": "reactions",
    "comments": "comments",
    "reshares": "reshares",
    "clicks": "platform_clicks",
}
#: The rows a statement changed, each with +1 (new image) or -1 (old image), per trigger event.
SOURCES = {
    "insert": "SELECT n.*, 1 AS sign FROM new_rows n",
    "delete": "SELECT o.*, -1 AS sign FROM old_rows o",
    "update": "SELECT n.*, 1 AS sign FROM new_rows n UNION ALL SELECT o.*, -1 AS sign FROM old_rows o",
}
REFERENCING = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def _counter(name: str) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=False, server_default="0")


def _tenant_columns() -> list:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    ]


def _create_tables() -> None:
    op.create_table(
        "post_stats",
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(_counter(name) for name in SUMMED),
        *_tenant_columns(),
        sa.ForeignKeyConstraint(["tenant_id", "post_id"], ["posts.tenant_id", "posts.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "post_id"),
    )
    op.create_index("ix_post_stats_tenant_member", "post_stats", ["tenant_id", "member_id", "published_at"])
    # member_id included: members posting in a period is an index-only scan of the period.
    op.create_index(
        "ix_post_stats_tenant_published", "post_stats", ["tenant_id", "published_at"], postgresql_include=["member_id"]
    )
    op.create_table(
        "stats_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        _counter("posts"),
        *(_counter(name) for name in SUMMED),
        _counter("clicks"),
        *_tenant_columns(),
        sa.UniqueConstraint("tenant_id", "day", "platform"),
    )
    op.create_table(
        "stats_members",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        _counter("posts"),
        *_tenant_columns(),
        sa.ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "member_id"),
    )
    op.create_table(
        "stats_tenants",
        _counter("members_posting"),
        _counter("active_members"),
        *_tenant_columns(),
        sa.UniqueConstraint("tenant_id"),
    )


#: A statement that changed no row returns at once (an upsert fires both its INSERT and its UPDATE
#: trigger, one of them empty; an empty change must not cascade into the next table's triggers).
_NOTHING = {
    "insert": "NOT EXISTS (SELECT FROM new_rows)",
    "delete": "NOT EXISTS (SELECT FROM old_rows)",
    "update": "NOT EXISTS (SELECT FROM new_rows)",
}


def _function(name: str, event: str, body: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF {_NOTHING[event]} THEN
    RETURN NULL;
  END IF;
{body}
  RETURN NULL;
END
$$"""


def _trigger(table: str, function: str, event: str) -> str:
    return (
        f"CREATE TRIGGER {function} AFTER {event.upper()} ON {table} {REFERENCING[event]} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
    )


def _post_stats_body(event: str) -> str:
    """post_stats -> stats_days (+ stats_members, stats_tenants when rows come or go).

    Deletions only UPDATE existing rows: a cascade from a deleted tenant must not insert rows
    for it again.
    """
    sums = ", ".join(f"sum(sign * {c}) AS {c}" for c in SUMMED)
    deltas = f"""
    SELECT tenant_id, day, platform, sum(sign) AS posts, {sums},
           sum(sign * greatest(platform_clicks, tracked_clicks)) AS clicks
    FROM ({SOURCES[event]}) AS c GROUP BY tenant_id, day, platform"""
    changed = " OR ".join(f"sum(sign * {c}) <> 0" for c in (*SUMMED, "greatest(platform_clicks, tracked_clicks)"))
    columns = ("posts", *SUMMED, "clicks")
    if event == "delete":
        days = f"""
  UPDATE stats_days s SET {", ".join(f"{c} = s.{c} + d.{c}" for c in columns)}
  FROM ({deltas}) AS d
  WHERE s.tenant_id = d.tenant_id AND s.day = d.day AND s.platform = d.platform;
  WITH d AS (SELECT tenant_id, member_id, count(*) AS n FROM old_rows GROUP BY tenant_id, member_id),
  m AS (
    UPDATE stats_members s SET posts = s.posts - d.n FROM d
    WHERE s.tenant_id = d.tenant_id AND s.member_id = d.member_id RETURNING s.tenant_id, s.posts
  )
  UPDATE stats_tenants t SET members_posting = t.members_posting - g.n
  FROM (SELECT tenant_id, count(*) AS n FROM m WHERE posts = 0 GROUP BY tenant_id) AS g
  WHERE t.tenant_id = g.tenant_id;"""
        return days
    body = f"""
  INSERT INTO stats_days (id, tenant_id, day, platform, {", ".join(columns)})
  SELECT gen_random_uuid(), tenant_id, day, platform, {", ".join(columns)}
  FROM ({deltas} HAVING sum(sign) <> 0 OR {changed}) AS d
  ORDER BY tenant_id, day, platform
  ON CONFLICT (tenant_id, day, platform) DO UPDATE SET
    {", ".join(f"{c} = stats_days.{c} + excluded.{c}" for c in columns)};"""
    if event == "insert":
        body += """
  WITH d AS (SELECT tenant_id, member_id, count(*) AS n FROM new_rows GROUP BY tenant_id, member_id),
  m AS (
    INSERT INTO stats_members (id, tenant_id, member_id, posts)
    SELECT gen_random_uuid(), tenant_id, member_id, n FROM d ORDER BY tenant_id, member_id
    ON CONFLICT (tenant_id, member_id) DO UPDATE SET posts = stats_members.posts + excluded.posts
    RETURNING tenant_id, member_id, posts
  )
  INSERT INTO stats_tenants (id, tenant_id, members_posting)
  SELECT gen_random_uuid(), m.tenant_id, count(*) FROM m JOIN d USING (tenant_id, member_id)
  WHERE m.posts = d.n GROUP BY m.tenant_id
  ON CONFLICT (tenant_id) DO UPDATE SET members_posting = stats_tenants.members_posting + excluded.members_posting;"""
    return body


def _post_metrics_body(event: str) -> str:
    """post_metrics -> post_stats: the change of each metric value, per post (published posts only)."""
    sets = ", ".join(f"{column} = s.{column} + d.{column}" for column in METRIC_COLUMNS.values())
    sums = ", ".join(
        f"sum(CASE WHEN metric = '{metric}' THEN sign * value ELSE 0 END) AS {column}"
        for metric, column in METRIC_COLUMNS.items()
    )
    return f"""
  UPDATE post_stats s SET {sets}
  FROM (SELECT tenant_id, post_id, {sums} FROM ({SOURCES[event]}) AS c GROUP BY tenant_id, post_id ORDER BY 1, 2) AS d
  WHERE s.tenant_id = d.tenant_id AND s.post_id = d.post_id;"""


def _click_days_body(event: str) -> str:
    """tracking_click_days -> post_stats: the change of the link's clicks, per post."""
    return f"""
  UPDATE post_stats s SET tracked_clicks = s.tracked_clicks + d.clicks, unique_clicks = s.unique_clicks + d.unique_clicks
  FROM (
    SELECT l.tenant_id, l.post_id, sum(c.sign * c.clicks) AS clicks, sum(c.sign * c.unique_clicks) AS unique_clicks
    FROM ({SOURCES[event]}) AS c JOIN tracking_links l ON l.tenant_id = c.tenant_id AND l.id = c.link_id
    GROUP BY l.tenant_id, l.post_id
  ) AS d
  WHERE s.tenant_id = d.tenant_id AND s.post_id = d.post_id AND (d.clicks <> 0 OR d.unique_clicks <> 0);"""


#: A post's row in ``post_stats`` computed from the source rows (``came``: the posts).
_POST_STATS_ROWS = """
  INSERT INTO post_stats (id, tenant_id, post_id, member_id, platform, published_at, day, reach,
                          impressions, reactions, comments, reshares, platform_clicks, tracked_clicks, unique_clicks)
  SELECT gen_random_uuid(), p.tenant_id, p.id, p.member_id, p.platform, p.at, (p.at AT TIME ZONE 'UTC')::date,
         coalesce(p.potential_reach, (SELECT a.followers FROM social_accounts a WHERE a.tenant_id = p.tenant_id
                                      AND a.member_id = p.member_id AND a.platform = p.platform LIMIT 1), 0),
         coalesce(m.impressions, 0), coalesce(m.reactions, 0), coalesce(m.comments, 0), coalesce(m.reshares, 0),
         coalesce(m.platform_clicks, 0), coalesce(k.clicks, 0), coalesce(k.unique_clicks, 0)
  FROM (SELECT c.*, coalesce(c.published_at, c.created_at) AS at FROM ({came}) AS c) AS p
  LEFT JOIN (
    SELECT pm.tenant_id, pm.post_id, {metric_sums} FROM post_metrics pm
    WHERE (pm.tenant_id, pm.post_id) IN (SELECT tenant_id, id FROM ({came}) AS c2)
    GROUP BY pm.tenant_id, pm.post_id
  ) AS m ON m.tenant_id = p.tenant_id AND m.post_id = p.id
  LEFT JOIN (
    SELECT l.tenant_id, l.post_id, sum(d.clicks) AS clicks, sum(d.unique_clicks) AS unique_clicks
    FROM tracking_links l JOIN tracking_click_days d ON d.tenant_id = l.tenant_id AND d.link_id = l.id
    WHERE (l.tenant_id, l.post_id) IN (SELECT tenant_id, id FROM ({came}) AS c3)
    GROUP BY l.tenant_id, l.post_id
  ) AS k ON k.tenant_id = p.tenant_id AND k.post_id = p.id
  ORDER BY p.tenant_id, p.id"""


def _post_stats_rows(came: str) -> str:
    metric_sums = ", ".join(
        f"sum(CASE WHEN pm.metric = '{metric}' THEN pm.value ELSE 0 END) AS {column}"
        for metric, column in METRIC_COLUMNS.items()
    )
    return _POST_STATS_ROWS.format(came=came, metric_sums=metric_sums)


#: What of a published post ``post_stats`` copies; a change replaces its row.
_POST_KEY = "(o.member_id, o.platform, o.published_at, o.potential_reach) IS DISTINCT FROM (n.member_id, n.platform, n.published_at, n.potential_reach)"


def _lock_clicks(came: str) -> str:
    """Lock the coming posts' links and click days before their clicks are read: a click that
    commits after the read but before the new ``post_stats`` row is visible would update no row.
    A click on an existing day waits on the day row, a first click of a day on its link (the
    foreign-key check), until the publication commits; its trigger then finds the row."""
    posts = f"(l.tenant_id, l.post_id) IN (SELECT tenant_id, id FROM ({came}) AS c)"
    return f"""
  PERFORM FROM tracking_links l WHERE {posts} FOR UPDATE;
  PERFORM FROM tracking_click_days d JOIN tracking_links l ON l.tenant_id = d.tenant_id AND l.id = d.link_id
  WHERE {posts} FOR UPDATE OF d;"""


def _posts_body(event: str) -> str:
    """posts -> post_stats: a post that becomes published gets its row (from its metrics and
    clicks so far), one that stops being published loses it. Deleted posts lose theirs by the
    cascade."""
    if event == "insert":
        came = "SELECT * FROM new_rows WHERE status = 'published'"
        return _lock_clicks(came) + _post_stats_rows(came) + ";"
    came = (
        "SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id "
        f"WHERE n.status = 'published' AND (o.status <> 'published' OR {_POST_KEY})"
    )
    return f"""
  DELETE FROM post_stats s USING old_rows o JOIN new_rows n ON n.id = o.id
  WHERE s.tenant_id = o.tenant_id AND s.post_id = o.id AND o.status = 'published'
    AND (n.status <> 'published' OR {_POST_KEY});
  IF NOT EXISTS ({came}) THEN
    RETURN NULL;
  END IF;
  {_lock_clicks(came)}
  {_post_stats_rows(came)};"""


def _members_body(event: str) -> str:
    """members -> stats_tenants.active_members (written only when a statement changes the count)."""
    delta = f"""
    SELECT tenant_id, sum(sign) AS n FROM ({SOURCES[event]}) AS c WHERE status = 'active'
    GROUP BY tenant_id HAVING sum(sign) <> 0"""
    if event == "delete":
        return f"""
  UPDATE stats_tenants t SET active_members = t.active_members + d.n FROM ({delta}) AS d
  WHERE t.tenant_id = d.tenant_id;"""
    return f"""
  INSERT INTO stats_tenants (id, tenant_id, active_members)
  SELECT gen_random_uuid(), tenant_id, n FROM ({delta}) AS d ORDER BY tenant_id
  ON CONFLICT (tenant_id) DO UPDATE SET active_members = stats_tenants.active_members + excluded.active_members;"""


#: (table, function prefix, body builder, events)
TRIGGERS = (
    ("post_stats", "stats_post_stats", _post_stats_body, ("insert", "update", "delete")),
    ("post_metrics", "stats_post_metrics", _post_metrics_body, ("insert", "update", "delete")),
    ("tracking_click_days", "stats_click_days", _click_days_body, ("insert", "update", "delete")),
    ("posts", "stats_posts", _posts_body, ("insert", "update")),
    ("members", "stats_members", _members_body, ("insert", "update", "delete")),
)


def upgrade() -> None:
    _create_tables()
    for table in NEW_TENANT_OWNED:
        rls.enable(table)
    if not rls.is_postgresql():
        return
    # Free room in every page: the rows are updated in place all the time, and an update that
    # finds room on its page needs no index entries (HOT).
    for table in ("post_stats", "stats_days"):
        op.execute(f"ALTER TABLE {table} SET (fillfactor = 70)")
    for table, prefix, body, events in TRIGGERS:
        for event in events:
            op.execute(_function(f"{prefix}_{event}", event, body(event)))
            op.execute(_trigger(table, f"{prefix}_{event}", event))
    # Backfill: the published posts' rows; their insert trigger sums them into the other tables.
    op.execute(_post_stats_rows("SELECT * FROM posts WHERE status = 'published'"))
    op.execute(
        """INSERT INTO stats_tenants (id, tenant_id, active_members)
           SELECT gen_random_uuid(), tenant_id, count(*) FROM members WHERE status = 'active' GROUP BY tenant_id
           ON CONFLICT (tenant_id) DO UPDATE SET active_members = excluded.active_members"""
    )


def downgrade() -> None:
    if rls.is_postgresql():
        for table, prefix, _, events in reversed(TRIGGERS):
            for event in events:
                op.execute(f"DROP TRIGGER IF EXISTS {prefix}_{event} ON {table}")
                op.execute(f"DROP FUNCTION IF EXISTS {prefix}_{event}()")
    for table in reversed(NEW_TENANT_OWNED):
        rls.disable(table)
    for table in reversed(NEW_TENANT_OWNED):
        op.drop_table(table)
