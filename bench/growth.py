"""Benchmark: do tenant-wide figures grow with the tenant? ``/engagement/stats`` and ``/me/stats``
at 1,000 and at 50,000 members.

Two tenants in one database, loaded the same way: every member has a LinkedIn account, one
published post with platform metrics, and a tracking link with a day of clicks. Each endpoint
is sampled on both tenants in the same run; the figure is p95 at 50,000 / p95 at 1,000
(goal <= 2: the cost follows what is returned, not how many posts the tenant has to sum over
in Python). Timings are printed, never asserted.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/cip_bench_growth .venv/bin/python bench/growth.py [small] [large]
"""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import analyze, fresh_app, percentiles, sample, signup  # noqa: E402
from sqlalchemy import create_engine, insert  # noqa: E402

from app import auth  # noqa: E402
from engagement.metrics.models import PostMetric  # noqa: E402
from engagement.posts.models import Post  # noqa: E402
from engagement.tracking.models import TrackingClickDay, TrackingLink  # noqa: E402
from tenants.models import Member, SocialAccount  # noqa: E402
from tenants.tokens import ApiToken  # noqa: E402

SMALL = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000
LARGE = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
REQUESTS = 30
CHUNK = 5_000
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def load(url: str, tenant_id: uuid.UUID, members: int) -> str:
    """Bulk-load ``members`` posting members; returns a token of one of them."""
    engine = create_engine(url)
    secret = auth.new_secret()
    with engine.begin() as connection:
        for start in range(0, members, CHUNK):
            rows = {name: [] for name in ("members", "accounts", "posts", "metrics", "links", "days")}
            for i in range(start, min(members, start + CHUNK)):
                member_id, post_id, link_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
                stamp = {"tenant_id": tenant_id, "created_at": NOW}
                rows["members"].append(
                    {
                        **stamp,
                        "id": member_id,
                        "email": f"m{i}@growth.example",
                        "name": f"Member {i}",
                        "locale": "de",
                        "roles": ["influencer"],
                        "status": "active",
                        "leaderboard_visible": True,
                        "department": f"Abteilung {i % 20}",
                        "participation_consent_at": NOW,
                        "updated_at": NOW,
                    }
                )
                rows["accounts"].append(
                    {
                        **stamp,
                        "id": uuid.uuid4(),
                        "member_id": member_id,
                        "platform": "linkedin",
                        "handle": f"m{i}",
                        "followers": 100 + i % 900,
                        "updated_at": NOW,
                    }
                )
                published = NOW - timedelta(days=i % 60)
                rows["posts"].append(
                    {
                        **stamp,
                        "id": post_id,
                        "member_id": member_id,
                        "platform": "linkedin",
                        "locale": "de",
                        "text": "Unser Team in Kiel",
                        "version": 1,
                        "findings": [],
                        "status": "published",
                        "round": 1,
                        "published_at": published,
                        "updated_at": published,
                    }
                )
                for metric, value in (("impressions", 500 + i % 500), ("clicks", i % 7), ("reactions", i % 30)):
                    rows["metrics"].append(
                        {
                            "tenant_id": tenant_id,
                            "id": uuid.uuid4(),
                            "post_id": post_id,
                            "metric": metric,
                            "value": value,
                            "observed_at": NOW,
                            "updated_at": NOW,
                        }
                    )
                rows["links"].append(
                    {
                        **stamp,
                        "id": link_id,
                        "post_id": post_id,
                        "member_id": member_id,
                        "platform": "linkedin",
                        "code": uuid.uuid4().hex[:12],
                        "target_url": "https://growth.example/werk",
                    }
                )
                rows["days"].append(
                    {
                        "tenant_id": tenant_id,
                        "id": uuid.uuid4(),
                        "link_id": link_id,
                        "day": date(2026, 11, 1) + timedelta(days=i % 19),
                        "clicks": i % 9,
                        "unique_clicks": i % 5,
                    }
                )
            for model, key in (
                (Member, "members"),
                (SocialAccount, "accounts"),
                (Post, "posts"),
                (PostMetric, "metrics"),
                (TrackingLink, "links"),
                (TrackingClickDay, "days"),
            ):
                connection.execute(insert(model.__table__), rows[key])
        connection.execute(
            insert(ApiToken.__table__),
            {
                "tenant_id": tenant_id,
                "id": uuid.uuid4(),
                "member_id": rows["members"][0]["id"],
                "name": "bench",
                "token_hash": auth.hash_secret(secret),
                "prefix": secret[:12],
                "created_at": NOW,
            },
        )
    engine.dispose()
    return secret


def main() -> None:
    url, _, client = fresh_app()
    tenants = {}
    for size in (SMALL, LARGE):
        tenant = signup(client, f"growth-{size}")
        member_token = load(url, uuid.UUID(tenant["tenant_id"]), size)
        tenants[size] = (tenant["token"], member_token)
    analyze(url)
    print(f"database: {url.split('@')[-1]}; {REQUESTS} requests per endpoint and size")
    print(f"{'endpoint':<22} {f'p95 @ {SMALL:,}':>14} {f'p95 @ {LARGE:,}':>15} {'ratio':>7} (goal <= 2)")
    for label, path, which in (
        ("GET /engagement/stats", "/api/v1/engagement/stats", 0),
        ("GET /me/stats", "/api/v1/me/stats", 1),
    ):
        p95 = {}
        for size, tokens in tenants.items():
            headers = {"Authorization": f"Bearer {tokens[which]}"}
            sample(client, path, headers, 3)  # warm
            p95[size] = percentiles(sample(client, path, headers, REQUESTS))[1]
        print(f"{label:<22} {p95[SMALL]:>11.1f} ms {p95[LARGE]:>12.1f} ms {p95[LARGE] / p95[SMALL]:>7.2f}")


if __name__ == "__main__":
    main()
