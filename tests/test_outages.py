"""Dependency outages, as a client and an operator see them (issue 13 item 4).

The app runs as deployed, a web process and an ``AppWorker`` process, on a redis-server and a
PostgreSQL cluster of this module's own, which the tests stop and hang (SIGSTOP); never the
shared servers. Requests go over HTTP with a client timeout: a request an outage holds fails
the test at that timeout instead of hanging it. No timing is asserted (``bench/outages.py``
measures it).
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import requests
from redis import Redis
from rq import Queue
from sqlalchemy import create_engine, text

from app import migrate
from app.config import _normalise_db_url
from tests.servers import AppProcesses, PostgresCluster, RedisServer, missing_binaries

pytestmark = pytest.mark.skipif(
    missing_binaries() is not None, reason=f"the outage tests start their own servers: {missing_binaries()}"
)

#: Seconds the client waits for an answer; far above what an outage may cost a request now
#: (1 s per Redis call, 1.5 s for /readyz), far below what it cost before (held indefinitely).
CLIENT_TIMEOUT = 15
#: Seconds for a background effect (a worker starting, a job finishing) to show.
EVENTUALLY = 60
RETRY_AFTER = "7"


def eventually(condition: Callable[[], object], what: str) -> object:
    """Poll ``condition`` until it returns something truthy, failing after :data:`EVENTUALLY` seconds."""
    deadline = time.monotonic() + EVENTUALLY
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    pytest.fail(f"not within {EVENTUALLY} s: {what}")


class Client:
    """HTTP to the web process, with a bearer token and the client timeout."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url, self.token = base_url, token

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        url = self.base_url + (path if path.startswith(("/readyz", "/healthz")) else f"/api/v1{path}")
        return requests.request(method, url, headers=headers, timeout=CLIENT_TIMEOUT, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)


def assert_unavailable(response: requests.Response) -> None:
    """503 with Retry-After and the API's error body."""
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == RETRY_AFTER
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert (body["code"], body["status"]) == (503, "Service Unavailable")
    assert "Retry-After" in body["message"]


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster().start()
    try:
        migrate.upgrade(_normalise_db_url(cluster.url))
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(postgres, redis, tmp_path_factory) -> Iterator[AppProcesses]:
    processes = AppProcesses(postgres.url, redis.url, tmp_path_factory.mktemp("outages"), RETRY_AFTER=RETRY_AFTER)
    try:
        yield processes.start_web()
    finally:
        processes.stop()


@pytest.fixture
def api(stack, postgres, redis) -> Iterator[Client]:
    """Tenant owner's client on a fresh tenant; both dependencies answer again afterwards."""
    slug = f"acme-{uuid.uuid4().hex[:8]}"
    response = Client(stack.base_url).post(
        "/signup",
        json={
            "organization": {"name": "Acme", "slug": slug, "industry": "generic"},
            "owner": {"email": f"o@{slug}.example", "name": "O"},
        },
    )
    assert response.status_code == 201, response.text
    yield Client(stack.base_url, response.json()["token"])
    postgres.heal()
    redis.heal()
    eventually(lambda: Client(stack.base_url).get("/readyz").status_code == 200, "/readyz answers 200 again")


def invite(api: Client, email: str) -> requests.Response:
    return api.post("/members", json={"email": email, "name": "Neu"})


def test_database_down_answers_503_with_retry_after_and_the_error_body(api, postgres, stack):
    postgres.stop()

    assert_unavailable(api.get("/tenant"))  # the token lookup fails
    assert_unavailable(invite(api, "neu@acme.example"))
    anonymous = Client(stack.base_url).post(
        "/signup",
        json={
            "organization": {"name": "X", "slug": "x-corp", "industry": "generic"},
            "owner": {"email": "o@x.example", "name": "O"},
        },
    )
    assert_unavailable(anonymous)

    postgres.start()
    assert api.get("/tenant").status_code == 200  # the pool reconnects


def test_readyz_answers_503_while_a_dependency_is_down_or_hung(api, postgres, redis, stack):
    probe = Client(stack.base_url)
    ready = probe.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}

    outages = [
        ("redis", redis.stop, redis.start),
        ("redis", redis.hang, redis.resume),
        ("database", postgres.stop, postgres.start),
        ("database", postgres.hang, postgres.resume),
    ]
    for dependency, take_down, bring_back in outages:
        take_down()
        answer = probe.get("/readyz")
        assert answer.status_code == 503, (dependency, take_down.__name__)
        assert answer.headers["Retry-After"] == RETRY_AFTER
        other = "database" if dependency == "redis" else "redis"
        assert answer.json() == {"status": "unavailable", "checks": {dependency: "unavailable", other: "ok"}}
        bring_back()
        eventually(lambda: probe.get("/readyz").status_code == 200, f"ready again after {take_down.__name__}")


def test_a_write_while_redis_hangs_is_answered_and_kept_for_recovery(api, postgres, redis, stack):
    queue = Queue(stack.queue, connection=Redis.from_url(redis.url))
    assert invite(api, "first@acme.example").status_code == 201
    queued = queue.count  # the invitation email's job (no worker runs here)
    assert queued >= 1

    redis.hang()
    response = invite(api, "second@acme.example")  # within CLIENT_TIMEOUT, or requests raises
    redis.resume()

    assert response.status_code == 201, response.text
    member = api.get(f"/members/{response.json()['id']}").json()
    assert (member["email"], member["status"]) == ("second@acme.example", "invited")
    assert queue.count == queued  # nothing reached Redis ...
    owner = create_engine(_normalise_db_url(postgres.url))
    with owner.connect() as connection:
        [(invitation_id, email_status)] = connection.execute(
            text("SELECT id, email_status FROM invitations WHERE member_id = :member"), {"member": member["id"]}
        ).all()
    owner.dispose()
    assert email_status == "pending"  # ... and the invitation email waits in the outbox, where the flush finds it

    flush = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "notifications", "flush"],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert flush.returncode == 0, flush.stderr
    assert [str(invitation_id)] in [job.args[2] for job in queue.jobs]


def test_worker_keeps_working_across_a_redis_restart(api, redis, stack, tmp_path):
    stack.start_worker()
    try:
        started, release = tmp_path / "started", tmp_path / "release"
        Queue(stack.queue, connection=Redis.from_url(redis.url)).enqueue(
            "tests.servers.hold", str(started), str(release)
        )
        eventually(started.exists, "the worker picks up the first job")

        # Redis goes away while the job runs: the worker meets the outage when the job ends.
        redis.stop()
        release.touch()
        eventually(
            lambda: stack.worker.poll() is not None or "ended unexpectedly" in stack.log("worker"),
            "the worker notices the outage",
        )
        redis.start()  # empty, as after a crash

        assert stack.worker.poll() is None, stack.log("worker")
        csv = "email,name\nnach-neustart@acme.example,Nach Neustart\n"
        accepted = api.post("/members/imports", files={"file": ("members.csv", csv, "text/csv")})
        assert accepted.status_code == 202, accepted.text
        job_id = accepted.json()["job"]["id"]
        job = eventually(
            lambda: (body := api.get(f"/jobs/{job_id}").json())["status"] in ("finished", "failed") and body,
            "the import job runs after the restart",
        )
        assert job["status"] == "finished" and job["result"]["created"] == 1, job
        assert stack.worker.poll() is None
    finally:
        stack.stop_worker()
