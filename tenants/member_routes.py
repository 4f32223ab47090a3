"""HTTP routes for members, invitations, imports and the caller's profile, consent and data."""

from __future__ import annotations

import uuid

from flask import request
from flask.views import MethodView
from sqlalchemy import select

from app import auth, ratelimit, tenancy
from app.api import make_blueprint
from app.auth import body_limit, current_principal, public, require_scope
from app.db import db
from app.errors import NotFound
from app.pagination import SelectPage
from tenants import consent, data_rights, eligibility, imports, invitations, members, profiles
from tenants.invitation_schemas import InvitationListArgsSchema, InvitationSchema
from tenants.member_schemas import (
    AcceptInvitationSchema,
    AcceptResultSchema,
    ConsentRecordSchema,
    ConsentUpdateSchema,
    EligibilitySchema,
    ExportSchema,
    ImportAcceptedSchema,
    ImportUploadSchema,
    InvitationResultSchema,
    InvitedMemberSchema,
    MemberCreateSchema,
    MemberListArgsSchema,
    MemberUpdateSchema,
    MeSchema,
    MeUpdateSchema,
    PauseSchema,
    SocialAccountCreateSchema,
    SocialAccountSchema,
    SocialAccountUpdateSchema,
)
from tenants.models import Invitation, Member
from tenants.schemas import MemberSchema
from tenants.services import current_tenant

members_blp = make_blueprint("members", __name__, "Enrolment: invite, import, manage and offboard members.")
invitations_blp = make_blueprint("invitations", __name__, "Accepting an invitation with consent.")
profile_blp = make_blueprint("profile", __name__, "The caller's profile, consent, social accounts and data.")


@members_blp.route("/members")
class Members(MethodView):
    @require_scope("members:read")
    @members_blp.arguments(MemberListArgsSchema, location="query")
    @members_blp.response(200, MemberSchema(many=True))
    @members_blp.paginate(SelectPage)
    def get(self, filters):
        """Members, filtered by status, role, department and a search text (staff)."""
        return members.list_query(filters)

    @require_scope("members:write")
    @members_blp.arguments(MemberCreateSchema)
    @members_blp.response(201, InvitedMemberSchema)
    @members_blp.alt_response(402, description="The seat limit is reached.")
    @members_blp.alt_response(409, description="A member with this email exists.")
    def post(self, data):
        """Invite an employee (owner, admin, hr): the member is `invited` and gets an email.

        The invitation secret is in this response only (and in the email).
        """
        member, secret, invitation = members.invite(data, current_principal())
        return _with_invitation(member, secret, invitation)


#: The attributes MemberSchema reads (a schema instance costs a deep copy of its fields).
_MEMBER_FIELDS = tuple(MemberSchema().fields)


def _raw(member: Member) -> dict:
    """The member's attributes as MemberSchema reads them (dumped once, by the response)."""
    return {name: getattr(member, name) for name in _MEMBER_FIELDS}


def _with_invitation(member: Member, secret: str, invitation) -> dict:
    return {**_raw(member), "invitation": {"token": secret, "expires_at": invitation.expires_at}}


@members_blp.route("/members/<uuid:member_id>")
class MemberResource(MethodView):
    @require_scope("members:read")
    @members_blp.response(200, MemberSchema)
    def get(self, member_id: uuid.UUID):
        """One member (staff)."""
        return members.get(member_id)

    @require_scope("members:read")
    @members_blp.arguments(MemberUpdateSchema)
    @members_blp.response(200, MemberSchema)
    @members_blp.alt_response(409, description="The member is offboarded, or this would remove the last owner.")
    def patch(self, changes, member_id: uuid.UUID):
        """Change a member (staff); roles only by owners and admins; the last owner stays."""
        return members.update(members.get(member_id), changes, current_principal())


def _lifecycle_route(path: str, action, summary: str, scope: str = "members:write", body=None):
    """A POST acting on one member; ``body``, if given, is an optional JSON body passed as keywords."""
    optional_body = members_blp.arguments(body, required=False) if body is not None else (lambda view: view)

    class Action(MethodView):
        @require_scope(scope)
        @optional_body
        @members_blp.response(200, MemberSchema)
        @members_blp.alt_response(402, description="Reactivating would exceed the seat limit.")
        @members_blp.alt_response(409, description="The member's status does not allow this (or it is the last owner).")
        def post(self, *data, member_id: uuid.UUID):
            return action(members.get(member_id), **(data[0] if data else {}))

    Action.post.__doc__ = summary
    Action.__name__ = f"Member{action.__name__.title().replace('_', '')}"
    members_blp.route(path)(Action)
    return Action


