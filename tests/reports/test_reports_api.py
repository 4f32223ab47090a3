"""Reports through the API as a program lead uses them: two tenants, a pinned clock."""

from __future__ import annotations

import csv
import io

import pytest

from app import tenancy, transactions
from app.db import db
from tenants.models import Member
from tests.clock_support import pinned
from tests.factories import add_member

TEXT = "Heute auf dem Sommerfest unseres Teams in Hamburg: danke an alle, die dabei waren! #Mitarbeiter"


@pytest.fixture(autouse=True)
def _pinned():
    with pinned():  # Wednesday 18 November 2026: the month is November, the previous October
        yield


def _member(app, tenant, *roles, department=None):
    member_id, token = add_member(app, tenant.tenant_id, *roles)
    if department is not None:
        _set_department(app, tenant, member_id, department)
    return member_id, tenant.api.as_(token)


def _set_department(app, tenant, member_id, department):
    with app.app_context(), tenancy.scope(tenant.tenant_id):
        db.session.get(Member, member_id).department = department
        transactions.commit()


def _publish(author) -> str:
    draft = author.post("/posts", json={"platform": "linkedin", "text": TEXT})
    assert draft.status_code == 201, draft.get_json()
    post_id = draft.get_json()["id"]
    assert author.post(f"/posts/{post_id}/submit").get_json()["status"] == "approved"
    published = author.post(f"/posts/{post_id}/publications", json={"external_url": "https://www.linkedin.com/feed/1"})
    assert published.status_code == 201, published.get_json()
    return post_id


def _departments(app, tenant, sizes: dict[str, int]):
    for department, size in sizes.items():
        for _ in range(size):
            _member(app, tenant, "influencer", department=department)


def _step(steps, key):
    return next(step for step in steps if step["key"] == key)


def test_the_funnel_hides_small_departments_and_one_more_where_the_total_would_reveal_it(app, world):
    a = world.a
    _departments(app, a, {"Pflege": 6, "IT": 5, "Vertrieb": 2})
    _set_department(app, a, a.owner_id, "Pflege")  # groups: Pflege 7, IT 5, Vertrieb 2
    invited = a.api.post("/members", json={"email": "neu@example.com", "name": "Neu", "department": "Pflege"})
    assert invited.status_code == 201, invited.get_json()

    body = a.api.get("/reports/funnel?group_by=department").get_json()
    assert body["period"] == {"from": "2026-11-01", "to": "2026-11-30"}
    assert _step(body["steps"], "invited")["count"] == 15
    accepted = _step(body["steps"], "accepted")
    assert accepted["count"] == 14 and accepted["rate"] == round(14 / 15, 4)
    # Vertrieb (2) is too small; hiding it alone would let total - Pflege - IT reveal it, so IT goes too.
    assert [group["key"] for group in body["groups"]] == ["Pflege"]
    assert body["suppressed"] == {"groups": 2, "min_group_size": 5}
    pflege = body["groups"][0]
    assert pflege["members"] == 8 and _step(pflege["steps"], "accepted")["count"] == 7
    derived = _step(body["steps"], "invited")["count"] - pflege["members"]
    assert derived == 7 and derived not in (5, 2)  # the sum of two groups, neither one alone

    # Tenant B sees only its own owner.
    other = world.b.api.get("/reports/funnel?group_by=department").get_json()
    assert _step(other["steps"], "invited")["count"] == 1 and other["groups"] == []
    assert other["suppressed"]["groups"] == 1


def test_a_tenant_may_raise_the_minimum_group_size(app, world):
    a = world.a
    _departments(app, a, {"Pflege": 6, "IT": 6})
    _set_department(app, a, a.owner_id, "Pflege")
    assert [g["key"] for g in a.api.get("/reports/funnel?group_by=department").get_json()["groups"]] == ["IT", "Pflege"]
    assert a.api.patch("/tenant", json={"settings": {"min_group_size": 7}}).status_code == 200
    body = a.api.get("/reports/funnel?group_by=department").get_json()
    assert body["groups"] == [] and body["suppressed"] == {"groups": 2, "min_group_size": 7}  # IT 6, Pflege 7


def test_the_overview_compares_the_month_with_the_one_before(app, world):
    b = world.b
    _, author = _member(app, b, "influencer")
    _publish(author)
    _publish(author)
    body = b.api.get("/reports/overview?period=month&date=2026-11-05").get_json()
    assert body["period"] == {"from": "2026-11-01", "to": "2026-11-30"}
    assert body["previous_period"] == {"from": "2026-10-01", "to": "2026-10-31"}
    current, previous = body["current"], body["previous"]
    assert (current["posts"], current["posting"], current["active"], current["shares"]) == (2, 1, 1, 0)
    assert current["enrolled"] == 2  # the owner and the author consented
    assert (previous["posts"], previous["posting"], previous["enrolled"]) == (0, 0, 0)
    october = b.api.get("/reports/overview?from=2026-10-01&to=2026-10-31").get_json()
    assert october["current"]["posts"] == 0
    assert world.a.api.get("/reports/overview").get_json()["current"]["posts"] == 0  # tenant A posted nothing


