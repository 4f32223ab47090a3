"""The events gamification listens to from domains it may not import (training, engagement).

Gamification emits no events. It names these by the names their declarations store
(``training/events.py``, ``engagement/events.py``); each reference resolves against the catalogue
(``app.events``) when used, and ``tests/test_event_catalogue.py`` fails if one names no declared
event or a handler reads a field the declaration lacks. Events of ``tenants`` it imports as
declared (``tenants.events``).
"""

from __future__ import annotations

from app import events

MODULE_PASSED = events.ref("training.module_passed")
GUIDELINE_ACKNOWLEDGED = events.ref("training.guideline_acknowledged")
POST_PUBLISHED = events.ref("engagement.post_published")
LINK_CLICKED = events.ref("engagement.link_clicked")