_lifecycle_route(
    "/members/<uuid:member_id>/offboard", members.offboard, "Offboard a member: tokens revoked, history kept."
)
_lifecycle_route(
    "/members/<uuid:member_id>/pause",
    members.pause,
    "Pause an active member (no posting, no ranking); an optional `reason` is kept as `pause_note`.",
    body=PauseSchema,
)
_lifecycle_route(
    "/members/<uuid:member_id>/reactivate", members.reactivate, "Reactivate a paused member whose consent stands."
)
_lifecycle_route(
    "/members/<uuid:member_id>/erase",
    data_rights.erase,
    "Erase a member's personal data, keeping a pseudonym (owner, admin).",
    "members:erase",
)


@members_blp.route("/members/<uuid:member_id>/export")
class MemberExport(MethodView):
    @require_scope("members:export")
    @members_blp.response(200, ExportSchema)
    def get(self, member_id: uuid.UUID):
        """All personal data the service holds about a member, also an offboarded one (owner, admin, hr).

        For answering a data subject's request (GDPR art. 15 and 20) on their behalf; audited as
        `member.exported` with the caller as actor.
        """
        return data_rights.export(members.get(member_id))


@members_blp.route("/members/<uuid:member_id>/invitations")
class MemberInvitations(MethodView):
    @require_scope("members:write")
    @members_blp.response(201, InvitationResultSchema)
    @members_blp.alt_response(409, description="The member is not in status invited.")
    def post(self, member_id: uuid.UUID):
        """Send a new invitation to an invited member; earlier ones stop working."""
        invitation, secret = invitations.resend(members.get(member_id), current_tenant())
        return {"invitation": {"token": secret, "expires_at": invitation.expires_at}}


@members_blp.route("/members/imports")
class MemberImports(MethodView):
    @require_scope("members:write")
    @body_limit("IMPORT_MAX_CONTENT_LENGTH")
    @members_blp.arguments(ImportUploadSchema, location="files")
    @members_blp.doc(
        requestBody={"content": {"multipart/form-data": {"encoding": {"file": {"contentType": "text/csv"}}}}}
    )
    @members_blp.response(202, ImportAcceptedSchema)
    def post(self, files):
        """Import members from CSV in the background; poll the job for progress and per-row errors.

        UTF-8 (with or without BOM), `,` or `;` separated, header names in any case, up to 50,000
        rows. Idempotent by email: a second import updates members instead of duplicating them.
        """
        upload = files["file"]
        job = imports.submit(upload.filename or "members.csv", upload.read(), current_principal())
        return {"job": job}


