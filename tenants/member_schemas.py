"""Schemas for members, invitations, consent, the profile, social accounts and imports."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import validate

from app.auth import ROLES
from app.schemas import StrictBoolean, TrimmedString, UTCDateTimeField, body_integer, http_url
from tenants.models import MEMBER_STATUSES, SOCIAL_PLATFORMS
from tenants.schemas import LOCALES, MemberSchema

_roles = ma.fields.List(
    ma.fields.String(validate=validate.OneOf(ROLES)),
    validate=validate.Length(min=1, max=len(ROLES)),
    metadata={"description": f"Roles, any of {', '.join(ROLES)}."},
)


class MemberCreateSchema(ma.Schema):
    email = ma.fields.Email(
        required=True, validate=validate.Length(max=254), metadata={"description": "Work email; unique in the tenant."}
    )
    name = TrimmedString(
        required=True, validate=validate.Length(min=1, max=200), metadata={"description": "Full name."}
    )
    department = TrimmedString(
        validate=validate.Length(max=100), blank_as_none=True, metadata={"description": "Department, e.g. Vertrieb."}
    )
    location = TrimmedString(
        validate=validate.Length(max=100), blank_as_none=True, metadata={"description": "Location, e.g. Hamburg."}
    )
    locale = ma.fields.String(
        validate=validate.OneOf(LOCALES), metadata={"description": "Language for emails and content (de, en)."}
    )
    title = TrimmedString(validate=validate.Length(max=200), blank_as_none=True, metadata={"description": "Job title."})
    roles = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(ROLES)),
        validate=validate.Length(min=1, max=len(ROLES)),
        load_default=lambda: ["influencer"],
        metadata={"description": "Roles (default influencer); other roles only by owner/admin."},
    )


class MemberUpdateSchema(ma.Schema):
    name = TrimmedString(validate=validate.Length(min=1, max=200), metadata={"description": "Full name."})
    department = TrimmedString(
        validate=validate.Length(max=100), blank_as_none=True, metadata={"description": "Department."}
    )
    location = TrimmedString(
        validate=validate.Length(max=100), blank_as_none=True, metadata={"description": "Location."}
    )
    locale = ma.fields.String(validate=validate.OneOf(LOCALES), metadata={"description": "Language."})
    title = TrimmedString(validate=validate.Length(max=200), blank_as_none=True, metadata={"description": "Job title."})
    roles = _roles


class PauseSchema(ma.Schema):
    note = TrimmedString(
        data_key="reason",
        validate=validate.Length(max=500),
        blank_as_none=True,
        metadata={"description": "Why the member is paused; shown on the member as `pause_note`."},
    )


class MemberListArgsSchema(ma.Schema):
    status = ma.fields.String(
        validate=validate.OneOf(MEMBER_STATUSES), metadata={"description": "Only members in this status."}
    )
    role = ma.fields.String(validate=validate.OneOf(ROLES), metadata={"description": "Only members holding this role."})
    department = ma.fields.String(validate=validate.Length(max=100), metadata={"description": "Only this department."})
    q = ma.fields.String(
        validate=validate.Length(min=1, max=100), metadata={"description": "Search in name and email."}
    )


class InvitationSecretSchema(ma.Schema):
    token = ma.fields.String(metadata={"description": "The invitation secret (shown once; also emailed)."})
    expires_at = UTCDateTimeField(metadata={"description": "When the invitation expires."})


class InvitedMemberSchema(MemberSchema):
    invitation = ma.fields.Nested(
        InvitationSecretSchema, metadata={"description": "Only in the response that creates it."}
    )


class InvitationResultSchema(ma.Schema):
    invitation = ma.fields.Nested(InvitationSecretSchema, metadata={"description": "The new invitation."})


class AcceptConsentSchema(ma.Schema):
    participation = StrictBoolean(
        required=True,
        validate=validate.Equal(True, error="Participation is voluntary, and joining needs your consent (true)."),
        metadata={"description": "I take part in the program; must be true to join."},
    )
    leaderboard_visible = StrictBoolean(load_default=False, metadata={"description": "Show my name on leaderboards."})


class AcceptInvitationSchema(ma.Schema):
    token = ma.fields.String(
        required=True, validate=validate.Length(min=10, max=200), metadata={"description": "The invitation secret."}
    )
    consent = ma.fields.Nested(
        AcceptConsentSchema, required=True, metadata={"description": "The member's own consent."}
    )


class AcceptResultSchema(ma.Schema):
    member = ma.fields.Nested(MemberSchema, metadata={"description": "The now active member."})
    token = ma.fields.String(metadata={"description": "An API token for the member (shown once)."})


class ConsentUpdateSchema(ma.Schema):
    participation = StrictBoolean(metadata={"description": "Take part (false pauses you: no posting, no ranking)."})
    leaderboard_visible = StrictBoolean(metadata={"description": "Appear by name on leaderboards."})


class ConsentRecordSchema(ma.Schema):
    participation = ma.fields.Boolean(metadata={"description": "Participation at that time."})
    leaderboard_visible = ma.fields.Boolean(metadata={"description": "Leaderboard visibility at that time."})
    source = ma.fields.String(metadata={"description": "invitation, self or signup."})
    created_at = UTCDateTimeField(metadata={"description": "When it changed."})


class ProfileSchema(ma.Schema):
    headline = TrimmedString(
        validate=validate.Length(max=220),
        blank_as_none=True,
        metadata={"description": "One-line professional headline."},
    )
    bio = TrimmedString(
        validate=validate.Length(max=2000), blank_as_none=True, metadata={"description": "Short biography."}
    )
    photo_url = http_url("Profile photo URL (http or https).")


class CompletenessSchema(ma.Schema):
    percent = ma.fields.Integer(metadata={"description": "Share of the profile filled in."})
    complete = ma.fields.Boolean(metadata={"description": "Headline, bio, photo and a social account are all there."})
    missing = ma.fields.List(ma.fields.String(), metadata={"description": "What is still missing."})


class MeSchema(MemberSchema):
    profile = ma.fields.Nested(ProfileSchema, metadata={"description": "Personal-brand profile."})
    profile_completeness = ma.fields.Nested(
        CompletenessSchema, metadata={"description": "How complete the profile is."}
    )
    participation = ma.fields.Boolean(metadata={"description": "Current participation consent."})
    potential_reach = ma.fields.Integer(metadata={"description": "Followers across the member's social accounts."})


class MeUpdateSchema(ma.Schema):
    name = TrimmedString(validate=validate.Length(min=1, max=200), metadata={"description": "Display name."})
    locale = ma.fields.String(validate=validate.OneOf(LOCALES), metadata={"description": "Language."})
    profile = ma.fields.Nested(ProfileSchema, metadata={"description": "Profile fields to change."})


class SocialAccountCreateSchema(ma.Schema):
    platform = ma.fields.String(
        required=True, validate=validate.OneOf(SOCIAL_PLATFORMS), metadata={"description": "The network."}
    )
    handle = TrimmedString(
        required=True, validate=validate.Length(min=1, max=100), metadata={"description": "Handle or profile name."}
    )
    url = http_url("Profile URL (http or https).")
    followers = body_integer(
        load_default=0,
        validate=validate.Range(min=0, max=1_000_000_000),
        metadata={"description": "Followers or connections."},
    )


class SocialAccountUpdateSchema(ma.Schema):
    handle = TrimmedString(validate=validate.Length(min=1, max=100), metadata={"description": "Handle."})
    url = http_url("Profile URL (http or https).")
    followers = body_integer(validate=validate.Range(min=0, max=1_000_000_000), metadata={"description": "Followers."})


class SocialAccountSchema(SocialAccountCreateSchema):
    id = ma.fields.UUID(metadata={"description": "Account id."})
    created_at = UTCDateTimeField(metadata={"description": "Added at."})
    updated_at = UTCDateTimeField(metadata={"description": "Last change."})


class MissingSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "Machine-readable requirement."})
    message = ma.fields.String(metadata={"description": "What to do about it."})


class EligibilitySchema(ma.Schema):
    can_post = ma.fields.Boolean(metadata={"description": "Nothing blocks posting."})
    missing = ma.fields.List(ma.fields.String(), metadata={"description": "Codes of what still blocks posting."})
    details = ma.fields.List(ma.fields.Nested(MissingSchema), metadata={"description": "The same with explanations."})


class ImportUploadSchema(ma.Schema):
    file = Upload(
        required=True, metadata={"description": "CSV with header email,name,department,location,locale,title,roles."}
    )


class JobRefSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Job id; poll GET /jobs/{id}."})
    status = ma.fields.String(metadata={"description": "queued, started, finished or failed."})


class ImportAcceptedSchema(ma.Schema):
    job = ma.fields.Nested(JobRefSchema, metadata={"description": "The import job."})


class ExportSchema(ma.Schema):
    """The export: the fields below, plus one key per later domain (``data_rights.EXPORTERS``)."""

    class Meta:
        unknown = ma.INCLUDE

    exported_at = UTCDateTimeField(metadata={"description": "When the export was made."})
    member = ma.fields.Dict(metadata={"description": "Profile and membership data."})
    organization = ma.fields.Dict(metadata={"description": "The organisation."})
    social_accounts = ma.fields.List(ma.fields.Dict(), metadata={"description": "Social accounts."})
    consent_history = ma.fields.List(ma.fields.Dict(), metadata={"description": "Every consent change."})
    api_tokens = ma.fields.List(ma.fields.Dict(), metadata={"description": "Live tokens (no secrets)."})
    actions = ma.fields.List(ma.fields.Dict(), metadata={"description": "Actions the member took (audit log)."})

    @ma.post_dump(pass_original=True)
    def _add_domain_parts(self, data, original, **kwargs):
        from tenants.data_rights import EXPORTERS

        data.update({name: original[name] for name in EXPORTERS if name in original})
        return data
