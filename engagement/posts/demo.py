"""Governance demo data for the MedTech demo tenant (``flask demo seed``).

A two-level chain (department, then regulatory affairs), the ``healthcare_de`` preset, and
posts in every interesting state: published after both levels, waiting at level 2, rejected
for a promise of cure (HWG), and a draft.
"""

from __future__ import annotations

from engagement.compliance import services as compliance
from engagement.posts import chain, services
from tenants import demo
from tenants.models import Member, Tenant

DEMO_CHAIN = [{"name": "Fachabteilung", "role": "program_lead"}, {"name": "Regulatory Affairs", "role": "approver"}]

PUBLISHED = (
    "Drei Tage MEDICA in Düsseldorf: Danke an alle, die an unserem Stand waren und mit uns über "
    "digitale Nachsorge nach Knie-OPs gesprochen haben. #Mitarbeiter #MEDICA"
)
WAITING = (
    "Blick hinter die Kulissen in Tuttlingen: So prüfen wir jedes chirurgische Instrument, bevor es "
    "eine Klinik erreicht. #Mitarbeiter #Qualität"
)
REJECTED = "Unser neues Kniegelenk: nie wieder Schmerzen, ganz ohne Nebenwirkungen! #Mitarbeiter"
DRAFT = "Wir suchen Verstärkung im Service-Team in Hamburg. Meldet euch bei mir! #Mitarbeiter #Karriere"


def _first(members: list[Member], role: str) -> Member:
    return next(m for m in members if m.status == "active" and role in m.roles)


def seed(tenant: Tenant, members: list[Member]) -> None:
    owner = demo.principal(members[0])
    lead = _first(members, "program_lead")
    approver = _first(members, "approver")
    authors = [m for m in members if m.status == "active" and m.roles == ["influencer"]][:4]
    chain.replace(DEMO_CHAIN, owner)
    compliance.apply_preset("healthcare_de", owner)

    published = services.create({"platform": "linkedin", "text": PUBLISHED}, demo.principal(authors[0]))
    services.submit(published, demo.principal(authors[0]))
    services.decide(published, "approve", "Passt.", demo.principal(lead))
    services.decide(published, "approve", None, demo.principal(approver))
    services.publish(
        published,
        "https://www.linkedin.com/feed/update/urn:li:activity:7000000000000000001",
        demo.principal(authors[0]),
    )

    waiting = services.create({"platform": "xing", "text": WAITING}, demo.principal(authors[1]))
    services.submit(waiting, demo.principal(authors[1]))
    services.decide(waiting, "approve", "Fachlich korrekt.", demo.principal(lead))

    rejected = services.create({"platform": "linkedin", "text": REJECTED}, demo.principal(authors[2]))
    services.submit(rejected, demo.principal(authors[2]))
    services.decide(
        rejected, "reject", "Heilversprechen sind nach dem Heilmittelwerbegesetz unzulässig.", demo.principal(lead)
    )

    services.create({"platform": "linkedin", "text": DRAFT}, demo.principal(authors[3]))
