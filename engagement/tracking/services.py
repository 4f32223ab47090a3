"""Tracking links: one short code per approved post, the redirect and privacy-preserving counting.

For the posts module: :func:`ensure_link` (idempotent, one link per post) when a post is
approved, and :func:`tracking_urls` for list views. For metrics: :func:`click_totals` and
:func:`tenant_click_totals`. For the redirect: :func:`resolve` (through the per-process
:mod:`engagement.tracking.cache`) and :mod:`engagement.tracking.clicks`, which buffers the clicks
and folds them into the counts in batches.

Counting rules: only ``GET`` requests from something that looks like a person's browser count.
Link-preview bots, crawlers, command-line clients, prefetches and requests without a user agent
are redirected but not counted. A unique click is the first click of a visitor on a link on a
day of the tenant's time zone (setting ``timezone``, :func:`tenants.services.local_date`, the
days leaderboards use too); the visitor is ``HMAC(day key, link | IP | user agent)`` where the day key is derived
from ``SECRET_KEY`` and the day, so no IP address is stored and yesterday's hashes cannot be
linked to today's. A click's visitor hash, the day's aggregate and its ``engagement.link_clicked``
event are written in one transaction (all or nothing), exactly once per click.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
import uuid
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote, unquote_plus, urlencode, urlsplit, urlunsplit

from flask import current_app
from sqlalchemy import delete, func, select

from app import clock, tenancy, transactions
from app.db import db, upsert_insert
from app.errors import NotFound, field_error
from engagement.posts.models import Post
from engagement.tracking import cache, targets
from engagement.tracking.models import (
    CODE_LENGTH,
    TrackingClickBatch,
    TrackingClickDay,
    TrackingLink,
    TrackingVisitor,
)
from tenants.services import local_date, setting

CODE_ALPHABET = string.digits + string.ascii_letters  # base62: URL-safe without escaping
CODE_PATTERN = re.compile(rf"^[0-9A-Za-z]{{{CODE_LENGTH}}}$")
UTM_MEDIUM = "employee_advocacy"
OWN_POST_CAMPAIGN = "own_post"
_UTM_KEYS = frozenset({"utm_source", "utm_medium", "utm_campaign"})

#: User agents that are not a person following the link: link-preview fetchers of social
#: networks and messengers, search engine and SEO crawlers, uptime monitors and HTTP libraries
#: (``curl``, ``wget``, ``python-requests`` ... are scripts and link checkers, not readers).
BOT_USER_AGENT = re.compile(
    r"(?<!cu)bot\b|bot/|crawl|spider|slurp|scrape|preview|facebookexternalhit|facebookcatalog|meta-externalagent"
    r"|linkedinbot|twitterbot|slackbot|slack-imgproxy|whatsapp|telegrambot|discordbot|skypeuripreview"
    r"|googlebot|google-inspectiontool|googleother|adsbot|mediapartners|bingbot|bingpreview|yandex|baiduspider"
    r"|duckduckbot|applebot|petalbot|semrush|ahrefs|mj12bot|embedly|quora link preview|pinterestbot|redditbot"
    r"|vkshare|xing-contenttabreceiver|iframely|outbrain|headlesschrome|phantomjs|lighthouse|pingdom"
    r"|uptimerobot|statuscake|monitor|validator|checker|^curl|^wget|python|^java/|okhttp|go-http-client"
    r"|axios|node-fetch|undici|libwww|httpclient|http_request|^ruby|^php|postman|insomnia|^werkzeug",
    re.IGNORECASE,
)
#: How long the record of a folded click batch is kept (a batch comes back only within minutes).
BATCH_RECORDS_KEPT = timedelta(days=7)
_PREFETCH = re.compile(r"prefetch|prerender|preview", re.IGNORECASE)


# -- links ---------------------------------------------------------------------------------


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _check_target(target_url: str) -> None:
    reason = targets.refusal(target_url)
    if reason:
        raise field_error("json", "target_url", reason)


def _link_of(post_id: uuid.UUID) -> TrackingLink | None:
    return db.session.scalar(select(TrackingLink).where(TrackingLink.post_id == post_id))


def ensure_link(post_id: uuid.UUID, target_url: str) -> TrackingLink:
    """The post's tracking link, created on the first call (idempotent: one link per post).

    A later call with another target (the post now points elsewhere) keeps the code, which may
    already be out in the world, and redirects it to the new target. A post of another tenant
    answers 404; a target :mod:`engagement.tracking.targets` refuses 422.
    """
    _check_target(target_url)
    link = _link_of(post_id)
    if link is not None:
        if link.target_url != target_url:
            link.target_url = target_url
            code = link.code
            transactions.on_commit(lambda: cache.forget(code))  # this process redirects anew at once
        return link
    post = db.session.execute(select(Post.member_id, Post.platform, Post.content_id).where(Post.id == post_id)).first()
    if post is None:
        raise NotFound("Unknown post.")
    for _ in range(5):
        # ON CONFLICT DO NOTHING on every unique key: a concurrent approval may have created the
        # post's link first (then it is returned), or, once in ~10^14, the random code is taken
        # (then another is drawn). No savepoint, no failed transaction.
        statement = upsert_insert(TrackingLink).values(
            id=uuid.uuid4(),
            post_id=post_id,
            member_id=post.member_id,
            platform=post.platform,
            content_id=post.content_id,
            code=_new_code(),
            target_url=target_url,
            created_at=clock.now(),
        )
        db.session.execute(statement.on_conflict_do_nothing())
        link = _link_of(post_id)
        if link is not None:
            return link
    raise RuntimeError("could not draw an unused tracking code")


def tracking_url(code: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/r/{code}"


def tracking_urls(post_ids) -> dict[uuid.UUID, str]:
    """``{post_id: tracking URL}`` for the posts (of the current tenant) that have a link."""
    ids = list(post_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(TrackingLink.post_id, TrackingLink.code).where(TrackingLink.post_id.in_(ids)))
    return {post_id: tracking_url(code) for post_id, code in rows}


def link_for_post(post_id: uuid.UUID) -> TrackingLink:
    """The post's link, or 404 (no link yet, or another tenant's post)."""
    link = _link_of(post_id)
    if link is None:
        raise NotFound("This post has no tracking link (it has not been approved).")
    return link


# -- the redirect --------------------------------------------------------------------------


def resolve(code: str) -> cache.CachedLink | None:
    """The link behind a public code (None when unknown), from this process's cache or one read.

    Leaves the current tenant as it was: the redirect writes nothing. A miss reads the row
    before the tenant is known (the code is the credential that RLS admits it by), and the
    tenant's time zone unless another of its codes brought it in lately.
    """
    if not CODE_PATTERN.match(code or ""):
        return None
    link = cache.get(code)
    if link is None:
        link = _read_link(code)
        if link is not None:
            cache.put(link)
    return link


def _read_link(code: str) -> cache.CachedLink | None:
    with tenancy.by_credential(code):
        row = db.session.scalar(select(TrackingLink).where(TrackingLink.code == code))
    if row is None:
        return None
    zone = cache.zone(row.tenant_id)
    if zone is None:  # the tenant's other codes share one read of its settings per TTL
        with tenancy.scope(row.tenant_id):
            zone = setting("timezone")
    return cache.CachedLink(
        id=row.id,
        tenant_id=row.tenant_id,
        post_id=row.post_id,
        member_id=row.member_id,
        platform=row.platform,
        content_id=row.content_id,
        code=row.code,
        target_url=row.target_url,
        timezone=zone,
    )


def redirect_url(link: TrackingLink | cache.CachedLink) -> str:
    """The target with ``utm_source``, ``utm_medium`` and ``utm_campaign`` set.

    The target's own query is kept byte for byte, except for UTM parameters of the same names,
    which ours replace; the fragment stays at the end.
    """
    parts = urlsplit(link.target_url)
    kept = [pair for pair in parts.query.split("&") if pair and unquote_plus(pair.split("=", 1)[0]) not in _UTM_KEYS]
    utm = urlencode(
        {
            "utm_source": link.platform,
            "utm_medium": UTM_MEDIUM,
            "utm_campaign": str(link.content_id) if link.content_id else OWN_POST_CAMPAIGN,
        },
        quote_via=quote,
    )
    return urlunsplit(parts._replace(query="&".join([*kept, utm])))


def is_countable(method: str, user_agent: str | None, headers: dict[str, str] | None = None) -> bool:
    """Does this request count as a click? Only a GET by what looks like a person's browser."""
    if method != "GET":
        return False  # HEAD (link checkers, unfurlers) and anything else
    agent = (user_agent or "").strip()
    if not agent or BOT_USER_AGENT.search(agent):
        return False
    headers = headers or {}
    purpose = " ".join(headers.get(name, "") for name in ("Purpose", "Sec-Purpose", "X-Purpose", "X-Moz"))
    return not _PREFETCH.search(purpose)


