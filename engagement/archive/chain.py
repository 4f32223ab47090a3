"""The hash chain itself: canonical JSON, the hashes, and a streaming checker.

Pure functions without the database, so an external archiver can re-verify an export with
the same rules (:func:`verify_lines`).

- ``payload_hash = SHA-256(canonical(payload))``
- ``entry_hash = SHA-256(canonical({"v": 1, "tenant_id", "seq", "id", "kind", "subject_type",
  "subject_id", "actor_member_id", "recorded_at", "payload_hash", "prev_hash"}))``
- ``prev_hash`` of entry 1 is ``SHA-256("cip-archive-genesis:" + tenant_id)``; of entry n the
  ``entry_hash`` of entry n-1.

Canonical JSON: keys sorted, no white space, UTF-8 (not ASCII-escaped), times ISO 8601 UTC
with ``Z``, ids as strings. The entry hash covers the payload's hash, not the payload, so an
erasure can replace a payload with a pseudonymised one and the chain still verifies.

Payloads are stored in their canonical form (:func:`stored_json`), so checking one hashes the
stored text as read (:func:`payload_matches`); text stored otherwise (entries written before
that, or by hand) is parsed and encoded again, which gives the same answer, only slower.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import orjson

from app import clock
from app.json import default as json_default

HASH_VERSION = 1
REDACTION_KIND = "archive.redacted"
PRUNE_KIND = "archive.pruned"


def jsonable(value: Any) -> Any:
    """The JSON form a payload is stored (and hashed) in."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((jsonable(v) for v in value), key=canonical)
    if isinstance(value, (datetime, date, uuid.UUID)):
        return json_default(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"archive payloads hold JSON values only, not {type(value).__name__}")


#: Where orjson's number form differs from ``json.dumps``: small floats (``1e-05`` is written
#: ``0.00001``, ``2.5e-07`` as ``2.5e-7``). A number follows ``:``, ``,`` or ``[``; text that
#: merely looks like one only costs the standard path, never a different result. orjson also
#: writes NaN and infinities as ``null`` where the standard encoder refuses them, so output
#: with ``null`` takes the standard path too.
_FLOAT_FORMS_THAT_DIFFER = re.compile(rb"[:,\[]-?\d+(?:\.\d+)?e-\d(?!\d)|[:,\[]-?0\.0000")


def _may_differ(encoded: bytes) -> bool:
    if b"null" in encoded:
        return True
    if b"e-" not in encoded and b".0000" not in encoded:  # substring tests in C, most payloads stop here
        return False
    return _FLOAT_FORMS_THAT_DIFFER.search(encoded) is not None


def _canonical_stdlib(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8", "surrogatepass"
    )


_ORJSON_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def canonical(value: Any) -> bytes:
    """The canonical bytes of a :func:`jsonable` value: sorted keys, no white space, UTF-8.

    Defined by the standard library's encoder (the form every stored hash was made with).
    orjson produces the same bytes in C, except where it refuses (integers beyond 64 bits,
    lone surrogates, non-JSON types) or writes some small floats differently; those take the
    standard path (tests/engagement/test_archive_canonical.py compares both).
    """
    try:
        encoded = orjson.dumps(value, option=_ORJSON_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):
        return _canonical_stdlib(value)
    if _may_differ(encoded):
        return _canonical_stdlib(value)
    return encoded


def _canonical_record(fields: dict[str, str | int | None]) -> bytes:
    """:func:`canonical` of strings, integers and nulls only (no floats, so no NaN either):
    orjson's bytes are the standard ones unless it refuses (a lone surrogate)."""
    try:
        return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return _canonical_stdlib(fields)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def payload_digest(payload: Any) -> str:
    return sha256(canonical(payload))


def stored_json(value: Any) -> str:
    """The JSON text a payload is stored as: its canonical form, so that the stored bytes are
    the hashed bytes. A lone surrogate has no UTF-8 form; such a value is stored ASCII-escaped
    (and verified by parsing it, like any text not in canonical form)."""
    encoded = canonical(value)
    try:
        return encoded.decode("utf-8")
    except UnicodeDecodeError:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


#: orjson reads an integer beyond 64 bits as a float (``2**70`` comes back as ``1.18e+21``):
#: text with a run of 19 or more digits takes the standard parser, which keeps it exact.
_LONG_DIGITS = re.compile(rb"\d{19}")


def load(payload: Any) -> Any:
    """A payload from its stored JSON text (``bytes``); a parsed payload as it is."""
    if not isinstance(payload, bytes):
        return payload
    if _LONG_DIGITS.search(payload) is None:
        try:
            return orjson.loads(payload)
        except orjson.JSONDecodeError:  # a lone surrogate: the standard parser reads it
            pass
    return json.loads(payload)


def payload_matches(payload: Any, payload_hash: str) -> bool:
    """Does the payload hash to ``payload_hash``? ``payload`` is the parsed value, or the stored
    JSON text as ``bytes`` (JSON values are never bytes): text in canonical form is hashed as it
    is, other text is parsed and encoded canonically first."""
    if isinstance(payload, bytes):
        if sha256(payload) == payload_hash:
            return True  # the stored text is the canonical form of the hashed payload
        payload = load(payload)
    return payload_digest(payload) == payload_hash


def genesis_hash(tenant_id: uuid.UUID | str) -> str:
    return sha256(f"cip-archive-genesis:{tenant_id}".encode())


