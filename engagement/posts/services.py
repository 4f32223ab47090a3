"""The post workflow: ``draft -> pending_approval -> approved -> published``.

A rejected post is edited and submitted again; any open post can be withdrawn. Every step is
checked against the tenant's effective policy at the moment it happens, so a mode switch
applies to work in flight. Containment archives every version, decision and publication;
events go to the outbox in the same transaction.
"""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any, Protocol

from sqlalchemy import select

from app import clock, events, tenancy
from app.auth import Principal
from app.db import db, transaction_cache
from app.errors import Conflict, Forbidden, PolicyViolation, field_error
from engagement.archive import services as archive
from engagement.compliance import services as compliance
from engagement.content import topics
from engagement.events import POST_APPROVED, POST_PUBLISHED, POST_SUBMITTED
from engagement.posts import chain, platforms, sameness
from engagement.posts.models import Post, PostDecision, PostVersion
from engagement.tracking import services as tracking
from engagement.tracking import targets
from tenants import eligibility, members, profiles
from tenants.events import GOVERNANCE_CHANGED
from tenants.models import Member
from tenants.services import current_policy

EDITABLE = ("draft", "rejected", "approved")
WITHDRAWABLE = ("draft", "pending_approval", "approved", "rejected")


# -- content shares (the content library registers itself; see engagement.content) ---------


class ContentSource(Protocol):
    def is_live(self, content_id: uuid.UUID) -> bool: ...

    def caption_matches(self, content_id: uuid.UUID, text: str) -> bool: ...

    def url(self, content_id: uuid.UUID) -> str | None: ...


_content_source: ContentSource | None = None


def set_content_source(source: ContentSource) -> None:
    """Let the content library say which items are live, which texts are its captions, and their URL."""
    global _content_source
    _content_source = source


def _check_content(content_id: uuid.UUID | None) -> None:
    if content_id is not None and (_content_source is None or not _content_source.is_live(content_id)):
        raise field_error("json", "content_id", "Unknown content item.")


def _unchanged_caption(post: Post) -> bool:
    return (
        post.content_id is not None
        and _content_source is not None
        and _content_source.caption_matches(post.content_id, post.text)
    )


# -- helpers -------------------------------------------------------------------------------


def _conflict(post: Post, action: str) -> None:
    raise Conflict(f"A {post.status.replace('_', ' ')} post cannot be {action}.")


def _require_author(post: Post, principal: Principal, action: str) -> None:
    if post.member_id != principal.member_id:
        raise Forbidden(f"Only the author can {action} a post.")


def _require_eligible(member: Member) -> None:
    missing = eligibility.check(member)
    if missing:
        raise PolicyViolation(
            "You cannot post yet: " + " ".join(m.message for m in missing), missing=[m.code for m in missing]
        )


_LIBRARY_ONLY = "Your organisation's policy allows only shares from the content library."


def _platform_refusal(platform: str, policy: dict[str, Any]) -> str | None:
    if platform in policy["allowed_platforms"]:
        return None
    return f"The {policy['mode']} policy allows posting to {', '.join(policy['allowed_platforms'])}, not {platform}."


def _check_platform(platform: str, text: str, policy: dict[str, Any], status: int = 422) -> None:
    message = _platform_refusal(platform, policy)
    if message:
        if status == 409:
            raise Conflict(message)
        raise field_error("json", "platform", message)
    problem = platforms.too_long(platform, text)
    if problem:
        raise field_error("json", "text", problem)


def _archive(kind: str, post: Post, actor: uuid.UUID | None, **extra: Any) -> None:
    archive.record(
        kind,
        "post",
        post.id,
        {"post_id": str(post.id), "author_member_id": str(post.member_id), **extra},
        actor_member_id=actor,
    )


def _add_version(post: Post, editor: uuid.UUID) -> None:
    db.session.add(
        PostVersion(post_id=post.id, version=post.version, text=post.text, findings=post.findings, edited_by=editor)
    )
    _archive(
        "post.version",
        post,
        editor,
        version=post.version,
        platform=post.platform,
        locale=post.locale,
        text=post.text,
        findings=post.findings,
    )


