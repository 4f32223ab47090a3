"""Benchmark: GET /archive/verify over 100,000 archive entries of one tenant.

The first entries are appended through ``services.record`` (the path the posts module uses,
one locked append each, committed in batches) to measure append throughput; the rest are
bulk-loaded with the same chain functions (same canonical JSON, same hashes), then the head
row is set. Verification recomputes every payload and entry hash, so how the rows got there
does not matter to it.

Baselines, measured in the same run over the same rows:
- "read": the SELECT of verify (and export) through a server-side cursor, without hashing;
- "read + hash": the same plus parsing each payload and SHA-256 of its canonical form and of
  each entry, in Python (verify's previous path);
- "stream": the rows verify reads, streamed as verify streams them (PostgreSQL), no checks:
  the floor for verify.
Verify's figures are printed as multiples of those. Timings are printed, never asserted.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/cip_bench_archive .venv/bin/python bench/archive_verify.py
"""

from __future__ import annotations

import os
import statistics
import sys
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import analyze, fresh_app, signup, timed  # noqa: E402
from sqlalchemy import create_engine, insert, update  # noqa: E402

from app import clock, tenancy, transactions  # noqa: E402
from engagement.archive import chain, services  # noqa: E402
from engagement.archive.models import ArchiveEntry, ArchiveHead  # noqa: E402

ENTRIES = int(os.environ.get("ARCHIVE_ENTRIES", 100_000))
RECORDED = int(os.environ.get("ARCHIVE_RECORDED", 5_000))  # appended through services.record
COMMIT_EVERY = 100
ROUNDS = 3
KINDS = ("post.version", "post.submitted", "post.decision", "post.published")
TEXT = (
    "Wir sind stolz auf unser Team in Kiel: die neue Fertigungslinie für Hörimplantate läuft. "
    "Danke an alle, die mitgemacht haben! Mehr dazu im Blog. #MedTech #Karriere #Kiel "
)


