"""Shared validators: what the OpenAPI patterns promise is exactly what Python accepts."""

import re

import marshmallow as ma
import pytest

from app.schemas import HTTP_URL_PATTERN, NOT_BLANK_PATTERN, StrictBoolean, body_integer, http_url, not_blank

URLS = {
    "https://cdn.example/max.jpg": True,
    "http://a.b": True,
    "https://ärzte.de/ö?x=1#top": True,
    "javascript:alert(1)": False,
    "http://": False,
    "https://x.y/ a": False,
    "https://a\x1eb.c": False,  # Python's \s knows \x1e, ECMA's does not: the pattern spells it out
    "https://a.b/\u3000": False,
}
TEXTS = {"a": True, "  Leitlinie ": True, "   ": False, "\x1e\u3000": False, "ok\x00": False}


@pytest.mark.parametrize(("url", "valid"), URLS.items())
def test_http_urls(url, valid):
    field_ok = True
    try:
        http_url("x").deserialize(url)
    except ma.ValidationError:
        field_ok = False
    assert field_ok is valid and bool(re.match(HTTP_URL_PATTERN, url)) is valid


@pytest.mark.parametrize(("text", "visible"), TEXTS.items())
def test_not_blank_agrees_with_its_pattern(text, visible):
    check_ok = True
    try:
        not_blank("title")(text)
    except ma.ValidationError:
        check_ok = False
    assert check_ok is visible and bool(re.match(NOT_BLANK_PATTERN, text)) is visible


def test_strict_booleans_and_integers():
    with pytest.raises(ma.ValidationError):
        StrictBoolean().deserialize(1)
    assert StrictBoolean().deserialize(False) is False
    with pytest.raises(ma.ValidationError):
        body_integer().deserialize(2.5)
    assert body_integer().deserialize(3) == 3
