"""Throw-away redis-server and PostgreSQL processes that a test may stop, hang or restart, and
the app's own processes (web server, RQ worker) running on them.

The outage tests (and ``bench/outages.py``) need dependencies they can take down: never the
shared servers other tests and sessions use. Each server here runs on a free loopback port in a
temporary directory, and :meth:`stop`, :meth:`hang` (SIGSTOP) and :meth:`resume` (SIGCONT) act on
that process alone. :func:`missing_binaries` says why one cannot be started.

The app runs in processes of its own (:class:`AppProcesses`): ``app.db`` holds one engine per
process, so the test process, which serves the other tests' database, cannot also serve this one.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from tests.jobs_support import ROOT, free_port


def _wait_until(ready, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {timeout:.0f} s")
        time.sleep(0.05)


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries installed (``/usr/lib/postgresql/*/bin``)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def missing_binaries() -> str | None:
    """Why the servers cannot be started here, or ``None``."""
    if shutil.which("redis-server") is None:
        return "redis-server is not installed"
    if postgres_bin() is None:
        return "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: initdb refuses to run as root"
    return None


class RedisServer:
    """``redis-server`` without persistence: a restart starts empty, as after a crash."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_until(self._answers, "redis-server")
        return self

    def _answers(self) -> bool:
        from redis import Redis

        client = Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        except Exception:
            return False
        finally:
            client.close()

    def hang(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.resume()
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def heal(self) -> None:
        """Running and answering again, whether it was stopped or hung."""
        if self.process is None:
            self.start()
        else:
            self.resume()


class PostgresCluster:
    """A PostgreSQL cluster of its own (initdb into a temporary directory), trust auth on loopback.

    As root, the server binaries run as the ``postgres`` user through ``runuser``.
    """

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="cip-pg-"))
        self.data = self.dir / "data"
        self.postmaster_pid: int | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(prefix + list(command), check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresCluster:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        if not self.data.exists():
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start"
        )
        self.postmaster_pid = int((self.data / "postmaster.pid").read_text().split()[0])
        return self

    def _backends(self) -> list[int]:
        """The postmaster and every process it forked (SIGSTOP must reach the backends too)."""
        children = subprocess.run(["pgrep", "-P", str(self.postmaster_pid)], capture_output=True, text=True)
        return [self.postmaster_pid, *(int(pid) for pid in children.stdout.split())]

    def hang(self) -> None:
        for pid in self._backends():
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        for pid in self._backends():
            os.kill(pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.postmaster_pid is None:
            return
        self.resume()
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.postmaster_pid = None

    def heal(self) -> None:
        """Running and answering again, whether it was stopped or hung."""
        if self.postmaster_pid is None:
            self.start()
        else:
            self.resume()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class AppProcesses:
    """The web app (``flask run``, threaded) and ``rq worker -w app.worker.AppWorker --with-scheduler``
    on a given database and Redis, as the README deploys them; their output goes to ``log_dir``.
    """

    def __init__(self, database_url: str, redis_url: str, log_dir: Path, **settings: str) -> None:
        self.port = free_port()
        self.queue = "cip-outages"
        self.log_dir = log_dir
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "DATABASE", "APP_DATABASE", "RQ_"))
        }
        self.env.update(
            {
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                "RQ_QUEUE": self.queue,
                "SIGNUP_ENABLED": "1",
                "SECRET_KEY": "test",
                "LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(ROOT),
                **settings,
            }
        )
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return process

    def start_web(self) -> AppProcesses:
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", "127.0.0.1"]
        self.web = self._spawn("web", [*command, "--port", str(self.port), "--with-threads", "--no-reload"])

        def answers() -> bool:
            if self.web.poll() is not None:
                raise RuntimeError(f"the web process exited:\n{self.log('web')}")
            try:
                return requests.get(f"{self.base_url}/healthz", timeout=1).ok
            except requests.RequestException:
                return False

        _wait_until(answers, "the web process", timeout=60)
        return self

    def start_worker(self) -> AppProcesses:
        command = [sys.executable, "-m", "rq.cli", "worker", "-w", "app.worker.AppWorker", "--with-scheduler"]
        self.worker = self._spawn("worker", [*command, "--url", self.env["REDIS_URL"], self.queue])
        return self

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    def stop_worker(self) -> None:
        _terminate(self.worker)

    def stop(self) -> None:
        _terminate(self.worker)
        _terminate(self.web)


def _terminate(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def hold(started: str, release: str, timeout: float = 120.0) -> None:
    """A job that keeps its work horse busy: it creates ``started``, then waits for ``release``."""
    Path(started).touch()
    deadline = time.monotonic() + timeout
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