def _invitation_tenant() -> uuid.UUID | None:
    """The tenant of the invitation whose token the request carries (None if there is none)."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # absurdly nested: the body parser answers it
        return None
    secret = body.get("token") if isinstance(body, dict) else None
    if not isinstance(secret, str) or not secret:
        return None
    try:
        token_hash = auth.hash_secret(secret)
    except UnicodeEncodeError:  # a lone surrogate: the body parser answers it
        return None
    with tenancy.by_credential(token_hash):
        return db.session.scalar(select(Invitation.tenant_id).where(Invitation.token_hash == token_hash))


@invitations_blp.route("/invitations/accept")
class AcceptInvitation(MethodView):
    @ratelimit.per_client("RATELIMIT_INVITATION_ACCEPT", "invitation accepts")
    @ratelimit.per_tenant("RATELIMIT_INVITATION_ACCEPT_TENANT", "invitation accepts", _invitation_tenant)
    @public
    @invitations_blp.doc(security=[])
    @invitations_blp.arguments(AcceptInvitationSchema)
    @invitations_blp.response(200, AcceptResultSchema)
    @invitations_blp.alt_response(404, description="No invitation has this token.")
    @invitations_blp.alt_response(410, description="The invitation was used, replaced or has expired.")
    @invitations_blp.alt_response(
        429,
        description="Too many accepts from this client or for this organization (`Retry-After` says when to retry).",
    )
    def post(self, data):
        """Accept an invitation with your own consent; you become active and get a token."""
        member, token = invitations.accept(data["token"], data["consent"].get("leaderboard_visible", False))
        return {"member": member, "token": token}


@invitations_blp.route("/invitations")
class Invitations(MethodView):
    @require_scope("members:write")
    @invitations_blp.arguments(InvitationListArgsSchema, location="query")
    @invitations_blp.response(200, InvitationSchema(many=True))
    @invitations_blp.paginate(SelectPage)
    def get(self, filters):
        """Invitations with the delivery of their emails, newest first (owner, admin, hr).

        `?delivery=failed` lists the undeliverable ones (e.g. an internationalised address the
        mail server cannot take), with the last error; resend after correcting the address.
        """
        return invitations.list_query(filters)


@invitations_blp.route("/invitations/<uuid:invitation_id>")
class InvitationResource(MethodView):
    @require_scope("members:write")
    @invitations_blp.response(200, InvitationSchema)
    @invitations_blp.alt_response(404, description="No such invitation in this organization.")
    def get(self, invitation_id: uuid.UUID):
        """One invitation with its state and the delivery status and last error of its email (owner, admin, hr)."""
        return invitations.get(invitation_id)


def _me() -> Member:
    member = db.session.get(Member, current_principal().member_id)
    if member is None:
        raise NotFound()
    return member


def me_view(member: Member) -> dict:
    accounts = profiles.accounts(member.id)
    return {
        **_raw(member),
        "profile": {"headline": member.headline, "bio": member.bio, "photo_url": member.photo_url},
        "profile_completeness": profiles.completeness(member, accounts),
        "participation": member.participation_consent_at is not None,
        "potential_reach": profiles.potential_reach(accounts),
    }


@profile_blp.route("/me")
class Me(MethodView):
    @require_scope("self")
    @profile_blp.response(200, MeSchema)
    def get(self):
        """The caller with profile, completeness, consent and potential reach."""
        return me_view(_me())

    @require_scope("self")
    @profile_blp.arguments(MeUpdateSchema, required=False)
    @profile_blp.response(200, MeSchema)
    def patch(self, changes):
        """Change your name, locale and personal-brand profile."""
        return me_view(profiles.update_me(_me(), changes))


@profile_blp.route("/me/consent")
class MeConsent(MethodView):
    @require_scope("self")
    @profile_blp.response(200, ConsentRecordSchema(many=True))
    def get(self):
        """The caller's consent history, oldest first."""
        return consent.history(current_principal().member_id)

    @require_scope("self")
    @profile_blp.arguments(ConsentUpdateSchema, required=False)
    @profile_blp.response(200, MeSchema)
    @profile_blp.alt_response(402, description="Rejoining would exceed the seat limit.")
    @profile_blp.alt_response(409, description="Offboarded members cannot change consent.")
    def put(self, data):
        """Change your consent; withdrawing participation pauses you (no posting, no ranking)."""
        member = consent.update_own(_me(), data.get("participation"), data.get("leaderboard_visible"))
        return me_view(member)


@profile_blp.route("/me/social-accounts")
class MySocialAccounts(MethodView):
    @require_scope("self")
    @profile_blp.response(200, SocialAccountSchema(many=True))
    def get(self):
        """The caller's social accounts."""
        return profiles.accounts(current_principal().member_id)

    @require_scope("self")
    @profile_blp.arguments(SocialAccountCreateSchema)
    @profile_blp.response(201, SocialAccountSchema)
    @profile_blp.alt_response(409, description="You already have an account on this platform.")
    def post(self, data):
        """Add a social account (one per platform) with its follower count."""
        return profiles.add_account(_me(), data)


@profile_blp.route("/me/social-accounts/<uuid:account_id>")
class MySocialAccount(MethodView):
    @require_scope("self")
    @profile_blp.arguments(SocialAccountUpdateSchema)
    @profile_blp.response(200, SocialAccountSchema)
    def patch(self, changes, account_id: uuid.UUID):
        """Update a social account (handle, URL, followers)."""
        return profiles.update_account(profiles.get_account(current_principal().member_id, account_id), changes)

    @require_scope("self")
    @profile_blp.response(204)
    def delete(self, account_id: uuid.UUID):
        """Remove a social account."""
        profiles.remove_account(profiles.get_account(current_principal().member_id, account_id))


@profile_blp.route("/me/eligibility")
class MyEligibility(MethodView):
    @require_scope("self")
    @profile_blp.response(200, EligibilitySchema)
    def get(self):
        """What still blocks the caller from posting (consent, status, later training)."""
        return eligibility.view(_me())


@profile_blp.route("/me/export")
class MyExport(MethodView):
    @require_scope("self")
    @profile_blp.response(200, ExportSchema)
    def get(self):
        """All personal data the service holds about the caller (GDPR art. 15 and 20)."""
        return data_rights.export(_me())
