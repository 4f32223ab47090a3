"""HTTP routes for posts, approval decisions, publications and the approval chain."""

from __future__ import annotations

import uuid

from flask.views import MethodView

from app.api import cross_field_rules, make_blueprint
from app.auth import current_principal, require_scope
from app.pagination import SelectPage
from engagement.posts import chain, queries, services
from engagement.posts.schemas import (
    ApprovalChainSchema,
    ApprovalChainViewSchema,
    DecisionCreateSchema,
    DecisionSchema,
    PostCreateSchema,
    PostListArgsSchema,
    PostSchema,
    PostUpdateSchema,
    PublicationSchema,
    VersionSchema,
)

posts_blp = make_blueprint(
    "posts", __name__, "Posts from draft to publication under the tenant's governance policy, with the approval chain."
)

_NOT_ELIGIBLE = "The caller may not do this: not the author, a role the level does not name, four-eyes, or (with `missing`) not yet eligible to post."
_TEXT_RULES = cross_field_rules(
    "`text` must fit the platform's limit; the platform must be allowed by the tenant's policy; a `content_id` must name a live content library item."
)


def _locked(post_id: uuid.UUID, **kwargs):
    return queries.get(post_id, current_principal(), for_update=True, **kwargs)


def _shown(post):
    """The post with its tracking URL and author, as every post response shows it."""
    return services.shown([post])[0]


class PostPage(SelectPage):
    @property
    def items(self):
        return services.shown(super().items)


@posts_blp.route("/posts")
class Posts(MethodView):
    @require_scope("posts:write")
    @posts_blp.doc(**_TEXT_RULES)
    @posts_blp.arguments(PostCreateSchema)
    @posts_blp.response(201, PostSchema)
    @posts_blp.alt_response(
        403, description="The policy allows only shares from the content library (no `content_id` given)."
    )
    def post(self, data):
        """Write a draft; the response carries the compliance findings on its text."""
        return _shown(services.create(data, current_principal()))

    @require_scope("self")
    @posts_blp.arguments(PostListArgsSchema, location="query")
    @posts_blp.response(200, PostSchema(many=True))
    @posts_blp.paginate(PostPage)
    def get(self, filters):
        """Posts the caller may see, newest first: staff see all, others their own and their approval queue.

        `queue=true` keeps only posts waiting for a decision the caller may take now
        (their role names the post's current level, not their own post, not a second level).
        """
        return queries.list_query(current_principal(), filters)


@posts_blp.route("/posts/<uuid:post_id>")
class PostResource(MethodView):
    @require_scope("self")
    @posts_blp.response(200, PostSchema)
    def get(self, post_id: uuid.UUID):
        """One post with its findings and approval state."""
        return _shown(queries.get(post_id, current_principal()))

    @require_scope("posts:write")
    @posts_blp.doc(**_TEXT_RULES)
    @posts_blp.arguments(PostUpdateSchema)
    @posts_blp.response(200, PostSchema)
    @posts_blp.alt_response(
        403, description="Only the author edits; an approved post sent back to approval also needs eligibility."
    )
    @posts_blp.alt_response(409, description="Pending, published or withdrawn posts cannot be edited.")
    def patch(self, data, post_id: uuid.UUID):
        """Change the text (the author, while draft, rejected or approved): a new version with fresh findings.

        Editing an approved, unpublished post submits it again, so where approval is required it
        goes back to the first level of the chain.
        """
        return _shown(services.edit(_locked(post_id), data["text"], current_principal()))


@posts_blp.route("/posts/<uuid:post_id>/submit")
class Submit(MethodView):
    @require_scope("posts:write")
    @posts_blp.response(200, PostSchema)
    @posts_blp.alt_response(403, description=_NOT_ELIGIBLE)
    @posts_blp.alt_response(
        409, description="Only drafts and rejected posts are submitted, to a platform the policy still allows."
    )
    def post(self, post_id: uuid.UUID):
        """Submit a draft or rejected post.

        Empowerment: `approved` unless a finding blocks (then `pending_approval`). Containment:
        `pending_approval` at level 1 of the approval chain. Not eligible to post: 403 with
        the `missing` list.
        """
        return _shown(services.submit(_locked(post_id), current_principal()))


@posts_blp.route("/posts/<uuid:post_id>/decisions")
class Decisions(MethodView):
    @require_scope("posts:decide")
    @posts_blp.doc(**cross_field_rules("Approving a text with blocking findings needs a `comment`."))
    @posts_blp.arguments(DecisionCreateSchema)
    @posts_blp.response(200, PostSchema)
    @posts_blp.alt_response(403, description=_NOT_ELIGIBLE)
    @posts_blp.alt_response(409, description="The post is not waiting for approval, or the level was just decided.")
    def post(self, data, post_id: uuid.UUID):
        """Approve or reject the post's current level (a member holding that level's role).

        The last level's approval makes the post `approved`; a rejection makes it `rejected`.
        Nobody decides their own post or two levels of the same post.
        """
        return _shown(
            services.decide(
                _locked(post_id, to_decide=True), data["decision"], data.get("comment"), current_principal()
            )
        )

    @require_scope("self")
    @posts_blp.response(200, DecisionSchema(many=True))
    def get(self, post_id: uuid.UUID):
        """Every decision on the post, by round and level: who, when, with which comment."""
        return services.decisions(queries.get(post_id, current_principal()))


@posts_blp.route("/posts/<uuid:post_id>/versions")
class Versions(MethodView):
    @require_scope("self")
    @posts_blp.response(200, VersionSchema(many=True))
    def get(self, post_id: uuid.UUID):
        """Every text the post has had and who wrote it."""
        return services.versions(queries.get(post_id, current_principal()))


@posts_blp.route("/posts/<uuid:post_id>/publications")
class Publications(MethodView):
    @require_scope("posts:write")
    @posts_blp.arguments(PublicationSchema)
    @posts_blp.response(201, PostSchema)
    @posts_blp.alt_response(
        403,
        description=_NOT_ELIGIBLE[:-1]
        + ", or the tenant's current policy no longer allows the post (its platform, or own posts at all).",
    )
    @posts_blp.alt_response(409, description="Only approved posts are published.")
    def post(self, data, post_id: uuid.UUID):
        """Record the publication of an approved post (the author): status `published`.

        The governance policy is checked again as it is now: after a switch to Containment an
        approved post for a platform it does not allow answers 403.
        """
        return _shown(services.publish(_locked(post_id), data["external_url"], current_principal())), 201


@posts_blp.route("/posts/<uuid:post_id>/withdraw")
class Withdraw(MethodView):
    @require_scope("posts:write")
    @posts_blp.response(200, PostSchema)
    @posts_blp.alt_response(403, description="Only the author withdraws a post.")
    @posts_blp.alt_response(409, description="Published and withdrawn posts cannot be withdrawn.")
    def post(self, post_id: uuid.UUID):
        """Take back a post that is not published (the author); it stays in the history."""
        return _shown(services.withdraw(_locked(post_id), current_principal()))


@posts_blp.route("/governance/approval-chain")
class ApprovalChain(MethodView):
    @require_scope("tenant:read")
    @posts_blp.response(200, ApprovalChainViewSchema)
    def get(self):
        """The approval chain: ordered levels, each decided by a role."""
        return chain.view()

    @require_scope("governance:manage")
    @posts_blp.arguments(ApprovalChainSchema)
    @posts_blp.response(200, ApprovalChainViewSchema)
    def put(self, data):
        """Replace the approval chain (owner, admin); at least one level. Submitted posts keep their chain."""
        return chain.replace(data["levels"], current_principal())
