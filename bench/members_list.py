"""``GET /members?page_size=100`` over 50,000 members: p50/p95 next to ``GET /healthz``.

Run: ``make bench`` or ``.venv/bin/python bench/members_list.py [members] [requests]``.
"""

from __future__ import annotations

import random
import sys

from common import analyze, fresh_app, latency_table, sample, set_seat_limit, signup
from members_import import raw_insert, rows


def main(members: int, requests: int) -> None:
    url, app, client = fresh_app()
    tenant = signup(client, "listing-bench")
    other = signup(client, "other-tenant")
    set_seat_limit(url, members + 10)
    raw_insert(url, tenant["tenant_id"], rows(members, "listing.example"))
    raw_insert(url, other["tenant_id"], rows(members // 5, "other.example"))
    analyze(url)
    headers = {"Authorization": f"Bearer {tenant['token']}"}
    pages = members // 100
    rng = random.Random(7)
    sample(client, "/healthz", {}, 20)  # warm-up
    health = sample(client, "/healthz", {}, requests)
    listing = sample(client, lambda: f"/api/v1/members?page_size=100&page={rng.randint(1, pages)}", headers, requests)
    filtered = sample(
        client,
        lambda: f"/api/v1/members?page_size=100&department=Vertrieb&page={rng.randint(1, pages // 5)}",
        headers,
        requests,
    )
    print(
        f"database: {url.split('@')[-1]}; {members:,} members (+{members // 5:,} in another tenant); {requests} requests each"
    )
    latency_table(
        [
            ("GET /healthz", health),
            ("GET /members?page_size=100&page=N", listing),
            ("GET /members?page_size=100&department=...", filtered),
        ]
    )


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(args[0] if args else 50_000, args[1] if len(args) > 1 else 200)
