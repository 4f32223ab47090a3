"""Archive actions: record, list, verify, export, prune (retention) and erase (GDPR art. 17).

Every post version, decision and publication (and later inbound metrics and comments) is
appended with :func:`record` inside the caller's transaction, so it commits with the change it
records. Appends of one tenant are serialised (``FOR UPDATE`` on the tenant's head row, and a
transaction-scoped advisory lock while that row is first created; SQLite has a single writer),
so two concurrent requests never fork the chain. The hash rules are in :mod:`engagement.archive.chain`.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, case, cast, delete, func, or_, select, text

from app import clock, tenancy
from app.auth import calling_member_id
from app.db import db
from engagement.archive import chain
from engagement.archive.models import ArchiveEntry, ArchiveHead
from tenants import audit
from tenants.schemas import DEFAULT_SETTINGS
from tenants.services import current_policy, setting

#: Days entries are kept unless the tenant sets ``archive_retention_days`` (German commercial
#: and tax law, HGB section 257 and AO section 147, ask for six to ten years).
DEFAULT_RETENTION_DAYS = DEFAULT_SETTINGS["archive_retention_days"]
#: Rows read per query by verify, export, prune and erasure: memory stays constant.
BATCH_SIZE = 5000
#: Rows per chunk of verify's stream on PostgreSQL (see :func:`_stream`).
STREAM_CHUNK = 1000
#: First key of the two-key advisory lock ("ARCH"); the second is a hash of the tenant id.
_LOCK_NAMESPACE = 0x41524348

_KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")

#: An entry as exported (and hashed), in this order; :func:`_rows` reads these columns.
_EXPORT_KEYS = (
    "tenant_id",
    "seq",
    "id",
    "kind",
    "subject_type",
    "subject_id",
    "actor_member_id",
    "recorded_at",
    "payload",
    "payload_hash",
    "prev_hash",
    "entry_hash",
    "redacted_at",
)
_ID_KEYS = ("tenant_id", "id", "subject_id", "actor_member_id")
_TIME_KEYS = ("recorded_at", "redacted_at")


def _utc_text(column):
    """A timestamp as :func:`app.clock.isoformat` writes it, made by PostgreSQL."""
    utc = func.timezone("UTC", column)
    fraction = case((func.extract("microseconds", column) % 1_000_000 == 0, ""), else_=func.to_char(utc, ".US"))
    return func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS') + fraction + "Z"


@functools.cache
def _row_columns(dialect: str) -> tuple:
    """The columns of :data:`_EXPORT_KEYS`, converted where it is cheaper than in Python.

    The payload comes as JSON text for orjson (the driver's ``json.loads`` was a third of
    verify's time); on PostgreSQL ids and times come as text too (no ``uuid.UUID``,
    ``datetime`` and ``str()`` per value in Python).
    """
    columns = []
    for key in _EXPORT_KEYS:
        column = getattr(ArchiveEntry, key)
        if key == "payload" or (dialect == "postgresql" and key in _ID_KEYS):
            column = cast(column, Text)
        elif dialect == "postgresql" and key in _TIME_KEYS:
            column = _utc_text(column)
        columns.append(column.label(key))
    return tuple(columns)


# --- Appending -------------------------------------------------------------------------------


def archive_enabled() -> bool:
    """Does the current tenant's effective policy archive (Containment, or opted in)?"""
    return bool(current_policy()["archive_enabled"])


def record(
    kind: str,
    subject_type: str,
    subject_id: uuid.UUID | str | None,
    payload: dict[str, Any],
    actor_member_id: uuid.UUID | str | None = None,
) -> ArchiveEntry | None:
    """Append an entry to the current tenant's chain, in the caller's transaction.

    A no-op (``None``) when the tenant's effective policy does not archive. ``payload`` holds
    JSON values, datetimes and UUIDs; it is stored in its JSON form. ``actor_member_id``
    defaults to the calling member.
    """
    if not archive_enabled():
        return None
    return append(kind, subject_type, subject_id, payload, actor_member_id)


