"""The redirect's per-process cache of tracking links: a code resolves without the database.

A viral post sends the same few codes thousands of times a minute; each redirect needs only the
link's target, platform, campaign, ids and its tenant's time zone (for the click's day). They
are kept here for ``TRACKING_LINK_CACHE_SECONDS`` (0 turns the cache off), at most
:data:`MAX_ENTRIES` codes per process.

What can change behind a cached entry, and how long it may be stale:

- the target (a post approved again with another first link, :func:`services.ensure_link`):
  this process forgets the code when that transaction commits; other processes within the TTL;
- the tenant's ``timezone`` setting: within the TTL (a click near midnight may count on the
  old zone's day);
- the link itself (its tenant or author deleted, the rows cascade): within the TTL the code
  still redirects; the buffered clicks of a link that is gone are dropped when they are folded.

Links are never disabled and posts are never deleted or erased (erasure pseudonymises the
author and keeps the posts), so nothing else invalidates an entry.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from app import clock

#: Codes kept per process at most; the oldest entry goes first when it is full.
MAX_ENTRIES = 20_000


@dataclass(frozen=True, slots=True)
class CachedLink:
    """What the redirect needs of a tracking link (read-only, shared between threads)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    post_id: uuid.UUID
    member_id: uuid.UUID
    platform: str
    content_id: uuid.UUID | None
    code: str
    target_url: str
    #: The tenant's time zone (setting ``timezone``): the click's day is a day of this zone.
    timezone: str


_entries: dict[str, tuple[datetime, CachedLink]] = {}
_zones: dict[uuid.UUID, tuple[datetime, str]] = {}  # a tenant's time zone, for its other codes
_lock = threading.Lock()


def get(code: str) -> CachedLink | None:
    """The cached link behind ``code``, unless it is missing or expired."""
    found = _entries.get(code)
    if found is None or found[0] <= clock.now():
        return None
    return found[1]


def zone(tenant_id: uuid.UUID) -> str | None:
    """The tenant's time zone as a link of it was last read (within the TTL), else None."""
    found = _zones.get(tenant_id)
    if found is None or found[0] <= clock.now():
        return None
    return found[1]


def put(link: CachedLink) -> None:
    ttl = current_app.config["TRACKING_LINK_CACHE_SECONDS"]
    if ttl <= 0:
        return
    expires = clock.now() + timedelta(seconds=ttl)
    with _lock:
        _entries.pop(link.code, None)
        while len(_entries) >= MAX_ENTRIES:
            _entries.pop(next(iter(_entries)))
        _entries[link.code] = (expires, link)
        if link.tenant_id not in _zones or _zones[link.tenant_id][0] <= clock.now():
            while len(_zones) >= MAX_ENTRIES:
                _zones.pop(next(iter(_zones)))
            _zones[link.tenant_id] = (expires, link.timezone)


def forget(code: str) -> None:
    """Drop ``code`` (its link changed): the next redirect reads it again."""
    with _lock:
        _entries.pop(code, None)


def clear() -> None:
    with _lock:
        _entries.clear()
        _zones.clear()
