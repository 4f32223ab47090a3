"""Schemas for the tracking-link report."""

from __future__ import annotations

import marshmallow as ma

from app.schemas import UTCDateTimeField


class ClickDaySchema(ma.Schema):
    day = ma.fields.Date(metadata={"description": "The day, in the tenant's time zone (setting `timezone`)."})
    clicks = ma.fields.Integer(
        metadata={
            "description": "Clicks counted that day (bots, crawlers, link previews and HEAD requests are not counted)."
        }
    )
    unique_clicks = ma.fields.Integer(
        metadata={
            "description": "Distinct visitors that day (a visitor is recognised by a keyed hash that changes daily; no IP address is stored)."
        }
    )


class LinkReportSchema(ma.Schema):
    post_id = ma.fields.UUID(metadata={"description": "The post the link belongs to."})
    code = ma.fields.String(metadata={"description": "The short code in the tracking URL."})
    tracking_url = ma.fields.String(
        metadata={
            "description": "The URL to share: `GET` redirects (302) to the target with UTM parameters and counts the click."
        }
    )
    target_url = ma.fields.String(metadata={"description": "Where the link leads (before UTM parameters are added)."})
    created_at = UTCDateTimeField(metadata={"description": "When the link was created (the post's approval)."})
    clicks = ma.fields.Integer(metadata={"description": "Clicks over all days."})
    unique_clicks = ma.fields.Integer(
        metadata={"description": "Sum of the daily unique clicks (a visitor returning on another day counts again)."}
    )
    days = ma.fields.List(ma.fields.Nested(ClickDaySchema), metadata={"description": "Days with clicks, newest first."})
