"""The words reports show in the tenant's language (German or English): CSV headers and labels."""

from __future__ import annotations

from typing import Any

from reports import people
from reports.csv_output import Column

FIGURES = {
    "enrolled": ("Teilnehmende", "Enrolled"),
    "active": ("Aktiv", "Active"),
    "trained": ("Geschult", "Trained"),
    "eligible": ("Postingberechtigt", "Eligible to post"),
    "posting": ("Postend", "Posting"),
    "posts": ("Beiträge", "Posts"),
    "shares": ("Geteilte Inhalte", "Shares"),
    "clicks": ("Klicks", "Clicks"),
    "impressions": ("Impressionen", "Impressions"),
    "reach": ("Potenzielle Reichweite", "Potential reach"),
    "emv": ("Earned Media Value (Cent)", "Earned media value (cents)"),
}

STEPS = {
    "invited": ("Eingeladen", "Invited"),
    "accepted": ("Zugestimmt", "Accepted"),
    "trained": ("Geschult", "Trained"),
    "acknowledged": ("Richtlinie bestätigt", "Guideline acknowledged"),
    "eligible": ("Postingberechtigt", "Eligible"),
    "first_post": ("Erster Beitrag", "First post"),
    "posted_in_period": ("Im Zeitraum gepostet", "Posted in period"),
}

TRAINING = {
    "assigned": ("Zugewiesen", "Assigned"),
    "not_started": ("Nicht begonnen", "Not started"),
    "in_progress": ("In Bearbeitung", "In progress"),
    "passed": ("Bestanden", "Passed"),
    "failed": ("Nicht bestanden", "Failed"),
    "overdue": ("Überfällig", "Overdue"),
    "expired": ("Abgelaufen", "Expired"),
    "completion_rate": ("Abschlussquote", "Completion rate"),
    "median_score": ("Median Punktzahl", "Median score"),
    "median_attempts": ("Median Versuche", "Median attempts"),
}

GROUP_BY = {"department": ("Abteilung", "Department"), "location": ("Standort", "Location"), None: ("Gruppe", "Group")}


def _pick(pair: tuple[str, str], language: str) -> str:
    return pair[0] if language == "de" else pair[1]


def figure_labels(language: str) -> dict[str, str]:
    return {name: _pick(pair, language) for name, pair in FIGURES.items()}


def step_label(step: str, language: str) -> str:
    return _pick(STEPS[step], language)


def total_label(language: str) -> str:
    return "Gesamt" if language == "de" else "Total"


def column_labels(report: str, result: dict[str, Any]) -> list[Column]:
    """The CSV columns of ``report`` (``overview``, ``funnel``, ``training``) in German and English."""
    if report == "overview":
        return [
            Column("figure", "Kennzahl", "Figure"),
            Column("current", "Zeitraum", "Period"),
            Column("previous", "Vorzeitraum", "Previous period"),
        ]
    group = GROUP_BY.get(result.get("group_by"), GROUP_BY[None])
    if report == "training":
        return [
            Column("module", "Modul", "Module"),
            Column("group", *group),
            *(Column(key, *pair) for key, pair in TRAINING.items()),
        ]
    return [Column("group", *group), *(Column(step, *STEPS[step]) for step in people.STEPS)]
