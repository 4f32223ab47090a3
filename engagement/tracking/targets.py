"""Where a tracking link may lead: the one rule for content URLs, post links and redirect targets.

A target is an http(s) URL of at most :data:`TARGET_URL_MAX` characters whose host is a public
name. Refused: ``localhost`` and ``*.localhost``; loopback, private, link-local, unspecified and
other internal addresses (:data:`INTERNAL_NETWORKS`); and any bare IP address unless
``TRACKING_ALLOW_IP_HOSTS`` is set (then public addresses pass, internal ones still do not).

The host is read the way a browser reads it, so spellings that a browser turns into an internal
address are caught too: userinfo (``https://example.com@127.0.0.1``), a backslash ending the
authority, percent-escapes and full-width characters in the host, a trailing dot, IPv4 in
decimal, octal or hex (``2130706433``, ``0177.0.0.1``, ``0x7f.1``) and IPv4-mapped IPv6. Names
are not resolved (DNS can change after the check; a name pointing at an internal address is
the DNS owner's doing, not input we can judge).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import unquote

import marshmallow as ma
from flask import current_app

from app.schemas import HTTP_URL_PATTERN, http_url
from engagement.tracking.models import TARGET_URL_MAX

_SHAPE = re.compile(HTTP_URL_PATTERN)
_AUTHORITY = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[/\\]*([^/?#\\]*)")
#: Characters IDNA maps to a full stop in a host name.
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})

INTERNAL_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network", 0.0.0.0 reaches the local host
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata services
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
        "::/128",
        "::1/128",
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "ff00::/8",  # multicast
    )
)

SHAPE_MESSAGE = f"Not an http(s) URL of at most {TARGET_URL_MAX} characters."
INTERNAL_MESSAGE = "Tracking links may not lead to localhost or an internal address."
IP_MESSAGE = "Tracking links lead to host names, not IP addresses."
HOST_MESSAGE = "Not a valid host name."


def _ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a browser makes of ``host`` (WHATWG URL: 1 to 4 decimal, octal or hex
    parts), None when the host is a name. Raises ValueError for a number that is no address."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    last = parts[-1]
    if not (last.isascii() and (last.isdigit() or re.fullmatch(r"0[xX][0-9A-Fa-f]*", last))):
        return None  # the last label is not a number: a name
    if len(parts) > 4:
        raise ValueError(host)
    numbers = []
    for part in parts:
        if re.fullmatch(r"0[xX][0-9A-Fa-f]*", part):
            numbers.append(int(part[2:] or "0", 16))
        elif re.fullmatch(r"0[0-7]+", part):
            numbers.append(int(part, 8))
        elif re.fullmatch(r"[0-9]+", part):
            numbers.append(int(part))
        else:
            raise ValueError(host)
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise ValueError(host)
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


#: Code points a browser refuses in a host name (WHATWG "forbidden domain code points", roughly).
_FORBIDDEN_IN_HOST = re.compile(r"[\x00-\x20\x7f#%/:<>?@\[\\\]^|]")


def _host(url: str) -> str | None:
    """The URL's host as a browser sees it: lower-case, escapes decoded, full-width characters
    folded, no userinfo, no port; an IPv6 literal without its brackets. None: no host."""
    match = _AUTHORITY.match(url)
    if match is None:
        return None
    host = match.group(1).rpartition("@")[2]
    if host.startswith("["):
        return host[1 : host.find("]")].lower() if "]" in host else None
    host = re.sub(r":[0-9]*$", "", host)
    return unicodedata.normalize("NFKC", unquote(host)).translate(_DOTS).lower()


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address ``host`` stands for, None for a name; ValueError for neither."""
    if ":" in host:
        return ipaddress.IPv6Address(host)  # zone ids ("%") are refused here, as browsers do
    if _FORBIDDEN_IN_HOST.search(host):
        raise ValueError(host)
    return _ipv4(host)


def _internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    candidates = [address]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        candidates.append(address.ipv4_mapped)
    return any(a in net for a in candidates for net in INTERNAL_NETWORKS if net.version == a.version)


def host_refusal(url: str) -> str | None:
    """Why a tracking link may not lead to ``url``'s host (None: it may)."""
    host = _host(url)
    try:
        address = _address(host) if host else None
    except ValueError:
        return HOST_MESSAGE
    if not host:
        return HOST_MESSAGE
    if address is None:
        name = host.rstrip(".")
        return INTERNAL_MESSAGE if name == "localhost" or name.endswith(".localhost") else None
    if _internal(address):
        return INTERNAL_MESSAGE
    if not current_app.config.get("TRACKING_ALLOW_IP_HOSTS"):
        return IP_MESSAGE
    return None


def refusal(url) -> str | None:
    """Why a tracking link may not lead to ``url`` (None: it may): shape, length, then host."""
    if not isinstance(url, str) or len(url) > TARGET_URL_MAX or _SHAPE.match(url) is None:
        return SHAPE_MESSAGE
    return host_refusal(url)


def allowed(url) -> bool:
    return refusal(url) is None


#: What the OpenAPI document says about a URL that becomes a tracking target.
RULE_TEXT = (
    "Its host must be a public name: not `localhost` or `*.localhost`, not a loopback, private, link-local or "
    "other internal address, and no IP address at all unless the server allows IP hosts."
)


def _validate_host(url: str | None) -> None:
    if url is not None and _SHAPE.match(url):  # a malformed URL has its own error already
        reason = host_refusal(url)
        if reason:
            raise ma.ValidationError(reason)


def url_field(description: str) -> ma.fields.String:
    """An optional http(s) URL field (:func:`app.schemas.http_url`) that becomes a tracking target:
    refused hosts answer 422 naming the field."""
    field = http_url(f"{description} {RULE_TEXT}")
    field.validators.append(_validate_host)
    return field
