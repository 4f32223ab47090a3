"""The archive's canonical JSON is the standard library's form, byte for byte.

``chain.canonical`` encodes with orjson (C) and falls back to ``json.dumps`` where the two
could differ. Every stored hash was made with the standard form, so a single differing byte
would make old archives fail verification: these tests compare both encoders on hostile
values and on every entry the archive flows store, and verify entries whose timestamps have
no fraction of a second (PostgreSQL formats those in SQL on the verify path).
"""

from __future__ import annotations

import inspect
import json
import random
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import Text, cast, select, text

import tests.engagement.test_archive as archive_flows
import tests.engagement.test_metrics as metrics_flows
import tests.engagement.test_posts as post_flows
from app import clock, tenancy, transactions
from app.db import db
from engagement.archive import chain
from engagement.archive.models import ArchiveEntry
from tests.factories import add_member


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


# --- The stored form ------------------------------------------------------------------------

ENTRIES = ArchiveEntry.__table__


def _stored_texts(owner_engine, tenant_id) -> list[str]:
    with owner_engine.connect() as connection:
        return connection.scalars(
            select(cast(ENTRIES.c.payload, Text)).where(ENTRIES.c.tenant_id == tenant_id).order_by(ENTRIES.c.seq)
        ).all()


def _store_text(owner_engine, tenant_id, seq: int, stored: str) -> None:
    """Write a payload's JSON text as it is, past the column type (as an older release did)."""
    with owner_engine.begin() as connection:
        value = "CAST(:stored AS json)" if connection.dialect.name == "postgresql" else ":stored"
        connection.execute(
            text(f"UPDATE archive_entries SET payload = {value} WHERE tenant_id = :tenant AND seq = :seq"),
            {
                "stored": stored,
                "tenant": tenant_id if connection.dialect.name == "postgresql" else tenant_id.hex,
                "seq": seq,
            },
        )


def test_payloads_are_stored_as_their_canonical_bytes(app, world, owner_engine):
    payload = {"z": 1, "text": 'Grüße "Köln" \\ 🎉\n', "a": [1.5, None, True, 2**70], "id": uuid.UUID(int=9)}
    archive_flows.record(app, world.a.tenant_id, 1, payload=payload)
    [stored] = _stored_texts(owner_engine, world.a.tenant_id)
    assert stored.encode() == chain.canonical(chain.jsonable(payload))
    assert chain.payload_matches(stored.encode(), chain.payload_digest(chain.jsonable(payload)))


def test_payloads_stored_in_another_form_verify_by_their_value(app, world, owner_engine):
    """Entries written before payloads were stored canonically have ``json.dumps``' default
    form (spaces, ASCII escapes, insertion order): they verify by parsing, and an altered one
    is still named."""
    payloads = [{"text": f"Grüße {i}", "b": [1, 2**70], "a": None} for i in range(3)]
    for payload in payloads:
        archive_flows.record(app, world.a.tenant_id, 1, payload=payload)
    for seq, payload in enumerate(payloads, start=1):
        _store_text(owner_engine, world.a.tenant_id, seq, json.dumps(payload))
    assert _stored_texts(owner_engine, world.a.tenant_id)[0] == json.dumps(payloads[0])
    result = archive_flows.verify(world.a.api)
    assert result["ok"] is True and result["entries"] == 3, result

    _store_text(owner_engine, world.a.tenant_id, 2, json.dumps({**payloads[1], "text": "Grüsse 1"}))
    assert archive_flows.verify(world.a.api)["first_bad_entry"]["seq"] == 2
    assert archive_flows.verify(world.a.api)["first_bad_entry"]["reason"] == "payload altered"


def test_payload_matches_the_hash_of_its_value_in_any_stored_form():
    value = {"text": "Grüße", "n": 2**70, "x": 0.1}
    digest = chain.payload_digest(value)
    assert chain.payload_matches(value, digest)
    assert chain.payload_matches(chain.canonical(value), digest)
    assert chain.payload_matches(json.dumps(value, indent=2).encode(), digest)
    assert not chain.payload_matches(json.dumps({**value, "x": 0.2}).encode(), digest)
    assert not chain.payload_matches({**value, "x": 0.2}, digest)
    assert chain.load(chain.stored_json(value).encode()) == value
    big = b'{"n":1180591620717411303424,"m":-9223372036854775809,"s":"\\ud800"}'
    assert chain.load(big) == {"n": 2**70, "m": -(2**63) - 1, "s": "\ud800"}  # exact, as json.loads reads it
    assert chain.stored_json({"lone": "\ud800"}) == '{"lone":"\\ud800"}'  # no UTF-8 form: escaped


def test_erasure_finds_a_name_with_umlauts_and_quotes_in_the_stored_form(app, world):
    member_id, _ = add_member(app, world.a.tenant_id, "influencer", email="joerg@medtech-nord.example")
    name = 'Jörg "JB" Brückner'
    with app.app_context(), tenancy.scope(world.a.tenant_id):
        from tenants.models import Member

        db.session.get(Member, member_id).name = name
        transactions.commit()
    archive_flows.record(app, world.a.tenant_id, 1, payload={"author": name, "text": f"Grüße von {name}"})
    assert world.a.api.post(f"/members/{member_id}/erase").status_code == 200
    items = world.a.api.get("/archive").get_json()["items"]
    assert "brückner" not in json.dumps(items, ensure_ascii=False).lower()
    assert items[0]["kind"] == "archive.redacted" and items[0]["payload"]["seqs"] == [1]
    assert archive_flows.verify(world.a.api)["ok"] is True
