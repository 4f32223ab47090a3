"""Imports every model so that ``metadata`` is complete (Alembic, tests)."""

import engagement.archive.models  # noqa: E402,F401
import engagement.compliance.models  # noqa: E402,F401
import engagement.content.models  # noqa: E402,F401
import engagement.metrics.models  # noqa: E402,F401
import engagement.posts.models  # noqa: E402,F401
import engagement.tracking.models  # noqa: E402,F401
import gamification.models  # noqa: E402,F401
from app.db import Base
from app.events import EventDelivery, OutboxEvent  # noqa: F401
from app.idempotency import IdempotencyKey  # noqa: F401
from app.jobs import Job  # noqa: F401
from app.notifications import EmailMessage  # noqa: F401
from tenants.audit import AuditEvent  # noqa: F401
from tenants.models import ConsentRecord, Invitation, Member, MemberImport, SocialAccount, Tenant  # noqa: F401
from tenants.tokens import ApiToken  # noqa: F401
from training.models import (  # noqa: F401
    Assignment,
    Attempt,
    Guideline,
    GuidelineAcknowledgement,
    Lesson,
    Module,
    Option,
    Question,
)

metadata = Base.metadata
