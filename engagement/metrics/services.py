"""Metric ingestion: validated batches of cumulative observations, stored idempotently.

One batch is one transaction: one query checks every post id, one executemany ``INSERT ... ON
CONFLICT DO NOTHING`` appends the observations (the unique key per post, metric and
``observed_at`` drops what was stored before), and one executemany upsert moves the per-post
"latest" rows forward, only where an accepted observation is newer than the stored one. So a
batch is stored entirely or (on any refusal) not at all, repeats count once and a late-arriving
older observation never overwrites a newer value. On PostgreSQL the stats rollups follow by
trigger; the batch first locks the rollup rows it will change in a fixed order
(:func:`engagement.metrics.rollups.lock_for_posts`).
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, String, Uuid, any_, bindparam, select, text
from sqlalchemy.dialects import postgresql

from app import clock, events, tenancy
from app.db import UTCDateTime, db, upsert_insert
from app.errors import NotFound, ValidationFailed
from engagement.archive import services as archive
from engagement.events import METRICS_RECORDED
from engagement.metrics import rollups
from engagement.metrics.models import MetricObservation, PostMetric
from engagement.posts.models import Post

#: Observations per call.
MAX_BATCH = 1000
#: Largest cumulative count accepted (fits a signed 64-bit column and a JSON double exactly).
MAX_VALUE = 2**53 - 1
#: How far ``observed_at`` may lie ahead of the server clock (clock skew of the sender).
FUTURE_TOLERANCE = timedelta(minutes=5)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _refuse(kind: type[NotFound | ValidationFailed], errors: dict[int, dict[str, list[str]]], message: str) -> None:
    """Refuse the batch: unknown posts (:class:`NotFound`) or invalid observations (:class:`ValidationFailed`)."""
    fields = {"json": {"observations": errors}}
    if kind is NotFound:
        raise NotFound(message, errors=fields)
    raise ValidationFailed(fields, message=message)


def _check_times(observations: list[dict[str, Any]]) -> None:
    latest_allowed = clock.now() + FUTURE_TOLERANCE
    errors = {
        index: {"observed_at": ["An observation cannot lie in the future."]}
        for index, item in enumerate(observations)
        if item["observed_at"] > latest_allowed
    }
    if errors:
        _refuse(ValidationFailed, errors, "Some observations are invalid.")


def _check_posts(observations: list[dict[str, Any]]) -> None:
    """One query for every post id: unknown or another tenant's -> 404, not published -> 422."""
    wanted = {item["post_id"] for item in observations}
    if _dialect() == "postgresql":  # one array parameter instead of a thousand
        match = Post.id == any_(bindparam("post_ids", list(wanted), type_=postgresql.ARRAY(Uuid())))
    else:
        match = Post.id.in_(wanted)
    statuses = dict(db.session.execute(select(Post.id, Post.status).where(match)).tuples().all())
    missing = {
        i: {"post_id": ["No such post."]} for i, item in enumerate(observations) if item["post_id"] not in statuses
    }
    if missing:
        _refuse(NotFound, missing, "Some observations name posts that do not exist.")
    unpublished = {
        i: {"post_id": ["The post is not published; metrics are recorded for published posts only."]}
        for i, item in enumerate(observations)
        if statuses[item["post_id"]] != "published"
    }
    if unpublished:
        _refuse(ValidationFailed, unpublished, "Some observations name posts that are not published.")


def ingest(observations: list[dict[str, Any]], actor_member_id: uuid.UUID | None) -> dict[str, int]:
    """Store a batch of observations (already validated field by field); returns the counts.

    ``accepted`` counts observations stored now; ``duplicates`` those stored before (or
    repeated within the batch), which change nothing.
    """
    _check_times(observations)
    _check_posts(observations)
    tenant_id = tenancy.require()
    now = clock.now()

    unique: dict[tuple[uuid.UUID, str, datetime], int] = {}
    for item in observations:
        unique.setdefault((item["post_id"], item["metric"], item["observed_at"]), item["value"])
    if _dialect() == "postgresql":
        rollups.lock_for_posts({key[0] for key in unique})
        stored = _store_postgresql(tenant_id, unique, now)
    else:
        stored = _store_portable(unique, now)
    accepted = len(stored)
    result = {"accepted": accepted, "duplicates": len(observations) - accepted}
    if not stored:
        return result

    per_post = Counter(str(row.post_id) for row in stored)
    archive.record(
        "engagement.metrics_recorded",
        "metrics_batch",
        None,
        {
            **result,
            "observations": sorted(
                (
                    {
                        "post_id": str(r.post_id),
                        "metric": r.metric,
                        "value": r.value,
                        "observed_at": clock.isoformat(r.observed_at),
                    }
                    for r in stored
                ),
                key=lambda o: (o["post_id"], o["metric"], o["observed_at"]),
            ),
        },
        actor_member_id,
    )
    events.emit(
        METRICS_RECORDED,
        {**result, "post_ids": sorted(per_post), "counts": dict(sorted(per_post.items()))},
    )
    return result


