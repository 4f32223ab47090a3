"""Schemas for training modules, quizzes, attempts, assignments and templates."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.schemas import BoundedDateTime, StrictBoolean, UTCDateTimeField, body_integer, http_url
from tenants.schemas import LOCALES
from training.models import MODULE_KINDS, MODULE_STATUSES, QUESTION_KINDS


class OptionInSchema(ma.Schema):
    text = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=1000), metadata={"description": "Answer option."}
    )
    correct = StrictBoolean(required=True, metadata={"description": "Whether choosing it is right."})


class QuestionInSchema(ma.Schema):
    text = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=2000), metadata={"description": "The question."}
    )
    kind = ma.fields.String(
        required=True,
        validate=validate.OneOf(QUESTION_KINDS),
        metadata={"description": "`single` (one right option) or `multiple`."},
    )
    options = ma.fields.List(
        ma.fields.Nested(OptionInSchema),
        required=True,
        validate=validate.Length(min=2, max=10),
        metadata={"description": "2-10 options."},
    )
    explanation = ma.fields.String(
        validate=validate.Length(max=4000), allow_none=True, metadata={"description": "Why the right answer is right."}
    )

    @ma.validates_schema
    def _a_correct_option(self, data, **kwargs):
        correct = sum(1 for option in data.get("options", []) if option["correct"])
        if correct == 0:
            raise ma.ValidationError("At least one option must be correct.", "options")
        if data.get("kind") == "single" and correct != 1:
            raise ma.ValidationError("A single-choice question has exactly one correct option.", "options")
        texts = [option["text"].strip().lower() for option in data.get("options", [])]
        if len(texts) != len(set(texts)):
            raise ma.ValidationError("Options must differ.", "options")


class QuizInSchema(ma.Schema):
    pass_score = body_integer(
        required=True,
        validate=validate.Range(min=0, max=100),
        metadata={"description": "Percent needed to pass (0-100)."},
    )
    questions = ma.fields.List(
        ma.fields.Nested(QuestionInSchema),
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "1-100 questions."},
    )


class LessonInSchema(ma.Schema):
    title = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=200), metadata={"description": "Lesson title."}
    )
    body = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=100_000), metadata={"description": "Markdown."}
    )
    media_url = http_url("Optional video or image URL (http or https).")


def _module_fields(required: bool) -> dict:
    return {
        "title": ma.fields.String(
            required=required, validate=validate.Length(min=1, max=200), metadata={"description": "Module title."}
        ),
        "kind": ma.fields.String(
            required=required, validate=validate.OneOf(MODULE_KINDS), metadata={"description": "What it trains."}
        ),
        "locale": ma.fields.String(
            required=required, validate=validate.OneOf(LOCALES), metadata={"description": "Language (de, en)."}
        ),
        "summary": ma.fields.String(
            validate=validate.Length(max=2000), allow_none=True, metadata={"description": "Short description."}
        ),
        "required": StrictBoolean(
            metadata={"description": "Required for every member (assigned automatically on joining)."}
        ),
        "recertify_after_days": body_integer(
            validate=validate.Range(min=1, max=3650),
            allow_none=True,
            metadata={"description": "A pass expires after this many days."},
        ),
        "max_attempts": body_integer(
            validate=validate.Range(min=1, max=100),
            allow_none=True,
            metadata={"description": "Attempts allowed (null: unlimited)."},
        ),
        "lessons": ma.fields.List(
            ma.fields.Nested(LessonInSchema),
            required=required,
            validate=validate.Length(max=100),
            metadata={"description": "Lessons in order."},
        ),
        "quiz": ma.fields.Nested(QuizInSchema, required=required, metadata={"description": "The quiz."}),
    }


ModuleCreateSchema = ma.Schema.from_dict(_module_fields(True), name="ModuleCreate")
ModuleUpdateSchema = ma.Schema.from_dict(_module_fields(False), name="ModuleUpdate")


class OptionOutSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Option id (answer with it)."})
    text = ma.fields.String(metadata={"description": "Option text."})
    correct = ma.fields.Boolean(metadata={"description": "Only for staff, or after passing or using up all attempts."})


class QuestionOutSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Question id."})
    text = ma.fields.String(metadata={"description": "The question."})
    kind = ma.fields.String(metadata={"description": "single or multiple."})
    explanation = ma.fields.String(allow_none=True, metadata={"description": "Shown with the answers."})
    options = ma.fields.List(ma.fields.Nested(OptionOutSchema), metadata={"description": "Options."})


class QuizOutSchema(ma.Schema):
    pass_score = ma.fields.Integer(metadata={"description": "Percent needed to pass."})
    questions = ma.fields.List(ma.fields.Nested(QuestionOutSchema), metadata={"description": "Questions."})


class LessonOutSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Lesson id."})
    title = ma.fields.String(metadata={"description": "Title."})
    body = ma.fields.String(metadata={"description": "Markdown."})
    media_url = ma.fields.String(allow_none=True, metadata={"description": "Media URL."})


class ModuleSummarySchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Id of this version."})
    lineage_id = ma.fields.UUID(metadata={"description": "Same for every version of the module."})
    version = ma.fields.Integer(metadata={"description": "Version number."})
    status = ma.fields.String(metadata={"description": f"One of {', '.join(MODULE_STATUSES)}."})
    title = ma.fields.String(metadata={"description": "Title."})
    kind = ma.fields.String(metadata={"description": "Kind."})
    locale = ma.fields.String(metadata={"description": "Language."})
    summary = ma.fields.String(allow_none=True, metadata={"description": "Summary."})
    required = ma.fields.Boolean(metadata={"description": "Required for every member."})
    recertify_after_days = ma.fields.Integer(allow_none=True, metadata={"description": "Days until a pass expires."})
    max_attempts = ma.fields.Integer(allow_none=True, metadata={"description": "Attempts allowed."})
    pass_score = ma.fields.Integer(metadata={"description": "Percent needed to pass."})
    template_key = ma.fields.String(allow_none=True, metadata={"description": "Template it was cloned from."})
    published_at = UTCDateTimeField(allow_none=True, metadata={"description": "When published."})
    created_at = UTCDateTimeField(metadata={"description": "When created."})


class ModuleSchema(ModuleSummarySchema):
    lessons = ma.fields.List(ma.fields.Nested(LessonOutSchema), metadata={"description": "Lessons."})
    quiz = ma.fields.Nested(QuizOutSchema, metadata={"description": "Quiz."})
    answers_revealed = ma.fields.Boolean(metadata={"description": "Whether correct flags are included."})


class ModuleListArgsSchema(ma.Schema):
    status = ma.fields.String(
        validate=validate.OneOf(MODULE_STATUSES), metadata={"description": "Only this status (staff)."}
    )
    kind = ma.fields.String(validate=validate.OneOf(MODULE_KINDS), metadata={"description": "Only this kind."})


class AnswerSchema(ma.Schema):
    question_id = ma.fields.UUID(required=True, metadata={"description": "A question of this module version."})
    option_ids = ma.fields.List(
        ma.fields.UUID(),
        required=True,
        validate=validate.Length(min=1, max=10),
        metadata={"description": "Options chosen (at least one; exactly one for a single-choice question)."},
    )


class AttemptInSchema(ma.Schema):
    answers = ma.fields.List(
        ma.fields.Nested(AnswerSchema),
        required=True,
        validate=validate.Length(max=100),
        metadata={
            "description": "One entry for every question of this version, each once. An incomplete or unknown "
            "answer is rejected (422) and uses up no attempt."
        },
    )


class AttemptResetSchema(ma.Schema):
    member_id = ma.fields.UUID(
        required=True, metadata={"description": "The member who gets fresh attempts (404 if not in this tenant)."}
    )


class QuestionResultSchema(ma.Schema):
    question_id = ma.fields.UUID(metadata={"description": "Question."})
    correct = ma.fields.Boolean(metadata={"description": "Answered right."})
    explanation = ma.fields.String(allow_none=True, metadata={"description": "Explanation."})


class AttemptResultSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Attempt id."})
    module_id = ma.fields.UUID(metadata={"description": "Version attempted."})
    version = ma.fields.Integer(metadata={"description": "Its version number."})
    score = ma.fields.Integer(metadata={"description": "Percent right."})
    passed = ma.fields.Boolean(metadata={"description": "Score reached the pass score."})
    attempts_left = ma.fields.Integer(
        allow_none=True, metadata={"description": "Attempts remaining (null: unlimited)."}
    )
    results = ma.fields.List(ma.fields.Nested(QuestionResultSchema), metadata={"description": "Per question."})
    created_at = UTCDateTimeField(metadata={"description": "When."})


class AssignmentInSchema(ma.Schema):
    module_id = ma.fields.UUID(required=True, metadata={"description": "A published module version."})
    member_ids = ma.fields.List(
        ma.fields.UUID(), validate=validate.Length(min=1, max=10_000), metadata={"description": "These members."}
    )
    department = ma.fields.String(
        validate=validate.Length(min=1, max=100), metadata={"description": "Everyone in this department."}
    )
    all_members = StrictBoolean(metadata={"description": "Everybody (true)."})
    due_at = BoundedDateTime(allow_none=True, metadata={"description": "Due date (ISO 8601 with offset)."})

    @ma.validates_schema
    def _one_target(self, data, **kwargs):
        targets = [bool(data.get("member_ids")), bool(data.get("department")), data.get("all_members") is True]
        if sum(targets) != 1:
            raise ma.ValidationError("Give exactly one of member_ids, department or all_members: true.", "_schema")


class AssignmentResultSchema(ma.Schema):
    created = ma.fields.Integer(metadata={"description": "New assignments (existing ones are kept)."})


class MyAssignmentSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Assignment id."})
    module = ma.fields.Nested(ModuleSummarySchema, metadata={"description": "The module's current version."})
    status = ma.fields.String(metadata={"description": "assigned, in_progress, passed, failed, overdue or expired."})
    due_at = UTCDateTimeField(allow_none=True, metadata={"description": "Due date."})
    best_score = ma.fields.Integer(allow_none=True, metadata={"description": "Best score so far."})
    completed_at = UTCDateTimeField(allow_none=True, metadata={"description": "When passed."})
    expires_at = UTCDateTimeField(allow_none=True, metadata={"description": "When the pass expires."})
    attempts_used = ma.fields.Integer(
        metadata={
            "description": "Attempts used on the current version in this round (a new version, a "
            "re-certification or a staff reset starts afresh)."
        }
    )
    attempts_left = ma.fields.Integer(allow_none=True, metadata={"description": "Attempts left (null: unlimited)."})


class TemplateSummarySchema(ma.Schema):
    key = ma.fields.String(metadata={"description": "Template key (clone with it)."})
    title = ma.fields.String(metadata={"description": "Title."})
    kind = ma.fields.String(metadata={"description": "Module kind."})
    locale = ma.fields.String(metadata={"description": "Language."})
    summary = ma.fields.String(allow_none=True, metadata={"description": "What it covers."})
    industries = ma.fields.List(ma.fields.String(), metadata={"description": "Industries it suits."})
    questions = ma.fields.Integer(metadata={"description": "Quiz questions."})


class TemplateListArgsSchema(ma.Schema):
    industry = ma.fields.String(metadata={"description": "Only templates for this industry (default: the tenant's)."})
    locale = ma.fields.String(validate=validate.OneOf(LOCALES), metadata={"description": "Only this language."})
