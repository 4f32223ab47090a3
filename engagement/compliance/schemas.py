"""Schemas for compliance rules, presets and the dry-run check."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.schemas import NOT_BLANK_PATTERN, StrictBoolean, UTCDateTimeField, body_integer, not_blank
from engagement.compliance import engine, presets, services
from engagement.compliance.patterns import MAX_PATTERN_LENGTH, validate_pattern
from engagement.compliance.text import MAX_TERM_LENGTH
from tenants.policy import PLATFORMS
from tenants.schemas import LOCALES

MAX_TERMS = 500
MAX_MESSAGE = 500
MAX_CHECK_TEXT = 100_000
MAX_LINKS = 100

KIND_RULES = (
    "`terms` is required for kinds terms, disclosure and confidential and refused for the others; "
    "`pattern` is required for kind regex and refused for the others; `max_links` is required for "
    "kind link_limit and refused for the others (kind pii takes none of them). On PATCH the rule as "
    "it results must fit its kind; changing the kind drops the old kind's fields."
)


def _validate_terms(terms: list[str]) -> None:
    errors = services.term_errors(terms)
    if errors:
        raise ma.ValidationError(errors)


def _validate_pattern(pattern: str) -> None:
    reason = validate_pattern(pattern)
    if reason:
        raise ma.ValidationError(reason)


def _terms_field(**kwargs) -> ma.fields.List:
    return ma.fields.List(
        ma.fields.String(
            validate=[validate.Length(min=1, max=MAX_TERM_LENGTH), not_blank("term")],
            metadata={"description": "A word or phrase.", "pattern": NOT_BLANK_PATTERN},
        ),
        validate=[validate.Length(min=1, max=MAX_TERMS), _validate_terms],
        metadata={
            "description": (
                "Words or phrases (kinds terms, disclosure, confidential), matched case-insensitively on word "
                "boundaries, with umlaut spellings (ä/ae, ß/ss) and German inflection endings "
                '("garantiert" also matches "garantierten"); white space inside a phrase is flexible; a '
                "leading `#` must be there. Each needs a letter or digit."
            ),
            "maxItems": MAX_TERMS,
        },
        **kwargs,
    )


def _pattern_field(**kwargs) -> ma.fields.String:
    return ma.fields.String(
        validate=[validate.Length(min=1, max=MAX_PATTERN_LENGTH), _validate_pattern],
        metadata={
            "description": (
                "Regular expression (kind regex) in RE2 syntax: no back-references or look-around; `(?i)` for "
                "case-insensitive. Refused when it does not compile, matches empty text or is too slow."
            )
        },
        **kwargs,
    )


def _max_links_field(**kwargs) -> ma.fields.Integer:
    return body_integer(
        validate=validate.Range(min=0, max=MAX_LINKS),
        metadata={"description": "Most links a post may have (kind link_limit); each one more is a finding."},
        **kwargs,
    )


def _message_field(**kwargs) -> ma.fields.String:
    return ma.fields.String(
        validate=[validate.Length(min=1, max=MAX_MESSAGE), not_blank("message")],
        metadata={"pattern": NOT_BLANK_PATTERN, "description": "What the author is told; each kind has a default."},
        **kwargs,
    )


def _scope_field(values, what: str, **kwargs) -> ma.fields.List:
    return ma.fields.List(
        ma.fields.String(validate=validate.OneOf(values), metadata={"description": f"A {what}."}),
        validate=validate.Length(max=len(values)),
        metadata={"description": f"Only for texts of these {what}s (empty or missing: all).", "maxItems": len(values)},
        **kwargs,
    )


class RuleCreateSchema(ma.Schema):
    kind = ma.fields.String(
        required=True,
        validate=validate.OneOf(engine.KINDS),
        metadata={
            "description": "terms, regex, pii (personal data), disclosure (one of the terms required), link_limit or confidential (project names)."
        },
    )
    severity = ma.fields.String(
        required=True,
        validate=validate.OneOf(engine.SEVERITIES),
        metadata={"description": "`block` (needs approval) or `warn` (advice)."},
    )
    message = _message_field()
    terms = _terms_field()
    pattern = _pattern_field()
    max_links = _max_links_field()
    locales = _scope_field(LOCALES, "locale")
    platforms = _scope_field(PLATFORMS, "platform")
    enabled = StrictBoolean(metadata={"description": "Whether checks use the rule (default true)."})

    @ma.validates_schema
    def _fits_kind(self, data, **kwargs):
        errors = services.kind_errors(data)
        if errors:
            raise ma.ValidationError(errors)


class RuleUpdateSchema(ma.Schema):
    kind = ma.fields.String(
        validate=validate.OneOf(engine.KINDS), metadata={"description": "New kind (its fields must come along)."}
    )
    severity = ma.fields.String(
        validate=validate.OneOf(engine.SEVERITIES), metadata={"description": "`block` or `warn`."}
    )
    message = _message_field(allow_none=True)
    terms = _terms_field(allow_none=True)
    pattern = _pattern_field(allow_none=True)
    max_links = _max_links_field(allow_none=True)
    locales = _scope_field(LOCALES, "locale", allow_none=True)
    platforms = _scope_field(PLATFORMS, "platform", allow_none=True)
    enabled = StrictBoolean(metadata={"description": "Whether checks use the rule."})


class RuleSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Rule id."})
    kind = ma.fields.String(metadata={"description": "terms, regex, pii, disclosure, link_limit or confidential."})
    severity = ma.fields.String(metadata={"description": "`block` or `warn`."})
    message = ma.fields.String(metadata={"description": "What the author is told."})
    terms = ma.fields.List(
        ma.fields.String(metadata={"description": "A word or phrase."}),
        allow_none=True,
        metadata={"description": "Words or phrases (term kinds)."},
    )
    pattern = ma.fields.String(allow_none=True, metadata={"description": "RE2 regular expression (kind regex)."})
    max_links = ma.fields.Integer(allow_none=True, metadata={"description": "Most links allowed (kind link_limit)."})
    locales = ma.fields.List(
        ma.fields.String(metadata={"description": "A locale."}),
        metadata={"description": "Locales it applies to (empty: all)."},
    )
    platforms = ma.fields.List(
        ma.fields.String(metadata={"description": "A platform."}),
        metadata={"description": "Platforms it applies to (empty: all)."},
    )
    enabled = ma.fields.Boolean(metadata={"description": "Whether checks use it."})
    preset = ma.fields.String(
        allow_none=True, metadata={"description": "The preset it came from (null: written by the tenant)."}
    )
    created_at = UTCDateTimeField(metadata={"description": "When it was created."})
    updated_at = UTCDateTimeField(metadata={"description": "When it last changed."})


class RuleListArgsSchema(ma.Schema):
    kind = ma.fields.String(validate=validate.OneOf(engine.KINDS), metadata={"description": "Only rules of this kind."})
    preset = ma.fields.String(
        validate=validate.OneOf(presets.NAMES), metadata={"description": "Only rules from this preset."}
    )


class PresetSchema(ma.Schema):
    name = ma.fields.String(metadata={"description": "Preset name (apply with POST /compliance/presets/{name})."})
    description = ma.fields.String(metadata={"description": "What it covers."})
    rules = ma.fields.Integer(metadata={"description": "How many rules it adds."})


class PresetResultSchema(ma.Schema):
    preset = ma.fields.String(metadata={"description": "The preset applied."})
    added = ma.fields.Integer(metadata={"description": "Rules added now."})
    skipped = ma.fields.Integer(
        metadata={"description": "Rules the tenant already had from this preset (kept as they are)."}
    )
    rules = ma.fields.List(
        ma.fields.Nested(RuleSchema), metadata={"description": "All of the tenant's rules from this preset."}
    )


class CheckSchema(ma.Schema):
    text = ma.fields.String(
        required=True,
        validate=validate.Length(max=MAX_CHECK_TEXT),
        metadata={"description": "The text to check (up to 100,000 characters)."},
    )
    platform = ma.fields.String(
        validate=validate.OneOf(PLATFORMS),
        metadata={"description": "Platform of the post; without it, rules of every platform apply."},
    )
    locale = ma.fields.String(
        validate=validate.OneOf(LOCALES),
        metadata={"description": "Language of the text; without it, rules of every locale apply."},
    )


class FindingSchema(ma.Schema):
    rule_id = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "Id of the rule that found it (null for the sameness nudge on posts).",
            "format": "uuid",
        },
    )
    kind = ma.fields.String(metadata={"description": "The rule's kind."})
    severity = ma.fields.String(metadata={"description": "`block` or `warn`."})
    message = ma.fields.String(metadata={"description": "What the author is told."})
    start = ma.fields.Integer(metadata={"description": "Start of the match (character offset into the text)."})
    end = ma.fields.Integer(
        metadata={
            "description": "End of the match (exclusive); a missing disclosure has start = end = the text's length."
        }
    )
    excerpt = ma.fields.String(allow_none=True, metadata={"description": "The matched text (up to 200 characters)."})
    detail = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "More about it: which personal data, which link, or that a rule could not be evaluated."
        },
    )


class CheckResultSchema(ma.Schema):
    findings = ma.fields.List(ma.fields.Nested(FindingSchema), metadata={"description": "Findings, sorted by start."})
    blocked = ma.fields.Boolean(metadata={"description": "Whether any finding has severity block."})
