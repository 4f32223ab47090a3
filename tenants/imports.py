"""CSV import of members as a background job.

Accepts what spreadsheets export: UTF-8 with or without BOM, comma or semicolon separated,
header names in any case. Idempotent by email: a second import updates, never duplicates.
Valid rows are imported while invalid ones are reported with their row number (the header is
row 1, as a spreadsheet shows it). Writes go in batches so 50,000 rows stay fast: a new member
costs two rows (the member and its invitation, which is also the outbox of its email), inserted
with reusable plans while the statistics of ``members`` keep up with the growing table, so the
rate stays flat from the first batch to the last.

Each batch commits with a checkpoint (rows done, counts and batch errors so far), so an import
resumed after its worker died (:mod:`app.recovery`) continues after the last committed batch
and its result counts the whole file.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from marshmallow.validate import Email
from sqlalchemy import select, text

from app import auth, clock, jobs
from app.db import db, reusable_plans, upsert_insert
from app.errors import field_error
from app.jobs import Job
from tenants import audit, invitations, seats
from tenants.models import Invitation, Member, MemberImport, Tenant
from tenants.services import current_tenant

MAX_ROWS = 50_000
BATCH_SIZE = 1_000
COLUMNS = ("email", "name", "department", "location", "locale", "title", "roles")
REQUIRED_COLUMNS = ("email", "name")
LOCALES = ("de", "en")
FIELD_LIMITS = {"name": 200, "department": 100, "location": 100, "title": 200}
_ROLE_SPLIT = re.compile(r"[|;,\s]+")
_valid_email = Email()


def decode(raw: bytes) -> str:
    """The upload as text, or 422 saying why it is not a CSV file."""
    if not raw.strip():
        raise field_error("files", "file", "The file is empty.")
    if b"\x00" in raw:
        raise field_error("files", "file", "This is a binary file, not CSV text.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise field_error("files", "file", "The file is not UTF-8 text; export it as CSV UTF-8.") from None


def _reader(text: str) -> tuple[list[str], Any]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    return header, reader


def inspect(text: str) -> int:
    """Check the header and size before accepting the upload; returns the number of rows."""
    try:
        header, reader = _reader(text)
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            found = ", ".join(h for h in header if h) or "none"
            raise field_error(
                "files", "file", f"The header must name the columns {', '.join(REQUIRED_COLUMNS)} (found: {found})."
            )
        rows = sum(1 for row in reader if any(cell.strip() for cell in row))
    except csv.Error as exc:
        raise field_error("files", "file", f"Not readable as CSV: {exc}.") from exc
    if rows == 0:
        raise field_error("files", "file", "The file has a header but no rows.")
    if rows > MAX_ROWS:
        raise field_error("files", "file", f"{rows} rows; at most {MAX_ROWS} per import.")
    return rows


def submit(filename: str, raw: bytes, actor: auth.Principal) -> Job:
    """Validate the upload, keep it, and start the import job (after commit)."""
    text = decode(raw)
    inspect(text)
    upload = MemberImport(filename=filename[:255] or "members.csv", content=text, created_by=actor.member_id)
    db.session.add(upload)
    db.session.flush()
    job = jobs.submit("members.import", run, str(upload.id), created_by=actor.member_id)
    upload.job_id = job.id
    return job


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, row: int, message: str) -> None:
        self.errors.append({"row": row, "message": message})

    def checkpoint(self, rows_done: int, batch_errors_from: int) -> dict[str, Any]:
        """The state committed with a batch: valid rows done, counts and the batches' errors."""
        counts = {"created": self.created, "updated": self.updated, "skipped": self.skipped}
        return {"rows_done": rows_done, **counts, "errors": self.errors[batch_errors_from:]}

    def resume(self, checkpoint: dict[str, Any] | None) -> int:
        """Count in what committed batches did; returns the valid rows they covered."""
        state = checkpoint or {}
        self.created, self.updated, self.skipped = (state.get(k, 0) for k in ("created", "updated", "skipped"))
        self.errors.extend(state.get("errors", []))
        return state.get("rows_done", 0)


def _clean(row_number: int, raw: dict[str, str]) -> dict[str, Any]:
    """One row's values, or ValueError naming what is wrong."""
    email = (raw.get("email") or "").strip().lower()
    try:
        _valid_email(email)
    except ValidationError:
        raise ValueError(f"'{email or '(empty)'}' is not a valid email address") from None
    name = (raw.get("name") or "").strip()
    if not name:
        raise ValueError("name is missing")
    values: dict[str, Any] = {"email": email, "name": name}
    for column, limit in FIELD_LIMITS.items():
        value = (raw.get(column) or "").strip() or None
        if value and len(value) > limit:
            raise ValueError(f"{column} is longer than {limit} characters")
        values[column] = value if column != "name" else name
    locale = (raw.get("locale") or "").strip().lower() or None
    if locale and locale not in LOCALES:
        raise ValueError(f"unknown locale '{locale}' (use {' or '.join(LOCALES)})")
    values["locale"] = locale
    roles_text = (raw.get("roles") or "").strip()
    roles = sorted({r for r in _ROLE_SPLIT.split(roles_text.lower()) if r}) if roles_text else None
    unknown = sorted(set(roles or []) - set(auth.ROLES))
    if unknown:
        raise ValueError(f"unknown role(s) {', '.join(unknown)} (known: {', '.join(auth.ROLES)})")
    values["roles"] = roles
    return values


def _rows(text: str):
    header, reader = _reader(text)
    for row_number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        yield row_number, {header[i]: cell for i, cell in enumerate(cells) if i < len(header) and header[i] in COLUMNS}


