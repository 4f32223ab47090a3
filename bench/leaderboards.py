"""Leaderboards over a large ledger, and ledger writes through the event path (PostgreSQL only).

Issue: 100,000 members and 5,000,000 ledger entries; the top-10 leaderboard with the caller's
rank as p50/p95 next to ``GET /me`` in the same run (target: within 2x of it, and flat as the
ledger grows 10x); ledger writes/s through the event path.

Reads: ``GET /leaderboards/week?limit=10``, ``/leaderboards/all?limit=10`` and
``/leaderboards/month?department=<the caller's own>&limit=10`` (top 10 from the board's partial
index plus ``me``, the rank summed from the points histogram), each next to ``GET /me`` with the
same tokens. All
run at two ledger sizes, a tenth of the entries and then all of them; flatness is the ratio of
the two p50s. Callers are ~20 members sampled across the all-time ranking (top, middle,
bottom) plus members without points, each with a token from ``tenants.tokens.issue``; requests
go round-robin over the callers through the Flask test client, the endpoints interleaved in
rotating order so they meet the same noise (``--requests`` per endpoint, whole rounds, at least
two, stopping early once ``--budget`` seconds have passed). Reads/s of the all-time board are
serial requests over elapsed time. Every caller's all-time ``me`` is checked against a rank
computed in SQL, and the board's queries are EXPLAINed as the app role, next to counting the
members above the lowest-ranked caller (what the histogram replaces).

Load: one tenant signs up through the API; members (all active, ~60% opted in to the board,
20 departments, 7 locations) and the ledger (points 1-30 over the last 365 days, skewed towards
low-numbered members; the last 2% of members never earn points) are bulk-loaded as the owner
with INSERT ... SELECT generate_series. ``member_points`` is then recomputed from the whole
ledger in SQL (the sum per member and period start in the tenant's time zone: ISO week, month,
quarter, all time at 1970-01-01), with ``standings.key`` of department and location, active and
listed copied from the member, i.e. what ``ledger.add_to_totals`` would have left, followed by
VACUUM ANALYZE. The app's own rebuild comparison (``gamification.rebuild``) and the standing
copies are checked for the callers at each size. ``points_histogram`` is grouped from
``member_points``.

Writes: ``--events`` ``engagement.post_published`` events (a new post each) and as many unique
``engagement.link_clicked`` events (posts of a pool a tenth as large, under the daily click cap)
are emitted with ``app.events.emit`` and committed 100 at a time (fewer if ``--event-budget``
seconds per kind run out); without Redis each commit dispatches its events inline, one job
each, as the app does. Ledger entries/s (entries counted before and after) are set against a
baseline measured in the same run: a raw Core executemany INSERT of as many rows into
``point_entries`` as the owner, 100 rows a transaction (deleted again afterwards). The totals of
members the events touched are checked against their ledger afterwards.

Run (``--members 10000 --entries 500000`` for a quick run):

    .venv/bin/python bench/leaderboards.py [--members 100000] [--entries 5000000] [--requests 200] [--budget 30]
                                           [--events 5000] [--event-budget 20] [--keep]

The database is ``BENCH_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/cip_bench_lb``),
created fresh and dropped at the end unless ``--keep``. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import time
import uuid
from urllib.parse import quote

os.environ.setdefault("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/cip_bench_lb")

from common import analyze, fresh_app, percentiles, sample, set_seat_limit, signup, timed  # noqa: E402
from sqlalchemy import create_engine, delete, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import clock, events, tenancy, transactions  # noqa: E402
from app.db import db  # noqa: E402
from gamification import histogram, periods, rebuild  # noqa: E402
from gamification.models import ALL_TIME_START, PERIODS, MemberPoints, PointEntry  # noqa: E402
from gamification.standings import Standing, key  # noqa: E402
from tenants import tokens  # noqa: E402
from tenants.models import Member  # noqa: E402

DEPARTMENTS = (
    "Vertrieb",
    "Marketing",
    "Forschung & Entwicklung",
    "Qualitätsmanagement",
    "Service",
    "Produktion",
    "Einkauf",
    "Logistik",
    "Personal",
    "Finanzen",
    "Recht",
    "IT",
    "Kommunikation",
    "Medizinische Beratung",
    "Regulatory Affairs",
    "Klinische Studien",
    "Kundenservice",
    "Controlling",
    "Technik",
    "Geschäftsführung",
)
LOCATIONS = ("Hamburg", "Tuttlingen", "München", "Berlin", "Wien", "Zürich", "Kiel")
RULES = ("own_post_published", "library_share_published", "click", "module_passed", "guideline_acknowledged")
RANKED_SHARE = 0.98  # members 0 .. 98% earn points; the rest never do
LOAD_CHUNK = 500_000
EVENT_BATCH = 100
CALLER_GROUPS = (
    ("top", (0.0, 0.0002, 0.001, 0.005)),
    ("middle", (0.1, 0.25, 0.4, 0.5, 0.6, 0.75)),
    ("bottom", (0.9, 0.95, 0.99, 0.999, 1.0)),
)
NO_POINTS_CALLERS = 4


def member_uuid(n: int) -> uuid.UUID:
    """The id of bulk-loaded member ``n``; the same as ``md5('lb-member-' || n)::uuid`` in SQL."""
    return uuid.UUID(hashlib.md5(f"lb-member-{n}".encode()).hexdigest())


# -- bulk load (as the owner) ------------------------------------------------------------------


def load_members(engine, tenant_id: str, members: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                """
                INSERT INTO members (id, tenant_id, email, name, department, location, locale, title, roles, status,
                                     leaderboard_visible, participation_consent_at, activated_at, created_at, updated_at)
                SELECT md5('lb-member-' || n)::uuid, :tenant, 'mitarbeiter' || n || '@lb.example', 'Mitarbeiter:in ' || n,
                       (CAST(:departments AS text[]))[1 + n % :nd], (CAST(:locations AS text[]))[1 + n % :nl],
                       'de', 'Referent:in', CAST('["influencer"]' AS json), 'active',
                       abs(hashtext('visible-' || n)) % 100 < 60, now(), now(), now(), now()
                FROM generate_series(0, :members - 1) AS n
                """
            ),
            {
                "tenant": tenant_id,
                "departments": list(DEPARTMENTS),
                "nd": len(DEPARTMENTS),
                "locations": list(LOCATIONS),
                "nl": len(LOCATIONS),
                "members": members,
            },
        )


def load_entries(engine, tenant_id: str, start: int, stop: int, ranked: int) -> None:
    """Ledger entries ``start`` .. ``stop - 1``: random times in the last 365 days, points 1-30,
    members skewed (member n's share falls like 1/sqrt(n))."""
    for chunk in range(start, stop, LOAD_CHUNK):
        with engine.begin() as connection:
            connection.execute(text("SELECT setseed(:seed)"), {"seed": (chunk // LOAD_CHUNK % 997) / 997})
            connection.execute(
                text(
                    """
                    INSERT INTO point_entries (id, tenant_id, member_id, rule, points, source_key, rule_version, occurred_at, created_at)
                    SELECT gen_random_uuid(), :tenant, md5('lb-member-' || floor(:ranked * power(random(), 2))::bigint)::uuid,
                           (CAST(:rules AS text[]))[1 + g % :nr], 1 + floor(random() * 30)::int, 'bench:' || g, 1, at, at
                    FROM (SELECT g, now() - random() * interval '365 days' AS at FROM generate_series(:start, :stop - 1) AS g) AS s
                    """
                ),
                {
                    "tenant": tenant_id,
                    "ranked": ranked,
                    "rules": list(RULES),
                    "nr": len(RULES),
                    "start": chunk,
                    "stop": min(stop, chunk + LOAD_CHUNK),
                },
            )


def recompute_totals(engine, tenant_id: str, zone: str) -> int:
    """``member_points`` from the whole ledger and ``points_histogram`` from them, as
    ``ledger.add_to_totals`` maintains both."""
    assert PERIODS == ("week", "month", "quarter", "all") and str(ALL_TIME_START) == "1970-01-01"
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL work_mem = '256MB'"))
        departments, locations = zip(
            *connection.execute(
                text("SELECT DISTINCT department, location FROM members WHERE tenant_id = :tenant"),
                {"tenant": tenant_id},
            ).all(),
            strict=False,
        )
        departments, locations = (
            sorted(set(d for d in departments if d is not None)),
            sorted(set(x for x in locations if x is not None)),
        )
        connection.execute(text("TRUNCATE member_points"))  # the database holds this one tenant
        connection.execute(
            text(
                """
                INSERT INTO member_points (tenant_id, member_id, period, period_start, points, department_key, location_key, active, listed)
                SELECT a.tenant_id, a.member_id, a.period, a.period_start, a.points, d.key, l.key,
                       m.status = 'active', m.status = 'active' AND m.leaderboard_visible
                FROM (
                    SELECT e.tenant_id, e.member_id, p.period, p.period_start, sum(e.points) AS points
                    FROM (SELECT tenant_id, member_id, points, occurred_at AT TIME ZONE :zone AS local
                          FROM point_entries WHERE tenant_id = :tenant) AS e
                    CROSS JOIN LATERAL (VALUES ('week', date_trunc('week', e.local)::date),
                                               ('month', date_trunc('month', e.local)::date),
                                               ('quarter', date_trunc('quarter', e.local)::date),
                                               ('all', DATE '1970-01-01')) AS p(period, period_start)
                    GROUP BY e.tenant_id, e.member_id, p.period, p.period_start
                ) AS a
                JOIN members AS m ON m.tenant_id = a.tenant_id AND m.id = a.member_id
                LEFT JOIN unnest(CAST(:dnames AS text[]), CAST(:dkeys AS text[])) AS d(name, key) ON d.name = m.department
                LEFT JOIN unnest(CAST(:lnames AS text[]), CAST(:lkeys AS text[])) AS l(name, key) ON l.name = m.location
                """
            ),
            {
                "tenant": tenant_id,
                "zone": zone,
                "dnames": departments,
                "dkeys": [key(d) for d in departments],
                "lnames": locations,
                "lkeys": [key(x) for x in locations],
            },
        )
        connection.execute(text("TRUNCATE points_histogram"))
        for scope, column in (
            ("''", None),
            ("'d:' || department_key", "department_key"),
            ("'l:' || location_key", "location_key"),
        ):
            connection.execute(
                text(
                    f"""
                    INSERT INTO points_histogram (tenant_id, period, period_start, scope, points, members)
                    SELECT tenant_id, period, period_start, {scope}, points, count(*) FROM member_points
                    WHERE tenant_id = :tenant AND listed AND points > 0 {f"AND {column} IS NOT NULL" if column else ""}
                    GROUP BY 1, 2, 3, 4, 5
                    """
                ),
                {"tenant": tenant_id},
            )
        connection.execute(
            text(
                f"""
                INSERT INTO points_histogram (tenant_id, period, period_start, scope, points, members)
                SELECT tenant_id, period, period_start, '{histogram.COARSE}' || scope, points - points % {histogram.BUCKET}, sum(members)
                FROM points_histogram WHERE tenant_id = :tenant GROUP BY 1, 2, 3, 4, 5
                """
            ),
            {"tenant": tenant_id},
        )
        return connection.scalar(
            text("SELECT count(*) FROM member_points WHERE tenant_id = :tenant"), {"tenant": tenant_id}
        )


def count_entries(engine, tenant_id: str) -> int:
    with engine.connect() as connection:
        return connection.scalar(
            text("SELECT count(*) FROM point_entries WHERE tenant_id = :tenant"), {"tenant": tenant_id}
        )


# -- checks through the app's own code ---------------------------------------------------------


def check_totals(app, tenant_id: str, member_ids: list[uuid.UUID]) -> dict:
    """The app's rebuild comparison (ledger vs ``member_points``) and the standing copies, for ``member_ids``."""
    report = {"members": len(member_ids), "entries": 0, "differences": 0, "examples": []}
    with app.app_context(), tenancy.scope(uuid.UUID(tenant_id)):
        zone = periods.tenant_zone()
        rebuild._compare(
            rebuild._expected_points(member_ids, zone, report), rebuild._stored_points(member_ids), "points", report
        )
        members = {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(member_ids)))}
        for row in db.session.scalars(select(MemberPoints).where(MemberPoints.member_id.in_(member_ids))):
            if Standing(row.department_key, row.location_key, row.active, row.listed) != Standing.of(
                members[row.member_id]
            ):
                report["differences"] += 1
                report["examples"].append({"kind": "standing", "member_id": str(row.member_id), "period": row.period})
        transactions.rollback()
    return report


def describe_check(report: dict) -> str:
    text_ = f"{report['members']} members, {report['entries']:,} entries, {report['differences']} differences"
    return text_ + (f" e.g. {report['examples'][:3]}" if report["differences"] else "")


# -- callers -----------------------------------------------------------------------------------


def pick_callers(engine, tenant_id: str, members: int, ranked: int) -> list[dict]:
    """Members across the all-time ranking (and some without points), with the rank SQL gives them."""
    with engine.connect() as connection:
        ranking = connection.execute(
            text(
                "SELECT member_id, points, listed FROM member_points WHERE tenant_id = :tenant AND period = 'all'"
                " AND period_start = DATE '1970-01-01' ORDER BY points DESC, member_id DESC"
            ),
            {"tenant": tenant_id},
        ).all()
        departments = dict(
            connection.execute(
                text("SELECT id, department FROM members WHERE tenant_id = :tenant"), {"tenant": tenant_id}
            ).all()
        )
    listed_points = sorted((int(r.points) for r in ranking if r.listed), reverse=True)

    def rank(points: int) -> int:  # 1 + listed members with more points (binary search on the descending list)
        lo, hi = 0, len(listed_points)
        while lo < hi:
            mid = (lo + hi) // 2
            if listed_points[mid] > points:
                lo = mid + 1
            else:
                hi = mid
        return lo + 1

    callers, seen = [], set()
    for group, fractions in CALLER_GROUPS:
        for fraction in fractions:
            row = ranking[min(len(ranking) - 1, round(fraction * (len(ranking) - 1)))]
            if row.member_id not in seen:
                seen.add(row.member_id)
                callers.append(
                    {
                        "group": group,
                        "id": row.member_id,
                        "points": int(row.points),
                        "rank": rank(int(row.points)),
                        "department": departments[row.member_id],
                    }
                )
    have_points = {r.member_id for r in ranking}
    for n in range(members - 1, ranked - 1, -max(1, (members - ranked) // NO_POINTS_CALLERS)):
        member_id = member_uuid(n)
        if member_id not in have_points and len([c for c in callers if c["group"] == "no points"]) < NO_POINTS_CALLERS:
            callers.append(
                {
                    "group": "no points",
                    "id": member_id,
                    "points": 0,
                    "rank": rank(0),
                    "department": departments[member_id],
                }
            )
    return callers


def issue_tokens(app, tenant_id: str, callers: list[dict]) -> None:
    with app.app_context(), tenancy.scope(uuid.UUID(tenant_id)):
        for caller in callers:
            _, secret = tokens.issue(db.session.get(Member, caller["id"]), "leaderboard bench")
            caller["headers"] = {"Authorization": f"Bearer {secret}"}
        transactions.commit()


# -- reads -------------------------------------------------------------------------------------

ENDPOINTS = (
    ("GET /me", lambda c: "/api/v1/me"),
    ("GET /leaderboards/week?limit=10", lambda c: "/api/v1/leaderboards/week?limit=10"),
    ("GET /leaderboards/all?limit=10", lambda c: "/api/v1/leaderboards/all?limit=10"),
    (
        "GET /leaderboards/month?department=own&limit=10",
        lambda c: f"/api/v1/leaderboards/month?department={quote(c['department'])}&limit=10",
    ),
)


def check_ranks(client, callers: list[dict]) -> int:
    """Every caller's all-time ``me`` as the API gives it equals the rank computed in SQL."""
    wrong = 0
    for caller in callers:
        body = client.get("/api/v1/leaderboards/all?limit=10", headers=caller["headers"]).get_json()
        assert len(body["items"]) == 10, body
        if (body["me"]["rank"], body["me"]["points"]) != (caller["rank"], caller["points"]):
            wrong += 1
            print(
                f"  rank mismatch for {caller['group']} caller: API {body['me']}, SQL rank {caller['rank']} points {caller['points']}"
            )
    return wrong


def measure(
    client, callers: list[dict], requests: int, budget: float
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Up to ``requests`` timings per endpoint (ms), round-robin over the callers, endpoint order
    rotating; whole rounds over the callers, at least two, until ``budget`` seconds have passed."""
    timings: dict[str, list[float]] = {label: [] for label, _ in ENDPOINTS}
    by_group: dict[str, list[float]] = {}
    for caller in callers:  # warm-up: every caller once on every endpoint
        for _, path in ENDPOINTS:
            sample(client, path(caller), caller["headers"], 1)
    started = time.perf_counter()
    i = 0
    while i < requests and (i < 2 * len(callers) or time.perf_counter() - started < budget):
        for caller in callers:
            shift = i % len(ENDPOINTS)
            for label, path in ENDPOINTS[shift:] + ENDPOINTS[:shift]:
                ms = sample(client, path(caller), caller["headers"], 1)[0]
                timings[label].append(ms)
                if label == "GET /leaderboards/all?limit=10":
                    by_group.setdefault(caller["group"], []).append(ms)
            i += 1
    return timings, by_group


def reads_per_second(client, callers: list[dict], label: str, requests: int, budget: float) -> tuple[float, int]:
    """Serial requests (round-robin over the callers) per second: ``requests``, or fewer if ``budget`` seconds run out."""
    path = dict(ENDPOINTS)[label]
    started = time.perf_counter()
    done = 0
    while done < requests and (done < len(callers) or time.perf_counter() - started < budget):
        caller = callers[done % len(callers)]
        sample(client, path(caller), caller["headers"], 1)
        done += 1
    return done / (time.perf_counter() - started), done


PLAN_SQL = {
    "top 10": "SELECT mp.member_id, mp.points, m.name FROM member_points mp JOIN members m ON m.tenant_id = mp.tenant_id AND m.id = mp.member_id "
    "WHERE mp.tenant_id = :tenant AND mp.period = 'all' AND mp.period_start = DATE '1970-01-01' AND mp.listed AND mp.points > 0 "
    "ORDER BY mp.points DESC, mp.member_id DESC LIMIT 10",
    "rank from histogram": "SELECT (SELECT coalesce(sum(members), 0) FROM points_histogram WHERE tenant_id = :tenant AND period = 'all' "
    f"AND period_start = DATE '1970-01-01' AND scope = '{histogram.COARSE}' AND points > :points - :points % {histogram.BUCKET}) "
    "+ (SELECT coalesce(sum(members), 0) FROM points_histogram WHERE tenant_id = :tenant AND period = 'all' "
    f"AND period_start = DATE '1970-01-01' AND scope = '' AND points > :points AND points < :points - :points % {histogram.BUCKET} + {histogram.BUCKET})",
    "rank by counting members": "SELECT count(*) FROM member_points WHERE tenant_id = :tenant AND period = 'all' "
    "AND period_start = DATE '1970-01-01' AND listed AND points > :points",
}


def plans(app, tenant_id: str, points: int) -> list[tuple[str, str, float]]:
    """EXPLAIN ANALYZE (as the app role, under RLS) of the all-time board's queries for a caller
    with ``points``: the top 10, the rank as the app computes it (histogram), and the rank by
    counting the members above, for comparison."""
    rows = []
    with app.app_context(), tenancy.scope(uuid.UUID(tenant_id)):
        for query, sql in PLAN_SQL.items():
            explain = "EXPLAIN (ANALYZE, FORMAT JSON) " + sql
            db.session.execute(text(explain), {"tenant": tenant_id, "points": points})  # warm
            plan = db.session.execute(text(explain), {"tenant": tenant_id, "points": points}).scalar()[0]
            scans, stack = [], [plan["Plan"]]
            while stack:
                current = stack.pop()
                if "Scan" in current["Node Type"]:
                    scans.append(
                        current["Node Type"] + (f" {current['Index Name']}" if "Index Name" in current else "")
                    )
                stack.extend(current.get("Plans", []))
            rows.append((query, ", ".join(scans), plan["Execution Time"]))
        transactions.rollback()
    return rows


def print_reads(timings: dict[str, list[float]], by_group: dict[str, list[float]]) -> None:
    base50, base95 = percentiles(timings["GET /me"])
    width = max(len(label) for label, _ in ENDPOINTS) + 2
    print(f"{'endpoint':<{width}} {'p50 ms':>8} {'p95 ms':>8} {'p50 / me':>9} {'p95 / me':>9}  (target <= 2)")
    for label, _ in ENDPOINTS:
        p50, p95 = percentiles(timings[label])
        print(f"{label:<{width}} {p50:>8.2f} {p95:>8.2f} {p50 / base50:>9.2f} {p95 / base95:>9.2f}")
    groups = ", ".join(
        f"{group} {percentiles(samples)[0]:.2f}/{percentiles(samples)[1]:.2f}" for group, samples in by_group.items()
    )
    print(f"GET /leaderboards/all p50/p95 ms by caller: {groups}")


# -- writes through the event path --------------------------------------------------------------


def emit_events(app, tenant_id: str, name: str, payloads: list[dict], budget: float) -> tuple[float, int]:
    """Emit and commit ``EVENT_BATCH`` events at a time (each commit dispatches them inline), until
    all are sent or ``budget`` seconds have passed; (seconds, events sent)."""
    sent = 0
    with app.app_context(), tenancy.scope(uuid.UUID(tenant_id)):

        def run():
            nonlocal sent
            started = time.perf_counter()
            for start in range(0, len(payloads), EVENT_BATCH):
                if sent and time.perf_counter() - started > budget:
                    break
                batch = payloads[start : start + EVENT_BATCH]
                for payload in batch:
                    events.emit(events.declared(name), payload)
                transactions.commit()
                sent += len(batch)

        seconds, _ = timed(run)
    return seconds, sent


def raw_ledger_insert(engine, tenant_id: str, member_ids: list[uuid.UUID], rows: int) -> float:
    """Baseline: ``rows`` ledger rows by Core executemany as the owner, ``EVENT_BATCH`` a transaction."""
    now = clock.now()
    values = [
        {
            "id": uuid.uuid4(),
            "tenant_id": uuid.UUID(tenant_id),
            "member_id": member_ids[i % len(member_ids)],
            "rule": "own_post_published",
            "points": 15,
            "source_key": f"raw:{uuid.uuid4()}",
            "subject_id": uuid.uuid4(),
            "rule_version": 1,
            "occurred_at": now,
            "created_at": now,
        }
        for i in range(rows)
    ]

    def run():
        for start in range(0, rows, EVENT_BATCH):
            with engine.begin() as connection:
                connection.execute(insert(PointEntry.__table__), values[start : start + EVENT_BATCH])

    seconds, _ = timed(run)
    with engine.begin() as connection:  # the ledger stays consistent with member_points
        connection.execute(delete(PointEntry.__table__).where(PointEntry.__table__.c.source_key.like("raw:%")))
    return seconds


def undelivered(engine, tenant_id: str) -> int:
    with engine.connect() as connection:
        return connection.scalar(
            text(
                "SELECT count(*) FROM outbox_events WHERE tenant_id = :tenant AND (dispatched_at IS NULL OR last_error IS NOT NULL)"
            ),
            {"tenant": tenant_id},
        )


def skewed_member(rng: random.Random, ranked: int) -> int:
    return int(ranked * rng.random() ** 2)


def writes(app, engine, tenant_id: str, ranked: int, count: int, budget: float) -> list[tuple[str, int, int, float]]:
    rng = random.Random(11)
    posted = [
        {
            "post_id": str(uuid.uuid4()),
            "member_id": str(member_uuid(skewed_member(rng, ranked))),
            "platform": "linkedin",
            "content_id": None,
            "version": 1,
            "external_url": None,
            "topics": [],
        }
        for _ in range(count)
    ]
    pool = [(str(uuid.uuid4()), str(member_uuid(skewed_member(rng, ranked)))) for _ in range(max(1, count // 10))]
    day = clock.now().date().isoformat()
    clicks = []
    for _ in range(count):
        post_id, member_id = rng.choice(pool)
        clicks.append(
            {
                "post_id": post_id,
                "member_id": member_id,
                "link_id": str(uuid.uuid4()),
                "platform": "linkedin",
                "content_id": None,
                "day": day,
                "unique": True,
                "topics": [],
            }
        )
    results = []
    for name, payloads in (("engagement.post_published", posted), ("engagement.link_clicked", clicks)):
        before = count_entries(engine, tenant_id)
        seconds, sent = emit_events(app, tenant_id, name, payloads, budget)
        results.append((name, sent, count_entries(engine, tenant_id) - before, seconds))
    raw_rows = results[0][2]
    touched = sorted({uuid.UUID(p["member_id"]) for p in posted[:10] + clicks[:10]})
    raw_seconds = raw_ledger_insert(
        engine, tenant_id, [member_uuid(skewed_member(rng, ranked)) for _ in range(1000)], raw_rows
    )
    results.insert(0, ("raw executemany INSERT (baseline)", 0, raw_rows, raw_seconds))
    failed = undelivered(engine, tenant_id)
    report = check_totals(app, tenant_id, touched)
    print(f"events not fully delivered: {failed}; totals vs ledger of {describe_check(report)}")
    return results


# -- main --------------------------------------------------------------------------------------


def main(
    members: int, entries: int, requests: int, event_count: int, keep: bool, budget: float, event_budget: float
) -> None:
    url, app, client = fresh_app()
    if not url.startswith("postgresql"):
        print("leaderboards bench needs PostgreSQL (bulk load in SQL); skipped")
        return
    tenant = signup(client, "leaderboard-bench")
    tenant_id = tenant["tenant_id"]
    set_seat_limit(url, members + 10)
    with app.app_context(), tenancy.scope(uuid.UUID(tenant_id)):
        zone = periods.tenant_zone().key
        transactions.rollback()
    engine = create_engine(url)
    ranked = int(members * RANKED_SHARE)
    member_seconds, _ = timed(lambda: load_members(engine, tenant_id, members))
    with engine.connect() as connection:
        listed_share = connection.scalar(
            text("SELECT avg(leaderboard_visible::int) FROM members WHERE tenant_id = :t"), {"t": tenant_id}
        )
    print(
        f"database: {url.split('@')[-1]}; {members:,} members ({float(listed_share):.0%} opted in, {len(DEPARTMENTS)} departments, "
        f"{ranked:,} earn points), loaded in {member_seconds:.1f} s; time zone {zone}; up to {requests} requests per endpoint per size ({budget:.0f} s budget)"
    )

    results: dict[int, dict[str, list[float]]] = {}
    loaded = 0
    for size in (max(1, entries // 10), entries):
        entry_seconds, _ = timed(lambda: load_entries(engine, tenant_id, loaded, size, ranked))
        loaded = size
        total_seconds, rows = timed(lambda: recompute_totals(engine, tenant_id, zone))
        analyze_seconds, _ = timed(lambda: analyze(url))
        callers = pick_callers(engine, tenant_id, members, ranked)
        issue_tokens(app, tenant_id, callers)
        report = check_totals(app, tenant_id, [c["id"] for c in callers])
        print(
            f"\n== ledger {size:,} entries: loaded in {entry_seconds:.1f} s, member_points ({rows:,} rows) in {total_seconds:.1f} s, "
            f"VACUUM ANALYZE {analyze_seconds:.1f} s"
        )
        print(f"totals vs ledger (app's rebuild comparison) of {describe_check(report)}")
        wrong = check_ranks(client, callers)
        groups = ", ".join(
            f"{g} {sum(1 for c in callers if c['group'] == g)}" for g in dict.fromkeys(c["group"] for c in callers)
        )
        print(
            f"callers: {len(callers)} ({groups}); all-time me.rank as computed in SQL: {len(callers) - wrong}/{len(callers)}"
        )
        timings, by_group = measure(client, callers, requests, budget)
        results[size] = timings
        print(f"{len(timings['GET /me'])} requests per endpoint")
        print_reads(timings, by_group)
        board_rate, board_n = reads_per_second(client, callers, "GET /leaderboards/all?limit=10", requests, budget / 3)
        me_rate, me_n = reads_per_second(client, callers, "GET /me", requests, budget / 3)
        print(
            f"all-time board: {board_rate:,.0f} reads/s serial over {board_n} requests (GET /me: {me_rate:,.0f} reads/s over {me_n}; ratio {board_rate / me_rate:.2f})"
        )
        bottom = min(c["points"] for c in callers if c["points"] > 0)
        print(
            f"all-time board queries for the lowest-ranked caller ({bottom} points), EXPLAIN ANALYZE as the app role:"
        )
        for query, scans, ms in plans(app, tenant_id, bottom):
            print(f"  {query:<26} {ms:>9.2f} ms  {scans}")

    small, large = sorted(results)
    width = max(len(label) for label, _ in ENDPOINTS) + 2
    print(f"\n== flatness: p50 at {large:,} entries / p50 at {small:,} (target ~1)")
    print(f"{'endpoint':<{width}} {f'p50 @{small:,}':>15} {f'p50 @{large:,}':>15} {'ratio':>6}")
    for label, _ in ENDPOINTS:
        a, b = percentiles(results[small][label])[0], percentiles(results[large][label])[0]
        print(f"{label:<{width}} {a:>15.2f} {b:>15.2f} {b / a:>6.2f}")

    print(
        f"\n== ledger writes through the event path (up to {event_count:,} events of each kind or {event_budget:.0f} s, {EVENT_BATCH} per commit, dispatched inline)"
    )
    rows = writes(app, engine, tenant_id, ranked, event_count, event_budget)
    raw_rate = rows[0][2] / rows[0][3]
    print(f"{'path':<36} {'events':>7} {'entries':>8} {'seconds':>8} {'events/s':>9} {'entries/s':>10} {'ratio':>6}")
    for label, count, written, seconds in rows:
        events_rate = f"{count / seconds:>9,.0f}" if count else f"{'-':>9}"
        print(
            f"{label:<36} {count or '-':>7} {written:>8,} {seconds:>8.2f} {events_rate} {written / seconds:>10,.0f} {written / seconds / raw_rate:>6.3f}"
        )

    engine.dispose()
    db.engine.dispose()
    if not keep:
        target = make_url(url)
        admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument(
        "--entries", type=int, default=5_000_000, help="ledger size of the second measurement (the first is a tenth)"
    )
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint and ledger size (at most)")
    parser.add_argument("--events", type=int, default=5_000, help="events of each kind through the event path")
    parser.add_argument(
        "--budget",
        type=float,
        default=30.0,
        help="seconds per ledger size for the latency rounds (at least two rounds run)",
    )
    parser.add_argument(
        "--event-budget",
        type=float,
        default=20.0,
        help="seconds per event kind at most (whole batches; fewer events if it runs out)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    started = time.perf_counter()
    main(args.members, args.entries, args.requests, args.events, args.keep, args.budget, args.event_budget)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    sys.exit(0)
