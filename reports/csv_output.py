"""Reports as CSV that opens correctly in the spreadsheet the reader uses.

Two dialects: ``excel-de`` (German Excel: UTF-8 with a byte-order mark so umlauts survive,
``;`` between cells, a decimal comma) and ``rfc4180`` (``,``, a decimal point, no BOM). German
tenants get ``excel-de`` unless the request asks otherwise. Column headers are in the tenant's
language. A text cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is
prefixed with ``'`` so a spreadsheet shows it instead of running it as a formula (CSV
injection, OWASP); numbers are written as numbers, so a negative figure stays a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

DIALECTS = ("excel-de", "rfc4180")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MEDIA_TYPE = "text/csv"


@dataclass(frozen=True)
class Column:
    """One CSV column: the key in each row and its header in German and English."""

    key: str
    de: str
    en: str

    def header(self, language: str) -> str:
        return self.de if language == "de" else self.en


def default_dialect(language: str) -> str:
    return "excel-de" if language == "de" else "rfc4180"


def cell(value: Any, dialect: str) -> str:
    """One value as the dialect writes it (None: empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if dialect == "excel-de" else text
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def render(rows: Iterable[dict[str, Any]], columns: Sequence[Column], *, dialect: str, language: str) -> bytes:
    """The rows as CSV bytes: a header line, then one line per row in column order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if dialect == "excel-de" else ",", lineterminator="\r\n")
    writer.writerow([cell(column.header(language), dialect) for column in columns])
    for row in rows:
        writer.writerow([cell(row.get(column.key), dialect) for column in columns])
    text = buffer.getvalue()
    return ("\ufeff" + text).encode("utf-8") if dialect == "excel-de" else text.encode("utf-8")
