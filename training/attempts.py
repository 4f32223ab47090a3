"""Quiz attempts: validated against the module version, graded on the server, recorded."""

from __future__ import annotations

import uuid
from typing import Any

from app import clock, events
from app.db import db
from app.errors import Conflict, NotFound, ValidationFailed
from tenants.models import Member
from training import assignments, modules
from training.events import MODULE_PASSED
from training.grading import grade
from training.models import Attempt, Module


def _parse_answers(module: Module, raw: list[dict[str, Any]]) -> tuple[dict, dict, dict[uuid.UUID, set[uuid.UUID]]]:
    module_questions = modules.questions(module.id)
    grouped = modules.options_by_question([q.id for q in module_questions])
    kinds = {q.id: q.kind for q in module_questions}
    errors: dict[str, Any] = {}
    answers: dict[uuid.UUID, set[uuid.UUID]] = {}
    for index, answer in enumerate(raw):
        question_id, chosen = answer["question_id"], set(answer["option_ids"])
        if question_id not in kinds:
            errors[str(index)] = {"question_id": ["Not a question of this module version."]}
        elif question_id in answers:
            errors[str(index)] = {"question_id": ["Answered twice."]}
        elif not chosen <= {o.id for o in grouped[question_id]}:
            errors[str(index)] = {"option_ids": ["Not options of this question."]}
        elif kinds[question_id] == "single" and len(chosen) > 1:
            errors[str(index)] = {"option_ids": ["Single-choice question: choose one option."]}
        else:
            answers[question_id] = chosen
    if errors:
        raise ValidationFailed({"json": {"answers": errors}})
    unanswered = [str(q.id) for q in module_questions if q.id not in answers]
    if unanswered:  # an incomplete submission would use up an attempt for nothing
        raise ValidationFailed(
            {"json": {"answers": [f"Answer every question of this version; unanswered: {', '.join(unanswered)}."]}}
        )
    key = {q.id: {o.id for o in grouped[q.id] if o.correct} for q in module_questions}
    explanations = {q.id: q.explanation for q in module_questions}
    return key, explanations, answers


def submit(module_id: uuid.UUID, raw_answers: list[dict[str, Any]], member: Member) -> dict[str, Any]:
    module = modules.get(module_id)
    if module.status == "draft":
        raise NotFound("No such training module.")
    if module.status != "published":
        current = modules.current_version(module.lineage_id)
        raise Conflict(
            f"This version was superseded; take version {current.version if current else '?'} ({current.id if current else '-'})."
        )
    if member.status != "active":
        raise Conflict(f"Only active members take quizzes (you are {member.status}).")
    assignment = assignments.for_member(member.id, module.lineage_id)
    used = assignments.attempts_used(member.id, module.id, assignment.opened_at if assignment else None)
    if (
        assignment is not None
        and assignment.completed_at is not None
        and (assignment.expires_at is None or assignment.expires_at > clock.now())
    ):
        raise Conflict("You have already passed this module.")
    if module.max_attempts is not None and used >= module.max_attempts:
        raise Conflict(f"All {module.max_attempts} attempts are used.")
    key, explanations, answers = _parse_answers(module, raw_answers)
    result = grade(key, explanations, answers, module.pass_score)
    attempt = Attempt(
        member_id=member.id,
        module_id=module.id,
        lineage_id=module.lineage_id,
        answers=[{"question_id": str(q), "option_ids": sorted(str(o) for o in opts)} for q, opts in answers.items()],
        score=result.score,
        passed=result.passed,
    )
    db.session.add(attempt)
    db.session.flush()
    assignments.record_attempt(attempt, module)
    if result.passed:
        events.emit(
            MODULE_PASSED,
            {
                "member_id": str(member.id),
                "module_id": str(module.id),
                "lineage_id": str(module.lineage_id),
                "version": module.version,
                "kind": module.kind,
                "required": module.required,
                "score": result.score,
                "attempt_id": str(attempt.id),
            },
        )
    attempts_left = None if module.max_attempts is None else max(0, module.max_attempts - used - 1)
    return {
        "id": attempt.id,
        "module_id": module.id,
        "version": module.version,
        "score": result.score,
        "passed": result.passed,
        "attempts_left": attempts_left,
        "results": [
            {"question_id": r.question_id, "correct": r.correct, "explanation": r.explanation} for r in result.results
        ],
        "created_at": attempt.created_at,
    }
