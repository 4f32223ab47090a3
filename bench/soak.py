"""Soak: a mixed load on the production set-up (gunicorn + real ``rq worker`` processes, PostgreSQL, Redis).

Sixteen clients (``--clients``) read and write across three tenants for ``--duration`` seconds
(default 600) over keep-alive HTTP on 127.0.0.1. Reads: ``/me``, the tenant, members, posts,
points, badges, a leaderboard, eligibility and the audit log. Writes: profile changes (an event
each) and posts created, submitted and published (three events each, approved at once in
Empowerment). Each write's events are dispatched by the RQ workers (``app.worker.AppWorker``).

It reports:

- errors (any status >= 400 or a failed request): must be 0;
- p50/p99 latency of reads, writes and all requests, each as a ratio to ``GET /healthz`` sampled
  by one more client at the same time (the same server, the same load: the baseline);
- the RSS of each rq worker and gunicorn worker process at the start, after the warm-up
  (``--warm-up``, default a tenth of the run) and at the end: growth after the warm-up is the leak
  signal;
- events emitted and dispatched per second while loading, the backlog sampled every 5 s, and the
  backlog (undispatched events; queued, running and scheduled jobs) when the load stops, which
  must drain to 0 within 60 s (the drain time is printed).

Needs PostgreSQL (``BENCH_DATABASE_URL``, default ``postgresql://postgres@127.0.0.1:5432/cip_bench``,
dropped and recreated) and Redis (``BENCH_REDIS_URL``, default ``redis://127.0.0.1:6379/10``; the
queue ``soak`` is emptied before the run). Exits 1 when a check fails, 2 when a service is missing.

Run: ``make soak`` or ``.venv/bin/python bench/soak.py --duration 120``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from common import fresh_database
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
QUEUE = "soak"
DRAIN_LIMIT_S = 60
API = "/api/v1"

READS = (
    ("GET /me", "/me"),
    ("GET /tenant", "/tenant"),
    ("GET /members", "/members?page_size=20"),
    ("GET /posts", "/posts?page_size=20"),
    ("GET /me/points", "/me/points"),
    ("GET /me/badges", "/me/badges"),
    ("GET /leaderboards/month", "/leaderboards/month"),
    ("GET /me/eligibility", "/me/eligibility"),
    ("GET /audit-events", "/audit-events"),
)


@dataclass
class Samples:
    """Latencies (ms) per operation and the errors seen; one per client thread, merged at the end."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)

    def merge(self, other: Samples) -> None:
        for key, values in other.latencies.items():
            self.latencies[key].extend(values)
        self.errors.extend(other.errors)


