"""gunicorn settings, read by ``make run`` and in production (``gunicorn -c gunicorn.conf.py``).

Everything comes from the environment (README, Configuration):

- ``HOST`` (``127.0.0.1``) and ``PORT`` (``5000``): where to listen.
- ``WEB_CONCURRENCY`` (``2``): worker processes; ``WEB_THREADS`` (``4``): threads in each.
- ``TRUSTED_PROXIES``: only with it does gunicorn believe ``X-Forwarded-Proto`` and the like, from
  the addresses in ``FORWARDED_ALLOW_IPS`` (gunicorn's own variable; default ``127.0.0.1,::1``).
  Without it nobody can claim HTTPS for a plain HTTP request, as the app then reads no forwarded
  header either.
- ``ACCESS_LOG``: a file, or ``-`` for stdout; unset, no access log (the app logs every request
  as JSON itself).
"""

import os

from app.config import _int, _port

bind = f"{os.environ.get('HOST') or '127.0.0.1'}:{_port(os.environ.get('PORT'))}"
workers = max(1, _int(os.environ.get("WEB_CONCURRENCY"), 2))
threads = max(1, _int(os.environ.get("WEB_THREADS"), 4))
worker_class = "gthread"
wsgi_app = "wsgi:app"
forwarded_allow_ips = (
    os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1") if _int(os.environ.get("TRUSTED_PROXIES"), 0) > 0 else ""
)
accesslog = os.environ.get("ACCESS_LOG") or None
# gunicorn's control socket sits at one path per user ($HOME/.gunicorn/gunicorn.ctl): a second
# instance on the host would take it over. Nothing here uses it.
control_socket_disable = True
