"""The social media guideline: published versions, acknowledgements and the posting gate.

A tenant's guideline is a sequence of immutable versions; the newest is *current*.
Publishing a version means every member must acknowledge it anew. Only the current version
can be acknowledged, only by active members, and a member acknowledges a version once (a
repeat returns the same record). Where the tenant's policy requires it (both governance modes
do), posting waits for the acknowledgement of the current version (:func:`acknowledged_current`).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, func, select

from app import clock, events
from app.auth import Principal
from app.db import db, upsert_insert
from app.errors import Conflict, NotFound, ValidationFailed, field_error
from tenants import audit
from tenants.eligibility import Missing
from tenants.models import Member
from tenants.services import current_policy
from training import templates
from training.events import GUIDELINE_ACKNOWLEDGED, GUIDELINE_PUBLISHED
from training.models import Guideline, GuidelineAcknowledgement

#: The longest title and body a version may have (the create schema states the same).
MAX_LENGTHS = {"title": 200, "body": 100_000}

# --- Versions ------------------------------------------------------------------------------


def get(guideline_id: uuid.UUID) -> Guideline:
    guideline = db.session.get(Guideline, guideline_id)
    if guideline is None:
        raise NotFound("No such guideline.")
    return guideline


def current() -> Guideline | None:
    """The tenant's current guideline (its newest version), or None before the first one."""
    return db.session.scalar(select(Guideline).order_by(Guideline.version.desc()).limit(1))


def require_current() -> Guideline:
    guideline = current()
    if guideline is None:
        raise NotFound("No guideline has been published yet.")
    return guideline


def current_version() -> int | None:
    return db.session.scalar(select(func.max(Guideline.version)))


def listing() -> Select:
    """Every version, newest first (for ``@paginate``)."""
    return select(Guideline).order_by(Guideline.version.desc())


def publish(data: dict[str, Any], actor: Principal | None) -> Guideline:
    """Publish the next version (from the given text or a template); it becomes current.

    Two concurrent publications cannot take the same number: ``(tenant_id, version)`` is
    unique, and the loser answers 409.
    """
    template_key = data.get("template_key")
    content = from_template(template_key, data.get("placeholders") or {}, data.get("title")) if template_key else data
    guideline = Guideline(
        version=(current_version() or 0) + 1,
        title=content["title"],
        body=content["body"],
        locale=content["locale"],
        created_by=actor.member_id if actor else None,
    )
    db.session.add(guideline)
    db.session.flush()
    audit.record(
        "guideline.published",
        "guideline",
        guideline.id,
        after={
            "version": guideline.version,
            "title": guideline.title,
            "locale": guideline.locale,
            "template": template_key,
        },
    )
    events.emit(GUIDELINE_PUBLISHED, {"guideline_id": str(guideline.id), "version": guideline.version})
    return guideline


def template_summaries() -> list[dict[str, Any]]:
    """The guideline templates with the placeholders each one asks to fill in."""
    return [
        {
            "key": key,
            "title": template["guideline"]["title"],
            "locale": template["guideline"]["locale"],
            "placeholders": templates.placeholders(template["guideline"]),
        }
        for key, template in sorted(templates.GUIDELINE_TEMPLATES.items())
    ]


def from_template(key: str, values: dict[str, str], title: str | None = None) -> dict[str, str]:
    """A template's title, body and locale with its ``{Placeholder}``s filled in from ``values``.

    Every placeholder must be filled (members acknowledge exactly this text), and a value for a
    name the template does not use is refused rather than silently dropped (a typo).
    """
    template = templates.get_guideline_template(key)
    if template is None:
        raise field_error("json", "template_key", "Unknown template.", message="Unknown guideline template.")
    content = dict(template["guideline"])
    if title:
        content["title"] = title
    names = set(templates.placeholders({"title": content["title"], "body": content["body"]}))
    unknown = sorted(set(values) - names)
    if unknown:
        raise ValidationFailed(
            {"json": {"placeholders": {name: ["Not a placeholder of this template."] for name in unknown}}},
            message="The template has no such placeholders: " + ", ".join(unknown) + ".",
        )
    for name, value in values.items():
        content["title"] = content["title"].replace("{" + name + "}", value)
        content["body"] = content["body"].replace("{" + name + "}", value)
    unfilled = templates.placeholders({"title": content["title"], "body": content["body"]})
    if unfilled:
        raise ValidationFailed(
            {"json": {"placeholders": [f"Missing a value for {{{name}}}." for name in unfilled]}},
            message="Give a value in `placeholders` for each of the template's placeholders: "
            + ", ".join("{" + name + "}" for name in unfilled)
            + ".",
        )
    too_long = {field: limit for field, limit in MAX_LENGTHS.items() if len(content[field]) > limit}
    if too_long:
        raise ValidationFailed(
            {
                "json": {
                    "placeholders": [
                        f"The {field} would exceed {limit:,} characters." for field, limit in too_long.items()
                    ]
                }
            },
            message="With these placeholder values the text is too long.",
        )
    return content