def test_reports_as_csv_for_german_excel_with_formulas_neutralised(app, world):
    a = world.a
    _departments(app, a, {'=HYPERLINK("http://evil")': 5, "Pflege": 5})
    _set_department(app, a, a.owner_id, "Pflege")
    response = a.api.get("/reports/funnel?group_by=department&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "funnel.csv" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")  # German tenant: excel-de by default
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][:3] == ["Abteilung", "Eingeladen", "Zugestimmt"]
    assert rows[1][0] == "Gesamt" and rows[1][1] == "11"
    assert ['\'=HYPERLINK("http://evil")', "5"] == rows[2][:2]

    plain = a.api.get("/reports/overview?dialect=rfc4180", headers={"Accept": "text/csv"})
    assert plain.mimetype == "text/csv" and not plain.get_data().startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(plain.get_data().decode("utf-8"))))
    assert lines[0] == ["Kennzahl", "Zeitraum", "Vorzeitraum"] and lines[1][0] == "Teilnehmende"
    assert a.api.get("/reports/overview", headers={"Accept": "application/json"}).is_json


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-11-01", "to"),
        ("from=2026-11-10&to=2026-11-01", "to"),
        ("from=2026-11-01&to=2026-11-30&period=month", "period"),
        ("period=decade", "period"),
        ("date=yesterday", "date"),
        ("group_by=shoe_size", "group_by"),
        ("format=xlsx", "format"),
        ("from=2000-01-01&to=2026-01-01", "to"),
    ],
)
def test_bad_periods_are_422_naming_the_field(world, query, field):
    response = world.a.api.get(f"/reports/funnel?{query}")
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["query"]


def test_only_staff_read_reports(app, world):
    _, influencer = _member(app, world.a, "influencer")
    _, lead = _member(app, world.a, "program_lead")
    _, approver = _member(app, world.a, "approver")
    assert influencer.get("/reports/overview").status_code == 403
    assert approver.get("/reports/funnel").status_code == 403
    assert lead.get("/reports/overview").status_code == 200
    assert lead.get("/reports/funnel?group_by=location").status_code == 200


def test_the_funnel_as_an_svg_chart_for_screen_readers(app, world):
    import xml.etree.ElementTree as ElementTree

    with app.app_context(), tenancy.scope(world.a.tenant_id):
        db.session.add_all(
            Member(email=f"p{i}@example.com", name="P", department="Pflege", status="invited") for i in range(1200)
        )
        transactions.commit()
    response = world.a.api.get("/reports/funnel.svg?period=quarter")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ElementTree.fromstring(response.get_data())
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert root.get("role") == "img" and root.get("aria-labelledby") == "chart-title chart-desc"
    assert root.find("svg:title", ns).text == "Teilnahme-Trichter 2026-10-01 bis 2026-12-31"
    assert "Eingeladen: 1.201" in root.find("svg:desc", ns).text  # German thousands separator
    assert root.findall(".//svg:script", ns) == [] and b"http://kozea" not in response.get_data()
    assert world.a.api.get("/reports/funnel.svg?period=decade").status_code == 422


def test_training_per_module_and_department_as_members_see_it(app, world):
    from tests.training.test_modules import answers, published_module

    a = world.a
    _set_department(app, a, a.owner_id, "Pflege")
    pflege = [_member(app, a, "influencer", department="Pflege")[1] for _ in range(5)]
    for _ in range(5):
        _member(app, a, "influencer", department="IT")
    module = published_module(a.api)  # required: assigned to every active member; two attempts

    def take(member, right):
        return member.post(f"/training/modules/{module['id']}/attempts", json=answers(module, right=right))

    assert take(pflege[0], True).status_code == 201 and take(pflege[1], True).status_code == 201
    take(pflege[2], False), take(pflege[2], False)  # out of attempts: failed
    take(pflege[3], False)  # one try left: in progress

    body = a.api.get("/reports/training?group_by=department").get_json()
    [item] = [m for m in body["modules"] if m["module"]["id"] == module["id"]]
    assert (item["assigned"], item["passed"], item["failed"], item["in_progress"], item["not_started"]) == (
        11,
        2,
        1,
        1,
        7,
    )
    assert item["completion_rate"] == round(2 / 11, 4) and item["median_score"] == 100 and item["median_attempts"] == 1
    groups = {group["key"]: group for group in item["groups"]}
    assert set(groups) == {"IT", "Pflege"} and groups["IT"]["passed"] == 0 and groups["Pflege"]["assigned"] == 6
    assert body["guideline"]["members"] == 11

    only = a.api.get(f"/reports/training?module_id={module['id']}").get_json()
    assert [m["module"]["id"] for m in only["modules"]] == [module["id"]] and "groups" not in only["modules"][0]
    csv_body = a.api.get("/reports/training?format=csv&group_by=department").get_data().decode("utf-8")
    header = next(csv.reader(io.StringIO(csv_body[1:]), delimiter=";"))
    assert header[:4] == ["Modul", "Abteilung", "Zugewiesen", "Nicht begonnen"]
    other = world.b.api.get("/reports/training").get_json()
    assert module["id"] not in {m["module"]["id"] for m in other["modules"]}