def _findings(post: Post) -> list[dict[str, Any]]:
    """Compliance and sameness findings of the post's text, computed once per transaction for the
    same inputs (a share or an edit is created and submitted in one request)."""
    inputs = (
        "posts.findings",
        tenancy.require(),
        post.member_id,
        post.content_id,
        post.platform,
        post.locale,
        post.text,
    )
    cache = transaction_cache()
    if inputs not in cache:
        cache[inputs] = compliance.check(post.text, platform=post.platform, locale=post.locale) + sameness.findings(
            post
        )
    return copy.deepcopy(cache[inputs])


def _event_payload(post: Post, **extra: Any) -> dict[str, Any]:
    return {
        "post_id": str(post.id),
        "member_id": str(post.member_id),
        "platform": post.platform,
        "content_id": str(post.content_id) if post.content_id else None,
        **extra,
    }


# -- actions -------------------------------------------------------------------------------


def create(data: dict[str, Any], principal: Principal) -> Post:
    """A new draft with its compliance findings."""
    policy = current_policy()
    content_id = data.get("content_id")
    if content_id is None and not policy["own_posts_allowed"]:
        raise PolicyViolation(
            "Your organisation's policy allows only shares from the content library (give a content_id)."
        )
    _check_content(content_id)
    _check_platform(data["platform"], data["text"], policy)
    _check_text_link(content_id, data["text"])
    author = members.get(principal.member_id)
    post = Post(
        member_id=author.id,
        platform=data["platform"],
        locale=data.get("locale") or author.locale,
        content_id=content_id,
        text=data["text"],
        status="draft",
    )
    post.findings = _findings(post)
    db.session.add(post)
    db.session.flush()
    _add_version(post, author.id)
    return post


def edit(post: Post, text: str, principal: Principal) -> Post:
    """Change the text: a new version with fresh findings.

    Drafts and rejected posts stay as they are; an approved, unpublished post goes through
    submission again, so where the policy requires approval it returns to the chain.
    """
    _require_author(post, principal, "edit")
    if post.status not in EDITABLE:
        _conflict(post, "edited")
    policy = current_policy()
    _check_platform(post.platform, text, policy)
    _check_text_link(post.content_id, text)
    if text == post.text:
        return post
    was_approved = post.status == "approved"
    post.text, post.version = text, post.version + 1
    post.findings = _findings(post)
    _add_version(post, principal.member_id)
    if was_approved:
        post.status, post.approved_at, post.approval_route = "draft", None, None
        return submit(post, principal)
    return post


def submit(post: Post, principal: Principal) -> Post:
    """Send a draft or rejected post on its way: approved directly or into the approval chain."""
    _require_author(post, principal, "submit")
    if post.status not in ("draft", "rejected"):
        _conflict(post, "submitted")
    policy = current_policy()
    _require_eligible(members.get(principal.member_id))
    if post.content_id is None and not policy["own_posts_allowed"]:
        raise PolicyViolation(_LIBRARY_ONLY)
    _check_platform(post.platform, post.text, policy, status=409)
    post.findings = _findings(post)  # the rules may have changed since the last edit
    now = clock.now()
    post.round += 1
    post.submitted_at, post.rejected_at = now, None
    blocked = compliance.blocks(post.findings)
    needs_approval = policy["approval_required"] or (policy["approval_on_blocking_findings"] and blocked)
    _archive(
        "post.submitted", post, principal.member_id, version=post.version, round=post.round, findings=post.findings
    )
    events.emit(POST_SUBMITTED, _event_payload(post, round=post.round, needs_approval=needs_approval))
    if needs_approval and _unchanged_caption(post) and not blocked:
        _approve(post, "library", principal.member_id)  # centrally approved content, shared as written
    elif needs_approval:
        _enter_chain(post, chain.levels(), now)
    else:
        _approve(post, "automatic", principal.member_id)
    return post


