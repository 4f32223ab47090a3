"""The event catalogue holds: every handler listens to a declared event, every declared event is
emitted somewhere, handlers read only declared payload fields, and ``emit`` refuses a payload
that does not match its declaration. Events already in the outbox from before a payload grew
(version 1 payloads) are still handled."""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from app import clock, events, transactions
from app.db import db
from app.events import EventPayloadError, EventRef, EventType, OutboxEvent
from engagement.events import LINK_CLICKED, POST_PUBLISHED
from gamification import events as gamification_events
from tenants.events import GOVERNANCE_CHANGED, MEMBER_ACTIVATED
from tests import event_handlers as h
from tests.gamification.helpers import click, influencer, points, publish_post
from tests.gamification.test_challenges import _item, _share
from tests.jobs_support import as_tenant
from training.events import GUIDELINE_ACKNOWLEDGED

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_PACKAGES = ("app", "tenants", "training", "engagement", "gamification")
#: The domains that emit events, each with its one catalogue module.
CATALOGUE_MODULES = ("tenants.events", "training.events", "engagement.events")


@pytest.fixture(scope="module")
def wired(base_app):
    """Every domain registered (its catalogue declared, its handlers subscribed), the test events too."""
    return base_app


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _sources() -> list[Path]:
    """The domain and test sources, but this module (it emits and subscribes wrongly on purpose)."""
    here = Path(__file__).resolve()
    return sorted(p for package in (*DOMAIN_PACKAGES, "tests") for p in (ROOT / package).rglob("*.py") if p != here)


def _resolve(node: ast.expr, namespace: dict):
    """The object a Name or dotted Attribute chain names in ``namespace`` (None if it is neither)."""
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, namespace)
        return getattr(owner, node.attr, None) if owner is not None else None
    return None


