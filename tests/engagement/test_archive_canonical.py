"""The archive's canonical JSON is the standard library's form, byte for byte.

``chain.canonical`` encodes with orjson (C) and falls back to ``json.dumps`` where the two
could differ. Every stored hash was made with the standard form, so a single differing byte
would make old archives fail verification: these tests compare both encoders on hostile
values and on every entry the archive flows store, and verify entries whose timestamps have
no fraction of a second (PostgreSQL formats those in SQL on the verify path).
"""

from __future__ import annotations

import inspect
import random
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

import tests.engagement.test_archive as archive_flows
import tests.engagement.test_metrics as metrics_flows
import tests.engagement.test_posts as post_flows
from app import clock
from engagement.archive import chain
from engagement.archive.models import ArchiveEntry


def _standard(value) -> bytes:
    return chain._canonical_stdlib(value)


def _floats(count: int) -> list[float]:
    generator = random.Random(20261207)
    values = [0.0, -0.0, 1.0, 0.1, 1e-4, 1e-5, 2.5e-7, 1e16, 1.5e16, 1e22, 5e-324, 1.7976931348623157e308]
    for _ in range(count):
        magnitude = generator.randint(-30, 30)
        value = generator.random() * 10**magnitude * generator.choice((1, -1))
        values.append(round(value, generator.randint(0, 12)) if generator.random() < 0.3 else value)
    return values


HOSTILE = [
    {"text": 'Grüße aus Köln 🎉 \u2028 <script>&</script> "quoted" \\ back\tslash\n', "ß": 1, "a": 2, "Ä": 3},
    {"control": "".join(chr(c) for c in range(32)) + "\x7f", "nested": [[[{"z": None, "y": True, "x": False}]]]},
    {"lone surrogate": "\ud800", "big": 2**70, "negative big": -(2**65), "max": 2**63 - 1, "min": -(2**63)},
    {"keys": {"b": 1, "B": 2, "é": 3, "e": 4, "😀": 5, "": 6}},
    {"looks like a float": "Seite-1 0.00001 1e-5 :2.5e-7 ,0.0000", "uuid": str(uuid.UUID(int=0x3E4))},
    chain.jsonable({"at": datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "id": uuid.UUID(int=7), "tags": {"b", "a"}}),
    [],
    {},
    "plain",
    7,
    None,
]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_values_encode_as_the_standard_library_does(value):
    assert chain.canonical(value) == _standard(value)


def test_floats_of_every_magnitude_encode_as_the_standard_library_does():
    floats = _floats(20_000)
    for value in floats:
        assert chain.canonical({"score": value}) == _standard({"score": value}), value
    assert chain.canonical({"scores": floats}) == _standard({"scores": floats})


def _stored_entries(owner_engine) -> list:
    with owner_engine.connect() as connection:
        return connection.execute(select(ArchiveEntry.__table__).order_by("tenant_id", "seq")).all()


def _assert_standard_form(entries, monkeypatch) -> None:
    """Payload and entry hash inputs encode identically with orjson and the standard library
    (some flows tamper with an entry at the end, so the stored hashes are not compared)."""
    for entry in entries:
        assert chain.canonical(entry.payload) == _standard(entry.payload), entry.kind
        record = {**entry._mapping, "recorded_at": clock.isoformat(entry.recorded_at)}
        fast = chain.entry_digest(record)
        with monkeypatch.context() as patch:
            patch.setattr(chain, "_canonical_record", _standard)
            assert chain.entry_digest(record) == fast, entry.kind


#: Flows of the archive's own tests that store every kind of entry.
FLOWS = {
    "post versions, submissions, decisions": post_flows.test_editing_an_approved_post_sends_it_back_in_containment_only,
    "governance switch": post_flows.test_switching_to_containment_sends_unpublished_automatic_approvals_to_the_chain,
    "metrics batches": metrics_flows.test_containment_archives_one_entry_per_batch_and_every_batch_emits_one_event,
    "erasure": archive_flows.test_erasure_pseudonymises_payloads_and_keeps_the_chain_verifiable,
    "retention": archive_flows.test_prune_deletes_old_entries_and_the_chain_still_verifies,
}


@pytest.mark.parametrize("flow", FLOWS.values(), ids=FLOWS.keys())
def test_every_entry_the_archive_flows_store_has_the_standard_form(flow, app, world, owner_engine, monkeypatch):
    fixtures = {"app": app, "world": world, "owner_engine": owner_engine}
    flow(**{name: fixtures[name] for name in inspect.signature(flow).parameters})
    entries = _stored_entries(owner_engine)
    assert entries
    _assert_standard_form(entries, monkeypatch)


def test_entries_recorded_on_a_whole_second_verify(app, world):
    with clock.frozen(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)):
        archive_flows.record(app, world.a.tenant_id, 3)
    with clock.frozen(datetime(2026, 3, 2, 9, 0, 0, 1, tzinfo=UTC)):
        archive_flows.record(app, world.a.tenant_id, 1)
    result = archive_flows.verify(world.a.api)
    assert result["ok"] and result["entries"] == 4, result
