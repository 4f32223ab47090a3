"""Gamification demo data (``flask demo seed``): a running challenge, a tenant badge, and
starting points so the leaderboards and the team board show something on day one.

The starting points are ordinary ledger adjustments with a reason, visible and reversible like
any correction; the published demo post earns its points through the event path.
"""

from __future__ import annotations

from datetime import timedelta

from app import clock
from gamification import badges, challenges, ledger
from tenants import demo
from tenants.models import Member, Tenant

STARTING_POINTS = (120, 95, 95, 80, 60, 45, 30, 20, 10)


def seed(tenant: Tenant, members: list[Member]) -> None:
    lead = demo.principal(next(m for m in members if m.status == "active" and "program_lead" in m.roles))
    challenges.create(
        {
            "title": "Drei Beiträge im Aktionsmonat",
            "description": "Teilen Sie diesen Monat drei Beiträge: eigene Erfahrungen oder Inhalte aus der Bibliothek.",
            "metric": "posts_published",
            "target": 3,
            "bonus_points": 50,
            "ends_at": clock.now() + timedelta(days=30),
        },
        lead,
    )
    badges.create(
        {
            "name": "Wissensträger",
            "description": "Fünf Trainingsmodule bestanden.",
            "criteria": {"metric": "modules_passed", "threshold": 5},
        },
        lead,
    )
    influencers = [m for m in members if m.status == "active" and "influencer" in m.roles]
    for member, points in zip(influencers, STARTING_POINTS, strict=False):
        ledger.adjust(member.id, points, "Demo-Startpunkte für das Onboarding", lead)