#: PostgreSQL: the batch as seven arrays, one round trip. The observations go in with ON CONFLICT
#: DO NOTHING; what was inserted feeds the latest rows, newest per post and metric, in a fixed
#: order (concurrent batches lock rows in the same order), replacing only older values.
_STORE_SQL = text(
    """
    WITH batch AS (
        SELECT * FROM unnest(CAST(:post_ids AS uuid[]), CAST(:metrics AS varchar[]),
                             CAST(:values AS bigint[]), CAST(:observed AS timestamptz[]))
                 AS b(post_id, metric, value, observed_at)
    ), stored AS (
        INSERT INTO metric_observations (id, tenant_id, post_id, metric, value, observed_at, recorded_at)
        SELECT gen_random_uuid(), :tenant_id, post_id, metric, value, observed_at, :now FROM batch
        ON CONFLICT (tenant_id, post_id, metric, observed_at) DO NOTHING
        RETURNING post_id, metric, value, observed_at
    ), newest AS (
        SELECT DISTINCT ON (post_id, metric) post_id, metric, value, observed_at
        FROM stored ORDER BY post_id, metric, observed_at DESC
    ), latest AS (
        INSERT INTO post_metrics (id, tenant_id, post_id, metric, value, observed_at, updated_at)
        SELECT gen_random_uuid(), :tenant_id, post_id, metric, value, observed_at, :now FROM newest
        ORDER BY post_id, metric
        ON CONFLICT (tenant_id, post_id, metric) DO UPDATE
            SET value = excluded.value, observed_at = excluded.observed_at, updated_at = excluded.updated_at
            WHERE post_metrics.observed_at < excluded.observed_at
    )
    SELECT post_id, metric, value, observed_at FROM stored
    """
).columns(post_id=Uuid(), metric=String(), value=BigInteger(), observed_at=UTCDateTime())


def _store_postgresql(tenant_id: uuid.UUID, unique: dict[tuple, int], now: datetime) -> list:
    keys = list(unique)
    return db.session.execute(
        _STORE_SQL,
        {
            "post_ids": [k[0] for k in keys],
            "metrics": [k[1] for k in keys],
            "values": list(unique.values()),
            "observed": [k[2] for k in keys],
            "tenant_id": tenant_id,
            "now": now,
        },
    ).all()


def _store_portable(unique: dict[tuple, int], now: datetime) -> list:
    """Other databases (SQLite): executemany INSERT ... ON CONFLICT DO NOTHING, then the latest rows."""
    rows = [
        {
            "id": uuid.uuid4(),
            "post_id": post_id,
            "metric": metric,
            "value": value,
            "observed_at": observed_at,
            "recorded_at": now,
        }
        for (post_id, metric, observed_at), value in unique.items()
    ]
    table = MetricObservation.__table__
    statement = (
        upsert_insert(table)
        .on_conflict_do_nothing(index_elements=["tenant_id", "post_id", "metric", "observed_at"])
        .returning(table.c.post_id, table.c.metric, table.c.observed_at, table.c.value)
    )
    stored = db.session.execute(statement, rows).all()
    if stored:
        _advance_latest(stored, now)
    return stored


def _advance_latest(stored, now: datetime) -> None:
    """Upsert the newest accepted observation per post and metric, only over older values.

    Rows go in a fixed order (post, metric) so concurrent batches lock them in the same order.
    """
    newest: dict[tuple[uuid.UUID, str], Any] = {}
    for row in stored:
        key = (row.post_id, row.metric)
        if key not in newest or row.observed_at > newest[key].observed_at:
            newest[key] = row
    table = PostMetric.__table__
    statement = upsert_insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=["tenant_id", "post_id", "metric"],
        set_={
            "value": statement.excluded.value,
            "observed_at": statement.excluded.observed_at,
            "updated_at": statement.excluded.updated_at,
        },
        where=table.c.observed_at < statement.excluded.observed_at,
    )
    db.session.execute(
        statement,
        [
            {
                "id": uuid.uuid4(),
                "post_id": row.post_id,
                "metric": row.metric,
                "value": row.value,
                "observed_at": row.observed_at,
                "updated_at": now,
            }
            for (_, _), row in sorted(newest.items(), key=lambda item: (str(item[0][0]), item[0][1]))
        ],
    )