def _enter_chain(post: Post, levels: list[dict[str, str]], now) -> None:
    post.status, post.levels = "pending_approval", levels
    _await_level(post, 1, now)


def _await_level(post: Post, level: int, now) -> None:
    post.current_level = level
    post.awaiting_role = post.levels[level - 1]["role"]
    post.awaiting_since, post.reminded_at = now, None


def _leave_chain(post: Post) -> None:
    post.current_level = post.awaiting_role = post.awaiting_since = None


_FIRST_URL = re.compile(r"https?://[^\s<>\"')\]]+")


def _candidate_target(content_id: uuid.UUID | None, text: str) -> tuple[str | None, str]:
    """The URL a post's tracking link would lead to, and the field it comes from: the shared
    item's URL (``content_id``), else the first link in the text (``text``)."""
    if content_id is not None and _content_source is not None:
        url = _content_source.url(content_id)
        if url:
            return url, "content_id"
    found = _FIRST_URL.search(text)
    return (found.group(0).rstrip(".,;:!?") if found else None), "text"


def link_target(post: Post) -> str | None:
    """Where the post's tracking link leads; None without a target or when the targets rule
    (:mod:`engagement.tracking.targets`) refuses it."""
    url, _ = _candidate_target(post.content_id, post.text)
    return url if url and targets.allowed(url) else None


def _check_text_link(content_id: uuid.UUID | None, text: str) -> None:
    """422 on ``text`` when its first link would become the tracking target and leads to a host
    the targets rule refuses (localhost, an internal or a bare IP address)."""
    url, source = _candidate_target(content_id, text)
    reason = targets.host_refusal(url) if url and source == "text" else None
    if reason:
        raise field_error("json", "text", f"The first link in the text becomes the post's tracking link: {reason}")


def shown(posts: list[Post]) -> list[Post]:
    """Posts as every response shows them: with ``tracking_url`` (None while no link) and
    ``author`` (``{id, name}``, so approvers see whose post they decide), in two queries."""
    urls = tracking.tracking_urls([p.id for p in posts])
    authors = members.by_id(p.member_id for p in posts)
    for post in posts:
        post.tracking_url = urls.get(post.id)
        author = authors.get(post.member_id)
        post.author = {"id": post.member_id, "name": author.name if author else None}
    return posts


def _approve(post: Post, route: str, actor: uuid.UUID | None) -> None:
    post.status, post.approval_route, post.approved_at = "approved", route, clock.now()
    _leave_chain(post)
    target = link_target(post)
    if target:
        tracking.ensure_link(post.id, target)
    _archive("post.approved", post, actor, version=post.version, round=post.round, route=route)
    events.emit(POST_APPROVED, _event_payload(post, route=route, version=post.version))


def decision_refusal(post: Post, principal: Principal) -> str | None:
    """Why the caller may not decide the post's current level now (None: they may)."""
    if post.status != "pending_approval":
        return "not_pending"
    if post.member_id == principal.member_id:
        return "Nobody decides on their own post."
    level = post.levels[post.current_level - 1]
    if level["role"] not in principal.roles:
        return f"Level {post.current_level} ({level['name']}) is decided by the role {level['role']}."
    earlier = db.session.scalar(
        select(PostDecision.level).where(
            PostDecision.post_id == post.id,
            PostDecision.round == post.round,
            PostDecision.member_id == principal.member_id,
        )
    )
    if earlier is not None:
        return f"Four-eyes principle: you already decided level {earlier} of this post."
    return None


