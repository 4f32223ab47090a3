"""How long requests wait, and what they answer, while Redis or PostgreSQL is down or hung.

Starts its own redis-server and PostgreSQL cluster (``tests/servers.py``), never the shared
ones, because it stops and SIGSTOPs them. Prints, for each situation, the time and status of
the request next to the same request with both dependencies healthy (the baseline).

    python bench/outages.py [--cap 90]

``--cap`` bounds each request (seconds): one still waiting then is reported as such.
"""

from __future__ import annotations

import argparse
import threading
import time
import uuid

from common import make_app, percentiles, signup

from app import migrate, ratelimit
from tests.servers import PostgresCluster, RedisServer, missing_binaries


def timed_request(client, method: str, path: str, cap: float, **kwargs) -> tuple[float, str]:
    """Seconds the request took and ``"<status> <content type> [Retry-After]"``, or the cap."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["response"] = client.open(path, method=method, **kwargs)
        except BaseException as exc:  # the test client re-raises what the app did not handle
            outcome["error"] = exc

    started = time.perf_counter()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(cap)
    elapsed = time.perf_counter() - started
    if thread.is_alive():
        return elapsed, f"still waiting after {cap:.0f} s"
    if "error" in outcome:
        return elapsed, f"raised {type(outcome['error']).__name__}"
    response = outcome["response"]
    retry_after = response.headers.get("Retry-After")
    extra = f" Retry-After={retry_after}" if retry_after else ""
    return elapsed, f"{response.status_code} {response.mimetype}{extra}"


def main(cap: float) -> None:
    if reason := missing_binaries():
        print(f"skipped: {reason}")
        return
    redis, postgres = RedisServer().start(), PostgresCluster().start()
    try:
        database_url = postgres.url
        migrate.upgrade(database_url)
        app = make_app(database_url)
        # As in production: jobs and rate limit counters on Redis.
        app.config.update({"REDIS_URL": redis.url, "RQ_QUEUE": "bench-outages", "SEAT_LIMIT_DEFAULT": 1000})
        app.config["RATELIMIT_STORAGE_URI"] = redis.url
        ratelimit.init_app(app)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {signup(client, 'outage-bench')['token']}"}

        def invite(label: str):
            body = {"email": f"{label}-{uuid.uuid4().hex[:8]}@outage-bench.example", "name": "Neu"}
            return timed_request(client, "POST", "/api/v1/members", cap, json=body, headers=headers)

        samples = [invite("baseline")[0] for _ in range(20)]
        baseline, _ = percentiles(samples)
        rows = [("POST /members, both healthy (p50 of 20)", baseline, "201 application/json")]
        rows.append(("GET /readyz, both healthy", *timed_request(client, "GET", "/readyz", cap)))

        redis.hang()
        rows.append(("POST /members, Redis hung (SIGSTOP)", *invite("redis-hung")))
        rows.append(("POST /members, Redis hung, next request", *invite("redis-hung")))
        rows.append(("GET /readyz, Redis hung", *timed_request(client, "GET", "/readyz", cap)))
        redis.resume()
        redis.stop()
        rows.append(("POST /members, Redis stopped", *invite("redis-stopped")))
        rows.append(("GET /readyz, Redis stopped", *timed_request(client, "GET", "/readyz", cap)))
        redis.start()

        postgres.hang()
        rows.append(("GET /readyz, PostgreSQL hung (SIGSTOP)", *timed_request(client, "GET", "/readyz", cap)))
        postgres.resume()
        postgres.stop()
        rows.append(("POST /members, PostgreSQL stopped", *invite("pg-stopped")))
        rows.append(("GET /readyz, PostgreSQL stopped", *timed_request(client, "GET", "/readyz", cap)))

        width = max(len(label) for label, _, _ in rows) + 2
        print(f"{'request':<{width}} {'seconds':>8} {'/ baseline':>11}  answer")
        for label, seconds, answer in rows:
            print(f"{label:<{width}} {seconds:>8.3f} {seconds / baseline:>11.1f}  {answer}")
    finally:
        redis.stop()
        postgres.remove()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=90.0, help="seconds before a request is given up on")
    main(parser.parse_args().cap)