def payload(i: int, member_id: str) -> dict:
    return {
        "post_id": str(uuid.UUID(int=i // 4 + 1)),
        "author_member_id": member_id,
        "version": 1 + i % 3,
        "platform": "linkedin",
        "text": TEXT + f"(Beitrag {i})",
        "findings": []
        if i % 5
        else [{"rule_id": str(uuid.UUID(int=7)), "severity": "warn", "message": "Hinweis", "start": 0, "end": 5}],
    }


def record_through_service(app, tenant_id: uuid.UUID, member_id: str, count: int) -> float:
    with app.app_context(), tenancy.scope(tenant_id):

        def run():
            for i in range(count):
                services.record(
                    KINDS[i % 4], "post", uuid.UUID(int=i // 4 + 1), payload(i, member_id), uuid.UUID(member_id)
                )
                if (i + 1) % COMMIT_EVERY == 0:
                    transactions.commit()
            transactions.commit()

        seconds, _ = timed(run)
    return seconds


def bulk_load(url: str, tenant_id: uuid.UUID, member_id: str, start: int, count: int) -> float:
    """Append entries start+1 .. start+count with the chain functions, as record() would."""
    engine = create_engine(url)
    table = ArchiveEntry.__table__

    def run():
        with engine.begin() as connection:
            head = connection.execute(
                ArchiveHead.__table__.select().where(ArchiveHead.__table__.c.tenant_id == tenant_id)
            ).one()
            prev, seq = head.last_hash, head.last_seq
            base = clock.now()
            rows = []
            for i in range(start, start + count):
                seq += 1
                data = chain.jsonable(payload(i, member_id))
                row = {
                    "tenant_id": tenant_id,
                    "id": uuid.uuid4(),
                    "seq": seq,
                    "kind": KINDS[i % 4],
                    "subject_type": "post",
                    "subject_id": uuid.UUID(int=i // 4 + 1),
                    "actor_member_id": uuid.UUID(member_id),
                    "payload": data,
                    "payload_hash": chain.payload_digest(data),
                    "prev_hash": prev,
                    "recorded_at": base + timedelta(microseconds=seq),
                    "redacted_at": None,
                }
                row["entry_hash"] = chain.entry_digest({**row, "recorded_at": clock.isoformat(row["recorded_at"])})
                prev = row["entry_hash"]
                rows.append(row)
                if len(rows) == 5000:
                    connection.execute(insert(table), rows)
                    rows = []
            if rows:
                connection.execute(insert(table), rows)
            connection.execute(
                update(ArchiveHead.__table__)
                .where(ArchiveHead.__table__.c.tenant_id == tenant_id)
                .values(last_seq=seq, last_hash=prev)
            )

    seconds, _ = timed(run)
    engine.dispose()
    return seconds


def baseline(app, tenant_id: uuid.UUID, hashing: bool, stream: bool = False) -> tuple[float, int]:
    """Verify's reads with or without hashing, but no chain checks."""
    with app.app_context(), tenancy.scope(tenant_id):

        def run():
            count = 0
            rows = services._stream(services._select_rows()) if stream else services._rows()
            for row in rows:
                if hashing:
                    record = services._record(row)
                    chain.payload_digest(record["payload"])
                    chain.entry_digest(record)
                count += 1
            return count

        seconds, count = timed(run)
        transactions.rollback()
    return seconds, count


def main() -> None:
    url, app, client = fresh_app()
    tenant = signup(client, "archiv-bench")
    tenant_id = uuid.UUID(tenant["tenant_id"])
    headers = {"Authorization": f"Bearer {tenant['token']}"}
    member_id = client.get("/api/v1/me", headers=headers).get_json()["id"]

    recorded = min(RECORDED, ENTRIES)
    append_seconds = record_through_service(app, tenant_id, member_id, recorded)
    load_seconds = bulk_load(url, tenant_id, member_id, recorded, ENTRIES - recorded)
    analyze(url)
    print(f"database: {url.split('@')[-1]}")
    print(
        f"appended {recorded:,} entries through services.record: {recorded / append_seconds:,.0f} entries/s "
        f"(commit every {COMMIT_EVERY})"
    )
    print(f"bulk-loaded {ENTRIES - recorded:,} entries with the same chain functions in {load_seconds:.1f} s")

    figures: dict[str, list[float]] = {
        "read": [],
        "read + hash": [],
        "stream": [],
        "GET /archive/verify": [],
        "GET /archive/export": [],
    }
    for _ in range(ROUNDS):
        seconds, count = baseline(app, tenant_id, hashing=False)
        assert count == ENTRIES
        figures["read"].append(seconds)
        seconds, _ = baseline(app, tenant_id, hashing=True)
        figures["read + hash"].append(seconds)
        if url.startswith("postgresql"):
            seconds, _ = baseline(app, tenant_id, hashing=False, stream=True)
            figures["stream"].append(seconds)
        seconds, response = timed(lambda: client.get("/api/v1/archive/verify", headers=headers))
        body = response.get_json()
        assert response.status_code == 200 and body["ok"] and body["entries"] == ENTRIES, body
        figures["GET /archive/verify"].append(seconds)
        seconds, response = timed(lambda: client.get("/api/v1/archive/export", headers=headers).get_data())
        assert response.count(b"\n") == ENTRIES
        figures["GET /archive/export"].append(seconds)

    base = statistics.median(figures["read"])
    print(f"\n{ENTRIES:,} entries, median of {ROUNDS} rounds")
    print(f"{'':<22} {'seconds':>8} {'entries/s':>11} {'x read':>8}")
    for label, samples in figures.items():
        if not samples:
            continue
        median = statistics.median(samples)
        print(f"{label:<22} {median:>8.2f} {ENTRIES / median:>11,.0f} {median / base:>8.1f}")
    print(
        "\nverify / (read + hash):",
        f"{statistics.median(figures['GET /archive/verify']) / statistics.median(figures['read + hash']):.2f}",
    )
    per_100k = statistics.median(figures["GET /archive/verify"]) * 100_000 / ENTRIES
    print(f"verify per 100,000 entries: {per_100k:.2f} s (goal <= 2 s)")


if __name__ == "__main__":
    main()