def append(
    kind: str,
    subject_type: str,
    subject_id: uuid.UUID | str | None,
    payload: dict[str, Any],
    actor_member_id: uuid.UUID | str | None = None,
) -> ArchiveEntry:
    """Append whatever the policy says (the archive's own records: prunes, erasures, mode switches)."""
    if not isinstance(kind, str) or len(kind) > 100 or not _KIND_PATTERN.match(kind):
        raise ValueError(f"archive kind must look like 'noun.verb', got {kind!r}")
    if not isinstance(subject_type, str) or not 0 < len(subject_type) <= 50:
        raise ValueError("archive subject_type must be a short string")
    if not isinstance(payload, dict):
        raise TypeError("archive payload must be a dict")
    tenant_id = tenancy.require()
    if actor_member_id is None:
        actor_member_id = calling_member_id()
    data = chain.jsonable(payload)
    head = _lock_head(create=True)
    entry = ArchiveEntry(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        seq=head.last_seq + 1,
        kind=kind,
        subject_type=subject_type,
        subject_id=_as_uuid(subject_id),
        actor_member_id=_as_uuid(actor_member_id),
        payload=data,
        payload_hash=chain.payload_digest(data),
        prev_hash=head.last_hash,
        recorded_at=clock.now(),
        redacted_at=None,
    )
    entry.entry_hash = chain.entry_digest(_export_record(entry))
    head.last_seq = entry.seq
    head.last_hash = entry.entry_hash
    db.session.add(entry)
    db.session.flush()
    return entry


def _as_uuid(value: uuid.UUID | str | None) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def _lock_head(create: bool) -> ArchiveHead | None:
    """The tenant's head row, locked ``FOR UPDATE`` until the transaction ends.

    A concurrent append waits for the lock and then reads the head as the other committed
    it. The very first append has no row to lock yet: a transaction-scoped advisory lock on
    the tenant serialises creating it (SQLite has a single writer anyway).
    """
    tenant_id = tenancy.require()
    session = db.session
    head = _select_head_for_update()
    if head is not None or not create:
        return head
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, hashtext(:tenant))"),
            {"namespace": _LOCK_NAMESPACE, "tenant": str(tenant_id)},
        )
        head = _select_head_for_update()  # created by the transaction we waited for?
    if head is None:
        genesis = chain.genesis_hash(tenant_id)
        head = ArchiveHead(tenant_id=tenant_id, last_seq=0, last_hash=genesis, pruned_seq=0, pruned_hash=genesis)
        session.add(head)
        session.flush()
    return head


def _select_head_for_update() -> ArchiveHead | None:
    return db.session.scalars(
        select(ArchiveHead).with_for_update().execution_options(populate_existing=True)
    ).one_or_none()


def _head() -> ArchiveHead | None:
    return db.session.scalars(select(ArchiveHead).execution_options(populate_existing=True)).one_or_none()


# --- Reading ---------------------------------------------------------------------------------


