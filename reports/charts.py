"""Report charts as SVG drawn on the server with pygal: readable without JavaScript or a CDN.

Each chart carries a ``<title>`` and a ``<desc>`` that a screen reader announces (the SVG is
``role="img"`` labelled by both), numbers in the tenant's format (``1.234`` in German), and no
script: pygal's interactive tooltips load JavaScript from the web, which a dashboard served
inside a hospital network must not do.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pygal
from pygal.style import Style

from reports import labels

MEDIA_TYPE = "image/svg+xml"

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#7b8794",
    colors=("#0b6e4f", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51", "#264653", "#8ab17d"),
    font_family="DejaVu Sans, Arial, sans-serif",
)


def number(value: float | int | None, language: str) -> str:
    """``1234`` as ``1.234`` (German) or ``1,234`` (English)."""
    if value is None:
        return "–"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return text.translate(str.maketrans(",.", ".,")) if language == "de" else text


def funnel(result: dict[str, Any], language: str) -> bytes:
    """The funnel's steps as horizontal bars, from invited (top) to posted in the period."""
    steps = result["steps"]
    names = [labels.step_label(step["key"], language) for step in steps]
    period = result["period"]
    title = (
        f"Teilnahme-Trichter {period['from']} bis {period['to']}"
        if language == "de"
        else f"Participation funnel {period['from']} to {period['to']}"
    )
    description = "; ".join(
        f"{name}: {number(step['count'], language)}" for name, step in zip(names, steps, strict=True)
    )
    chart = pygal.HorizontalBar(
        title=title,
        style=STYLE,
        show_legend=False,
        js=[],  # no tooltips script fetched from the web
        value_formatter=lambda value: number(value, language),
        print_values=True,
        width=800,
        height=60 + 50 * len(steps),
        inverse_y_axis=True,
    )
    chart.x_labels = names
    chart.add(title, [step["count"] for step in steps])
    return accessible(chart.render(), title, description)


def accessible(svg: bytes, title: str, description: str) -> bytes:
    """Label the SVG for assistive technology: ``role="img"``, ``<title>`` and ``<desc>`` first."""
    text = re.sub(r"<script\b.*?</script>", "", svg.decode("utf-8"), flags=re.DOTALL)  # pygal's inline config
    opening = re.search(r"<svg\b[^>]*>", text)
    tag = opening.group(0)
    labelled = tag[:-1] + ' role="img" aria-labelledby="chart-title chart-desc">'
    inserted = (
        f'{labelled}<title id="chart-title">{html.escape(title)}</title>'
        f'<desc id="chart-desc">{html.escape(description)}</desc>'
    )
    return (text[: opening.start()] + inserted + text[opening.end() :]).encode("utf-8")