def _id(value) -> str | None:
    return None if value is None else str(value)


def entry_digest(record: dict[str, Any]) -> str:
    """Hash of one entry in its exported form (ids and times as strings)."""
    return sha256(
        _canonical_record(
            {
                "v": HASH_VERSION,
                "tenant_id": _id(record["tenant_id"]),
                "seq": int(record["seq"]),
                "id": _id(record["id"]),
                "kind": record["kind"],
                "subject_type": record["subject_type"],
                "subject_id": _id(record["subject_id"]),
                "actor_member_id": _id(record["actor_member_id"]),
                "recorded_at": record["recorded_at"]
                if isinstance(record["recorded_at"], str)
                else clock.isoformat(record["recorded_at"]),
                "payload_hash": record["payload_hash"],
                "prev_hash": record["prev_hash"],
            }
        )
    )


class ChainChecker:
    """Walks entries in ``seq`` order (constant memory) and names the first bad one.

    Start from the retention anchor (``start_seq`` is the last pruned sequence number, 0 when
    nothing was pruned; ``start_hash`` its entry hash or the genesis hash). Redacted entries
    are checked by their links only; every other entry's payload is hashed again.
    """

    def __init__(self, start_seq: int, start_hash: str):
        self.expected_seq = start_seq + 1
        self.prev_hash = start_hash
        self.entries = 0
        self.first_bad: dict[str, Any] | None = None
        self.redacted: set[int] = set()
        self.redactions_recorded: set[int] = set()
        self.last_prune: dict[str, Any] | None = None
        self.last_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad is None

    def _bad(self, seq: int, entry_id, reason: str) -> None:
        if self.first_bad is None:
            self.first_bad = {"seq": seq, "id": _id(entry_id), "reason": reason}

    def feed(self, record: dict[str, Any]) -> None:
        """One entry in its exported form; its payload parsed or as stored (see :func:`payload_matches`)."""
        self.entries += 1
        if self.first_bad is not None:
            return  # keep counting; the first bad entry is what matters
        seq = int(record["seq"])
        if seq != self.expected_seq:
            reason = (
                f"chain broken: entry {self.expected_seq} missing or reordered"
                if seq > self.expected_seq
                else "chain broken: entry missing or reordered"
            )
            self._bad(seq, record["id"], reason)
            return
        if record["redacted_at"] is None:
            if not payload_matches(record["payload"], record["payload_hash"]):
                self._bad(seq, record["id"], "payload altered")
                return
        else:
            self.redacted.add(seq)
        if record["prev_hash"] != self.prev_hash:
            self._bad(seq, record["id"], "chain broken: entry missing or reordered")
            return
        if entry_digest(record) != record["entry_hash"]:
            self._bad(seq, record["id"], "entry altered")
            return
        if record["redacted_at"] is None and record["kind"] == REDACTION_KIND:
            self.redactions_recorded.update(int(s) for s in load(record["payload"]).get("seqs", []))
        if record["redacted_at"] is None and record["kind"] == PRUNE_KIND:
            self.last_prune = load(record["payload"])
        self.prev_hash = record["entry_hash"]
        self.last_id = _id(record["id"])
        self.expected_seq += 1

    def finish(
        self, last_seq: int | None = None, last_hash: str | None = None, anchor: tuple[int, str] | None = None
    ) -> None:
        """End of the walk: compare with the head, the retention anchor and recorded erasures."""
        if self.first_bad is not None:
            return
        if last_seq is not None and (self.expected_seq - 1 != last_seq or self.prev_hash != last_hash):
            if self.expected_seq - 1 < last_seq:
                self._bad(self.expected_seq, None, f"chain broken: entries {self.expected_seq} to {last_seq} missing")
            else:
                self._bad(self.expected_seq - 1, self.last_id, "chain broken: entries do not end at the archive head")
            return
        if anchor is not None and anchor[0] > 0:
            prune = self.last_prune or {}
            if prune.get("through_seq") != anchor[0] or prune.get("through_hash") != anchor[1]:
                self._bad(anchor[0] + 1, None, "retention anchor does not match the archived prune record")
                return
        unrecorded = self.redacted - self.redactions_recorded
        if unrecorded:
            self._bad(min(unrecorded), None, "payload replaced without a recorded erasure")

    def result(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": self.ok, "entries": self.entries}
        if self.first_bad is not None:
            body["first_bad_entry"] = self.first_bad
        return body


def verify_lines(lines: Iterable[str | bytes]) -> dict[str, Any]:
    """Re-verify an export (JSON Lines, in ``seq`` order) without the database.

    The first line's ``prev_hash`` is trusted as the anchor unless it is entry 1, whose
    ``prev_hash`` must be the tenant's genesis hash. Compare the last line's ``entry_hash``
    with ``head_hash`` of ``GET /archive/verify`` (or a copy kept elsewhere) to detect a
    shortened export.
    """
    checker: ChainChecker | None = None
    for line in lines:
        if not line.strip():
            continue
        record = json.loads(line)
        if checker is None:
            seq = int(record["seq"])
            start = genesis_hash(record["tenant_id"]) if seq == 1 else record["prev_hash"]
            checker = ChainChecker(seq - 1, start)
        checker.feed(record)
    if checker is None:
        return {"ok": True, "entries": 0}
    return checker.result()
