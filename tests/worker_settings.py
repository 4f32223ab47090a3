"""Settings module for ``rq worker -c tests.worker_settings`` in the worker tests.

RQ imports it before working, so the test event handlers are registered in the worker (an
application worker would import its domain modules the same way through ``create_app``).
It also builds an app once, importing every domain, so each forked work horse, which builds
its app from the environment, does not import it all again.
"""

import tests.event_handlers  # noqa: F401  (registers the handlers)
from app import create_app

create_app()
