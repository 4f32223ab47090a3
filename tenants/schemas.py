"""Request and response schemas for signup, the tenant, tokens and the audit log."""

from __future__ import annotations

import zoneinfo

import marshmallow as ma
from marshmallow import validate

from app.auth import SCOPE_ROLES
from app.pagination import CursorArgsSchema, CursorPageSchema
from app.schemas import StrictBoolean, TrimmedString, UTCDateTimeField, body_integer
from tenants.models import GOVERNANCE_MODES, INDUSTRIES
from tenants.policy import PLATFORMS

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$"
LOCALES = ("de", "en")
#: Keys of the IANA tz database (not the host's own ``localtime`` alias), documented as the
#: string format ``iana-time-zone`` (an enum of ~600 names would bloat the document).
TIMEZONES = frozenset(zoneinfo.available_timezones() - {"localtime"})
TIMEZONE_FORMAT = "iana-time-zone"


def _known_timezone(value: str) -> None:
    # Membership, never ZoneInfo(value): that opens files named by the client and raises
    # IsADirectoryError ("Europe") or OSError (long names) instead of a validation error.
    if value not in TIMEZONES:
        raise ma.ValidationError("Not a known IANA time zone (e.g. Europe/Berlin).")


class OrganizationSchema(ma.Schema):
    name = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Display name of the organisation."},
    )
    slug = ma.fields.String(
        required=True,
        validate=validate.Regexp(SLUG_PATTERN, error="3-63 lowercase letters, digits and hyphens."),
        metadata={"description": "Unique short name, e.g. `medtech-nord`."},
    )
    industry = ma.fields.String(
        load_default="generic",
        validate=validate.OneOf(INDUSTRIES),
        metadata={"description": "Industry; regulated ones default to containment."},
    )
    governance_mode = ma.fields.String(
        load_default=None,
        validate=validate.OneOf(GOVERNANCE_MODES),
        metadata={"description": "`empowerment` or `containment`; defaults by industry."},
    )


class OwnerSchema(ma.Schema):
    email = ma.fields.Email(
        required=True, validate=validate.Length(max=254), metadata={"description": "The owner's work email."}
    )
    name = TrimmedString(
        required=True, validate=validate.Length(min=1, max=200), metadata={"description": "The owner's name."}
    )


class SignupSchema(ma.Schema):
    organization = ma.fields.Nested(OrganizationSchema, required=True, metadata={"description": "The new tenant."})
    owner = ma.fields.Nested(
        OwnerSchema, required=True, metadata={"description": "Its first member, with the owner role."}
    )


class TenantSettingsSchema(ma.Schema):
    default_locale = ma.fields.String(
        validate=validate.OneOf(LOCALES), metadata={"description": "Locale for new members and emails."}
    )
    timezone = ma.fields.String(
        validate=_known_timezone,
        metadata={
            "description": "IANA time zone for leaderboard periods and schedules, e.g. `Europe/Berlin`.",
            "format": TIMEZONE_FORMAT,
        },
    )
    invitation_ttl_days = body_integer(
        validate=validate.Range(min=1, max=90), metadata={"description": "Days an invitation stays valid."}
    )
    min_group_size = body_integer(
        validate=validate.Range(min=2, max=1000),
        metadata={"description": "Smallest group shown in group reports (works-council privacy)."},
    )
    approval_reminder_hours = body_integer(
        validate=validate.Range(min=1, max=720),
        metadata={"description": "Remind approvers of posts waiting longer than this."},
    )
    corporate_followers = ma.fields.Dict(
        keys=ma.fields.String(validate=validate.OneOf(PLATFORMS)),
        values=body_integer(validate=validate.Range(min=0, max=10_000_000_000)),
        metadata={
            "description": "Followers of the company's own accounts per platform (for the amplification factor)."
        },
    )
    cpm = body_integer(
        validate=validate.Range(min=0, max=100_000_000),
        metadata={"description": "Cost per 1,000 impressions in minor units of `currency` (earned media value)."},
    )
    cpc = body_integer(
        validate=validate.Range(min=0, max=100_000_000),
        metadata={"description": "Cost per click in minor units of `currency` (earned media value)."},
    )
    currency = ma.fields.String(
        validate=validate.Regexp(r"^[A-Z]{3}$"),
        metadata={"description": "ISO 4217 currency of the earned media value, e.g. `EUR`.", "pattern": r"^[A-Z]{3}$"},
    )
    archive_retention_days = body_integer(
        validate=validate.Range(min=365, max=36500),
        metadata={"description": "Days archive entries are kept (German commercial and tax law: 6 to 10 years)."},
    )


