"""``make run`` as a newcomer runs it: migrate, seed the demo tenant, print its token, serve through gunicorn.

The real command in a subprocess, on a SQLite database of its own and a free port; the
virtualenv is the one running the tests (``VENV``), and make is told not to reinstall it.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOKEN_LINE = re.compile(r"^Demo token: (cip_\S+)$", re.MULTILINE)
#: Variables of the test run or the developer's shell that would change what ``make run`` does.
FOREIGN_ENV = ("TEST_", "DATABASE_", "APP_DATABASE_", "REDIS_", "RQ_", "RATELIMIT_", "SIGNUP_", "PUBLIC_BASE_URL")
START_DEADLINE_S = 300  # migrating and seeding on a busy machine; the wait ends as soon as it serves


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, token: str | None = None, headers: dict[str, str] | None = None):
    headers = {**({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class Served:
    def __init__(self, process: subprocess.Popen, log: Path, base_url: str) -> None:
        self.process, self.log, self.base_url = process, log, base_url

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"make run exited {self.process.returncode}:\n{self.output()}"
            try:
                if get(f"{self.base_url}/healthz")[0] == 200:
                    return
            except OSError:
                pass  # not listening yet
            time.sleep(0.5)
        pytest.fail(f"make run did not serve /healthz within {START_DEADLINE_S} s:\n{self.output()}")

    def stop(self) -> int:
        os.killpg(self.process.pid, signal.SIGTERM)  # make, gunicorn and its workers
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()


@pytest.fixture
def served(tmp_path):
    venv = Path(sys.prefix)
    if not (venv / "bin" / "gunicorn").exists():
        pytest.skip("the tests do not run in the project's virtualenv (make install)")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(FOREIGN_ENV)}
    env.pop("HOST", None)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
        PORT=str(port),
        SECRET_KEY="make-run-test",
        WEB_CONCURRENCY="1",
        WEB_THREADS="2",
    )
    command = ["make", "--no-print-directory", f"VENV={venv}", "-o", f"{venv}/.installed", "-o", f"{venv}/bin/python"]
    log = tmp_path / "make-run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "run"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Served(process, log, f"http://127.0.0.1:{port}")
    try:
        yield server
    finally:
        server.stop()


def test_make_run_seeds_prints_the_demo_token_first_and_serves_through_gunicorn(served):
    served.wait_until_healthy()

    output = served.output()
    match = TOKEN_LINE.search(output)
    assert match, output
    assert match.start() < output.index("Listening at: "), "the token is printed before the server starts"
    assert "Starting gunicorn" in output and "Running on http" not in output  # not the development server

    status, headers, body = get(f"{served.base_url}/api/v1/me", token=match.group(1))
    assert status == 200, body
    me = json.loads(body)
    assert me["email"].endswith("@nordlicht-medtech.de") and "owner" in me["roles"]
    assert headers["Server"] == "gunicorn"  # the name only, no version

    assert get(f"{served.base_url}/api/v1/me", token="cip_not-a-token")[0] == 401
    # Without TRUSTED_PROXIES, a client on the same host cannot claim HTTPS to gunicorn.
    _, headers, _ = get(f"{served.base_url}/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in headers
    assert '"GET /api/v1/me HTTP/1.1"' not in served.output()  # no access log


@pytest.mark.parametrize(
    ("environment", "allowed"),
    [
        ({}, ""),
        ({"TRUSTED_PROXIES": "0", "FORWARDED_ALLOW_IPS": "10.0.0.0/8"}, ""),
        ({"TRUSTED_PROXIES": "1"}, "127.0.0.1,::1"),
        ({"TRUSTED_PROXIES": "2", "FORWARDED_ALLOW_IPS": "10.0.0.0/8"}, "10.0.0.0/8"),
    ],
)
def test_gunicorn_believes_forwarded_headers_only_with_trusted_proxies(monkeypatch, environment, allowed):
    for name in ("TRUSTED_PROXIES", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    assert settings["forwarded_allow_ips"] == allowed


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    for name in ("HOST", "PORT", "WEB_CONCURRENCY", "WEB_THREADS", "ACCESS_LOG"):
        monkeypatch.delenv(name, raising=False)
    defaults = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (defaults["bind"], defaults["workers"], defaults["threads"], defaults["accesslog"]) == (
        "127.0.0.1:5000",
        2,
        4,
        None,
    )

    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "8080")
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("WEB_THREADS", "1")
    monkeypatch.setenv("ACCESS_LOG", "-")
    configured = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (configured["bind"], configured["workers"], configured["threads"], configured["accesslog"]) == (
        "0.0.0.0:8080",
        5,
        1,
        "-",
    )