def view(guideline: Guideline, member_id: uuid.UUID | None, current_number: int | None = None) -> dict[str, Any]:
    """The guideline as the API shows it, with the caller's acknowledgement time."""
    if current_number is None:
        current_number = current_version()
    acknowledgement = find_acknowledgement(guideline.id, member_id) if member_id else None
    return {
        "id": guideline.id,
        "version": guideline.version,
        "title": guideline.title,
        "body": guideline.body,
        "locale": guideline.locale,
        "current": guideline.version == current_number,
        "published_at": guideline.created_at,
        "acknowledged_at": acknowledgement.created_at if acknowledgement else None,
    }


def summaries(items: list[Guideline]) -> list[dict[str, Any]]:
    number = current_version()
    return [
        {
            "id": g.id,
            "version": g.version,
            "title": g.title,
            "locale": g.locale,
            "current": g.version == number,
            "published_at": g.created_at,
        }
        for g in items
    ]


# --- Acknowledgements ----------------------------------------------------------------------


def find_acknowledgement(guideline_id: uuid.UUID, member_id: uuid.UUID) -> GuidelineAcknowledgement | None:
    return db.session.scalar(
        select(GuidelineAcknowledgement).where(
            GuidelineAcknowledgement.guideline_id == guideline_id, GuidelineAcknowledgement.member_id == member_id
        )
    )


def acknowledge(guideline: Guideline, member: Member) -> tuple[GuidelineAcknowledgement, bool]:
    """Record that ``member`` read and accepts ``guideline``. Returns (record, created).

    Only the current version (an older one answers 409) and only active members. A repeat
    returns the first record; so does a concurrent duplicate (the insert yields to the row
    that got there first). The acknowledgement event goes only with the record created.
    """
    if member.status != "active":
        raise Conflict(f"Only active members acknowledge the guideline (your membership is {member.status}).")
    latest = current_version()
    if guideline.version != latest:
        raise Conflict(f"Version {guideline.version} has been superseded; acknowledge the current version {latest}.")
    existing = find_acknowledgement(guideline.id, member.id)
    if existing is not None:
        return existing, False
    now = clock.now()
    if not _insert_once(guideline, member, now):
        return find_acknowledgement(guideline.id, member.id), False
    record = find_acknowledgement(guideline.id, member.id)
    events.emit(
        GUIDELINE_ACKNOWLEDGED,
        {
            "member_id": str(member.id),
            "guideline_id": str(guideline.id),
            "version": guideline.version,
            "acknowledged_at": clock.isoformat(record.created_at),
            "days_after_publication": (record.created_at - guideline.created_at).days,
            "published_at": clock.isoformat(guideline.created_at),
        },
    )
    return record, True


def _insert_once(guideline: Guideline, member: Member, at) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on the (tenant, guideline, member) key: True if inserted."""
    statement = (
        upsert_insert(GuidelineAcknowledgement)
        .values(
            id=uuid.uuid4(),
            guideline_id=guideline.id,
            member_id=member.id,
            created_at=at,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "guideline_id", "member_id"])
        .returning(GuidelineAcknowledgement.id)
    )
    return db.session.execute(statement).scalar_one_or_none() is not None


def acknowledgement_view(record: GuidelineAcknowledgement, guideline: Guideline) -> dict[str, Any]:
    return {
        "id": record.id,
        "guideline_id": record.guideline_id,
        "member_id": record.member_id,
        "version": guideline.version,
        "created_at": record.created_at,
    }


def report(guideline: Guideline, department: str | None = None) -> dict[str, Any]:
    """Who among the active members has acknowledged ``guideline`` and who has not yet.

    Invited, paused and offboarded members are not expected to acknowledge and are left out.
    """
    statement = (
        select(Member, GuidelineAcknowledgement.created_at)
        .outerjoin(
            GuidelineAcknowledgement,
            (GuidelineAcknowledgement.member_id == Member.id) & (GuidelineAcknowledgement.guideline_id == guideline.id),
        )
        .where(Member.status == "active")
        .order_by(Member.name, Member.id)
    )
    if department is not None:
        statement = statement.where(Member.department == department)
    acknowledged, pending = [], []
    for member, acknowledged_at in db.session.execute(statement):
        person = {"id": member.id, "name": member.name, "department": member.department}
        if acknowledged_at is None:
            pending.append({"member": person})
        else:
            acknowledged.append({"member": person, "acknowledged_at": acknowledged_at})
    acknowledged.sort(key=lambda item: item["acknowledged_at"])
    return {
        "guideline_id": guideline.id,
        "version": guideline.version,
        "current": guideline.version == current_version(),
        "acknowledged": acknowledged,
        "pending": pending,
        "counts": {"acknowledged": len(acknowledged), "pending": len(pending)},
    }


# --- Eligibility ---------------------------------------------------------------------------


def acknowledged_current(member: Member) -> list[Missing]:
    """Posting waits for the current guideline's acknowledgement where the policy says so."""
    guideline = current()
    if guideline is None:
        return []
    if not current_policy()["guideline_acknowledgement_required"]:
        return []
    if find_acknowledgement(guideline.id, member.id) is not None:
        return []
    return [
        Missing(
            "guideline_acknowledgement",
            f"Read and acknowledge the current social media guideline (version {guideline.version}).",
        )
    ]
