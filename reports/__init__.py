"""Reports for program leads: what the program achieved, as JSON and CSV, without showing a person.

Module map: ``periods`` turns the query into days in the tenant's zone; ``people`` says where each
member stands at a moment; ``funnel`` and ``overview`` count it (with the engagement figures
of ``engagement.metrics.stats``); ``suppression`` hides groups too small to stay anonymous;
``csv_output`` and ``labels`` write spreadsheets in the tenant's language; ``routes`` is the API.
"""

from __future__ import annotations

from app.domains import Domain

#: Staff who read program reports (approvers get the governance report once it exists).
REPORT_READERS = frozenset({"owner", "admin", "hr", "program_lead"})


def register(app) -> None:
    from app.api import register_blueprints
    from reports.routes import reports_blp

    register_blueprints(app, reports_blp)


DOMAIN = Domain(
    name="reports",
    register=register,
    scopes={"reports:read": REPORT_READERS},
)
