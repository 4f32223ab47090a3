"""What each platform accepts: the longest post text, in characters (Unicode code points).

X weighs some characters double and counts every link as 23; a code-point count is the
conservative approximation a backend can make without the platform's own counter.
"""

from __future__ import annotations

from tenants.policy import PLATFORMS

TEXT_LIMITS: dict[str, int] = {
    "linkedin": 3000,
    "x": 280,
    "facebook": 63206,
    "instagram": 2200,
    "tiktok": 2200,  # through its posting API; the app allows longer captions
    "youtube": 5000,  # video description
    "xing": 3000,
    "pinterest": 500,
}
assert set(TEXT_LIMITS) == set(PLATFORMS), "every platform needs a text limit"

#: The longest text any platform takes (the schema's upper bound before the per-platform check).
MAX_TEXT_LENGTH = max(TEXT_LIMITS.values())


def too_long(platform: str, text: str) -> str | None:
    """A message when ``text`` exceeds the platform's limit, else None."""
    limit = TEXT_LIMITS[platform]
    if len(text) > limit:
        return f"{len(text)} characters; {platform} allows at most {limit}."
    return None