def decide(post: Post, decision: str, comment: str | None, principal: Principal) -> Post:
    """Approve or reject the current level; the last level's approval approves the post."""
    refusal = decision_refusal(post, principal)
    if refusal == "not_pending":
        _conflict(post, "decided")
    if refusal:
        raise Forbidden(refusal)
    if decision == "approve" and compliance.blocks(post.findings) and not comment:
        raise field_error("json", "comment", "Approving a text with blocking findings needs a comment saying why.")
    level_number = post.current_level
    level = post.levels[level_number - 1]
    db.session.add(
        PostDecision(
            post_id=post.id,
            round=post.round,
            level=level_number,
            level_name=level["name"],
            role=level["role"],
            member_id=principal.member_id,
            post_version=post.version,
            decision=decision,
            comment=comment,
        )
    )
    db.session.flush()  # a second decision on the same level fails here (409)
    _archive(
        "post.decision",
        post,
        principal.member_id,
        version=post.version,
        round=post.round,
        level=level_number,
        level_name=level["name"],
        role=level["role"],
        decision=decision,
        comment=comment,
        findings=post.findings,
    )
    if decision == "reject":
        post.status, post.rejected_at = "rejected", clock.now()
        _leave_chain(post)
    elif level_number == len(post.levels):
        _approve(post, "chain", principal.member_id)
    else:
        _await_level(post, level_number + 1, clock.now())
    return post


def _require_policy_allows(post: Post) -> None:
    """403 when the tenant's policy now forbids the post: its platform, or (library shares only)
    an own post. The policy may have changed since the approval (a switch to Containment)."""
    policy = current_policy()
    if post.content_id is None and not policy["own_posts_allowed"]:
        raise PolicyViolation(_LIBRARY_ONLY)
    refusal = _platform_refusal(post.platform, policy)
    if refusal:
        raise PolicyViolation(refusal)


def publish(post: Post, external_url: str, principal: Principal) -> Post:
    """Record that the author published the approved text on the platform, if the current policy
    still allows the post."""
    _require_author(post, principal, "publish")
    if post.status != "approved":
        _conflict(post, "published")
    _require_eligible(members.get(principal.member_id))
    _require_policy_allows(post)
    post.status, post.published_at, post.external_url = "published", clock.now(), external_url
    post.potential_reach = profiles.followers(post.member_id, post.platform)
    _archive(
        "post.published", post, principal.member_id, version=post.version, text=post.text, external_url=external_url
    )
    events.emit(
        POST_PUBLISHED,
        _event_payload(post, version=post.version, external_url=external_url, topics=topics.keys_of(post.content_id)),
    )
    return post


def withdraw(post: Post, principal: Principal) -> Post:
    """The author takes back a post that is not published yet."""
    _require_author(post, principal, "withdraw")
    if post.status not in WITHDRAWABLE:
        _conflict(post, "withdrawn")
    post.status, post.withdrawn_at = "withdrawn", clock.now()
    _leave_chain(post)
    _archive("post.withdrawn", post, principal.member_id, version=post.version)
    return post


def decisions(post: Post) -> list[PostDecision]:
    return list(
        db.session.scalars(
            select(PostDecision).where(PostDecision.post_id == post.id).order_by(PostDecision.round, PostDecision.level)
        )
    )


def versions(post: Post) -> list[PostVersion]:
    return list(
        db.session.scalars(select(PostVersion).where(PostVersion.post_id == post.id).order_by(PostVersion.version))
    )


# -- governance switch ---------------------------------------------------------------------


@events.handler(GOVERNANCE_CHANGED)
def _apply_new_policy(event) -> None:
    """Approved-but-unpublished posts that skipped the chain go through it once it is required.

    Idempotent: a post already back in the chain is no longer ``approved``/``automatic``.
    """
    policy = current_policy()
    if not policy["approval_required"]:
        return
    now = clock.now()
    levels = chain.levels()
    for post in db.session.scalars(select(Post).where(Post.status == "approved", Post.approval_route == "automatic")):
        post.approved_at, post.approval_route = None, None
        post.round += 1
        _enter_chain(post, levels, now)
        _archive(
            "post.requeued",
            post,
            None,
            version=post.version,
            round=post.round,
            reason="governance mode now requires approval",
        )
