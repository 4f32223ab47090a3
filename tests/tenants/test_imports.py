"""CSV import of members as a background job, as HR uses it."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import text

from app.db import db, reusable_plans
from tenants import imports
from tests.factories import add_member


def upload(api, content: str | bytes, filename: str = "mitarbeiter.csv"):
    raw = content.encode("utf-8") if isinstance(content, str) else content
    return api.post("/members/imports", data={"file": (io.BytesIO(raw), filename)}, content_type="multipart/form-data")


def run_import(api, content):
    response = upload(api, content)
    assert response.status_code == 202, response.get_json()
    job = response.get_json()["job"]
    assert job["status"] == "queued"
    result = api.get(f"/jobs/{job['id']}").get_json()
    assert result["status"] == "finished" and result["progress"] == 100
    return result["result"]


GERMAN_EXPORT = "\ufeffE-Mail;Name;Abteilung\n"  # wrong header names: rejected before any row is read

SPREADSHEET = (
    "\ufeffEMAIL;Name;Department;Location;Locale;Title;Roles\n"
    "lena.krueger@medtech-nord.example;Lena Krüger;Vertrieb;Hamburg;de;Key Account Managerin;influencer\n"
    "tom.baker@medtech-nord.example;Tom Baker;Marketing;Berlin;en;Content Lead;\n"
    "kein-email;Ohne Adresse;Vertrieb;;;;\n"
    "LENA.KRUEGER@medtech-nord.example;Lena K.;Vertrieb;;;;\n"
    "sara.yilmaz@medtech-nord.example;Sara Yılmaz;Service;Wien;de;;wizard\n"
    "\n"
)


def test_import_creates_invites_and_reports_row_errors(world, app, smtp_server, owner_engine):
    app.config["SMTP_URL"] = smtp_server.url
    result = run_import(world.a.api, SPREADSHEET)
    assert result["created"] == 2 and result["updated"] == 0 and result["skipped"] == 0
    assert result["errors"] == [
        {"row": 4, "message": "'kein-email' is not a valid email address"},
        {"row": 5, "message": "duplicate of row 2 (lena.krueger@medtech-nord.example)"},
        {"row": 6, "message": "unknown role(s) wizard (known: owner, admin, hr, program_lead, approver, influencer)"},
    ]
    invited = world.a.api.get("/members", query_string={"status": "invited"}).get_json()
    assert {(m["email"], m["locale"], m["department"]) for m in invited} == {
        ("lena.krueger@medtech-nord.example", "de", "Vertrieb"),
        ("tom.baker@medtech-nord.example", "en", "Marketing"),
    }
    mails = smtp_server.inbox.wait_for(2)
    lena = smtp_server.inbox.to("lena.krueger@medtech-nord.example")[0].message
    assert "Einladung" in lena["Subject"]
    assert "Lena Krüger" in lena.get_content()
    assert len(mails) == 2
    with owner_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM member_imports WHERE content IS NOT NULL")).scalar() == 0
    assert world.b.api.get("/members").get_json()[0]["email"] == "owner@agentur-sued.example"
    audit = world.a.api.get("/audit-events", query_string={"action": "members.imported"}).get_json()["items"][0]
    assert audit["after"] == {"created": 2, "updated": 0, "skipped": 0, "error_rows": 3}


def test_second_import_updates_instead_of_duplicating(world):
    run_import(world.a.api, SPREADSHEET)
    again = run_import(
        world.a.api,
        "email,name,department\n"
        "lena.krueger@medtech-nord.example,Lena Krüger,Vertrieb\n"
        "tom.baker@medtech-nord.example,Tom Baker,Kommunikation\n",
    )
    assert (again["created"], again["updated"], again["skipped"], again["errors"]) == (0, 1, 1, [])
    members = world.a.api.get("/members", query_string={"q": "tom.baker"}).get_json()
    assert len(members) == 1 and members[0]["department"] == "Kommunikation"
    assert world.a.api.get("/tenant").get_json()["seats"]["used"] == 3


def test_files_that_are_not_csv_are_rejected_with_the_reason(world):
    cases = {
        b"\x89PNG\r\n\x1a\n\x00\x00\x00": "binary",
        b"Vorname;Nachname\nA;B\n": "header must name",
        b"": "empty",
        b"email,name\n": "no rows",
        "name;email\nA;a@x.example\n".encode("utf-16"): "binary",
        "email;name\nä@x.example;Ä\n".encode("latin-1"): "UTF-8",
    }
    for content, reason in cases.items():
        response = upload(world.a.api, content)
        assert response.status_code == 422, (content, response.get_json())
        assert reason in str(response.get_json()["errors"]), (reason, response.get_json())
    assert world.a.api.post("/members/imports", data={}, content_type="multipart/form-data").status_code == 422
    assert world.a.api.get("/tenant").get_json()["seats"]["used"] == 1


def test_rows_over_the_seat_limit_and_role_grants_are_row_errors(world, app, owner_engine):
    with owner_engine.begin() as connection:
        connection.execute(text("UPDATE tenants SET seat_limit = 3"))
    _, hr = add_member(app, world.a.tenant_id, "hr")  # seat 2 of 3
    rows = "email;name;roles\n" + "\n".join(f"p{i}@medtech-nord.example;Person {i};influencer" for i in range(3))
    rows += "\nboss@medtech-nord.example;Boss;admin\n"
    result = run_import(world.a.api.as_(hr), rows)
    assert result["created"] == 1
    messages = [e["message"] for e in result["errors"]]
    assert messages.count("seat limit of 3 reached; member not created") == 2
    assert "only owners and admins assign roles other than influencer" in messages


def test_import_is_for_people_admins_only(world, app):
    _, lead = add_member(app, world.a.tenant_id, "program_lead")
    assert upload(world.a.api.as_(lead), SPREADSHEET).status_code == 403


def test_large_files_use_the_import_limit_not_the_general_one(world, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    rows = "email;name\n" + "\n".join(f"p{i}@medtech-nord.example;Person Nummer {i}" for i in range(100))
    assert len(rows) > 1024
    assert upload(world.a.api, rows).status_code == 202
    app.config["IMPORT_MAX_CONTENT_LENGTH"] = 2048
    assert upload(world.a.api, rows * 2).status_code == 413


def test_imported_invitations_are_emailed_once_and_accepted_with_the_emailed_code(
    world, app, anon, smtp_server, owner_engine
):
    app.config["SMTP_URL"] = smtp_server.url
    run_import(world.a.api, SPREADSHEET)
    run_import(world.b.api, "email;name;locale\ntom.baker@agentur-sued.example;Tom Baker;en\n")
    mails = smtp_server.inbox.wait_for(3)
    tom = smtp_server.inbox.to("tom.baker@medtech-nord.example")[0].message
    assert tom["Subject"].startswith("Your invitation") and "Hello Tom Baker" in tom.get_content()
    code = re.search(r"inv_[\w-]+", tom.get_content()).group(0)
    with owner_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM email_messages")).scalar() == 0  # no copy of the code
        statuses = connection.execute(
            text("SELECT email_status, count(*) FROM invitations GROUP BY email_status")
        ).all()
    assert statuses == [("sent", 3)]

    again = run_import(world.a.api, SPREADSHEET)  # idempotent: nobody is invited twice
    assert again["created"] == 0 and len(smtp_server.inbox.messages) == len(mails) == 3

    accepted = anon.post("/invitations/accept", json={"token": code, "consent": {"participation": True}})
    assert accepted.status_code == 200 and accepted.get_json()["member"]["email"] == "tom.baker@medtech-nord.example"
    assert anon.post("/invitations/accept", json={"token": code, "consent": {"participation": True}}).status_code == 410
    assert (
        world.b.api.get("/members", query_string={"status": "invited"}).get_json()[0]["email"]
        == "tom.baker@agentur-sued.example"
    )


def test_import_keeps_the_member_statistics_current_on_postgresql(world, app, owner_engine, monkeypatch, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("planner statistics exist on PostgreSQL only")
    monkeypatch.setattr(imports, "BATCH_SIZE", 4)
    rows = "email;name\n" + "\n".join(f"p{i}@medtech-nord.example;Person {i}" for i in range(12))
    assert run_import(world.a.api, rows)["created"] == 12
    with owner_engine.connect() as connection:
        # analysed inside the import (the batch after the statistics were outgrown), so the
        # planner's figure covers the imported rows; two owners plus at least eight
        assert connection.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'members'")).scalar() >= 10


def test_reusable_plans_apply_inside_the_block_only(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("plan cache modes exist on PostgreSQL only")
    setting = text("SELECT current_setting('plan_cache_mode')")
    with app.app_context():
        session = db.session()
        assert session.execute(setting).scalar() == "force_custom_plan"
        with reusable_plans(session):
            assert session.execute(setting).scalar() == "auto"
        assert session.execute(setting).scalar() == "force_custom_plan"
        session.rollback()
