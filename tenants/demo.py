"""The demo tenant: a German MedTech company in containment mode with about fifty members.

Deterministic (fixed data, no randomness), so every ``flask demo seed`` builds the same
organisation. The tenant and its owner come from :func:`tenants.services.signup`; the other
members are inserted directly until the members API exists. The caller commits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from sqlalchemy import select

from app import clock
from app.auth import Principal, scopes_for
from app.db import db
from tenants import audit, consent, invitations, services, tokens
from tenants.models import Member, Tenant

DEMO_SLUG = "nordlicht-medtech"
EMAIL_DOMAIN = "nordlicht-medtech.de"
ORGANIZATION = {
    "name": "Nordlicht Medizintechnik GmbH",
    "slug": DEMO_SLUG,
    "industry": "medtech",
    "governance_mode": "containment",
}
SETTINGS = {"default_locale": "de", "timezone": "Europe/Berlin"}
SEAT_LIMIT = 100

VT = "Vertrieb"
MK = "Marketing"
FE = "Forschung & Entwicklung"
QM = "Qualitätsmanagement & Regulatory Affairs"
HR = "Personal/HR"
MA = "Medizinische Anwendungsberatung"
SV = "Service"

HH, TUT, MUC, BER, VIE = "Hamburg", "Tuttlingen", "München", "Berlin", "Wien"

#: (first name, last name, department, location, locale, title, roles, status). The first row
#: is the owner. Active members have consented; leaderboard opt-in: :func:`_leaderboard_visible`.
MEMBERS: tuple[tuple[str, str, str, str, str, str, str, str], ...] = (
    ("Katrin", "Albers", MK, HH, "de", "Leiterin Unternehmenskommunikation", "owner influencer", "active"),
    ("Jonas", "Petersen", MK, HH, "de", "Marketing Technology Manager", "admin", "active"),
    ("Sabine", "Krüger", HR, HH, "de", "HR Business Partner", "hr influencer", "active"),
    ("Mehmet", "Yılmaz", HR, BER, "de", "Employer Branding Manager", "hr", "active"),
    ("Lena", "Hoffmann", MK, HH, "de", "Corporate Influencer Program Lead", "program_lead influencer", "active"),
    ("Tobias", "Schneider", MK, MUC, "de", "Social Media Manager", "program_lead", "active"),
    ("Andreas", "Vogel", QM, TUT, "de", "Head of Regulatory Affairs", "approver", "active"),
    ("Claudia", "Brandt", QM, HH, "de", "Syndikusrechtsanwältin Legal & Compliance", "approver", "active"),
    ("Martina", "Huber", MA, VIE, "de", "Leiterin Medical Affairs", "approver influencer", "active"),
    ("Michael", "Weber", VT, HH, "de", "Vertriebsleiter Deutschland Nord", "influencer", "active"),
    ("Julia", "Becker", VT, MUC, "de", "Key Account Managerin Universitätskliniken", "influencer", "active"),
    ("Stefan", "Pichler", VT, VIE, "de", "Regional Sales Director Austria", "influencer", "active"),
    ("James", "O'Connor", VT, HH, "en", "International Sales Manager", "influencer", "active"),
    ("Anna", "Schäfer", VT, BER, "de", "Gebietsverkaufsleiterin Berlin-Brandenburg", "influencer", "active"),
    ("Florian", "Gruber", VT, VIE, "de", "Vertriebsingenieur Chirurgie", "influencer", "active"),
    ("Daniel", "Wagner", VT, MUC, "de", "Tender Manager Öffentliche Ausschreibungen", "influencer", "active"),
    ("Ana", "García", VT, HH, "en", "Key Account Manager Hospital Groups", "influencer", "active"),
    ("Markus", "Zimmermann", VT, TUT, "de", "Inside Sales Representative", "influencer", "invited"),
    ("Nadine", "Koch", VT, BER, "de", "Vertriebsassistentin", "influencer", "active"),
    ("Sophie", "Lange", MK, HH, "de", "Produktmanagerin Endoskopie", "influencer", "active"),
    ("Emma", "Johansson", MK, HH, "en", "Content Marketing Manager", "influencer", "active"),
    ("Felix", "Braun", MK, MUC, "de", "Eventmanager Kongresse & Fachmessen", "influencer", "active"),
    ("Lisa", "Hartmann", MK, HH, "de", "Grafikdesignerin", "influencer", "invited"),
    ("Nikolaos", "Papadopoulos", MK, BER, "en", "Digital Marketing Manager", "influencer", "active"),
    ("Christian", "Maier", FE, TUT, "de", "Projektleiter Entwicklung Endoskopie", "influencer", "active"),
    ("Priya", "Raman", FE, MUC, "en", "Software Engineer Medical Imaging", "influencer", "active"),
    ("Thomas", "Fischer", FE, TUT, "de", "Entwicklungsingenieur Medizinprodukte", "influencer", "active"),
    ("Katharina", "Wolf", FE, TUT, "de", "Usability Engineer", "influencer", "active"),
    ("Wei", "Chen", FE, MUC, "en", "Data Scientist Klinische Daten", "influencer", "active"),
    ("Jan", "Schröder", FE, TUT, "de", "Werkstoffwissenschaftler", "influencer", "active"),
    ("Olena", "Kovalenko", FE, BER, "en", "Embedded Software Engineer", "influencer", "invited"),
    ("Matthias", "Keller", FE, TUT, "de", "Testingenieur Verifikation & Validierung", "influencer", "active"),
    ("Franziska", "Schmitt", QM, TUT, "de", "Qualitätsmanagerin ISO 13485", "influencer", "active"),
    ("Paul", "Neumann", QM, TUT, "de", "Regulatory Affairs Specialist MDR", "influencer", "active"),
    ("Elif", "Demir", QM, HH, "de", "Clinical Affairs Managerin", "influencer", "active"),
    ("Tomasz", "Wójcik", QM, BER, "de", "Post-Market Surveillance Specialist", "influencer", "active"),
    ("Birgit", "Schulz", HR, HH, "de", "Ausbildungsleiterin", "influencer", "active"),
    ("Lukas", "Meyer", HR, TUT, "de", "Recruiter Technik & Entwicklung", "influencer", "active"),
    ("Theresa", "Moser", MA, VIE, "de", "Clinical Application Specialist", "influencer", "active"),
    ("Sebastian", "Richter", MA, HH, "de", "Medizinprodukteberater Chirurgie", "influencer", "active"),
    ("Sofia", "Rossi", MA, MUC, "en", "Clinical Application Specialist Imaging", "influencer", "active"),
    ("Kerstin", "Böhm", MA, BER, "de", "Applikationsspezialistin OP-Pflege", "influencer", "active"),
    ("Moritz", "Krause", MA, HH, "de", "Medical Science Liaison", "influencer", "active"),
    ("Johanna", "Lehmann", MA, MUC, "de", "Medizinprodukteberaterin Kardiologie", "influencer", "invited"),
    ("Ahmet", "Kaya", MA, BER, "de", "Trainer Anwenderschulungen", "influencer", "active"),
    ("Mateusz", "Nowak", SV, BER, "de", "Field Service Engineer", "influencer", "active"),
    ("Uwe", "Köhler", SV, HH, "de", "Teamleiter Technischer Kundendienst", "influencer", "active"),
    ("Jana", "Pohl", SV, TUT, "de", "Servicekoordinatorin", "influencer", "active"),
    ("Dominik", "Steiner", SV, VIE, "de", "Servicetechniker Medizintechnik", "influencer", "active"),
    ("Ivana", "Marković", SV, MUC, "de", "Reparaturtechnikerin Endoskope", "influencer", "invited"),
)

_TRANSLITERATION = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "ß": "ss",
        "Ä": "Ae",
        "Ö": "Oe",
        "Ü": "Ue",
        "ı": "i",
        "ł": "l",
        "ø": "o",
        "æ": "ae",
    }
)


def principal(member: Member) -> Principal:
    """Act as a demo member in a seeder (their roles, no token)."""
    return Principal(member.tenant_id, member.id, tuple(member.roles), scopes=scopes_for(member.roles))


def ascii_slug(text: str) -> str:
    """Lowercase ASCII for an email local part: umlauts spelt out, accents dropped."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION))
    plain = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9-]", "", plain.replace(" ", "-"))


