"""``GET /r/{code}`` (the tracking-link redirect) next to ``GET /healthz``: p50/p95 and requests/s.

Two tenants with ``links`` approved posts each (tracking links made by the service the posts
workflow calls on approval). Measured in the same run, in process (Flask test client):

- ``/healthz``: the baseline (no database);
- a click by a browser from a new address each time (a unique click: visitor hash, the day's
  aggregate upserted, the ``engagement.link_clicked`` event in the outbox);
- the same visitor again (a repeated click: the hash exists, the aggregate still counts);
- a link-preview bot (the lookup by code and the redirect, nothing counted);
- throughput with ``threads`` concurrent clients, once on random links and once all on one
  link (every click updates the same aggregate row).

Without Redis (the embedded default, REDIS_URL unset) each redirect folds the buffered clicks
of its process before it ends (engagement/tracking/clicks.py), events dispatched inline: the
figures include that. With ``BENCH_REDIS_URL`` set, unique clicks are measured once more as in
production: the click only goes to the Redis buffer (queue ``bench-redirects``, emptied
afterwards, nothing folded). The issue's goal is measured through gunicorn by
``bench/http_redirect.py``.

Run: ``[BENCH_REDIS_URL=redis://...] .venv/bin/python bench/redirects.py [links] [requests] [threads]``.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
import uuid

from common import fresh_app, latency_table, percentiles, signup

from app import clock, tenancy, transactions
from app.db import db

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
BOT = "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"


def make_links(app, tenant_id: str, count: int) -> list[str]:
    """``count`` approved posts of the tenant's owner, each with its tracking link; their codes."""
    from sqlalchemy import select

    from engagement.posts.models import Post
    from engagement.tracking import services
    from tenants.models import Member

    codes = []
    with app.app_context(), tenancy.scope(uuid.UUID(tenant_id)):
        owner_id = db.session.scalar(select(Member.id))
        now = clock.now()
        posts = [
            Post(
                member_id=owner_id,
                platform=random.choice(["linkedin", "xing", "x"]),
                locale="de",
                text=f"Beitrag {i} #Mitarbeiter",
                status="approved",
                approval_route="automatic",
                approved_at=now,
            )
            for i in range(count)
        ]
        db.session.add_all(posts)
        db.session.flush()
        for post in posts:
            codes.append(services.ensure_link(post.id, f"https://example.com/news/{post.id}?ref=advocacy").code)
        transactions.commit()
    return codes


def sample(client, path, headers, count: int, environ=None) -> list[float]:
    """Milliseconds per request; ``path``/``environ`` may be callables giving fresh values."""
    timings = []
    for _ in range(count):
        url = path() if callable(path) else path
        base = environ() if callable(environ) else (environ or {})
        start = time.perf_counter()
        response = client.get(url, headers=headers, environ_base=base)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code in (200, 302), (url, response.status_code, response.get_data(as_text=True))
    return timings


def throughput(app, path, headers, requests: int, threads: int, environ=None) -> float:
    """Requests per second with ``threads`` clients sharing the work."""
    per_thread = max(1, requests // threads)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            sample(app.test_client(), path, headers, per_thread, environ)
        except BaseException as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return per_thread * threads / elapsed


def with_redis(app, redis_url: str, client, path, headers, requests: int, environ) -> list[float]:
    """Clicks handed to the Redis buffer instead of folded in process; the buffer is emptied."""
    from rq import Queue

    from app import redis_client

    saved = app.config["REDIS_URL"], app.config["RQ_QUEUE"]
    app.config["REDIS_URL"], app.config["RQ_QUEUE"] = redis_url, "bench-redirects"
    try:
        sample(client, path, headers, 50, environ)  # warm-up (connection)
        return sample(client, path, headers, requests, environ)
    finally:
        connection = redis_client.client(redis_url, app.config)
        Queue("bench-redirects", connection=connection).empty()
        for key in connection.scan_iter("cip:clicks:bench-redirects:*"):
            connection.delete(key)
        app.config["REDIS_URL"], app.config["RQ_QUEUE"] = saved


def rate(samples: list[float]) -> float:
    return len(samples) / (sum(samples) / 1000)


def main(links: int, requests: int, threads: int) -> None:
    url, app, client = fresh_app()
    tenant = signup(client, "redirect-bench")
    other = signup(client, "other-tenant")
    codes = make_links(app, tenant["tenant_id"], links)
    make_links(app, other["tenant_id"], links)
    rng = random.Random(7)
    addresses = (f"10.{a}.{b}.{c}" for a in range(256) for b in range(256) for c in range(1, 255))

    def random_code() -> str:
        return f"/r/{rng.choice(codes)}"

    lock = threading.Lock()

    def new_visitor() -> dict:
        with lock:
            return {"REMOTE_ADDR": next(addresses)}

    browser = {"User-Agent": BROWSER}
    sample(client, "/healthz", {}, 50)  # warm-up
    sample(client, random_code, browser, 50, new_visitor)
    health = sample(client, "/healthz", {}, requests)
    unique = sample(client, random_code, browser, requests, new_visitor)
    fixed_code = f"/r/{codes[0]}"
    repeated = sample(client, fixed_code, browser, requests, {"REMOTE_ADDR": "192.0.2.1"})
    bots = sample(client, random_code, {"User-Agent": BOT}, requests)

    enqueued = None
    if os.environ.get("BENCH_REDIS_URL"):
        enqueued = with_redis(app, os.environ["BENCH_REDIS_URL"], client, random_code, browser, requests, new_visitor)

    health_rps = throughput(app, "/healthz", {}, requests, threads)
    spread_rps = throughput(app, random_code, browser, requests, threads, new_visitor)
    hot_rps = throughput(app, fixed_code, browser, requests, threads, new_visitor)

    print(f"database: {url.split('@')[-1]}; {links:,} links in each of 2 tenants; {requests} requests each")
    latency_table(
        [
            ("GET /healthz", health),
            ("GET /r/{code} (unique click)", unique),
            ("GET /r/{code} (repeat click)", repeated),
            ("GET /r/{code} (bot, not counted)", bots),
            *([("GET /r/{code} (unique, event on RQ)", enqueued)] if enqueued else []),
        ]
    )
    print()
    print(f"{'serial requests/s':<34} {'req/s':>8} {'/ healthz':>10}")
    base = rate(health)
    for label, samples in (
        ("GET /healthz", health),
        ("GET /r/{code} (unique click)", unique),
        ("GET /r/{code} (repeat click)", repeated),
        ("GET /r/{code} (bot)", bots),
    ):
        print(f"{label:<34} {rate(samples):>8.0f} {rate(samples) / base:>10.2f}")
    print()
    print(f"{f'{threads} threads requests/s':<34} {'req/s':>8} {'/ healthz':>10}")
    for label, value in (
        ("GET /healthz", health_rps),
        ("GET /r/{code} (random links)", spread_rps),
        ("GET /r/{code} (one hot link)", hot_rps),
    ):
        print(f"{label:<34} {value:>8.0f} {value / health_rps:>10.2f}")
    p50, _ = percentiles(unique)
    print(f"\nunique-click p50 {p50:.2f} ms")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(args[0] if args else 1_000, args[1] if len(args) > 1 else 1_000, args[2] if len(args) > 2 else 8)
