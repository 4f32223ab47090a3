"""Benchmark: unique clicks on ``GET /r/{code}`` through gunicorn next to ``GET /healthz`` on the same server.

The app runs as deployed (``gunicorn.conf.py``, ``WEB_CONCURRENCY`` workers, Redis for jobs, the
rate limiter and the click buffer) on PostgreSQL; ``wrk`` drives it over keep-alive connections
on loopback for ``HTTP_SECONDS``. Every click request carries a user agent never sent before, so
each is a new visitor on one of ``links`` codes of each of two tenants (default 50: a campaign's
posts): a unique click, the costly kind. Codes are read once per ``TRACKING_LINK_CACHE_SECONDS``
in each process; with thousands of codes each clicked less often than that, most redirects pay
that read (``links`` 1000 shows it).
Rounds alternate with the ``/healthz`` baseline, so both see the same machine. Goal: unique
clicks at >= 0.3 of ``/healthz``.

The clicks wait in Redis (no worker runs during the load); afterwards one in-process
:func:`engagement.tracking.clicks.flush` folds them, and the script prints how fast and whether
the counted clicks equal the redirects served (gunicorn may have served a few more than wrk saw
complete when its time ran out). Figures are printed, never asserted.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/cip_bench_clicks \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python bench/http_redirect.py [links]
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from app import ratelimit, tenancy, transactions  # noqa: E402
from bench.common import fresh_database, make_app, signup  # noqa: E402
from bench.http_me import serve  # noqa: E402
from bench.redirects import make_links  # noqa: E402

SECONDS = int(os.environ.get("HTTP_SECONDS", 10))
CONNECTIONS = int(os.environ.get("HTTP_CONNECTIONS", 8))
ROUNDS = int(os.environ.get("HTTP_ROUNDS", 3))
QUEUE = "bench-clicks"

#: Each wrk thread numbers its requests; the thread id and a per-run salt make every user agent new.
CLICKS_LUA = """
local codes = {%(codes)s}
local counter = 0
local salt = "%(salt)s"
function setup(thread)
  thread:set("id", math.random(1, 1000000000))
end
function request()
  counter = counter + 1
  local code = codes[(counter %% #codes) + 1]
  local agent = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0 v" .. salt .. "." .. (id or 0) .. "." .. counter
  return wrk.format("GET", "/r/" .. code, {["User-Agent"] = agent})
end
"""


def wrk(url: str, script: str | None = None) -> tuple[float, int]:
    """``(requests/s, requests completed)``; 3xx answers are what a redirect should give."""
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", url]
    if script:
        command[1:1] = ["-s", script]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx" in output:
        raise SystemExit(f"errors while loading {url}:\n{output}")
    if "Socket errors" in output:  # a timeout on an overloaded machine: counted, not fatal
        print(f"warning, {url}: " + re.search(r"Socket errors:.*", output).group(0))
    completed = int(re.search(r"(\d+) requests in", output).group(1))
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)), completed


def click_script(codes: list[str], salt: str) -> str:
    handle = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    with handle:
        handle.write(CLICKS_LUA % {"codes": ", ".join(f'"{c}"' for c in codes), "salt": salt})
    return handle.name


def main(links: int) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("bench/http_redirect.py needs wrk (apt-get install wrk)")
    redis_url = os.environ.get("BENCH_REDIS_URL")
    if not redis_url:
        print("skipped: bench/http_redirect.py measures the deployed set-up, set BENCH_REDIS_URL")
        return
    url = fresh_database()
    if not url.startswith("postgresql"):
        raise SystemExit("bench/http_redirect.py measures PostgreSQL: set BENCH_DATABASE_URL")
    app = make_app(url)
    client = app.test_client()
    tenants = [signup(client, "clicks-bench"), signup(client, "other-tenant")]
    codes = [code for tenant in tenants for code in make_links(app, tenant["tenant_id"], links)]
    app.config.update({"REDIS_URL": redis_url, "RQ_QUEUE": QUEUE})
    _clear(app)

    env = {
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "RQ_QUEUE": QUEUE,
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
        "LOG_LEVEL": "ERROR",
        **{key: "100000000/minute" for key in ratelimit.LIMIT_KEYS},
    }
    server, base = serve("wsgi:app", env)
    scripts = [click_script(codes, f"{run}{time.time_ns()}") for run in range(ROUNDS + 1)]
    served = 0
    try:
        wrk(f"{base}/healthz")  # warm both (and the link cache) before measuring
        served += wrk(base, scripts[0])[1]
        health, unique = [], []
        for run in range(ROUNDS):  # interleaved, so both see the same machine
            health.append(wrk(f"{base}/healthz")[0])
            rps, completed = wrk(base, scripts[run + 1])
            unique.append(rps)
            served += completed
    finally:
        server.terminate()
        server.wait(10)
        for script in scripts:
            os.unlink(script)

    from engagement.tracking import clicks, services

    start = time.perf_counter()
    folded = clicks.flush(app)
    elapsed = time.perf_counter() - start
    counted = 0
    with app.app_context():
        for tenant in tenants:
            with tenancy.scope(uuid.UUID(tenant["tenant_id"])):
                totals = services.tenant_click_totals()
                assert totals["clicks"] == totals["unique_clicks"], totals  # every visitor was new
                counted += totals["clicks"]
            transactions.rollback()
    _clear(app)

    print(
        f"database: {url.split('@')[-1]}; gunicorn workers: {env['WEB_CONCURRENCY']}; "
        f"wrk -c{CONNECTIONS} {SECONDS}s; {len(codes):,} links in 2 tenants"
    )
    print(f"GET /healthz              {statistics.median(health):>9,.0f} req/s (median of {ROUNDS}: {_runs(health)})")
    print(f"GET /r/{{code}} unique     {statistics.median(unique):>9,.0f} req/s (median of {ROUNDS}: {_runs(unique)})")
    print(f"ratio unique : healthz    {statistics.median(unique) / statistics.median(health):>9.2f} (goal >= 0.3)")
    print(f"fold: {folded:,} clicks in {elapsed:.1f} s ({folded / elapsed:,.0f} clicks/s, events included)")
    print(f"counted {counted:,} unique clicks for {served:,} redirects wrk saw complete (>= means none lost)")


def _runs(values: list[float]) -> str:
    return ", ".join(f"{v:,.0f}" for v in values)


def _clear(app) -> None:
    """Empty the bench queue and the click buffer's keys (what an earlier run left)."""
    from rq import Queue

    from app import jobs

    connection = jobs.queue_connection(app)
    Queue(QUEUE, connection=connection).empty()
    for key in connection.scan_iter(f"cip:clicks:{QUEUE}:*"):
        connection.delete(key)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