def today() -> date:
    """The current tenant's day now: clicks are counted on days of the tenant's time zone."""
    return local_date(clock.now())


def _day_key(day: date) -> bytes:
    """The day's salt: derived from SECRET_KEY, different every day, never stored."""
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(secret, f"tracking-visitor:{day.isoformat()}".encode(), hashlib.sha256).digest()


def visitor_hash(link_id: uuid.UUID, ip: str | None, user_agent: str | None, day: date) -> str:
    """Keyed hash of (link, IP, user agent) under the day's key: no IP is stored, and the same
    visitor is unlinkable across links and days."""
    message = f"{link_id}\n{ip or ''}\n{user_agent or ''}".encode("utf-8", "surrogatepass")
    return hmac.new(_day_key(day), message, hashlib.sha256).hexdigest()


def record_click(link: TrackingLink, ip: str | None, user_agent: str | None) -> None:
    """Count a click of the current tenant now, in the current transaction, unbuffered (the
    caller decided it counts): what a fold of the buffer does for one click."""
    from engagement.tracking import clicks

    day = today()
    entry = {"l": str(link.id), "d": day.isoformat(), "v": visitor_hash(link.id, ip, user_agent, day)}
    clicks.fold([entry])


def purge_visitors(before: date | None = None) -> int:
    """Delete the current tenant's visitor hashes of days before ``before`` (default: today).

    They only serve the day's unique counting (the records of folded click batches older than
    :data:`BATCH_RECORDS_KEPT` go too); ``flask tracking purge-visitors`` runs this for
    every tenant (cron it daily: each tenant's day ends at its own midnight, so any hour works).
    """
    before = before or today()
    result = db.session.execute(delete(TrackingVisitor).where(TrackingVisitor.day < before))
    db.session.execute(
        delete(TrackingClickBatch).where(TrackingClickBatch.processed_at < clock.now() - BATCH_RECORDS_KEPT)
    )
    return result.rowcount or 0


