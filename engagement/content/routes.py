"""HTTP routes of the content library: items, the member's feed, shares and the share report."""

from __future__ import annotations

import uuid

from flask.views import MethodView

from app.api import cross_field_rules, make_blueprint
from app.auth import current_principal, require_scope
from app.pagination import SelectPage
from engagement.content import services
from engagement.content.schemas import (
    CONTENT_RULES,
    ContentCreateSchema,
    ContentListArgsSchema,
    ContentSchema,
    ContentUpdateSchema,
    ShareCreateSchema,
    ShareListArgsSchema,
    ShareSchema,
)
from engagement.posts import services as posts
from engagement.posts.schemas import PostSchema

content_blp = make_blueprint(
    "content",
    __name__,
    "The content library: articles, images, videos and official statements with captions per locale and platform, "
    "the members' feed, sharing through the governance workflow and who shared what.",
)


class ContentPage(SelectPage):
    """Pages of items, each with the caller's caption, `shared_by_me` and (staff) `share_count`."""

    @property
    def items(self):
        return services.views(super().items, current_principal())


class SharePage(SelectPage):
    """Pages of posts sharing an item, as the share report shows them."""

    @property
    def items(self):
        return services.share_views(super().items)


@content_blp.route("/content")
class ContentItems(MethodView):
    @require_scope("content:read")
    @content_blp.arguments(ContentListArgsSchema, location="query")
    @content_blp.response(200, ContentSchema(many=True))
    @content_blp.paginate(ContentPage)
    def get(self, filters):
        """The caller's feed, or (staff) the library.

        Members see the live items targeted to them (no departments or locations: everyone;
        otherwise their department and location must match), pinned statements first, then the
        newest, each with the caption in their locale (else the tenant's default locale, else
        any) and whether they already shared it. Staff see every item of the library, newest
        first, filtered by `kind`, `topic`, `live` or `archived`; `feed=true` shows them their
        own feed instead.
        """
        return services.listing(filters, current_principal())

    @require_scope("content:manage")
    @content_blp.doc(**cross_field_rules(CONTENT_RULES))
    @content_blp.arguments(ContentCreateSchema)
    @content_blp.response(201, ContentSchema)
    def post(self, data):
        """Add an item to the library (staff): captions per locale and platform, topics, targeting, validity window."""
        item = services.create(data, current_principal())
        return services.view(item, current_principal())


@content_blp.route("/content/<uuid:content_id>")
class ContentResource(MethodView):
    @require_scope("content:read")
    @content_blp.response(200, ContentSchema)
    def get(self, content_id: uuid.UUID):
        """One item: staff read every item (deleted ones too), members the items in their feed and those they shared."""
        return services.view(services.get(content_id, current_principal()), current_principal())

    @require_scope("content:manage")
    @content_blp.doc(
        **cross_field_rules(CONTENT_RULES + " The rules apply to the item as it will be after the change.")
    )
    @content_blp.arguments(ContentUpdateSchema)
    @content_blp.response(200, ContentSchema)
    @content_blp.alt_response(409, description="The item has been deleted from the library.")
    def patch(self, changes, content_id: uuid.UUID):
        """Change an item (staff); `captions`, `topics`, `departments` and `locations` replace the lists given."""
        item = services.update(content_id, changes, current_principal())
        return services.view(item, current_principal())

    @require_scope("content:manage")
    @content_blp.response(204)
    def delete(self, content_id: uuid.UUID):
        """Delete an item from the library and the feeds (staff).

        A soft delete: posts that shared it keep their link, and the item stays readable.
        """
        services.delete(content_id, current_principal())


@content_blp.route("/content/<uuid:content_id>/shares")
class ContentShares(MethodView):
    @require_scope("posts:write")
    @content_blp.doc(
        **cross_field_rules(
            "Without `text` the item needs a caption in `locale` (when given); the text must fit the platform's limit and "
            "the platform must be allowed by the tenant's policy."
        )
    )
    @content_blp.arguments(ShareCreateSchema)
    @content_blp.response(201, PostSchema)
    @content_blp.alt_response(403, description="Not yet eligible to post (see `missing`).")
    @content_blp.alt_response(409, description="The platform is not allowed by the tenant's policy.")
    def post(self, data, content_id: uuid.UUID):
        """Share an item from the caller's feed: creates and submits a post.

        Without `text` the post takes the item's caption for the locale and platform. In
        Containment an unchanged caption counts as centrally approved (`approval_route`
        `library`); an edited text goes through the approval chain. In Empowerment the post is
        approved unless a compliance rule blocks it.
        """
        return posts.shown([services.share(content_id, data, current_principal())])[0]

    @require_scope("engagement:report")
    @content_blp.arguments(ShareListArgsSchema, location="query")
    @content_blp.response(200, ShareSchema(many=True))
    @content_blp.paginate(SharePage)
    def get(self, filters, content_id: uuid.UUID):
        """Who shared the item, on which platform, in which status and when (staff), newest first."""
        return services.shares(content_id, filters)
