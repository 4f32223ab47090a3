"""Internationalised addresses reach a real SMTP server; undeliverable invitations show up for HR."""

from __future__ import annotations

import uuid

from tests.factories import add_member
from tests.tenants.test_members import invite

IDN_ADDRESS = "jörg.bäcker@bäckerei.example"


def test_idn_domain_is_sent_idna_encoded_without_smtputf8(world, app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    member = invite(world.a.api, email="joerg@bäckerei.example", name="Jörg Bäcker").get_json()
    [mail] = smtp_server.inbox.wait_for(1)
    assert mail.rcpt_tos == ["joerg@xn--bckerei-5wa.example"]
    assert member["invitation"]["token"] in mail.message.get_content()
    [invitation] = world.a.api.get("/invitations", query_string={"member_id": member["id"]}).get_json()
    assert invitation["delivery"]["status"] == "sent" and invitation["delivery"]["attempts"] == 1


def test_non_ascii_local_part_is_sent_with_smtputf8(world, app, smtputf8_server):
    app.config["SMTP_URL"] = smtputf8_server.url
    member = invite(world.a.api, email=IDN_ADDRESS, name="Jörg Bäcker").get_json()
    assert member["email"] == IDN_ADDRESS
    [mail] = smtputf8_server.inbox.wait_for(1)
    assert mail.rcpt_tos == ["jörg.bäcker@xn--bckerei-5wa.example"]
    assert "Hallo Jörg Bäcker" in mail.message.get_content()
    assert world.a.api.get("/invitations", query_string={"delivery": "failed"}).get_json() == []


def test_server_without_smtputf8_makes_the_invitation_undeliverable_at_once(world, app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    member = invite(world.a.api, email=IDN_ADDRESS, name="Jörg Bäcker").get_json()
    ok = invite(world.a.api, email="lena@medtech-nord.example", name="Lena").get_json()
    assert [m.rcpt_tos for m in smtp_server.inbox.wait_for(1)] == [["lena@medtech-nord.example"]]

    failed = world.a.api.get("/invitations", query_string={"delivery": "failed"})
    assert failed.status_code == 200
    [invitation] = failed.get_json()
    assert invitation["member_id"] == member["id"] and invitation["state"] == "open"
    assert invitation["delivery"]["status"] == "failed"
    assert invitation["delivery"]["attempts"] == 1  # given up at once, no retries
    assert "SMTPUTF8" in invitation["delivery"]["last_error"]
    assert "token" not in invitation and "token_hash" not in invitation
    one = world.a.api.get(f"/invitations/{invitation['id']}")
    assert one.status_code == 200 and one.get_json() == invitation
    every = world.a.api.get("/invitations").get_json()
    assert {i["member_id"] for i in every} == {member["id"], ok["id"]}
    assert world.a.api.get("/invitations", query_string={"delivery": "sent"}).get_json()[0]["member_id"] == ok["id"]


def test_invitation_views_are_for_people_admins_in_their_own_tenant(world, app):
    member = invite(world.a.api).get_json()
    [invitation] = world.a.api.get("/invitations").get_json()
    assert invitation["member_id"] == member["id"] and invitation["delivery"]["status"] == "pending"
    _, hr = add_member(app, world.a.tenant_id, "hr")
    _, lead = add_member(app, world.a.tenant_id, "program_lead")
    assert world.a.api.as_(hr).get(f"/invitations/{invitation['id']}").status_code == 200
    assert world.a.api.as_(lead).get("/invitations").status_code == 403
    assert world.b.api.get(f"/invitations/{invitation['id']}").status_code == 404
    assert world.b.api.get("/invitations").get_json() == []
    assert world.a.api.get(f"/invitations/{uuid.uuid4()}").status_code == 404
    bad = world.a.api.get("/invitations", query_string={"delivery": "lost", "member_id": "x"})
    assert bad.status_code == 422 and set(bad.get_json()["errors"]["query"]) == {"delivery", "member_id"}