# -- totals --------------------------------------------------------------------------------


def _zero() -> dict[str, int]:
    return {"clicks": 0, "unique_clicks": 0}


def click_totals(post_ids, since: date | None = None, until: date | None = None) -> dict[uuid.UUID, dict[str, int]]:
    """``{post_id: {"clicks", "unique_clicks"}}`` for every requested post (zeros when none).

    ``since``/``until`` limit the days (the tenant's calendar days, inclusive). Unique clicks add up daily uniques: a
    visitor who comes back on another day counts once per day.
    """
    ids = list(dict.fromkeys(post_ids))
    totals = {post_id: _zero() for post_id in ids}
    if not ids:
        return totals
    statement = (
        select(TrackingLink.post_id, func.sum(TrackingClickDay.clicks), func.sum(TrackingClickDay.unique_clicks))
        .join(
            TrackingClickDay,
            (TrackingClickDay.link_id == TrackingLink.id) & (TrackingClickDay.tenant_id == TrackingLink.tenant_id),
        )
        .where(TrackingLink.post_id.in_(ids))
        .group_by(TrackingLink.post_id)
    )
    statement = _days(statement, since, until)
    for post_id, clicks, unique_clicks in db.session.execute(statement):
        totals[post_id] = {"clicks": int(clicks or 0), "unique_clicks": int(unique_clicks or 0)}
    return totals


def click_totals_by_post():
    """A subquery of the current tenant's tracking clicks per post: ``post_id``, ``clicks``,
    ``unique_clicks`` (for aggregates that join it instead of passing post ids)."""
    return (
        select(
            TrackingLink.post_id.label("post_id"),
            func.sum(TrackingClickDay.clicks).label("clicks"),
            func.sum(TrackingClickDay.unique_clicks).label("unique_clicks"),
        )
        .join(
            TrackingClickDay,
            (TrackingClickDay.link_id == TrackingLink.id) & (TrackingClickDay.tenant_id == TrackingLink.tenant_id),
        )
        .group_by(TrackingLink.post_id)
        .subquery("tracked")
    )


def tenant_click_totals(since: date | None = None, until: date | None = None) -> dict[str, int]:
    """The current tenant's clicks over all its links (for reach and earned media value)."""
    statement = _days(select(func.sum(TrackingClickDay.clicks), func.sum(TrackingClickDay.unique_clicks)), since, until)
    clicks, unique_clicks = db.session.execute(statement).one()
    return {"clicks": int(clicks or 0), "unique_clicks": int(unique_clicks or 0)}


def _days(statement, since: date | None, until: date | None):
    if since is not None:
        statement = statement.where(TrackingClickDay.day >= since)
    if until is not None:
        statement = statement.where(TrackingClickDay.day <= until)
    return statement


def daily(link: TrackingLink) -> list[TrackingClickDay]:
    """The link's days with clicks, newest first."""
    return list(
        db.session.scalars(
            select(TrackingClickDay).where(TrackingClickDay.link_id == link.id).order_by(TrackingClickDay.day.desc())
        )
    )


def report(post_id: uuid.UUID) -> dict[str, Any]:
    """The post's link with its totals and daily counts (staff)."""
    link = link_for_post(post_id)
    days = daily(link)
    return {
        "post_id": link.post_id,
        "code": link.code,
        "tracking_url": tracking_url(link.code),
        "target_url": link.target_url,
        "created_at": link.created_at,
        "clicks": sum(d.clicks for d in days),
        "unique_clicks": sum(d.unique_clicks for d in days),
        "days": [{"day": d.day, "clicks": d.clicks, "unique_clicks": d.unique_clicks} for d in days],
    }
