"""Benchmark: do tenant-wide figures grow with the tenant? ``/engagement/stats`` (all time and a
30-day period), ``/me/stats``, ``/tenant`` (seats used) and the first page of ``/members`` at
1,000 and at 50,000 members.

Two tenants in one database, loaded the same way with one ``INSERT ... SELECT generate_series``
per table (so the rollup triggers of migration 0019 build ``post_stats`` and ``stats_days`` as
production writes would): every member has a LinkedIn account, one published post with
platform metrics, and a tracking link with a day of clicks. Each endpoint
is sampled on both tenants in the same run; the figure is p95 at 50,000 / p95 at 1,000
(goal <= 2: the cost follows what is returned, not how many posts the tenant has to sum over
in Python). The two sizes are sampled alternately, request by request, so a noisy machine
slows both alike. Timings are printed, never asserted.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/cip_bench_growth .venv/bin/python bench/growth.py [small] [large]
"""

from __future__ import annotations

import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import analyze, fresh_app, percentiles, sample, signup  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402

from app import auth  # noqa: E402
from tenants.tokens import ApiToken  # noqa: E402

SMALL = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000
LARGE = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
REQUESTS = 60
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
#: A period of 30 days that starts and ends inside a day (reads whole days plus two part days).
SINCE = quote((NOW - timedelta(days=30, hours=5)).isoformat())


#: The load, one ``INSERT ... SELECT generate_series`` per table (``:n`` members, ``:t`` the
#: tenant). Ids are derived from the tenant and the member's number, so the tables join without a
#: round trip; the statement-level rollup triggers fire once per table.
_ID = "md5(:t || '{kind}' || i)::uuid"
LOAD = tuple(
    text(
        statement.replace("{member}", _ID.format(kind="m"))
        .replace("{post}", _ID.format(kind="p"))
        .replace("{link}", _ID.format(kind="l"))
    )
    for statement in (
        """INSERT INTO members (id, tenant_id, email, name, locale, roles, status, leaderboard_visible, department,
                                participation_consent_at, created_at, updated_at)
           SELECT {member}, CAST(:t AS uuid), 'm' || i || '@growth.example', 'Member ' || i, 'de', '["influencer"]', 'active', true,
                  'Abteilung ' || (i % 20), :now, :now, :now
           FROM generate_series(0, :n - 1) AS i""",
        """INSERT INTO social_accounts (id, tenant_id, member_id, platform, handle, followers, created_at, updated_at)
           SELECT gen_random_uuid(), CAST(:t AS uuid), {member}, 'linkedin', 'm' || i, 100 + i % 900, :now, :now
           FROM generate_series(0, :n - 1) AS i""",
        """INSERT INTO posts (id, tenant_id, member_id, platform, locale, text, version, findings, status, round,
                              published_at, created_at, updated_at)
           SELECT {post}, CAST(:t AS uuid), {member}, 'linkedin', 'de', 'Unser Team in Kiel', 1, '[]', 'published', 1,
                  :now - make_interval(days => i % 60), :now, :now - make_interval(days => i % 60)
           FROM generate_series(0, :n - 1) AS i""",
        """INSERT INTO post_metrics (id, tenant_id, post_id, metric, value, observed_at, updated_at)
           SELECT gen_random_uuid(), CAST(:t AS uuid), {post}, m.metric,
                  CASE m.metric WHEN 'impressions' THEN 500 + i % 500 WHEN 'clicks' THEN i % 7 ELSE i % 30 END, :now, :now
           FROM generate_series(0, :n - 1) AS i,
                (VALUES ('impressions'), ('clicks'), ('reactions')) AS m(metric)""",
        """INSERT INTO tracking_links (id, tenant_id, post_id, member_id, platform, code, target_url, created_at)
           SELECT {link}, CAST(:t AS uuid), {post}, {member}, 'linkedin', substr(md5(:t || 'c' || i), 1, 12),
                  'https://growth.example/werk', :now
           FROM generate_series(0, :n - 1) AS i""",
        """INSERT INTO tracking_click_days (id, tenant_id, link_id, day, clicks, unique_clicks)
           SELECT gen_random_uuid(), CAST(:t AS uuid), {link}, DATE '2026-11-01' + i % 19, i % 9, i % 5
           FROM generate_series(0, :n - 1) AS i""",
    )
)


def load(url: str, tenant_id: uuid.UUID, members: int) -> tuple[str, float]:
    """Bulk-load ``members`` posting members; returns a token of one of them and the seconds taken."""
    engine = create_engine(url)
    secret = auth.new_secret()
    started = time.perf_counter()
    with engine.begin() as connection:
        for statement in LOAD:
            connection.execute(statement, {"t": str(tenant_id), "n": members, "now": NOW})
            # Statistics for the next statement's foreign-key checks and rollup triggers.
            connection.execute(text(f"ANALYZE {statement.text.split()[2]}, post_stats"))
        member_id = connection.scalar(
            text(f"SELECT {_ID.format(kind='m')} FROM (SELECT 0 AS i) AS z"), {"t": str(tenant_id)}
        )
        connection.execute(
            insert(ApiToken.__table__),
            {
                "tenant_id": tenant_id,
                "id": uuid.uuid4(),
                "member_id": member_id,
                "name": "bench",
                "token_hash": auth.hash_secret(secret),
                "prefix": secret[:12],
                "created_at": NOW,
            },
        )
    engine.dispose()
    return secret, time.perf_counter() - started


def main() -> None:
    url, _, client = fresh_app()
    tenants = {}
    for size in (SMALL, LARGE):
        tenant = signup(client, f"growth-{size}")
        member_token, seconds = load(url, uuid.UUID(tenant["tenant_id"]), size)
        print(f"loaded {size:,} members with posts, metrics and clicks in {seconds:.1f} s")
        tenants[size] = (tenant["token"], member_token)
    analyze(url)
    print(f"database: {url.split('@')[-1]}; {REQUESTS} requests per endpoint and size")
    print(f"{'endpoint':<30} {f'p95 @ {SMALL:,}':>14} {f'p95 @ {LARGE:,}':>15} {'ratio':>7} (goal <= 2)")
    for label, path, which in (
        ("GET /engagement/stats", "/api/v1/engagement/stats", 0),
        ("GET /engagement/stats?since=..", f"/api/v1/engagement/stats?since={SINCE}", 0),
        ("GET /me/stats", "/api/v1/me/stats", 1),
        ("GET /tenant", "/api/v1/tenant", 0),
        ("GET /members?page_size=20", "/api/v1/members?page_size=20", 0),
    ):
        headers = {size: {"Authorization": f"Bearer {tokens[which]}"} for size, tokens in tenants.items()}
        timings: dict[int, list[float]] = {size: [] for size in tenants}
        for size in tenants:
            sample(client, path, headers[size], 3)  # warm
        for _ in range(REQUESTS):  # the sizes alternate request by request: they meet the same noise
            for size in tenants:
                timings[size] += sample(client, path, headers[size], 1)
        p95 = {size: percentiles(samples)[1] for size, samples in timings.items()}
        print(f"{label:<30} {p95[SMALL]:>11.1f} ms {p95[LARGE]:>12.1f} ms {p95[LARGE] / p95[SMALL]:>7.2f}")


if __name__ == "__main__":
    main()
