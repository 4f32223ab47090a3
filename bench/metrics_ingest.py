"""Metric ingestion: 200,000 observations in batches of 1,000 through ``POST /engagement/metrics``,
observations/s next to a raw bulk insert of the same rows in the same run (target >= 0.25).

Two tenants ingest: an Empowerment one and a Containment one (each batch also appended to the
tamper-evident archive). The baseline writes the same rows straight into ``metric_observations``
(Core executemany, 1,000 a batch, one transaction per batch like the API) in a third tenant that
has the same posts. The three run interleaved batch by batch, so they meet the same table sizes
and the same machine noise; a final pass re-sends 20,000 observations (all duplicates).

Run: ``.venv/bin/python bench/metrics_ingest.py [observations] [posts]``.
"""

from __future__ import annotations

import random
import sys
import uuid
from datetime import datetime, timedelta

from common import analyze, fresh_app, signup, timed
from sqlalchemy import create_engine, insert, select

from app import clock
from engagement.metrics.models import METRICS, MetricObservation
from engagement.posts.models import Post
from tenants.models import Member

BATCH = 1000


def add_posts(url: str, tenant_id: str, count: int) -> list[str]:
    """Published posts of the tenant's owner, written directly (the posts workflow is not measured)."""
    engine = create_engine(url)
    now = clock.now()
    with engine.begin() as connection:
        owner = connection.scalar(select(Member.id).where(Member.tenant_id == uuid.UUID(tenant_id)))
        values = [
            {
                "id": uuid.uuid4(),
                "tenant_id": uuid.UUID(tenant_id),
                "member_id": owner,
                "platform": "linkedin",
                "locale": "de",
                "text": "Benchmark",
                "version": 1,
                "findings": [],
                "status": "published",
                "round": 1,
                "published_at": now,
                "potential_reach": 500,
                "created_at": now,
                "updated_at": now,
            }
            for _ in range(count)
        ]
        for start in range(0, count, BATCH):
            connection.execute(insert(Post.__table__), values[start : start + BATCH])
    engine.dispose()
    return [str(v["id"]) for v in values]


def observations(post_ids: list[str], total: int, rng: random.Random) -> list[dict]:
    """Cumulative counts of every metric of every post, hourly, sent in shuffled order (out of order)."""
    start = clock.now() - timedelta(days=30)
    rows = []
    hour = 0
    while len(rows) < total:
        observed_at = (start + timedelta(hours=hour)).isoformat().replace("+00:00", "Z")
        for post_id in post_ids:
            for metric in METRICS:
                rows.append(
                    {
                        "post_id": post_id,
                        "metric": metric,
                        "value": hour * 10 + rng.randint(0, 9),
                        "observed_at": observed_at,
                    }
                )
        hour += 1
    rows = rows[:total]
    rng.shuffle(rows)
    return rows


def post_batch(client, token: str, batch: list[dict], expect_accepted: int) -> float:
    headers = {"Authorization": f"Bearer {token}"}

    def run():
        response = client.post("/api/v1/engagement/metrics", json={"observations": batch}, headers=headers)
        assert response.status_code == 200 and response.get_json()["accepted"] == expect_accepted, response.get_json()

    seconds, _ = timed(run)
    return seconds


def raw_values(tenant_id: str, rows: list[dict]) -> list[dict]:
    """The rows as the baseline writes them: parsed, with ids and the tenant, like the API stores them."""
    now = clock.now()
    tenant = uuid.UUID(tenant_id)
    parsed: dict[str, datetime] = {}
    return [
        {
            "id": uuid.uuid4(),
            "tenant_id": tenant,
            "post_id": uuid.UUID(r["post_id"]),
            "metric": r["metric"],
            "value": r["value"],
            "observed_at": parsed.setdefault(
                r["observed_at"], datetime.fromisoformat(r["observed_at"].replace("Z", "+00:00"))
            ),
            "recorded_at": now,
        }
        for r in rows
    ]


def raw_batch(engine, values: list[dict]) -> float:
    """Baseline: one executemany INSERT of the batch into metric_observations, in its own transaction."""

    def run():
        with engine.begin() as connection:
            connection.execute(insert(MetricObservation.__table__), values)

    seconds, _ = timed(run)
    return seconds


def main(total: int, posts: int) -> None:
    url, app, client = fresh_app()
    rng = random.Random(6)
    tenants = {"containment": signup(client, "metrics-containment"), "raw": signup(client, "metrics-raw")}
    response = client.post(
        "/api/v1/signup",
        json={
            "organization": {"name": "Agentur", "slug": "metrics-empowerment", "industry": "generic"},
            "owner": {"email": "owner@agentur.example", "name": "Owner"},
        },
    )
    tenants["empowerment"] = {"tenant_id": response.get_json()["tenant"]["id"], "token": response.get_json()["token"]}
    ids = {name: add_posts(url, tenant["tenant_id"], posts) for name, tenant in tenants.items()}
    analyze(url)
    rows = observations(ids["empowerment"], total, rng)
    # The same observations for each tenant's posts (same positions, values and times).
    same = {
        name: [{**r, "post_id": dict(zip(ids["empowerment"], ids[name], strict=False))[r["post_id"]]} for r in rows]
        if name != "empowerment"
        else rows
        for name in ids
    }
    raw_rows = raw_values(tenants["raw"]["tenant_id"], same["raw"])
    engine = create_engine(url)

    # Interleaved batch by batch, so every path meets the same table sizes and the same machine noise.
    seconds = {"raw": 0.0, "empowerment": 0.0, "containment": 0.0}
    for start in range(0, total, BATCH):
        seconds["raw"] += raw_batch(engine, raw_rows[start : start + BATCH])
        for name in ("empowerment", "containment"):
            batch = same[name][start : start + BATCH]
            seconds[name] += post_batch(client, tenants[name]["token"], batch, len(batch))
    repeats = min(total, 20 * BATCH)
    repeat_seconds = sum(
        post_batch(client, tenants["empowerment"]["token"], rows[start : start + BATCH], 0)
        for start in range(0, repeats, BATCH)
    )
    engine.dispose()

    raw_rate = total / seconds["raw"]
    print(
        f"database: {url.split('@')[-1]}; {total:,} observations over {posts:,} posts, batches of {BATCH:,}, interleaved"
    )
    print(f"{'path':<46} {'seconds':>8} {'obs/s':>10} {'ratio':>7}  (target >= 0.25)")
    for label, secs, count in (
        ("raw executemany insert (baseline)", seconds["raw"], total),
        ("POST /engagement/metrics, Empowerment", seconds["empowerment"], total),
        ("POST /engagement/metrics, Containment+archive", seconds["containment"], total),
        ("POST /engagement/metrics, all duplicates", repeat_seconds, repeats),
    ):
        rate = count / secs
        print(f"{label:<46} {secs:>8.2f} {rate:>10,.0f} {rate / raw_rate:>7.2f}")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(args[0] if args else 200_000, args[1] if len(args) > 1 else 2_000)
