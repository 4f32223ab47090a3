"""Configuration from environment variables, with defaults that are safe to run locally.

Every variable is listed in the README's configuration table.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = ROOT / "instance"


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def _seconds(value: str | None, default: float, kind: type = float) -> float:
    """A positive number of seconds (``kind=int``: whole ones); anything else is the default."""
    try:
        seconds = kind(value) if value not in (None, "") else default
    except ValueError:
        return default
    return seconds if seconds > 0 else default


def _seconds_list(value: str | None, default: list[int]) -> list[int]:
    """``"10,60,300"`` as ``[10, 60, 300]``; empty means none, anything unreadable the default."""
    if value is None:
        return default
    try:
        return [max(0, int(part)) for part in value.split(",") if part.strip()]
    except ValueError:
        return default


def _port(value: str | None) -> int:
    """The port ``make run`` serves on (``PORT``, default 5000)."""
    port = _int(value, 5000)
    return port if 0 < port < 65536 else 5000


def _default_database_url() -> str:
    INSTANCE_DIR.mkdir(exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'cip.db'}"


class Config:
    """Settings read once at start-up; ``create_app(overrides)`` may replace any of them."""

    def __init__(self, env: dict[str, str] | None = None):
        env = dict(os.environ if env is None else env)
        self.DATABASE_URL = _normalise_db_url(env.get("DATABASE_URL") or _default_database_url())
        # On PostgreSQL the API connects as a role that neither owns the tables nor bypasses
        # row-level security. Migrations run as the owner (DATABASE_URL).
        self.APP_DATABASE_URL = _normalise_db_url(env.get("APP_DATABASE_URL") or "") or None
        self.DATABASE_APP_ROLE = env.get("DATABASE_APP_ROLE", "cip_app")
        self.DATABASE_APP_PASSWORD = env.get("DATABASE_APP_PASSWORD") or None
        self.REDIS_URL = env.get("REDIS_URL") or None
        self.RQ_QUEUE = env.get("RQ_QUEUE", "cip")
        # Dependency outages (app/redis_client.py, app/health.py, app/api.py): a dependency that
        # does not answer fails a request within these bounds instead of holding it.
        self.REDIS_CONNECT_TIMEOUT = _seconds(env.get("REDIS_CONNECT_TIMEOUT"), 1.0)
        self.REDIS_SOCKET_TIMEOUT = _seconds(env.get("REDIS_SOCKET_TIMEOUT"), 1.0)
        self.DATABASE_CONNECT_TIMEOUT = _seconds(env.get("DATABASE_CONNECT_TIMEOUT"), 3, int)  # libpq: whole seconds
        self.DATABASE_POOL_TIMEOUT = _seconds(env.get("DATABASE_POOL_TIMEOUT"), 10.0)
        self.RETRY_AFTER = _seconds(env.get("RETRY_AFTER"), 5, int)  # on 503 answers
        # Background jobs (app/jobs.py, app/recovery.py): the waits before each retry bound the
        # attempts (one more than the intervals); the sweep runs every JOB_RECOVERY_INTERVAL seconds
        # in each worker and touches only work older than JOB_RECOVERY_GRACE seconds.
        self.JOB_RETRY_INTERVALS = _seconds_list(env.get("JOB_RETRY_INTERVALS"), [10, 60, 300])
        self.JOB_RECOVERY_INTERVAL = max(0, _int(env.get("JOB_RECOVERY_INTERVAL"), 60))
        self.JOB_RECOVERY_GRACE = max(0, _int(env.get("JOB_RECOVERY_GRACE"), 120))
        self.SECRET_KEY = env.get("SECRET_KEY") or _local_secret_key()
        self.SIGNUP_ENABLED = _bool(env.get("SIGNUP_ENABLED"), False)
        self.MAX_CONTENT_LENGTH = _int(env.get("MAX_CONTENT_LENGTH"), 1_048_576)
        # CSV member imports carry up to 50,000 rows: their own, larger limit.
        self.IMPORT_MAX_CONTENT_LENGTH = _int(env.get("IMPORT_MAX_CONTENT_LENGTH"), 20_971_520)
        self.LOG_LEVEL = env.get("LOG_LEVEL", "INFO").upper()
        self.SMTP_URL = env.get("SMTP_URL") or None
        self.MAIL_FROM = env.get("MAIL_FROM", "Corporate Influencer Programs <no-reply@localhost>")
        # Unset, the links in emails and tracking URLs point where `make run` serves: PORT.
        self.PUBLIC_BASE_URL = (env.get("PUBLIC_BASE_URL") or f"http://127.0.0.1:{_port(env.get('PORT'))}").rstrip("/")
        # Tracking links (engagement/tracking/targets.py) lead to host names only unless this is on;
        # internal addresses stay refused either way.
        self.TRACKING_ALLOW_IP_HOSTS = _bool(env.get("TRACKING_ALLOW_IP_HOSTS"), False)
        # The redirect (engagement/tracking/cache.py, clicks.py): seconds a process keeps a resolved
        # code (0: read it every time); clicks folded per batch; age of an orphaned batch.
        self.TRACKING_LINK_CACHE_SECONDS = max(0, _int(env.get("TRACKING_LINK_CACHE_SECONDS"), 30))
        self.TRACKING_CLICK_BATCH = max(1, _int(env.get("TRACKING_CLICK_BATCH"), 1000))
        self.TRACKING_CLICK_GRACE = max(0, _int(env.get("TRACKING_CLICK_GRACE"), 300))
        self.SEAT_LIMIT_DEFAULT = _int(env.get("SEAT_LIMIT_DEFAULT"), 25)
        self.IDEMPOTENCY_TTL_HOURS = _int(env.get("IDEMPOTENCY_TTL_HOURS"), 24)
        # Abuse controls (app/ratelimit.py): flask-limiter strings such as "30/minute" or
        # "10/minute;100/hour"; an empty value means no limit.
        self.RATELIMIT_ENABLED = _bool(env.get("RATELIMIT_ENABLED"), True)
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI") or None  # else REDIS_URL, else memory
        self.RATELIMIT_AUTH_FAILURES = env.get("RATELIMIT_AUTH_FAILURES", "30/minute")
        self.RATELIMIT_SIGNUP = env.get("RATELIMIT_SIGNUP", "10/hour")
        self.RATELIMIT_INVITATION_ACCEPT = env.get("RATELIMIT_INVITATION_ACCEPT", "30/minute")
        self.RATELIMIT_INVITATION_ACCEPT_TENANT = env.get("RATELIMIT_INVITATION_ACCEPT_TENANT", "300/minute")
        self.RATELIMIT_REDIRECT = env.get("RATELIMIT_REDIRECT", "120/minute")
        self.RATELIMIT_REDIRECT_TENANT = env.get("RATELIMIT_REDIRECT_TENANT", "3000/minute")
        # Security headers and CORS (app/security.py).
        self.HSTS_MAX_AGE = _int(env.get("HSTS_MAX_AGE"), 31_536_000)
        self.CORS_ORIGINS = [o.strip() for o in env.get("CORS_ORIGINS", "").split(",") if o.strip()]
        self.TRUSTED_PROXIES = _int(env.get("TRUSTED_PROXIES"), 0)

    def as_flask(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}


def _local_secret_key() -> str:
    """Without SECRET_KEY: one key kept in ``instance/secret_key``, so the web process, inline
    jobs and local workers agree across restarts (invitation codes are derived from it)."""
    path = INSTANCE_DIR / "secret_key"
    INSTANCE_DIR.mkdir(exist_ok=True)
    if not path.exists():
        # Write a private temporary file, then link it into place: a process starting at the
        # same moment sees either no file or the whole key, never an empty one.
        candidate = path.with_name(f"secret_key.{os.getpid()}")
        descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass  # another process won; use its key
        finally:
            candidate.unlink()
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty; delete it or set SECRET_KEY")
    return key


def _normalise_db_url(url: str) -> str:
    """Accept the common ``postgres://`` and ``postgresql://`` spellings and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
