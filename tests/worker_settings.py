"""Settings module for ``rq worker -c tests.worker_settings`` in the worker tests.

RQ imports it before working, so the test event handlers are registered in the worker (an
application worker would import its domain modules the same way through ``create_app``).
It also imports what ``create_app`` needs, so each forked work horse, which builds its app from
the environment, does not import it all again.
"""

import importlib

import app.api  # noqa: F401
import app.cli  # noqa: F401
import app.health  # noqa: F401
import tests.event_handlers  # noqa: F401  (registers the handlers)
from app import ROUTE_MODULES

for _module in ROUTE_MODULES:
    importlib.import_module(_module)