def page(cursor: str | None, limit: int, kind: str | None = None, subject_id: uuid.UUID | None = None) -> dict:
    """Newest first. The opaque cursor (``app.pagination.CURSOR_PATTERN``) carries the sequence
    number and id of the last entry returned; any well-formed cursor is a position."""
    cursor_seq = int(cursor.partition("-")[0]) if cursor else None
    statement = select(ArchiveEntry)
    if kind:
        statement = statement.where(ArchiveEntry.kind == kind)
    if subject_id:
        statement = statement.where(ArchiveEntry.subject_id == subject_id)
    if cursor_seq is not None:
        statement = statement.where(ArchiveEntry.seq < cursor_seq)
    rows = list(db.session.scalars(statement.order_by(ArchiveEntry.seq.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": f"{rows[-1].seq}-{rows[-1].id.hex}" if more else None}


def _select_rows(
    after_seq: int = 0, through_seq: int | None = None, since: datetime | None = None, until: datetime | None = None
):
    """The SELECT of :func:`_rows`, filtered by tenant by hand too (:func:`_stream` runs it on
    the driver, without the session's tenant criteria; row-level security applies anyway)."""
    statement = select(*_row_columns(db.session.get_bind().dialect.name)).where(
        ArchiveEntry.tenant_id == tenancy.require(), ArchiveEntry.seq > after_seq
    )
    if through_seq is not None:
        statement = statement.where(ArchiveEntry.seq <= through_seq)
    if since is not None:
        statement = statement.where(ArchiveEntry.recorded_at >= since)
    if until is not None:
        statement = statement.where(ArchiveEntry.recorded_at < until)
    return statement.order_by(ArchiveEntry.seq)


def _rows(
    after_seq: int = 0, through_seq: int | None = None, since: datetime | None = None, until: datetime | None = None
) -> Iterator[Any]:
    """Entries in ``seq`` order, streamed (a server-side cursor on PostgreSQL): constant memory."""
    statement = _select_rows(after_seq, through_seq, since, until)
    yield from db.session.execute(statement, execution_options={"yield_per": BATCH_SIZE})


def _stream(statement) -> Iterator[tuple]:
    """Rows of a SELECT through psycopg's chunked stream, in the session's transaction.

    A server-side cursor (:func:`_rows`) waits for each FETCH: the server computes a batch while
    Python waits, then Python checks it while the server waits. Streamed, the server sends
    chunks without being asked and computes the next ones while these are checked, on the
    other core (half of verify's time on two cores). Constant memory: the server stops when
    the socket buffer is full. Read to the end; a stream left early cancels the query, which
    aborts the transaction.
    """
    connection = db.session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    with connection.connection.driver_connection.cursor() as cursor:
        yield from cursor.stream(compiled.string, compiled.params, size=STREAM_CHUNK)


def _payload(value: Any) -> Any:
    """A payload as read by :func:`_rows` (JSON text) or held by an entry (parsed)."""
    return chain.load(value.encode()) if isinstance(value, str) else value


def _stored(value: Any) -> Any:
    """A payload as read by :func:`_rows`, as its stored bytes (see :func:`chain.payload_matches`)."""
    return value.encode() if isinstance(value, str) else value


def _text(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else str(value)


def _time_text(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else clock.isoformat(value)


def _record(row: tuple, payload=_payload) -> dict[str, Any]:
    """A row of :func:`_rows` as exported (and hashed): ids and times as strings; the payload
    parsed, or as ``payload`` converts it."""
    tenant_id, seq, id_, kind, subject_type, subject_id, actor, recorded_at, payload_text, *hashes, redacted_at = row
    payload_hash, prev_hash, entry_hash = hashes
    return {
        "tenant_id": _text(tenant_id),
        "seq": seq,
        "id": _text(id_),
        "kind": kind,
        "subject_type": subject_type,
        "subject_id": _text(subject_id),
        "actor_member_id": _text(actor),
        "recorded_at": _time_text(recorded_at),
        "payload": payload(payload_text),
        "payload_hash": payload_hash,
        "prev_hash": prev_hash,
        "entry_hash": entry_hash,
        "redacted_at": _time_text(redacted_at),
    }


def _export_record(entry: ArchiveEntry) -> dict[str, Any]:
    return _record(tuple(getattr(entry, key) for key in _EXPORT_KEYS))


# --- Verifying -------------------------------------------------------------------------------


def _checked_records(after_seq: int = 0, through_seq: int | None = None) -> Iterator[dict[str, Any]]:
    """Entries for :class:`chain.ChainChecker` in ``seq`` order, payloads as stored (bytes)."""
    statement = _select_rows(after_seq, through_seq)
    if db.session.get_bind().dialect.driver != "psycopg":
        for row in db.session.execute(statement, execution_options={"yield_per": BATCH_SIZE}):
            yield _record(row, payload=_stored)
        return
    for row in _stream(statement):
        record = dict(zip(_EXPORT_KEYS, row, strict=True))  # ids and times are text already (see _row_columns)
        record["payload"] = record["payload"].encode()
        yield record


def _walk(head: ArchiveHead | None, through_seq: int | None = None) -> chain.ChainChecker:
    if head is None:
        checker = chain.ChainChecker(0, chain.genesis_hash(tenancy.require()))
        for record in _checked_records(through_seq=through_seq):
            checker.feed(record)
            checker._bad(record["seq"], record["id"], "chain broken: archive head missing")
        return checker
    checker = chain.ChainChecker(head.pruned_seq, head.pruned_hash)
    for record in _checked_records(through_seq=through_seq):
        checker.feed(record)
    return checker


def _feed(checker: chain.ChainChecker, after_seq: int) -> int:
    last = after_seq
    for record in _checked_records(after_seq=after_seq):
        checker.feed(record)
        last = record["seq"]
    return last


def _check_chain(retry: bool = True) -> tuple[ArchiveHead | None, chain.ChainChecker]:
    """Walk every retained entry, then compare with the head as it is after the walk.

    Each append commits its entry together with the head, so the head read after the walk
    covers every genuine entry the walk saw; entries appended after the last batch are read
    in one more pass. A retention run that committed meanwhile moves the anchor: check again.
    """
    start = _head()
    if start is None:
        return None, _walk(None)
    pruned_seq, pruned_hash = start.pruned_seq, start.pruned_hash
    checker = chain.ChainChecker(pruned_seq, pruned_hash)
    last = _feed(checker, after_seq=0)
    head = _head()
    if retry and head.pruned_seq != pruned_seq:
        return _check_chain(retry=False)
    if checker.ok and last < head.last_seq:
        _feed(checker, after_seq=last)
    checker.finish(head.last_seq, head.last_hash, anchor=(head.pruned_seq, head.pruned_hash))
    return head, checker


def verify() -> dict[str, Any]:
    """Recompute the current tenant's chain; name the first altered, missing or reordered entry.

    Entries before the retention anchor are gone by design; one missing anywhere else (the
    oldest, one in the middle, the newest) is detected, as is an altered payload (except of a
    redacted entry, whose payload erasure replaced) or any altered field.
    """
    head, checker = _check_chain()
    result = checker.result()
    result["head_seq"] = head.last_seq if head else 0
    result["head_hash"] = head.last_hash if head else chain.genesis_hash(tenancy.require())
    result["pruned_through_seq"] = head.pruned_seq if head else 0
    result["verified_at"] = clock.now()
    audit.record(
        "archive.verified",
        "archive",
        None,
        after={"ok": result["ok"], "entries": result["entries"], "first_bad_entry": result.get("first_bad_entry")},
    )
    return result


# --- Exporting -------------------------------------------------------------------------------


def export(since: datetime | None = None, until: datetime | None = None) -> Iterator[str]:
    """Audit the export now (in the request's transaction) and return the JSON Lines stream."""
    audit.record("archive.exported", "archive", None, after={"since": since, "until": until})
    return iter_export(since, until)


def iter_export(since: datetime | None = None, until: datetime | None = None) -> Iterator[str]:
    """The current tenant's entries in ``seq`` order as JSON Lines, read in batches.

    Each line carries everything needed to re-verify it (see :func:`chain.verify_lines`).
    The tenant is fixed now; the lines are read while the response streams.
    """
    tenant_id = tenancy.require()

    def lines() -> Iterator[str]:
        with tenancy.scope(tenant_id):
            for row in _rows(since=since, until=until):
                yield json.dumps(_record(row), separators=(",", ":")) + "\n"

    return lines()


# --- Retention -------------------------------------------------------------------------------


def retention_days() -> int:
    value = setting("archive_retention_days")
    return int(value) if isinstance(value, int) and value > 0 else DEFAULT_RETENTION_DAYS


def prune(now: datetime | None = None) -> dict[str, Any]:
    """Delete the current tenant's entries older than its retention period.

    Only a prefix of the chain goes (up to the first entry that must be kept), only after
    that prefix verifies, and the cut is anchored: the head keeps the last pruned entry's
    sequence number and hash, and an ``archive.pruned`` entry records them in the chain.
    """
    now = now or clock.now()
    days = retention_days()
    cutoff = now - timedelta(days=days)
    head = _lock_head(create=False)
    outcome: dict[str, Any] = {"pruned": 0, "through_seq": head.pruned_seq if head else 0, "cutoff": cutoff}
    if head is None:
        return outcome
    first_kept = db.session.scalar(
        select(func.min(ArchiveEntry.seq)).where(ArchiveEntry.recorded_at >= cutoff, ArchiveEntry.seq > head.pruned_seq)
    )
    through = first_kept - 1 if first_kept is not None else head.last_seq
    if through <= head.pruned_seq:
        return outcome
    checker = _walk(head, through_seq=through)
    if not checker.ok or checker.expected_seq - 1 != through:
        checker.finish(through, None)
        outcome["refused"] = checker.result().get("first_bad_entry")
        return outcome
    through_hash = checker.prev_hash
    deleted = db.session.execute(
        delete(ArchiveEntry).where(ArchiveEntry.seq <= through).execution_options(synchronize_session=False)
    ).rowcount
    head.pruned_seq = through
    head.pruned_hash = through_hash
    head.pruned_at = now
    append(
        chain.PRUNE_KIND,
        "archive",
        None,
        {
            "through_seq": through,
            "through_hash": through_hash,
            "entries": deleted,
            "cutoff": cutoff,
            "retention_days": days,
        },
    )
    return {"pruned": deleted, "through_seq": through, "cutoff": cutoff}


# --- Erasure ---------------------------------------------------------------------------------


def erase_member(member, label: str, replacements) -> int:
    """Eraser for :data:`tenants.data_rights.ERASERS`: pseudonymise the member in payloads.

    The member's name, email and social handles are replaced by the pseudonym wherever they
    occur in a payload (including post texts, e.g. a signature); the texts themselves stay,
    because archived communications fall under a legal retention duty (GDPR art. 17(3)(b)).
    Member ids stay: they no longer lead to a person. Changed entries get ``redacted_at`` and
    keep their original ``payload_hash``, so the chain verifies; an ``archive.redacted`` entry
    records which entries were changed. Returns the number of entries redacted.
    """
    from tenants import data_rights

    if not replacements or _head() is None:
        return 0
    needles = set()
    for _, _, needle in replacements:
        needles.add(needle.lower())
        needles.add(json.dumps(needle, ensure_ascii=False)[1:-1].lower())  # as the JSON column stores it
        needles.add(json.dumps(needle)[1:-1].lower())  # as entries stored before chain.stored_json have it
    as_text = func.lower(cast(ArchiveEntry.payload, Text))
    candidates = or_(*(as_text.contains(n, autoescape=True) for n in sorted(needles)))
    changed: list[int] = []
    last = 0
    now = clock.now()
    while True:
        batch = list(
            db.session.scalars(
                select(ArchiveEntry)
                .where(ArchiveEntry.seq > last, candidates)
                .order_by(ArchiveEntry.seq)
                .limit(BATCH_SIZE)
            )
        )
        for entry in batch:
            scrubbed = data_rights.scrub(entry.payload, replacements)
            if scrubbed != entry.payload:
                entry.payload = scrubbed
                entry.redacted_at = now
                changed.append(entry.seq)
        if len(batch) < BATCH_SIZE:
            break
        last = batch[-1].seq
    if changed:
        db.session.flush()
        append(chain.REDACTION_KIND, "member", member.id, {"member_id": member.id, "pseudonym": label, "seqs": changed})
    return len(changed)
