"""Unit of work: one transaction per request or job, and work that must wait for its commit.

Services only add and flush; the request (or job) boundary commits. Anything that must see
committed data (enqueueing a job, dispatching events, sending mail) is registered with
:func:`on_commit` and runs only if, and after, the transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable

from sqlalchemy import event

from app.db import TenantSession, db

log = logging.getLogger(__name__)

_CALLBACKS = "after_commit_callbacks"
_KEYS = "after_commit_keys"


def on_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` after the current transaction commits (dropped on rollback)."""
    db.session().info.setdefault(_CALLBACKS, []).append(callback)


def on_commit_once(key: Hashable, callback: Callable[[], None]) -> None:
    """Like :func:`on_commit`, but only the first callback registered under ``key`` in this
    transaction runs (a thousand events of one tenant need one dispatch after the commit)."""
    keys = db.session().info.setdefault(_KEYS, set())
    if key not in keys:
        keys.add(key)
        on_commit(callback)


def commit() -> None:
    """Commit the session, then run the callbacks registered during the transaction."""
    session = db.session()
    callbacks = session.info.pop(_CALLBACKS, [])
    session.info.pop(_KEYS, None)
    try:
        session.commit()
    except Exception:
        session.rollback()
        raise
    for callback in callbacks:
        try:
            callback()
        except Exception:  # the commit stands; the callback's own retry path recovers
            log.exception("after-commit callback failed", extra={"callback": repr(callback)})


@event.listens_for(TenantSession, "after_soft_rollback")
def _drop_callbacks_on_rollback(session, previous_transaction) -> None:
    """A rolled-back transaction runs none of its callbacks, however it was rolled back."""
    if not previous_transaction.nested:
        session.info.pop(_CALLBACKS, None)
        session.info.pop(_KEYS, None)


def rollback() -> None:
    session = db.session()
    session.info.pop(_CALLBACKS, None)
    session.info.pop(_KEYS, None)
    session.rollback()
