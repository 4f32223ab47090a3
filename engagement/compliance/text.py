"""Text folding and term parsing for the compliance engine: pure functions, no database.

Term matching
  Text and terms are *folded*: case-folded, umlauts transliterated (ä/ae, ö/oe, ü/ue, ß/ss) and
  other accents dropped, so "Übelkeit", "uebelkeit" and "UEBELKEIT" are one word. The folded
  text is cut into word tokens (``\\w+``, Unicode); a term matches a run of whole tokens, so a
  term never matches inside a longer word, and ``#Heilung`` contains the word ``Heilung``.
  Between the words of a phrase any white space is accepted (line breaks, several spaces);
  punctuation in a phrase ("risk-free") must be there. A leading ``#`` (or other punctuation)
  of a term must be there too: ``#employee`` needs the hashtag, ``employee`` matches with or
  without one. Words of four or more letters also match with German (and English) inflection
  endings: "garantiert" matches "garantierte", "garantierten"; "Heilung" matches "Heilungen";
  "guarantee" matches "guaranteed".

:class:`FoldedText` maps positions in the folded text back to the original's, so findings
point into the text as written. The walk over the tokens that finds the terms of all rules at
once is the rule engine's (:mod:`engagement.compliance.engine`).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

#: Characters a term may have (longer terms are refused when a rule is stored).
MAX_TERM_LENGTH = 200


# --- Folding ------------------------------------------------------------------------------

_SPECIAL_FOLDS = {
    "ä": "ae",
    "ö": "oe",
    "ü": "ue",
    "ß": "ss",
    "ẞ": "ss",
    "Ä": "ae",
    "Ö": "oe",
    "Ü": "ue",
    "\u0308": "e",
    # Typographic apostrophes and dashes count as their plain forms ("it’s" is "it's").
    "\u2019": "'",
    "\u2018": "'",
    "\u02bc": "'",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
}
_fold_cache: dict[str, str] = {}


def _fold_char(char: str) -> str:
    folded = _fold_cache.get(char)
    if folded is None:
        folded = _SPECIAL_FOLDS.get(char)
        if folded is None:
            decomposed = unicodedata.normalize("NFD", char.casefold())
            folded = "".join(c for c in decomposed if not unicodedata.combining(c)) or (
                "" if unicodedata.combining(char) else char.casefold()
            )
        if len(_fold_cache) < 20_000:
            _fold_cache[char] = folded
    return folded


@dataclass
class FoldedText:
    """A folded copy of a text and the way back from its positions to the original's."""

    text: str
    _folded_starts: list[int] = field(default_factory=list)
    _origins: list[int] = field(default_factory=list)
    _lengths: list[int] = field(default_factory=list)

    def original_start(self, position: int) -> int:
        k = bisect_right(self._folded_starts, position) - 1
        if k < 0:
            return position
        start, length = self._folded_starts[k], self._lengths[k]
        if position < start + length:
            return self._origins[k]
        return self._origins[k] + 1 + (position - start - length)

    def original_end(self, position: int) -> int:
        return 0 if position <= 0 else self.original_start(position - 1) + 1


def fold(text: str) -> FoldedText:
    """Case-fold and transliterate ``text`` (length may change: "ß" becomes "ss")."""
    table: dict[int, str] = {}
    resizing: list[str] = []
    for char in set(text):
        folded = _fold_char(char)
        if folded != char:
            table[ord(char)] = folded
            if len(folded) != 1:
                resizing.append(char)
    result = FoldedText(text.translate(table) if table else text)
    if resizing:
        shift = 0
        for match in re.finditer("[" + "".join(re.escape(c) for c in resizing) + "]", text):
            length = len(table[ord(match.group())])
            result._folded_starts.append(match.start() + shift)
            result._origins.append(match.start())
            result._lengths.append(length)
            shift += length - 1
    return result


def fold_term(term: str) -> str:
    return fold(term).text


# --- Terms ---------------------------------------------------------------------------------

#: A word token of folded text.
WORD = re.compile(r"\w+")
#: Inflection endings (German noun, adjective and verb endings, English -s/-es/-d/-ed).
SUFFIXES = frozenset({"e", "n", "s", "d", "en", "em", "er", "es", "ed", "st", "ern", "ens", "est"})
_SUFFIX_LENGTHS = sorted({len(s) for s in SUFFIXES})
INFLECT_MIN_LENGTH = 4


@dataclass(frozen=True)
class Term:
    """A term parsed for matching: folded words, what must stand between them and around them."""

    words: tuple[str, ...]
    separators: tuple[str, ...]  # punctuation between consecutive words (white space removed)
    prefix: str  # punctuation that must directly precede the first word ("#")
    suffix: str  # punctuation that must directly follow the last word
    inflect: tuple[bool, ...]


@lru_cache(maxsize=50_000)
def parse_term(term: str) -> Term | None:
    """The matching form of a term, or None when it has no letter or digit to match on."""
    folded = fold_term(term.strip())
    tokens = list(WORD.finditer(folded))
    if not tokens:
        return None
    separators = tuple("".join(folded[a.end() : b.start()].split()) for a, b in zip(tokens, tokens[1:], strict=False))
    words = tuple(t.group() for t in tokens)
    return Term(
        words=words,
        separators=separators,
        prefix="".join(folded[: tokens[0].start()].split()),
        suffix="".join(folded[tokens[-1].end() :].split()),
        inflect=tuple(w.isalpha() and len(w) >= INFLECT_MIN_LENGTH for w in words),
    )


def word_matches(token: str, word: str, inflect: bool) -> bool:
    """Whether a token of the text is ``word`` (with an inflection ending when ``inflect``)."""
    if token == word:
        return True
    if not inflect or not token.startswith(word):
        return False
    return token[len(word) :] in SUFFIXES


def candidates(token: str) -> Iterable[tuple[str, bool]]:
    """The token itself and the stems left when an inflection ending is taken off."""
    yield token, False
    for length in _SUFFIX_LENGTHS:
        if len(token) - length >= INFLECT_MIN_LENGTH and token[-length:] in SUFFIXES:
            yield token[:-length], True