def email_for(first: str, last: str) -> str:
    return f"{ascii_slug(first)}.{ascii_slug(last)}@{EMAIL_DOMAIN}"


#: Later domains add demo data here: ``seeder(tenant, members)`` with the members in MEMBERS order.
SEEDERS: dict[str, Callable[[Tenant, list[Member]], None]] = {}


def _leaderboard_visible(position: int) -> bool:
    """Three in five members opted in to appear by name on leaderboards."""
    return position % 5 in (0, 1, 3)


def seed() -> tuple[Tenant, Member, str]:
    """Create the demo tenant, its owner (with a token) and the other members.

    Leaves the demo tenant active for the rest of the unit of work; the caller commits.
    """
    first, last, *_ = MEMBERS[0]
    tenant, owner, secret = services.signup(
        dict(ORGANIZATION), {"email": email_for(first, last), "name": f"{first} {last}"}
    )
    tenant.settings = {**tenant.settings, **SETTINGS}
    tenant.seat_limit = SEAT_LIMIT
    in_order: list[Member] = []
    for position, (first, last, department, location, locale, title, roles, status) in enumerate(MEMBERS):
        member = owner if position == 0 else Member(tenant_id=tenant.id, email=email_for(first, last))
        in_order.append(member)
        member.name = f"{first} {last}"
        member.department, member.location, member.locale, member.title = department, location, locale, title
        member.roles = roles.split()
        member.status = status
        active = status == "active"
        db.session.add(member)
        db.session.flush()
        if active:
            member.activated_at = clock.now()
            consent.record(
                member,
                participation=True,
                leaderboard_visible=_leaderboard_visible(position),
                source="signup" if position == 0 else "invitation",
            )
        else:
            invitations.issue(member, tenant)
    db.session.flush()
    for seeder in SEEDERS.values():
        seeder(tenant, in_order)
    audit.record(
        "demo.seeded",
        "tenant",
        tenant.id,
        after={
            "members": len(MEMBERS),
            "departments": sorted({row[2] for row in MEMBERS}),
            "locations": sorted({row[3] for row in MEMBERS}),
        },
    )
    return tenant, owner, secret


def issue_owner_token(tenant: Tenant) -> tuple[Member, str]:
    """A fresh API token for the demo tenant's owner (the demo tenant must be active)."""
    members = db.session.scalars(
        select(Member).where(Member.status == "active").order_by(Member.created_at, Member.email)
    )
    owner = next((m for m in members if "owner" in m.roles), None)
    if owner is None:
        raise LookupError(f"the tenant {tenant.slug!r} has no active owner")
    token, secret = tokens.issue(owner, "demo")
    audit.record("token.created", "api_token", token.id, after={"name": token.name})
    return owner, secret
