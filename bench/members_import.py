"""CSV import of members: rows/s through the API job next to a raw bulk insert of the same rows.

Target (issue 3): the import reaches at least a third of the raw insert rate. An imported
member costs two rows (the member and its invitation, which is the outbox of its own email)
against the baseline's one, plus parsing, validation and the idempotency lookups; the rate
should stay flat from 10,000 to 50,000 rows (a falling rate means the import went superlinear).
Run: ``make bench`` or ``.venv/bin/python bench/members_import.py [rows ...]``.
"""

from __future__ import annotations

import io
import sys
import uuid

from common import fresh_app, set_seat_limit, signup, timed
from sqlalchemy import create_engine, insert

from app import clock
from tenants.models import Member

DEPARTMENTS = ("Vertrieb", "Marketing", "Forschung & Entwicklung", "Qualitätsmanagement", "Service")
LOCATIONS = ("Hamburg", "Tuttlingen", "München", "Berlin", "Wien")


def rows(n: int, domain: str) -> list[dict]:
    return [
        {
            "email": f"mitarbeiter{i}@{domain}",
            "name": f"Mitarbeiter Nummer {i}",
            "department": DEPARTMENTS[i % len(DEPARTMENTS)],
            "location": LOCATIONS[i % len(LOCATIONS)],
            "locale": "de" if i % 4 else "en",
            "title": "Referent:in",
            "roles": "influencer",
        }
        for i in range(n)
    ]


def as_csv(data: list[dict]) -> bytes:
    lines = ["email;name;department;location;locale;title;roles"]
    lines += [
        ";".join(r[c] for c in ("email", "name", "department", "location", "locale", "title", "roles")) for r in data
    ]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def raw_insert(url: str, tenant_id: str, data: list[dict]) -> None:
    """Baseline: the same rows straight into the members table (Core executemany, 1,000 a batch)."""
    engine = create_engine(url)
    now = clock.now()
    values = [
        {
            "id": uuid.uuid4(),
            "tenant_id": uuid.UUID(tenant_id),
            "email": r["email"],
            "name": r["name"],
            "department": r["department"],
            "location": r["location"],
            "locale": r["locale"],
            "title": r["title"],
            "roles": ["influencer"],
            "status": "invited",
            "leaderboard_visible": False,
            "created_at": now,
            "updated_at": now,
        }
        for r in data
    ]
    with engine.begin() as connection:
        for start in range(0, len(values), 1000):
            connection.execute(insert(Member.__table__), values[start : start + 1000])
    engine.dispose()


def main(sizes: list[int]) -> None:
    url, app, client = fresh_app()
    print(f"database: {url.split('@')[-1]}")
    print(f"{'rows':>7} {'raw rows/s':>12} {'import rows/s':>14} {'ratio':>6}  (target >= 0.33)")
    for n in sizes:
        raw_tenant = signup(client, f"raw-{n}")
        api_tenant = signup(client, f"api-{n}")
        set_seat_limit(url, n + 10)
        data = rows(n, f"firma-{n}.example")
        raw_seconds, _ = timed(lambda: raw_insert(url, raw_tenant["tenant_id"], data))
        body = as_csv(data)

        def upload():
            return client.post(
                "/api/v1/members/imports",
                data={"file": (io.BytesIO(body), "mitarbeiter.csv")},
                headers={"Authorization": f"Bearer {api_tenant['token']}"},
                content_type="multipart/form-data",
            )

        import_seconds, response = timed(upload)
        job = client.get(
            f"/api/v1/jobs/{response.get_json()['job']['id']}",
            headers={"Authorization": f"Bearer {api_tenant['token']}"},
        ).get_json()
        assert job["status"] == "finished" and job["result"]["created"] == n, job
        raw_rate, import_rate = n / raw_seconds, n / import_seconds
        print(f"{n:>7} {raw_rate:>12,.0f} {import_rate:>14,.0f} {import_rate / raw_rate:>6.2f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 50_000])
