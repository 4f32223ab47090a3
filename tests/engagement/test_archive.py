"""The tamper-evident archive: recording, listing, verification, tampering, erasure, retention, export."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, update

from app import clock, tenancy, transactions
from app.db import db
from engagement.archive import chain, services
from engagement.archive.models import ArchiveEntry, ArchiveHead
from tenants.models import Tenant
from tests.factories import add_member

ENTRIES = ArchiveEntry.__table__
HEADS = ArchiveHead.__table__


def record(app, tenant_id, count=1, *, kind="post.version", subject_id=None, payload=None, actor=None):
    """Append ``count`` entries through the service, committed; returns their (seq, id)."""
    out = []
    with app.app_context(), tenancy.scope(tenant_id):
        for i in range(count):
            entry = services.record(
                kind, "post", subject_id or uuid.uuid4(), payload or {"text": f"Beitrag {i}", "version": i + 1}, actor
            )
            out.append(None if entry is None else (entry.seq, entry.id))
        transactions.commit()
    return out


def set_tenant(app, tenant_id, **fields):
    with app.app_context(), tenancy.scope(tenant_id):
        tenant = db.session.get(Tenant, tenant_id)
        for key, value in fields.items():
            setattr(tenant, key, value)
        transactions.commit()


def tamper(owner_engine, statement):
    with owner_engine.begin() as connection:
        assert connection.execute(statement).rowcount >= 1


def verify(api):
    response = api.get("/archive/verify")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def at(tenant_id, seq):
    return (ENTRIES.c.tenant_id == tenant_id) & (ENTRIES.c.seq == seq)


# --- Recording and listing ------------------------------------------------------------------


def test_entries_list_newest_first_with_cursor_and_filters(app, world):
    post_id = uuid.uuid4()
    record(app, world.a.tenant_id, 3)
    record(app, world.a.tenant_id, 2, kind="post.decision", subject_id=post_id, payload={"decision": "approve"})

    seen, cursor = [], None
    while True:
        query = "/archive?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = world.a.api.get(query).get_json()
        assert len(body["items"]) <= 2
        seen += [item["seq"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [5, 4, 3, 2, 1]

    decisions = world.a.api.get("/archive?kind=post.decision").get_json()["items"]
    assert [d["seq"] for d in decisions] == [5, 4]
    assert all(d["subject_id"] == str(post_id) and d["payload"] == {"decision": "approve"} for d in decisions)
    assert [i["seq"] for i in world.a.api.get(f"/archive?subject_id={post_id}").get_json()["items"]] == [5, 4]
    first = world.a.api.get("/archive?cursor=2-" + "0" * 32).get_json()["items"]
    assert [i["seq"] for i in first] == [1]
    assert first[0]["prev_hash"] == chain.genesis_hash(world.a.tenant_id)
    assert world.a.api.get("/archive?cursor=nonsense").status_code == 422


def test_verify_ok_and_audited(app, world):
    assert verify(world.a.api)["ok"] is True  # empty archive
    record(app, world.a.tenant_id, 4)
    result = verify(world.a.api)
    assert result["ok"] is True and result["entries"] == 4 and "first_bad_entry" not in result
    assert result["head_seq"] == 4
    newest = world.a.api.get("/archive?limit=1").get_json()["items"][0]
    assert result["head_hash"] == newest["entry_hash"]
    audited = world.a.api.get("/audit-events?action=archive.verified").get_json()["items"]
    assert len(audited) == 2 and audited[0]["after"]["entries"] == 4


def test_empowerment_tenant_records_nothing_unless_it_opts_in(app, world):
    assert record(app, world.b.tenant_id, 2) == [None, None]
    assert world.b.api.get("/archive").get_json()["items"] == []
    assert verify(world.b.api)["entries"] == 0

    set_tenant(app, world.b.tenant_id, policy_overrides={"archive_enabled": True})
    assert record(app, world.b.tenant_id, 1)[0][0] == 1
    assert verify(world.b.api)["entries"] == 1


def test_influencers_and_staff_without_the_scope_get_403(app, world):
    _, influencer = add_member(app, world.a.tenant_id, "influencer")
    _, hr = add_member(app, world.a.tenant_id, "hr", "program_lead")
    _, approver = add_member(app, world.a.tenant_id, "approver")
    for path in ("/archive", "/archive/verify", "/archive/export"):
        assert world.a.api.as_(influencer).get(path).status_code == 403, path
        assert world.a.api.as_(hr).get(path).status_code == 403, path
        assert world.a.api.as_(approver).get(path).status_code == 200, path


def test_two_tenants_chains_are_independent(app, world, owner_engine):
    set_tenant(app, world.b.tenant_id, policy_overrides={"archive_enabled": True})
    a_entries = record(app, world.a.tenant_id, 3)
    b_entries = record(app, world.b.tenant_id, 2)
    assert [s for s, _ in a_entries] == [1, 2, 3] and [s for s, _ in b_entries] == [1, 2]

    a_listing = world.a.api.get("/archive").get_data(as_text=True)
    assert not any(str(i) in a_listing for _, i in b_entries)
    assert str(world.b.tenant_id) not in world.a.api.get("/archive/export").get_data(as_text=True)
    # Another tenant's entry id is not a subject the caller can see either.
    assert world.a.api.get(f"/archive?subject_id={b_entries[0][1]}").get_json()["items"] == []

    tamper(owner_engine, update(ENTRIES).where(at(world.a.tenant_id, 2)).values(payload={"text": "geändert"}))
    assert verify(world.a.api)["ok"] is False
    assert verify(world.b.api)["ok"] is True


# --- Tampering ------------------------------------------------------------------------------


def test_altered_payload_is_named(app, world, owner_engine):
    entries = record(app, world.a.tenant_id, 5)
    tamper(owner_engine, update(ENTRIES).where(at(world.a.tenant_id, 3)).values(payload={"text": "Heilt garantiert!"}))
    result = verify(world.a.api)
    assert result["ok"] is False and result["entries"] == 5
    assert result["first_bad_entry"] == {"seq": 3, "id": str(entries[2][1]), "reason": "payload altered"}


def test_altered_payload_with_recomputed_payload_hash_is_named(app, world, owner_engine):
    record(app, world.a.tenant_id, 4)
    forged = {"text": "anders"}
    tamper(
        owner_engine,
        update(ENTRIES)
        .where(at(world.a.tenant_id, 2))
        .values(payload=forged, payload_hash=chain.payload_digest(forged)),
    )
    assert verify(world.a.api)["first_bad_entry"]["seq"] == 2
    assert verify(world.a.api)["first_bad_entry"]["reason"] == "entry altered"


def test_altered_field_is_named(app, world, owner_engine):
    record(app, world.a.tenant_id, 3)
    tamper(owner_engine, update(ENTRIES).where(at(world.a.tenant_id, 1)).values(kind="post.withdrawn"))
    assert verify(world.a.api)["first_bad_entry"] == {
        "seq": 1,
        "id": world.a.api.get("/archive?cursor=2-" + "0" * 32).get_json()["items"][0]["id"],
        "reason": "entry altered",
    }


def test_deleted_middle_entry_is_named(app, world, owner_engine):
    entries = record(app, world.a.tenant_id, 5)
    tamper(owner_engine, delete(ENTRIES).where(at(world.a.tenant_id, 3)))
    result = verify(world.a.api)
    assert result["ok"] is False and result["entries"] == 4
    assert result["first_bad_entry"] == {
        "seq": 4,
        "id": str(entries[3][1]),
        "reason": "chain broken: entry 3 missing or reordered",
    }


def test_deleted_oldest_and_newest_entries_are_detected(app, world, owner_engine):
    record(app, world.a.tenant_id, 4)
    tamper(owner_engine, delete(ENTRIES).where(at(world.a.tenant_id, 4)))
    assert verify(world.a.api)["first_bad_entry"] == {
        "seq": 4,
        "id": None,
        "reason": "chain broken: entries 4 to 4 missing",
    }
    tamper(owner_engine, delete(ENTRIES).where(at(world.a.tenant_id, 1)))
    assert verify(world.a.api)["first_bad_entry"]["seq"] == 2
    assert verify(world.a.api)["first_bad_entry"]["reason"] == "chain broken: entry 1 missing or reordered"


def test_a_forged_entry_appended_behind_the_heads_back_is_detected(app, world, owner_engine):
    record(app, world.a.tenant_id, 2)
    newest = world.a.api.get("/archive?limit=1").get_json()["items"][0]
    forged = {
        "tenant_id": world.a.tenant_id,
        "seq": 3,
        "id": uuid.uuid4(),
        "kind": "post.published",
        "subject_type": "post",
        "subject_id": uuid.uuid4(),
        "actor_member_id": None,
        "payload": {"text": "nachgeschoben"},
        "payload_hash": chain.payload_digest({"text": "nachgeschoben"}),
        "prev_hash": newest["entry_hash"],
        "recorded_at": datetime(2026, 6, 1, tzinfo=UTC),
        "redacted_at": None,
    }
    forged["entry_hash"] = chain.entry_digest({**forged, "recorded_at": "2026-06-01T00:00:00Z"})
    with owner_engine.begin() as connection:
        connection.execute(ENTRIES.insert().values(**forged))
    result = verify(world.a.api)
    assert result["ok"] is False and result["entries"] == 3
    assert result["first_bad_entry"] == {
        "seq": 3,
        "id": str(forged["id"]),
        "reason": "chain broken: entries do not end at the archive head",
    }


def test_reordered_entries_are_named(app, world, owner_engine):
    entries = record(app, world.a.tenant_id, 4)
    with owner_engine.begin() as connection:  # swap positions 2 and 3
        connection.execute(update(ENTRIES).where(at(world.a.tenant_id, 2)).values(seq=-2))
        connection.execute(update(ENTRIES).where(at(world.a.tenant_id, 3)).values(seq=2))
        connection.execute(update(ENTRIES).where(at(world.a.tenant_id, -2)).values(seq=3))
    result = verify(world.a.api)
    assert result["first_bad_entry"] == {
        "seq": 2,
        "id": str(entries[2][1]),
        "reason": "chain broken: entry missing or reordered",
    }


def test_a_payload_marked_redacted_without_an_erasure_is_detected(app, world, owner_engine):
    record(app, world.a.tenant_id, 3)
    tamper(
        owner_engine,
        update(ENTRIES)
        .where(at(world.a.tenant_id, 2))
        .values(payload={"text": "weg"}, redacted_at=datetime(2030, 1, 1, tzinfo=UTC)),
    )
    result = verify(world.a.api)
    assert result["first_bad_entry"] == {"seq": 2, "id": None, "reason": "payload replaced without a recorded erasure"}


# --- Erasure --------------------------------------------------------------------------------


def test_erasure_pseudonymises_payloads_and_keeps_the_chain_verifiable(app, world, owner_engine):
    member_id, _ = add_member(app, world.a.tenant_id, "influencer", email="anna.schmidt@medtech-nord.example")
    with app.app_context(), tenancy.scope(world.a.tenant_id):
        from tenants import profiles
        from tenants.models import Member

        member = db.session.get(Member, member_id)
        member.name = "Anna Schmidt"
        profiles.add_account(member, {"platform": "x", "handle": "annas_implants", "followers": 120})
        transactions.commit()
    post_id = uuid.uuid4()
    record(
        app,
        world.a.tenant_id,
        kind="post.version",
        subject_id=post_id,
        actor=member_id,
        payload={
            "author": {
                "member_id": str(member_id),
                "name": "Anna Schmidt",
                "email": "anna.schmidt@medtech-nord.example",
            },
            "text": "Unser neues Implantat ist da. Grüße, anna schmidt",
        },
    )
    record(
        app,
        world.a.tenant_id,
        kind="post.decision",
        subject_id=post_id,
        payload={"decision": "approve", "comment": "Danke Anna Schmidt!"},
    )
    record(
        app,
        world.a.tenant_id,
        kind="post.published",
        subject_id=post_id,
        payload={"external_url": "https://x.com/ANNAS_IMPLANTS/status/1"},
    )
    record(app, world.a.tenant_id, kind="post.version", payload={"text": "Nichts Persönliches"})

    assert world.a.api.post(f"/members/{member_id}/erase").status_code == 200

    items = world.a.api.get("/archive").get_json()["items"]
    listing = json.dumps(items).lower()
    assert "anna" not in listing and "schmidt" not in listing and "implants" not in listing
    by_seq = {item["seq"]: item for item in items}
    label = by_seq[5]["payload"]["pseudonym"]
    assert by_seq[5]["kind"] == "archive.redacted" and by_seq[5]["payload"]["seqs"] == [1, 2, 3]
    assert by_seq[3]["payload"]["external_url"] == f"https://x.com/{label}/status/1"
    assert by_seq[1]["payload"]["author"] == {
        "member_id": str(member_id),
        "name": label,
        "email": f"{label}@erased.invalid",
    }
    assert by_seq[1]["payload"]["text"] == f"Unser neues Implantat ist da. Grüße, {label}"
    assert by_seq[1]["redacted_at"] and by_seq[2]["redacted_at"] and by_seq[4]["redacted_at"] is None
    assert by_seq[4]["payload"] == {"text": "Nichts Persönliches"}
    assert verify(world.a.api)["ok"] is True
    assert chain.verify_lines(world.a.api.get("/archive/export").get_data(as_text=True).splitlines())["ok"] is True

    # A redacted entry is checked by its links: altering its payload hash still breaks the chain.
    tamper(owner_engine, update(ENTRIES).where(at(world.a.tenant_id, 1)).values(payload_hash="0" * 64))
    assert verify(world.a.api)["first_bad_entry"]["seq"] == 1


# --- Retention ------------------------------------------------------------------------------

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _aged_archive(app, world):
    set_tenant(app, world.a.tenant_id, settings={"archive_retention_days": 365})
    with clock.frozen(T0):
        record(app, world.a.tenant_id, 3)
    with clock.frozen(T0 + timedelta(days=300)):
        record(app, world.a.tenant_id, 3)


def test_prune_deletes_old_entries_and_the_chain_still_verifies(app, world, owner_engine):
    _aged_archive(app, world)
    with app.app_context(), tenancy.scope(world.a.tenant_id):
        assert services.prune(T0 + timedelta(days=200))["pruned"] == 0
        outcome = services.prune(T0 + timedelta(days=400))
        transactions.commit()
    assert outcome["pruned"] == 3 and outcome["through_seq"] == 3
    result = verify(world.a.api)
    assert result["ok"] is True and result["entries"] == 4 and result["pruned_through_seq"] == 3
    items = world.a.api.get("/archive").get_json()["items"]
    assert [i["seq"] for i in items] == [7, 6, 5, 4]
    assert items[0]["kind"] == "archive.pruned" and items[0]["payload"]["through_seq"] == 3
    assert items[0]["payload"]["through_hash"] == items[-1]["prev_hash"]
    assert chain.verify_lines(world.a.api.get("/archive/export").get_data(as_text=True).splitlines())["ok"] is True

    tamper(owner_engine, delete(ENTRIES).where(at(world.a.tenant_id, 5)))
    assert verify(world.a.api)["first_bad_entry"]["seq"] == 6


def test_deleting_the_oldest_retained_entry_or_moving_the_anchor_is_detected(app, world, owner_engine):
    _aged_archive(app, world)
    with app.app_context(), tenancy.scope(world.a.tenant_id):
        services.prune(T0 + timedelta(days=400))
        transactions.commit()
    tamper(owner_engine, delete(ENTRIES).where(at(world.a.tenant_id, 4)))
    assert verify(world.a.api)["first_bad_entry"]["reason"] == "chain broken: entry 4 missing or reordered"
    # Hiding the deletion by moving the anchor contradicts the archived prune record.
    with owner_engine.connect() as connection:
        prev_of_5 = connection.execute(ENTRIES.select().where(at(world.a.tenant_id, 5))).one().prev_hash
    tamper(
        owner_engine,
        update(HEADS).where(HEADS.c.tenant_id == world.a.tenant_id).values(pruned_seq=4, pruned_hash=prev_of_5),
    )
    assert (
        verify(world.a.api)["first_bad_entry"]["reason"] == "retention anchor does not match the archived prune record"
    )


def test_prune_refuses_to_delete_a_tampered_segment(app, world, owner_engine):
    _aged_archive(app, world)
    tamper(owner_engine, update(ENTRIES).where(at(world.a.tenant_id, 2)).values(payload={"text": "x"}))
    with app.app_context(), tenancy.scope(world.a.tenant_id):
        outcome = services.prune(T0 + timedelta(days=400))
        transactions.commit()
    assert outcome["pruned"] == 0 and outcome["refused"]["seq"] == 2
    assert verify(world.a.api)["entries"] == 6


def test_prune_cli_runs_for_every_tenant(app, world):
    set_tenant(
        app, world.b.tenant_id, policy_overrides={"archive_enabled": True}, settings={"archive_retention_days": 365}
    )
    set_tenant(app, world.a.tenant_id, settings={"archive_retention_days": 3650})
    with clock.frozen(T0):
        record(app, world.a.tenant_id, 2)
        record(app, world.b.tenant_id, 2)
    with clock.frozen(T0 + timedelta(days=400)):
        result = app.test_cli_runner().invoke(args=["archive", "prune"])
    assert result.exit_code == 0, result.output
    assert "pruned 2 entries in 1 tenant(s)" in result.output
    assert verify(world.a.api)["entries"] == 2 and verify(world.a.api)["pruned_through_seq"] == 0
    assert verify(world.b.api)["ok"] is True and verify(world.b.api)["pruned_through_seq"] == 2


# --- Export ---------------------------------------------------------------------------------


def test_export_streams_json_lines_that_reverify(app, world):
    with clock.frozen(T0):
        record(app, world.a.tenant_id, 3)
    with clock.frozen(T0 + timedelta(days=2)):
        record(app, world.a.tenant_id, 2, payload={"text": "Zweiter Tag ✓", "score": 0.5})
    response = world.a.api.get("/archive/export")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    lines = response.get_data(as_text=True).splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["seq"] for r in records] == [1, 2, 3, 4, 5]
    assert {r["tenant_id"] for r in records} == {str(world.a.tenant_id)}
    assert records[3]["payload"] == {"text": "Zweiter Tag ✓", "score": 0.5}
    assert chain.verify_lines(lines) == {"ok": True, "entries": 5}

    forged = json.loads(lines[1])
    forged["payload"]["text"] = "geändert"
    assert chain.verify_lines([lines[0], json.dumps(forged), *lines[2:]])["first_bad_entry"]["seq"] == 2
    assert chain.verify_lines([lines[0], *lines[2:]])["first_bad_entry"]["seq"] == 3

    since = (T0 + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    later = world.a.api.get("/archive/export", query_string={"since": since}).get_data(as_text=True).splitlines()
    assert [json.loads(line)["seq"] for line in later] == [4, 5]
    assert chain.verify_lines(later)["ok"] is True
    until = world.a.api.get("/archive/export", query_string={"until": since}).get_data(as_text=True).splitlines()
    assert [json.loads(line)["seq"] for line in until] == [1, 2, 3]
    assert world.a.api.get("/archive/export?since=yesterday").status_code == 422
    assert len(world.a.api.get("/audit-events?action=archive.exported").get_json()["items"]) == 3


# --- Governance mode switch -----------------------------------------------------------------


def test_governance_switch_is_archived_when_either_mode_archives(world):
    response = world.a.api.put("/tenant/governance", json={"mode": "empowerment", "reason": "Pilot beendet"})
    assert response.status_code == 200
    items = world.a.api.get("/archive?kind=governance.mode_changed").get_json()["items"]
    assert len(items) == 1
    assert items[0]["payload"]["from"] == "containment" and items[0]["payload"]["to"] == "empowerment"
    assert items[0]["payload"]["reason"] == "Pilot beendet" and items[0]["actor_member_id"] == str(world.a.owner_id)
    # Same mode again: no switch, nothing archived.
    assert world.a.api.put("/tenant/governance", json={"mode": "empowerment", "reason": "Nochmal"}).status_code == 200
    assert len(world.a.api.get("/archive?kind=governance.mode_changed").get_json()["items"]) == 1
    # Entering Containment starts the chain with the switch.
    assert (
        world.b.api.put(
            "/tenant/governance", json={"mode": "containment", "reason": "Neue Kundin aus der Pharma"}
        ).status_code
        == 200
    )
    entered = world.b.api.get("/archive").get_json()["items"]
    assert [(i["seq"], i["kind"], i["payload"]["to"]) for i in entered] == [
        (1, "governance.mode_changed", "containment")
    ]


# --- Concurrency ----------------------------------------------------------------------------


def test_concurrent_appends_do_not_fork_the_chain(app, world, is_postgres):
    if not is_postgres:
        pytest.skip("SQLite has a single writer; the lock matters on PostgreSQL")
    barrier = threading.Barrier(4)
    errors = []

    def worker():
        try:
            barrier.wait()
            for _ in range(10):
                record(app, world.a.tenant_id, 2)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = verify(world.a.api)
    assert result["ok"] is True and result["entries"] == 80 and result["head_seq"] == 80


# --- Rules ----------------------------------------------------------------------------------


def test_canonical_json_is_sorted_compact_utf8_with_utc_times():
    value = chain.jsonable(
        {"b": 1, "a": {"z": datetime(2026, 5, 1, 12, 0, tzinfo=UTC), "id": uuid.UUID(int=1)}, "ü": "ß"}
    )
    assert chain.canonical(value) == (
        '{"a":{"id":"00000000-0000-0000-0000-000000000001","z":"2026-05-01T12:00:00Z"},"b":1,"ü":"ß"}'.encode()
    )
    assert chain.payload_digest({"x": 1, "y": 2}) == chain.payload_digest({"y": 2, "x": 1})
    with pytest.raises(TypeError):
        chain.jsonable({"x": object()})
    with pytest.raises(ValueError):
        chain.canonical({"x": float("nan")})


def test_entry_hash_covers_every_field_and_the_previous_hash():
    base = {
        "tenant_id": str(uuid.uuid4()),
        "seq": 7,
        "id": str(uuid.uuid4()),
        "kind": "post.version",
        "subject_type": "post",
        "subject_id": str(uuid.uuid4()),
        "actor_member_id": None,
        "recorded_at": "2026-05-01T12:00:00.123456Z",
        "payload_hash": "a" * 64,
        "prev_hash": "b" * 64,
    }
    digest = chain.entry_digest(base)
    changes = {
        "tenant_id": str(uuid.uuid4()),
        "seq": 8,
        "id": str(uuid.uuid4()),
        "kind": "post.decision",
        "subject_type": "tenant",
        "subject_id": None,
        "actor_member_id": str(uuid.uuid4()),
        "recorded_at": "2026-05-01T12:00:00.123457Z",
        "payload_hash": "c" * 64,
        "prev_hash": "d" * 64,
    }
    for key, value in changes.items():
        assert chain.entry_digest({**base, key: value}) != digest, key
    assert chain.genesis_hash(base["tenant_id"]) != chain.genesis_hash(str(uuid.uuid4()))


def test_record_refuses_malformed_kinds(app, world):
    with app.app_context(), tenancy.scope(world.a.tenant_id):
        for kind in ("", "post", "Post.Version", "post version", "x" * 101):
            with pytest.raises(ValueError):
                services.record(kind, "post", None, {})
        with pytest.raises(TypeError):
            services.record("post.version", "post", None, ["not", "a", "dict"])
        transactions.rollback()
