"""Training modules: drafts, publication, immutable published versions, revisions.

Content (lessons, questions, options) belongs to one version. Editing is allowed only while
a version is a draft; publishing freezes it and archives the lineage's previous version;
``revise`` starts the next version as a draft copy.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy import update as sql_update

from app import clock, events
from app.auth import Principal
from app.db import db
from app.errors import Conflict, NotFound
from tenants import audit
from training.events import REQUIRED_MODULE_PUBLISHED
from training.models import Lesson, Module, Option, Question

SCALAR_FIELDS = ("title", "kind", "locale", "summary", "required", "recertify_after_days", "max_attempts")


def get(module_id: uuid.UUID) -> Module:
    module = db.session.get(Module, module_id)
    if module is None:
        raise NotFound("No such training module.")
    return module


def current_version(lineage_id: uuid.UUID) -> Module | None:
    """The published version of a lineage (at most one is published at a time)."""
    return db.session.scalar(select(Module).where(Module.lineage_id == lineage_id, Module.status == "published"))


def create(data: dict[str, Any], actor: Principal | None, *, template_key: str | None = None) -> Module:
    module = Module(
        **{field: data.get(field) for field in SCALAR_FIELDS},
        pass_score=data["quiz"]["pass_score"],
        status="draft",
        template_key=template_key,
        created_by=actor.member_id if actor else None,
    )
    module.required = bool(data.get("required", False))
    db.session.add(module)
    db.session.flush()
    _write_content(module, data["lessons"], data["quiz"]["questions"])
    audit.record(
        "training.module_created",
        "training_module",
        module.id,
        after={"title": module.title, "version": 1, "template": template_key},
    )
    return module


def update(module: Module, data: dict[str, Any]) -> Module:
    """Change a draft; a published version is immutable (409: revise it instead)."""
    if module.status != "draft":
        raise Conflict("Published modules cannot be edited; create a revision (POST .../revisions).")
    for field in SCALAR_FIELDS:
        if field in data:
            setattr(module, field, data[field])
    if "quiz" in data:
        module.pass_score = data["quiz"]["pass_score"]
    if "lessons" in data or "quiz" in data:
        lessons = data["lessons"] if "lessons" in data else _lessons_payload(module)
        questions = data["quiz"]["questions"] if "quiz" in data else _questions_payload(module)
        _clear_content(module)
        _write_content(module, lessons, questions)
    audit.record("training.module_updated", "training_module", module.id, after={"fields": sorted(data)})
    return module


def publish(module: Module) -> Module:
    """Publish a draft, archiving the lineage's published version.

    A required module published for the first time, or a version that makes it required, emits
    ``training.required_module_published``: existing active members are assigned it (members
    joining later get it on activation).
    """
    if module.status == "published":
        return module
    if module.status != "draft":
        raise Conflict("Archived versions cannot be published again; revise the current version.")
    if not questions(module.id):
        raise Conflict("A module needs at least one quiz question before it can be published.")
    previous = current_version(module.lineage_id)
    db.session.execute(
        sql_update(Module)
        .where(Module.lineage_id == module.lineage_id, Module.status == "published")
        .values(status="archived")
    )
    module.status, module.published_at = "published", clock.now()
    audit.record("training.module_published", "training_module", module.id, after={"version": module.version})
    if module.required and (previous is None or not previous.required):
        events.emit(
            REQUIRED_MODULE_PUBLISHED,
            {"module_id": str(module.id), "lineage_id": str(module.lineage_id), "version": module.version},
        )
    return module


def revise(module: Module, actor: Principal) -> Module:
    """Start the next version of a published module as a draft copy."""
    if module.status != "published":
        raise Conflict("Only the published version can be revised.")
    draft = db.session.scalar(select(Module.id).where(Module.lineage_id == module.lineage_id, Module.status == "draft"))
    if draft:
        raise Conflict(f"A draft of the next version already exists ({draft}).")
    latest = db.session.scalar(select(func.max(Module.version)).where(Module.lineage_id == module.lineage_id))
    revision = Module(
        **{field: getattr(module, field) for field in SCALAR_FIELDS},
        lineage_id=module.lineage_id,
        version=latest + 1,
        pass_score=module.pass_score,
        status="draft",
        template_key=module.template_key,
        created_by=actor.member_id,
    )
    db.session.add(revision)
    db.session.flush()
    _write_content(revision, _lessons_payload(module), _questions_payload(module))
    audit.record(
        "training.module_revised",
        "training_module",
        revision.id,
        after={"version": revision.version, "from": str(module.id)},
    )
    return revision


def listing(principal: Principal, *, include_drafts: bool):
    statement = select(Module).order_by(Module.title, Module.version)
    if not include_drafts:
        statement = statement.where(Module.status == "published")
    return statement


def lessons(module_id: uuid.UUID) -> list[Lesson]:
    return list(db.session.scalars(select(Lesson).where(Lesson.module_id == module_id).order_by(Lesson.position)))


def questions(module_id: uuid.UUID) -> list[Question]:
    return list(db.session.scalars(select(Question).where(Question.module_id == module_id).order_by(Question.position)))


def options_by_question(question_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Option]]:
    grouped: dict[uuid.UUID, list[Option]] = {qid: [] for qid in question_ids}
    if question_ids:
        for option in db.session.scalars(
            select(Option).where(Option.question_id.in_(question_ids)).order_by(Option.position)
        ):
            grouped[option.question_id].append(option)
    return grouped


def view(module: Module, *, reveal_answers: bool) -> dict[str, Any]:
    """The module with lessons and quiz; correct flags and explanations only when revealed."""
    module_questions = questions(module.id)
    grouped = options_by_question([q.id for q in module_questions])
    quiz_questions = []
    for question in module_questions:
        item = {"id": question.id, "text": question.text, "kind": question.kind, "options": []}
        for option in grouped[question.id]:
            item["options"].append(
                {"id": option.id, "text": option.text, **({"correct": option.correct} if reveal_answers else {})}
            )
        if reveal_answers:
            item["explanation"] = question.explanation
        quiz_questions.append(item)
    return {
        **{
            field: getattr(module, field)
            for field in (
                "id",
                "lineage_id",
                "version",
                "status",
                "pass_score",
                "template_key",
                "published_at",
                "created_at",
                *SCALAR_FIELDS,
            )
        },
        "lessons": [
            {"id": lesson.id, "title": lesson.title, "body": lesson.body, "media_url": lesson.media_url}
            for lesson in lessons(module.id)
        ],
        "quiz": {"pass_score": module.pass_score, "questions": quiz_questions},
        "answers_revealed": reveal_answers,
    }


def _lessons_payload(module: Module) -> list[dict[str, Any]]:
    return [
        {"title": lesson.title, "body": lesson.body, "media_url": lesson.media_url} for lesson in lessons(module.id)
    ]


def _questions_payload(module: Module) -> list[dict[str, Any]]:
    module_questions = questions(module.id)
    grouped = options_by_question([q.id for q in module_questions])
    return [
        {
            "text": q.text,
            "kind": q.kind,
            "explanation": q.explanation,
            "options": [{"text": o.text, "correct": o.correct} for o in grouped[q.id]],
        }
        for q in module_questions
    ]


def _clear_content(module: Module) -> None:
    question_ids = [q.id for q in questions(module.id)]
    if question_ids:
        db.session.execute(delete(Option).where(Option.question_id.in_(question_ids)))
    db.session.execute(delete(Question).where(Question.module_id == module.id))
    db.session.execute(delete(Lesson).where(Lesson.module_id == module.id))


def _write_content(module: Module, lesson_data: list[dict[str, Any]], question_data: list[dict[str, Any]]) -> None:
    for position, lesson in enumerate(lesson_data):
        db.session.add(
            Lesson(
                module_id=module.id,
                position=position,
                title=lesson["title"],
                body=lesson["body"],
                media_url=lesson.get("media_url"),
            )
        )
    for position, item in enumerate(question_data):
        question = Question(
            module_id=module.id,
            position=position,
            text=item["text"],
            kind=item["kind"],
            explanation=item.get("explanation"),
        )
        db.session.add(question)
        db.session.flush()
        for option_position, option in enumerate(item["options"]):
            db.session.add(
                Option(
                    question_id=question.id, position=option_position, text=option["text"], correct=option["correct"]
                )
            )
    db.session.flush()
