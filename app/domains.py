"""The domain packages the app is built from, named once, and what each declares to the shell.

The shell (``app``) imports no domain by name. Each package's ``__init__`` holds one
:class:`Domain`: the modules that define its tables, the scopes its routes need, and a
``register(app)`` that wires the rest: blueprints, CLI groups, event listeners and the
extension points of other domains (data-rights exporters, demo seeders, eligibility rules).
:func:`create_app <app.create_app>` and Alembic's ``env.py`` walk :data:`DOMAINS`; a new package
is one line here plus its own ``Domain``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import MetaData

#: Import names of the domain packages, in dependency order (each may use the ones before).
DOMAINS: tuple[str, ...] = ("tenants", "training", "engagement", "gamification", "reports")

#: Shell modules with tables of their own (outbox, idempotency keys, jobs, email outbox).
SHELL_MODELS: tuple[str, ...] = ("app.events", "app.idempotency", "app.jobs", "app.notifications")


@dataclass(frozen=True)
class Domain:
    """What a domain package declares to the shell.

    ``models``: modules defining its tables (imported for Alembic and the tests' metadata).
    ``scopes``: scope -> roles holding it, for the scopes its routes require.
    ``register``: called once per app, after every domain's scopes are known.
    """

    name: str
    register: Callable[[Flask], None]
    models: tuple[str, ...] = ()
    scopes: Mapping[str, frozenset[str]] = field(default_factory=dict)


def domains() -> list[Domain]:
    """Every domain's declaration, in :data:`DOMAINS` order."""
    return [importlib.import_module(name).DOMAIN for name in DOMAINS]


def metadata() -> MetaData:
    """The complete schema: imports every shell and domain model module (Alembic, tests)."""
    from app.db import Base

    for module in SHELL_MODELS:
        importlib.import_module(module)
    for domain in domains():
        for module in domain.models:
            importlib.import_module(module)
    return Base.metadata