def run(job: Job, import_id: str) -> dict[str, Any]:
    """Job: import the rows of one upload; returns the counts and per-row errors."""
    upload = db.session.get(MemberImport, uuid.UUID(import_id))
    if upload is None or upload.content is None:
        return {
            "created": 0,
            "updated": 0,
            "skipped": 0,
            "errors": [{"row": 0, "message": "upload no longer available"}],
        }
    tenant = current_tenant()
    importer = db.session.get(Member, upload.created_by) if upload.created_by else None
    may_assign_roles = bool(importer and auth.scopes_for(importer.roles) & {"members:roles"})
    outcome = Outcome()
    seen: dict[str, int] = {}
    valid: list[tuple[int, dict[str, Any]]] = []
    for row_number, raw in _rows(upload.content):
        try:
            values = _clean(row_number, raw)
        except ValueError as exc:
            outcome.error(row_number, str(exc))
            continue
        if values["email"] in seen:
            outcome.error(row_number, f"duplicate of row {seen[values['email']]} ({values['email']})")
            continue
        seen[values["email"]] = row_number
        valid.append((row_number, values))
    total = max(len(valid), 1)
    statistics = _MemberStatistics()
    batch_errors_from = len(outcome.errors)  # the errors found reading the file come first
    for start in range(outcome.resume(job.checkpoint), len(valid), BATCH_SIZE):
        batch = valid[start : start + BATCH_SIZE]
        # Seats counted per batch under the tenant lock: concurrent invites and imports share them.
        _import_batch(batch, tenant, may_assign_roles, seats.seats_left(), outcome, statistics)
        done = start + len(batch)
        jobs.save_checkpoint(job, outcome.checkpoint(done, batch_errors_from), 99 * done // total)
    upload.content = None  # personal data is not kept longer than needed
    result = {
        "created": outcome.created,
        "updated": outcome.updated,
        "skipped": outcome.skipped,
        "errors": outcome.errors,
    }
    audit.record(
        "members.imported",
        "member_import",
        upload.id,
        after={k: v for k, v in result.items() if k != "errors"} | {"error_rows": len(outcome.errors)},
        actor_member_id=upload.created_by,
    )
    return result


class _MemberStatistics:
    """Keeps the planner's statistics of ``members`` current while an import grows the table.

    Statistics of a much smaller table make PostgreSQL check the invitations' foreign key with
    an index on ``tenant_id`` alone, a scan of the tenant's members per inserted row; the import
    would slow down as it goes. Whenever the import has added as many rows as the statistics
    knew (at least a batch), the table is analysed (``refresh_member_statistics()``, migration
    0007): a handful of times for 50,000 rows into an empty table, never for a large one.
    """

    def __init__(self) -> None:
        self.enabled = db.session.get_bind().dialect.name == "postgresql"
        self.known = self._reltuples() if self.enabled else 0.0
        self.added = 0

    @staticmethod
    def _reltuples() -> float:
        return max(
            float(db.session.scalar(text("SELECT reltuples FROM pg_class WHERE oid = 'members'::regclass")) or 0), 0.0
        )

    def grew(self, rows: int) -> None:
        if not self.enabled:
            return
        self.added += rows
        if self.added >= max(self.known, BATCH_SIZE):
            db.session.execute(text("SELECT refresh_member_statistics()"))
            self.known, self.added = self._reltuples(), 0


def _import_batch(
    batch, tenant: Tenant, may_assign_roles: bool, seats_left: int, outcome: Outcome, statistics: _MemberStatistics
) -> int:
    emails = [values["email"] for _, values in batch]
    existing = {m.email: m for m in db.session.scalars(select(Member).where(Member.email.in_(emails)))}
    new_members: list[dict[str, Any]] = []
    now = clock.now()
    default_locale = tenant.settings.get("default_locale", "de")
    for row_number, values in batch:
        member = existing.get(values["email"])
        roles = values.pop("roles")
        if member is None:
            if roles and set(roles) - {"influencer"} and not may_assign_roles:
                outcome.error(row_number, "only owners and admins assign roles other than influencer")
                continue
            if seats_left <= 0:
                outcome.error(row_number, f"seat limit of {tenant.seat_limit} reached; member not created")
                continue
            seats_left -= 1
            new_members.append(
                {
                    **values,
                    "id": uuid.uuid4(),
                    "locale": values["locale"] or default_locale,
                    "roles": roles or ["influencer"],
                    "status": "invited",
                    "leaderboard_visible": False,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            continue
        if member.status == "offboarded":
            outcome.error(row_number, "member is offboarded; not changed")
            continue
        changed = False
        if roles is not None and roles != sorted(member.roles):
            if not may_assign_roles or "owner" in member.roles or "owner" in roles:
                outcome.error(
                    row_number,
                    "roles of existing members change only through owners and admins, owners never by import",
                )
                continue
            member.roles, changed = roles, True
        for column in ("name", "department", "location", "title", "locale"):
            value = values.get(column)
            if value is not None and getattr(member, column) != value:
                setattr(member, column, value)
                changed = True
        if changed:
            outcome.updated += 1
        else:
            outcome.skipped += 1
    if new_members:
        invitation_rows = invitations.rows_for([row["id"] for row in new_members], tenant)
        with reusable_plans(db.session()):
            db.session.execute(upsert_insert(Member.__table__), new_members)
            statistics.grew(len(new_members))
            db.session.execute(upsert_insert(Invitation.__table__), invitation_rows)
        invitations.schedule_emails([row["id"] for row in invitation_rows])
        outcome.created += len(new_members)
    return seats_left