DEFAULT_SETTINGS = {
    "default_locale": "de",
    "timezone": "Europe/Berlin",
    "invitation_ttl_days": 14,
    "min_group_size": 5,
    "approval_reminder_hours": 24,
    "archive_retention_days": 3650,
    "corporate_followers": {},
    "cpm": 0,
    "cpc": 0,
    "currency": "EUR",
}


class SeatsSchema(ma.Schema):
    limit = ma.fields.Integer(metadata={"description": "Seats the plan allows."})
    used = ma.fields.Integer(metadata={"description": "Invited and active members."})


class TenantSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Tenant id."})
    name = ma.fields.String(metadata={"description": "Display name."})
    slug = ma.fields.String(metadata={"description": "Unique short name."})
    industry = ma.fields.String(metadata={"description": "Industry."})
    governance_mode = ma.fields.String(metadata={"description": "`empowerment` or `containment`."})
    policy = ma.fields.Dict(metadata={"description": "Effective policy of the governance mode."})
    policy_overrides = ma.fields.Dict(metadata={"description": "The tenant's own tightenings of the mode's policy."})
    seats = ma.fields.Nested(SeatsSchema, metadata={"description": "Seat usage."})
    settings = ma.fields.Nested(TenantSettingsSchema, metadata={"description": "Tenant settings."})
    plan = ma.fields.String(metadata={"description": "Billing plan."})
    created_at = UTCDateTimeField(metadata={"description": "When the tenant signed up."})


class PolicyOverridesSchema(ma.Schema):
    """Tighten the governance mode's policy; loosening a mode's guarantee is refused (422)."""

    own_posts_allowed = StrictBoolean(metadata={"description": "`false` allows only shares from the content library."})
    approval_required = StrictBoolean(metadata={"description": "`true`: every post passes the approval chain."})
    approval_on_blocking_findings = StrictBoolean(
        metadata={"description": "`true`: a blocking compliance finding sends a post to approval."}
    )
    training_required_before_posting = StrictBoolean(
        metadata={"description": "`true`: required training must be passed before posting."}
    )
    guideline_acknowledgement_required = StrictBoolean(
        metadata={"description": "`true`: the current guideline must be acknowledged before posting."}
    )
    archive_enabled = StrictBoolean(
        metadata={"description": "`true`: every post version, decision and publication is archived."}
    )
    sso_required = StrictBoolean(metadata={"description": "`true`: members sign in through single sign-on."})
    allowed_platforms = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(PLATFORMS)),
        validate=validate.Length(min=1, max=len(PLATFORMS)),
        metadata={"description": "Platforms members may post to (a subset of the mode's list)."},
    )


class TenantUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=200), metadata={"description": "New display name."})
    settings = ma.fields.Nested(TenantSettingsSchema, metadata={"description": "Settings to change (merged)."})
    policy_overrides = ma.fields.Nested(
        PolicyOverridesSchema,
        metadata={
            "description": "Replaces the tenant's policy overrides; they may only tighten the governance mode's policy."
        },
    )


class GovernanceChangeSchema(ma.Schema):
    mode = ma.fields.String(
        required=True, validate=validate.OneOf(GOVERNANCE_MODES), metadata={"description": "The new governance mode."}
    )
    reason = ma.fields.String(
        required=True,
        validate=validate.Length(min=3, max=1000),
        metadata={"description": "Why the mode changes (audited)."},
    )


class MemberSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Member id."})
    email = ma.fields.String(metadata={"description": "Work email."})
    name = ma.fields.String(metadata={"description": "Display name."})
    department = ma.fields.String(allow_none=True, metadata={"description": "Department."})
    location = ma.fields.String(allow_none=True, metadata={"description": "Location."})
    locale = ma.fields.String(metadata={"description": "Preferred locale."})
    title = ma.fields.String(allow_none=True, metadata={"description": "Job title."})
    roles = ma.fields.List(ma.fields.String(), metadata={"description": "Roles held."})
    status = ma.fields.String(metadata={"description": "`invited`, `active`, `paused` or `offboarded`."})
    leaderboard_visible = ma.fields.Boolean(metadata={"description": "Opted in to appear by name on leaderboards."})
    pause_note = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "Why staff paused the member (the `reason` sent to `POST /members/{id}/pause`); "
            "null when not paused or paused without a reason."
        },
    )
    created_at = UTCDateTimeField(metadata={"description": "When the member was created."})


class SignupResultSchema(ma.Schema):
    tenant = ma.fields.Nested(TenantSchema, metadata={"description": "The new tenant."})
    member = ma.fields.Nested(MemberSchema, metadata={"description": "Its owner."})
    token = ma.fields.String(metadata={"description": "The owner's API token (shown once)."})


class DeclaredScope(validate.OneOf):
    """One of the scopes declared when the app was created (by the shell and every domain).

    The choices are read when validating and documenting, not when this module is imported:
    the domains declare their scopes in ``create_app``.
    """

    def __init__(self) -> None:
        super().__init__(())

    choices = property(lambda self: sorted(SCOPE_ROLES), lambda self, value: None)
    choices_text = property(lambda self: ", ".join(self.choices), lambda self, value: None)


class AtMostEveryScope(validate.Length):
    """From one scope to every declared scope (read when validating, like :class:`DeclaredScope`)."""

    def __init__(self) -> None:
        super().__init__(min=1)

    max = property(lambda self: len(SCOPE_ROLES), lambda self, value: None)


class TokenCreateSchema(ma.Schema):
    name = ma.fields.String(
        load_default="api",
        validate=validate.Length(min=1, max=100),
        metadata={"description": "A label, e.g. `reporting-script`."},
    )
    scopes = ma.fields.List(
        ma.fields.String(validate=DeclaredScope()),
        validate=AtMostEveryScope(),
        metadata={
            "description": 'Limit the token to these scopes (each one the caller\'s roles hold), e.g. `["engagement:ingest"]` for a metrics integration; absent: everything the caller may do.'
        },
    )


class TokenSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Token id (for revocation)."})
    name = ma.fields.String(metadata={"description": "Label."})
    prefix = ma.fields.String(metadata={"description": "First characters, to recognise the token."})
    created_at = UTCDateTimeField(metadata={"description": "Creation time."})
    last_used_at = UTCDateTimeField(allow_none=True, metadata={"description": "Last use (5-minute resolution)."})
    scopes = ma.fields.List(
        ma.fields.String(),
        allow_none=True,
        metadata={"description": "The scopes the token is limited to (null: not limited)."},
    )


class NewTokenSchema(TokenSchema):
    token = ma.fields.String(metadata={"description": "The secret; shown only in this response."})


class AuditEventSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Event id."})
    actor_member_id = ma.fields.UUID(allow_none=True, metadata={"description": "Who acted (null: the system)."})
    action = ma.fields.String(metadata={"description": "What happened, `noun.verb`."})
    target_type = ma.fields.String(metadata={"description": "Kind of object acted on."})
    target_id = ma.fields.String(allow_none=True, metadata={"description": "Its id."})
    before = ma.fields.Dict(allow_none=True, metadata={"description": "Changed fields before."})
    after = ma.fields.Dict(allow_none=True, metadata={"description": "Changed fields after."})
    request_id = ma.fields.String(allow_none=True, metadata={"description": "Request that caused it."})
    created_at = UTCDateTimeField(metadata={"description": "When."})


class AuditArgsSchema(CursorArgsSchema):
    action = ma.fields.String(
        load_default=None, validate=validate.Length(max=100), metadata={"description": "Only this action."}
    )


class AuditPageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(AuditEventSchema), metadata={"description": "Newest first."})