def _calls_of(tree: ast.AST, name: str):
    """Calls of ``events.<name>(...)`` or a bare ``<name>(...)``."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        if (isinstance(func, ast.Attribute) and func.attr == name and getattr(func.value, "id", None) == "events") or (
            isinstance(func, ast.Name) and func.id == name
        ):
            yield node


def _emit_sites() -> dict[EventType, set[str]]:
    """Every ``events.emit(<declaration>, ...)`` in the domain sources and the tests, resolved to
    the declaration object it passes: declaration -> the modules emitting it."""
    sites: dict[EventType, set[str]] = {}
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = list(_calls_of(tree, "emit"))
        if not calls:
            continue
        module = importlib.import_module(_module_name(path))
        for call in calls:
            first = call.args[0]
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            assert not isinstance(first, ast.Constant), f"{where}: emit names its event by a string literal"
            target = _resolve(first, vars(module))
            assert isinstance(target, EventType), f"{where}: emit of {ast.unparse(first)}, not a declaration"
            sites.setdefault(target, set()).add(module.__name__)
    return sites


def test_each_emitting_domain_declares_its_events_in_one_module(wired):
    by_module: dict[str, set[str]] = {}
    for declaration in events.CATALOGUE.values():
        by_module.setdefault(declaration.module, set()).add(declaration.name)
    domain_modules = {m for m in by_module if not m.startswith("tests.")}
    assert domain_modules == set(CATALOGUE_MODULES)
    for module, names in by_module.items():
        package = module.split(".")[0] if not module.startswith("tests.") else "test"
        assert all(name.startswith(f"{package}.") for name in names), (module, names)
    for declaration in events.CATALOGUE.values():
        assert declaration.version >= 1 and declaration.fields
        assert all(text.strip() for text in {**declaration.fields, **declaration.optional}.values()), declaration


def test_every_handler_listens_to_a_declared_event(wired):
    subscriptions = events.subscriptions()
    names = {s.event.name for s in subscriptions}
    # not vacuous: the domains' and the tests' listeners are all there
    assert {
        "tenants.member_activated",
        "tenants.governance_changed",
        "tenants.profile_changed",
        "training.module_passed",
        "training.guideline_acknowledged",
        "engagement.post_published",
        "engagement.link_clicked",
        "test.member_joined",
        "test.raced",
    } <= names
    for subscription in subscriptions:
        if isinstance(subscription.event, EventRef):
            declaration = subscription.event.declaration  # LookupError when nobody declares it
        else:
            declaration = subscription.event
        assert events.CATALOGUE.get(declaration.name) is declaration, subscription.key


def test_every_reference_names_a_declared_event(wired):
    refs = [v for v in vars(gamification_events).values() if isinstance(v, EventRef)]
    assert len(refs) == 4
    for ref in refs:
        assert ref.declaration.name == ref.name
        assert not ref.declaration.module.startswith("gamification")


def test_every_declared_event_is_emitted_somewhere(wired):
    sites = _emit_sites()
    missing = sorted(name for name, d in events.CATALOGUE.items() if d not in sites)
    assert not missing, f"declared but emitted nowhere: {missing}"
    for declaration, modules in sites.items():
        if not declaration.module.startswith("tests."):
            # a domain's event comes from the domain, not from a test
            domain_modules = {m for m in modules if not m.startswith("tests.")}
            assert domain_modules, f"{declaration.name} is emitted by tests only"
            package = declaration.module.split(".")[0]
            assert all(m.split(".")[0] == package for m in domain_modules), (declaration, domain_modules)


def test_no_event_is_named_by_a_string_in_listeners(wired):
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name in ("handler", "_for_member"):
            for call in _calls_of(tree, name):
                assert not isinstance(call.args[0], ast.Constant), f"{path.relative_to(ROOT)}:{call.lineno}"


# --- What handlers read -------------------------------------------------------------------


def _functions_reading(fn, seen: set) -> list:
    """``fn``, what it wraps, and the module functions it hands the event to (recursively)."""
    found = []
    while fn is not None and fn not in seen:
        seen.add(fn)
        found.append(fn)
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn.__code__)))  # the code: getsource(fn) would unwrap
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and any(isinstance(a, ast.Name) and a.id == "event" for a in node.args)
            ):
                helper = fn.__globals__.get(node.func.id)
                if inspect.isfunction(helper) and helper.__module__ == fn.__module__:
                    found.extend(_functions_reading(helper, seen))
        fn = getattr(fn, "__wrapped__", None)
    return found


def _reads(fn) -> tuple[set[str], list[str]]:
    """Payload fields read through ``event.field("x")``, and every direct ``.payload`` use."""
    fields, direct = set(), []
    for function in _functions_reading(fn, set()):
        tree = ast.parse(textwrap.dedent(inspect.getsource(function.__code__)))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "field":
                assert node.args and isinstance(node.args[0], ast.Constant), ast.unparse(node)
                fields.add(node.args[0].value)
            if isinstance(node, ast.Attribute) and node.attr == "payload":
                direct.append(f"{function.__qualname__}: {ast.unparse(node)}")
    return fields, direct


def test_handlers_read_only_declared_fields(wired):
    read: set[tuple[str, str]] = set()
    for subscription in events.subscriptions():
        declaration = subscription.event
        if isinstance(declaration, EventRef):
            declaration = declaration.declaration
        fields, direct = _reads(subscription.fn)
        assert not direct, f"{subscription.key} reads the payload around the declaration: {direct}"
        undeclared = fields - declaration.field_names
        assert not undeclared, f"{subscription.key} reads {sorted(undeclared)}, not in {declaration!r}"
        read |= {(declaration.name, f) for f in fields}
    # not vacuous: what the listeners are known to need is seen, helpers included
    assert {
        ("tenants.member_activated", "member_id"),
        ("tenants.governance_changed", "from"),
        ("training.module_passed", "score"),
        ("training.guideline_acknowledged", "published_at"),
        ("training.guideline_acknowledged", "days_after_publication"),
        ("engagement.post_published", "topics"),
        ("engagement.link_clicked", "topics"),
        ("engagement.link_clicked", "member_id"),
        ("test.member_joined", "fault_switch"),
    } <= read


# --- emit and field against the declaration -----------------------------------------------


def test_emit_rejects_a_missing_field():
    with pytest.raises(EventPayloadError, match=r"missing \['member_id'\]"):
        events.emit(MEMBER_ACTIVATED, {})
    with pytest.raises(EventPayloadError, match="reason"):
        events.emit(GOVERNANCE_CHANGED, {"from": "empowerment", "to": "containment", "actor_member_id": "x"})


def test_emit_rejects_an_undeclared_field():
    with pytest.raises(EventPayloadError, match=r"undeclared \['name'\]"):
        events.emit(MEMBER_ACTIVATED, {"member_id": str(uuid.uuid4()), "name": "Anna"})


def test_emit_and_handler_take_declarations_not_names():
    with pytest.raises(TypeError):
        events.emit("tenants.member_activated", {"member_id": str(uuid.uuid4())})
    with pytest.raises(TypeError):
        events.handler("tenants.member_activated")
    with pytest.raises(TypeError):
        events.emit(gamification_events.POST_PUBLISHED, {})  # a listener's reference cannot emit


def test_an_optional_field_may_be_left_out_and_a_field_missing_from_an_old_payload_has_its_default(wired):
    h.MEMBER_JOINED.check({"email": "a@b.example", "name": "A", "lead": "l@b.example"})
    h.MEMBER_JOINED.check({"email": "a@b.example", "name": "A", "lead": "l@b.example", "fault_switch": "/x"})
    old = OutboxEvent(name="engagement.post_published", payload={"post_id": "p", "member_id": "m"})
    assert old.field("topics") is None and old.field("topics", []) == []
    with pytest.raises(EventPayloadError, match="no payload field 'tags'"):
        old.field("tags")
    with pytest.raises(LookupError):
        OutboxEvent(name="nobody.declares_this", payload={}).field("x")


def test_declaring_a_name_again_differently_is_an_error(wired):
    again = events.declare("test.raced", version=1, fields={"email": "another description is fine"})
    assert again is h.RACED  # a module imported under a second name declares the same again
    with pytest.raises(ValueError, match="declared twice"):
        events.declare("test.raced", version=2, fields={"email": "e", "extra": "x"})


# --- Events from before a payload grew ----------------------------------------------------


def _dispatch_old_event(app, tenant_id, name: str, payload: dict) -> None:
    """An event as an older version emitted it, still in the outbox: stored as it was (not
    through ``emit``, which would refuse it now), then dispatched."""
    with as_tenant(app, tenant_id):
        row = OutboxEvent(name=name, payload=payload)
        db.session.add(row)
        transactions.commit()
        event_id = str(row.id)
    with as_tenant(app, tenant_id):
        events.dispatch(event_id)
    with as_tenant(app, tenant_id):
        assert db.session.get(OutboxEvent, uuid.UUID(event_id)).dispatched_at is not None


def _milestone(api, key: str) -> dict:
    return {m["key"]: m for m in api.get("/me/milestones").get_json()["items"]}[key]


def test_a_version_1_post_published_without_topics_still_counts(app, world):
    anna = influencer(app, world.b, name="Anna")
    payload = {
        "post_id": str(uuid.uuid4()),
        "member_id": str(anna.member_id),
        "platform": "linkedin",
        "content_id": None,
        "version": 1,
        "external_url": "https://www.linkedin.com/feed/update/1",
    }
    _dispatch_old_event(app, world.b.tenant_id, "engagement.post_published", payload)
    entries = anna.get("/me/points").get_json()["items"]
    assert sorted(e["rule"] for e in entries) == ["first_post", "own_post_published"]
    assert _milestone(anna, "first_post")["achieved_at"] is not None


@pytest.mark.parametrize(("days", "within_week"), [(2, True), (9, False)])
def test_a_version_1_guideline_acknowledgement_without_its_publication_time_still_counts(app, world, days, within_week):
    anna = influencer(app, world.b, name="Anna")
    now = clock.now()
    payload = {
        "member_id": str(anna.member_id),
        "guideline_id": str(uuid.uuid4()),
        "version": 1,
        "acknowledged_at": clock.isoformat(now),
        "days_after_publication": days,
    }
    _dispatch_old_event(app, world.b.tenant_id, "training.guideline_acknowledged", payload)
    assert points(anna) == 10
    assert (_milestone(anna, "guideline_within_week")["achieved_at"] is not None) is within_week


def test_a_published_share_and_its_clicks_carry_the_items_topics(app, world, client):
    """What the topic challenges need travels with the events (version 2)."""
    b = world.b
    anna = influencer(app, b, name="Anna")
    item = _item(b.api, " Impfung", 1)
    assert b.api.patch(f"/content/{item['id']}", json={"topics": [" Impfung", "Grippe"]}).status_code == 200
    shared = _share(anna, item)
    own = publish_post(anna)
    click(client, shared, 1)
    click(client, own, 2)
    with as_tenant(app, b.tenant_id):
        published = {
            e.field("post_id"): e.field("topics")
            for e in db.session.scalars(select(OutboxEvent).where(OutboxEvent.name == POST_PUBLISHED.name))
        }
        clicked = {
            e.field("post_id"): e.field("topics")
            for e in db.session.scalars(select(OutboxEvent).where(OutboxEvent.name == LINK_CLICKED.name))
        }
    assert published == clicked == {shared["id"]: ["grippe", "impfung"], own["id"]: []}
    # link_clicked is at version 3: its day became the tenant's calendar day.
    assert (POST_PUBLISHED.version, LINK_CLICKED.version, GUIDELINE_ACKNOWLEDGED.version) == (2, 3, 2)