class Client:
    """One keep-alive HTTP connection; every request is timed and checked."""

    def __init__(self, port: int, token: str | None, samples: Samples) -> None:
        self.port, self.token, self.samples = port, token, samples
        self.connection: http.client.HTTPConnection | None = None

    def request(self, label: str, method: str, path: str, body: dict | None = None) -> dict | list | None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            self.samples.errors.append(f"{label}: {exc.__class__.__name__}: {exc}")
            return None
        self.samples.latencies[label].append((time.perf_counter() - started) * 1000)
        if response.status >= 400:
            self.samples.errors.append(f"{label}: {response.status} {data[:300]!r}")
            return None
        return json.loads(data) if data else None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class Stack:
    """gunicorn and the rq workers as subprocesses, their output in files under ``logs``."""

    def __init__(self, env: dict[str, str], workers: int, worker_class: str, logs: Path) -> None:
        self.env, self.logs, self.processes = env, logs, {}
        self.start("gunicorn", [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")])
        for i in range(workers):
            command = [str(BIN / "rq"), "worker", "-w", worker_class, "--url", env["REDIS_URL"]]
            command += ["--logging_level", "WARNING", "--name", f"soak-{os.getpid()}-{i}"]
            self.start(f"rq worker {i}", [*command, *(["--with-scheduler"] if i == 0 else []), QUEUE])

    def start(self, name: str, command: list[str]) -> None:
        with (self.logs / f"{name.replace(' ', '-')}.log").open("wb") as out:
            self.processes[name] = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise SystemExit(f"{name} exited with {process.returncode}; see {self.logs}")

    def memory(self) -> dict[str, int | None]:
        """RSS (KiB) of each rq worker process and each gunicorn worker (not the horses, not the master)."""
        figures = {name: rss_kib(p.pid) for name, p in self.processes.items() if name.startswith("rq")}
        for i, pid in enumerate(sorted(children(self.processes["gunicorn"].pid))):
            figures[f"gunicorn worker {i}"] = rss_kib(pid)
        return figures

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_for_health(port: int, stack: Stack, deadline_s: float = 180) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        stack.check_alive()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer /healthz within {deadline_s} s; see {stack.logs}")


def sign_up_tenants(port: int, count: int) -> list[str]:
    """Empowerment tenants (industry ``generic``): a submitted post is approved at once."""
    samples = Samples()
    client = Client(port, None, samples)
    tokens = []
    for i in range(count):
        slug = f"soak-{i + 1}"
        body = client.request(
            "signup",
            "POST",
            f"{API}/signup",
            {
                "organization": {"name": f"Soak {i + 1}", "slug": slug, "industry": "generic"},
                "owner": {"email": f"owner@{slug}.example", "name": f"Owner {i + 1}"},
            },
        )
        if body is None:
            raise SystemExit(f"signup failed: {samples.errors}")
        tokens.append(body["token"])
    client.close()
    return tokens


def write_post(client: Client, rng: random.Random) -> None:
    """Create, submit and publish a post: three requests, three events."""
    post = client.request(
        "POST /posts",
        "POST",
        f"{API}/posts",
        {"platform": "linkedin", "text": f"Neu bei uns: Ausgabe {rng.randrange(10**6)} https://example.com/news"},
    )
    if post is None:
        return
    if client.request("POST /posts/{id}/submit", "POST", f"{API}/posts/{post['id']}/submit") is None:
        return
    client.request(
        "POST /posts/{id}/publications",
        "POST",
        f"{API}/posts/{post['id']}/publications",
        {"external_url": f"https://www.linkedin.com/feed/update/urn:li:activity:{rng.randrange(10**12)}"},
    )


def run_client(port: int, token: str, stop_at: float, write_share: float, seed: int, samples: Samples) -> None:
    rng = random.Random(seed)
    client = Client(port, token, samples)
    try:
        while time.monotonic() < stop_at:
            roll = rng.random()
            if roll < write_share / 2:
                write_post(client, rng)
            elif roll < write_share:
                headline = f"Produktmanagerin, Stand {rng.randrange(10**6)}"
                client.request("PATCH /me", "PATCH", f"{API}/me", {"profile": {"headline": headline}})
            else:
                label, path = rng.choice(READS)
                client.request(label, "GET", API + path)
    finally:
        client.close()


def run_baseline(port: int, stop_at: float, samples: Samples, interval_s: float = 0.05) -> None:
    client = Client(port, None, samples)
    try:
        while time.monotonic() < stop_at:
            client.request("GET /healthz", "GET", "/healthz")
            time.sleep(interval_s)
    finally:
        client.close()


class Backlog:
    """Undispatched events (as the database owner: every tenant) and the RQ jobs not yet done."""

    def __init__(self, database_url: str, redis_url: str) -> None:
        from redis import Redis
        from rq import Queue

        self.engine = create_engine(database_url)
        self.queue = Queue(QUEUE, connection=Redis.from_url(redis_url))

    def events(self) -> tuple[int, int]:
        """(emitted, undispatched) events so far."""
        with self.engine.connect() as connection:
            return tuple(
                connection.execute(
                    text("SELECT count(*), count(*) FILTER (WHERE dispatched_at IS NULL) FROM outbox_events")
                ).one()
            )

    def jobs(self) -> dict[str, int]:
        return {
            "queued": self.queue.count,
            "running": self.queue.started_job_registry.count,
            "scheduled": self.queue.scheduled_job_registry.count,
            "failed": self.queue.failed_job_registry.count,
        }

    def pending(self) -> tuple[int, int]:
        """(undispatched events, jobs not done): each undispatched event usually has a job too."""
        jobs = self.jobs()
        return self.events()[1], jobs["queued"] + jobs["running"] + jobs["scheduled"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def latency_report(samples: Samples, idle: list[float]) -> None:
    """p50/p99 per group and endpoint; the ratios are to /healthz under the same load."""
    baseline = samples.latencies.pop("GET /healthz", [])
    reads = [v for label, _ in READS for v in samples.latencies.get(label, [])]
    writes = [v for label, values in samples.latencies.items() if not label.startswith("GET") for v in values]
    rows = [("GET /healthz, idle before", idle), ("GET /healthz (baseline)", baseline)]
    rows += [("reads", reads), ("writes", writes), ("all", reads + writes), *sorted(samples.latencies.items())]
    base50, base99 = (percentile(baseline, 0.5), percentile(baseline, 0.99)) if baseline else (1.0, 1.0)
    print(f"{'requests':32} {'count':>7} {'p50 ms':>8} {'p99 ms':>8} {'p50/base':>9} {'p99/base':>9}")
    for label, values in rows:
        if values:
            p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
            print(f"{label:32} {len(values):7d} {p50:8.1f} {p99:8.1f} {p50 / base50:9.1f} {p99 / base99:9.1f}")


def memory_report(marks: list[tuple[str, dict[str, int | None]]]) -> None:
    names = list(marks[0][1])
    print(f"{'RSS MiB':22}" + "".join(f"{label:>15}" for label, _ in marks) + f"{'growth after warm-up':>22}")
    for name in names:
        values = [figures.get(name) for _, figures in marks]
        cells = "".join(f"{v / 1024:15.1f}" if v else f"{'-':>15}" for v in values)
        growth = f"{(values[-1] - values[1]) / 1024:+.1f} MiB" if values[1] and values[-1] else "-"
        print(f"{name:22}{cells}{growth:>22}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=600, help="seconds of load (default 600)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--tenants", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="rq worker processes (default 2)")
    parser.add_argument(
        "--worker-class",
        default="app.worker.AppWorker",
        help="rq worker class; worker_throughput.ColdAppWorker is AppWorker without its warm-up",
    )
    parser.add_argument("--web-concurrency", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--write-share", type=float, default=0.2, help="share of client steps that write")
    parser.add_argument("--warm-up", type=float, default=None, help="seconds before the RSS baseline (duration/10)")
    args = parser.parse_args()

    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except RedisError as exc:
        print(f"Redis unreachable at {redis_url} ({exc.__class__.__name__}): the soak needs it")
        return 2
    database_url = fresh_database()
    if not database_url.startswith("postgresql"):
        print("the soak needs PostgreSQL (BENCH_DATABASE_URL)")
        return 2

    port = free_port()
    logs = Path(tempfile.mkdtemp(prefix="cip-soak-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "APP_DATABASE", "RATELIMIT_", "SMTP_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "RQ_QUEUE": QUEUE,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WEB_CONCURRENCY": str(args.web_concurrency),
            "SECRET_KEY": "soak",
            "SIGNUP_ENABLED": "1",
            "RATELIMIT_SIGNUP": "",  # the limiter still runs, on Redis; only signup is unlimited here
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            # The project first: bench/training.py must not shadow the training package.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), str(ROOT / "bench"), os.environ.get("PYTHONPATH")])),
        }
    )
    backlog = Backlog(database_url, redis_url)
    backlog.queue.empty()
    warm_up = args.warm_up if args.warm_up is not None else args.duration / 10
    stack = Stack(env, args.workers, args.worker_class, logs)
    failed = []
    try:
        wait_for_health(port, stack)
        tokens = sign_up_tenants(port, args.tenants)
        idle = Samples()
        run_baseline(port, time.monotonic() + 5, idle, interval_s=0.02)
        marks = [("start", stack.memory())]
        started = time.monotonic()
        stop_at = started + args.duration
        per_client = [Samples() for _ in range(args.clients + 1)]
        threads = [
            threading.Thread(
                target=run_client,
                args=(port, tokens[i % len(tokens)], stop_at, args.write_share, i, per_client[i]),
                daemon=True,
            )
            for i in range(args.clients)
        ]
        threads.append(threading.Thread(target=run_baseline, args=(port, stop_at, per_client[-1]), daemon=True))
        emitted_before, _ = backlog.events()
        print(
            f"soak: {args.duration} s, {args.clients} clients on {args.tenants} tenants, gunicorn x{args.web_concurrency}"
            f", {args.workers} rq worker(s) ({args.worker_class}), write share {args.write_share}; logs in {logs}",
            flush=True,
        )
        for thread in threads:
            thread.start()
        warm_mark_taken, backlog_samples, next_sample = False, [], started
        while any(thread.is_alive() for thread in threads):
            time.sleep(1)
            stack.check_alive()
            if time.monotonic() >= next_sample:  # does the backlog grow while loading?
                backlog_samples.append(backlog.pending()[0])
                next_sample += 5
            if not warm_mark_taken and time.monotonic() - started >= warm_up:
                marks.append(("after warm-up", stack.memory()))
                warm_mark_taken = True
        for thread in threads:
            thread.join()
        loaded_s = time.monotonic() - started
        if not warm_mark_taken:
            marks.append(("after warm-up", marks[0][1]))
        marks.append(("end", stack.memory()))

        emitted, undispatched = backlog.events()
        jobs_at_stop = backlog.jobs()
        stopped = time.monotonic()
        pending = backlog.pending()
        while any(pending) and time.monotonic() - stopped < DRAIN_LIMIT_S:
            time.sleep(0.5)
            pending = backlog.pending()
        drain_s = time.monotonic() - stopped

        samples = Samples()
        for part in per_client:
            samples.merge(part)
        samples.errors.extend(idle.errors)
        print(
            f"load: {loaded_s:.0f} s; machine load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        latency_report(samples, idle.latencies["GET /healthz"])
        memory_report(marks)
        new_events = emitted - emitted_before
        print(
            f"events: {new_events} emitted ({new_events / loaded_s:.1f}/s), "
            f"{new_events - undispatched} dispatched while loading ({(new_events - undispatched) / loaded_s:.1f}/s)"
        )
        middle = backlog_samples[len(backlog_samples) // 2] if backlog_samples else 0
        print(f"undispatched events while loading (every 5 s): max {max(backlog_samples, default=0)}, at half {middle}")
        print(
            f"backlog at stop: {undispatched} undispatched event(s); jobs queued {jobs_at_stop['queued']}, "
            f"running {jobs_at_stop['running']}, scheduled {jobs_at_stop['scheduled']}, failed {jobs_at_stop['failed']}"
        )
        if any(pending):
            left = f"{pending[0]} undispatched event(s), {pending[1]} job(s) left"
            failed.append(f"backlog not drained within {DRAIN_LIMIT_S} s: {left}")
            print(f"drain: NOT drained after {drain_s:.1f} s ({left})")
        else:
            print(f"drain: backlog 0 after {drain_s:.1f} s")
        failed_jobs = backlog.jobs()["failed"]
        print(f"errors: {len(samples.errors)}; failed jobs: {failed_jobs}")
        for error in sorted(set(samples.errors))[:10]:
            print(f"  {error}")
        if samples.errors:
            failed.append(f"{len(samples.errors)} error(s)")
        if failed_jobs:
            failed.append(f"{failed_jobs} failed job(s)")
    finally:
        stack.stop()
        backlog.queue.empty()
        backlog.engine.dispose()
    print("soak: " + ("FAILED: " + "; ".join(failed) if failed else "passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
