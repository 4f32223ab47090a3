"""Personal data in a text (the compliance engine's ``pii`` kind): pure functions, no database.

:func:`find_pii` finds e-mail addresses, phone numbers (7 to 15 digits, national or
international form), IBANs whose mod-97 check holds (and whose length fits the country, for
the SEPA countries) and German health-insurance numbers (KVNR: a letter and nine digits, the
last a check digit, see :func:`kvnr_valid`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]{1,64}@(?:[^\W_][\w-]{0,62}\.){1,8}[^\W\d_]{2,24}(?![\w-])")
_PHONE = re.compile(
    r"(?<![\w+/.,-])"
    r"(?:(?:\+|00)[1-9]\d{0,2}[ \t/-]?(?:\(0\)[ \t]?)?|\(0\d{1,5}\)[ \t]?|0\d{1,5}[ \t/-]?)"
    r"\d[\d \t/-]{3,16}\d(?![\w/-])"
)
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}")
_KVNR = re.compile(r"(?<![A-Za-z0-9])[A-Z]\d{9}(?![A-Za-z0-9])")
#: IBAN lengths of the SEPA countries most posts would mention.
IBAN_LENGTHS = {
    "AD": 24,
    "AT": 20,
    "BE": 16,
    "BG": 22,
    "CH": 21,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "EE": 20,
    "ES": 24,
    "FI": 18,
    "FR": 27,
    "GB": 22,
    "GR": 27,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IS": 26,
    "IT": 27,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "MC": 27,
    "MT": 31,
    "NL": 18,
    "NO": 15,
    "PL": 28,
    "PT": 25,
    "RO": 24,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "TR": 26,
}


def iban_valid(candidate: str) -> bool:
    """ISO 13616 check: the country code and check digits moved to the end, mod 97 must be 1."""
    value = candidate.replace(" ", "").upper()
    if not (15 <= len(value) <= 34 and value[:2].isalpha() and value[2:4].isdigit() and value.isalnum()):
        return False
    if value[:2] in IBAN_LENGTHS and len(value) != IBAN_LENGTHS[value[:2]]:
        return False
    rearranged = value[4:] + value[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def kvnr_valid(candidate: str) -> bool:
    """German health-insurance number (unchangeable part): letter + 8 digits + check digit.

    The letter becomes its two-digit position (A=01 ... Z=26); with the first eight digits that
    gives ten digits, weighted 1, 2, 1, 2, ...; the digit sums of the products are added up and
    the last digit of the sum is the check digit.
    """
    if not re.fullmatch(r"[A-Z]\d{9}", candidate):
        return False
    digits = f"{ord(candidate[0]) - 64:02d}" + candidate[1:9]
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (1 if index % 2 == 0 else 2)
        total += product // 10 + product % 10
    return total % 10 == int(candidate[9])


def _iban_spans(text: str) -> Iterable[tuple[int, int]]:
    for match in _IBAN.finditer(text):
        # Positions of the alphanumeric characters (the pattern admits single spaces between).
        chars = [match.start() + i for i, c in enumerate(match.group()) if c != " "]
        country = match.group()[:2].upper()
        lengths = [IBAN_LENGTHS[country]] if country in IBAN_LENGTHS else range(len(chars), 14, -1)
        for length in lengths:
            if length > len(chars):
                continue
            end = chars[length - 1] + 1
            if end < len(text) and text[end].isalnum():
                continue
            if iban_valid(text[match.start() : end]):
                yield match.start(), end
                break


def find_pii(text: str) -> list[tuple[int, int, str]]:
    """(start, end, what) for each piece of personal data, ``what`` in email|phone|iban|kvnr."""
    found: list[tuple[int, int, str]] = [(s, e, "iban") for s, e in _iban_spans(text)]
    found += [(m.start(), m.end(), "kvnr") for m in _KVNR.finditer(text) if kvnr_valid(m.group())]
    found += [(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    taken = list(found)
    for match in _PHONE.finditer(text):
        digits = sum(c.isdigit() for c in match.group())
        if not 7 <= digits <= 15:
            continue
        if any(s < match.end() and match.start() < e for s, e, _ in taken):
            continue
        found.append((match.start(), match.end(), "phone"))
    return sorted(found)


PII_LABELS = {"email": "e-mail address", "phone": "phone number", "iban": "IBAN", "kvnr": "health-insurance number"}
