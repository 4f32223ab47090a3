"""Links in a text (the compliance engine's ``link_limit`` kind): pure functions, no database."""

from __future__ import annotations

import re

_LINK = re.compile(r"(?i)(?<![\w@/.-])(?:https?://|www\.)[^\s<>\"'`]+")
_LINK_TRAILING = ".,;:!?)]}'\""


def find_links(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _LINK.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in _LINK_TRAILING:
            end -= 1
        spans.append((match.start(), end))
    return spans
