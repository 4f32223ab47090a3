"""Benchmark: ``GET /me`` through gunicorn next to a bare primary-key SELECT served the same way.

Both run under gunicorn with the settings ``make run`` uses (``gunicorn.conf.py`` when present,
``WEB_CONCURRENCY`` workers), on the same PostgreSQL database; ``wrk`` (Debian package ``wrk``)
drives each over keep-alive connections on loopback for ``HTTP_SECONDS``. The baseline is a
Flask endpoint doing one ``SELECT ... WHERE id = :id`` through SQLAlchemy Core as the
application role: what any request of this stack costs at least. Goal: ``GET /me`` at >= 0.5
of it. Figures are printed, never asserted.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/cip_bench_http .venv/bin/python bench/http_me.py
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import ratelimit  # noqa: E402
from bench.common import fresh_database, make_app, signup  # noqa: E402

SECONDS = int(os.environ.get("HTTP_SECONDS", 10))
CONNECTIONS = int(os.environ.get("HTTP_CONNECTIONS", 8))
ROUNDS = int(os.environ.get("HTTP_ROUNDS", 3))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(app_spec: str, env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn"]
    if (ROOT / "gunicorn.conf.py").exists():
        command += ["-c", str(ROOT / "gunicorn.conf.py")]
    command += ["--bind", f"127.0.0.1:{port}", app_spec]
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"gunicorn did not answer on {base}")


def wrk(url: str, token: str | None = None) -> float:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"errors while loading {url}:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("bench/http_me.py needs wrk (apt-get install wrk)")
    url = fresh_database()
    if not url.startswith("postgresql"):
        raise SystemExit("bench/http_me.py measures PostgreSQL: set BENCH_DATABASE_URL")
    tenant = signup(make_app(url).test_client(), "http-bench")
    limits = {key: "100000000/minute" for key in ratelimit.LIMIT_KEYS}
    env = {
        "DATABASE_URL": url,
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
        "LOG_LEVEL": "ERROR",
        "BARE_TENANT_ID": tenant["tenant_id"],
        **limits,
    }
    env.pop("REDIS_URL", None)
    api, api_base = serve("wsgi:app", env)
    bare, bare_base = serve("bench.bare_wsgi:app", env)
    try:
        wrk(f"{api_base}/api/v1/me", tenant["token"])  # warm both before measuring
        wrk(f"{bare_base}/bare")
        me, baseline = [], []
        for _ in range(ROUNDS):  # interleaved, so both see the same machine
            baseline.append(wrk(f"{bare_base}/bare"))
            me.append(wrk(f"{api_base}/api/v1/me", tenant["token"]))
    finally:
        for process in (api, bare):
            process.terminate()
            process.wait(10)
    print(f"database: {url.split('@')[-1]}; gunicorn workers: {env['WEB_CONCURRENCY']}; wrk -c{CONNECTIONS} {SECONDS}s")
    print(f"bare PK SELECT     {statistics.median(baseline):>9,.0f} req/s (median of {ROUNDS})")
    print(f"GET /api/v1/me     {statistics.median(me):>9,.0f} req/s")
    print(f"ratio /me : bare   {statistics.median(me) / statistics.median(baseline):>9.2f} (goal >= 0.5)")


if __name__ == "__main__":
    main()
