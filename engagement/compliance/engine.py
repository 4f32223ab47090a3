"""The compliance rules engine: pure functions, no database.

:func:`compile_rules` turns a tenant's rules into one :class:`RuleSet` (done once, cached by the
service); :meth:`RuleSet.check` runs it over a text and returns findings sorted by position.

Kinds
  ``terms`` / ``confidential``  words and phrases, matched case-insensitively on word boundaries
      (see *Term matching*); ``confidential`` is for project names and has its own default message.
  ``regex``       a tenant's regular expression, run on RE2 (linear time, no backtracking).
  ``pii``         personal data: e-mail addresses, phone numbers, IBANs (mod-97 checked) and
      German health-insurance numbers (KVNR: a letter and nine digits, the last a check digit).
  ``disclosure``  one of the rule's terms must appear somewhere (``#Mitarbeiter``, ``#employee``).
  ``link_limit``  at most ``max_links`` links; each link beyond that is a finding.

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
  "guarantee" matches "guaranteed". All terms of all rules sit in one index keyed by their
  first word, so a check costs one pass over the text's words whatever the number of rules
  (an Aho-Corasick-like walk over tokens instead of characters).

Scope
  A rule with ``locales`` applies to texts in those languages, one with ``platforms`` to posts
  for those platforms. A check that does not say its locale (or platform) gets every rule,
  because it cannot rule any out.

ReDoS
  Tenant patterns compile with RE2, which has no backtracking: matching is linear in the text
  whatever the pattern. :func:`validate_pattern` still refuses patterns that do not compile,
  use what RE2 lacks (back-references, look-around), match empty text, need too much memory or
  are slow on adversarial probe inputs. At check time the regex rules share a time budget; a
  rule that can no longer be evaluated within it (or fails) becomes a ``warn`` finding saying
  so, never a hang or an error.
"""

from __future__ import annotations

import re
import time
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import re2

KINDS = ("terms", "regex", "pii", "disclosure", "link_limit", "confidential")
TERM_KINDS = ("terms", "disclosure", "confidential")
SEVERITIES = ("block", "warn")

DEFAULT_MESSAGES = {
    "terms": "This wording is not allowed in posts.",
    "confidential": "Confidential project name: it must not be mentioned in public.",
    "regex": "This text matches a pattern that is not allowed in posts.",
    "pii": "Personal data (e-mail address, phone number, IBAN or health-insurance number) must not be posted.",
    "disclosure": "Disclose your employment relationship, e.g. with #Mitarbeiter or #employee.",
    "link_limit": "Too many links in one post.",
}

MAX_PATTERN_LENGTH = 1000
MAX_TERM_LENGTH = 200
#: Findings reported per rule and check (a text full of one word should not flood the answer).
MAX_FINDINGS_PER_RULE = 50
MAX_EXCERPT = 200
#: Seconds all regex rules of one check may take together (RE2 keeps each one linear).
CHECK_REGEX_BUDGET = 0.5
#: Seconds a new pattern may take over all probe inputs before it is refused as too slow.
PROBE_BUDGET = 0.25
#: Memory RE2 may use for one tenant pattern (program and DFA cache); beyond: refused.
RE2_MAX_MEM = 2 << 20


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

_WORD = re.compile(r"\w+")
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
    tokens = list(_WORD.finditer(folded))
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


def _word_matches(token: str, word: str, inflect: bool) -> bool:
    if token == word:
        return True
    if not inflect or not token.startswith(word):
        return False
    return token[len(word) :] in SUFFIXES


def _candidates(token: str) -> Iterable[tuple[str, bool]]:
    """The token itself and the stems left when an inflection ending is taken off."""
    yield token, False
    for length in _SUFFIX_LENGTHS:
        if len(token) - length >= INFLECT_MIN_LENGTH and token[-length:] in SUFFIXES:
            yield token[:-length], True


# --- PII -----------------------------------------------------------------------------------

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


# --- Links ---------------------------------------------------------------------------------

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


# --- Regular expressions -------------------------------------------------------------------


def _re2_options() -> re2.Options:
    options = re2.Options()
    options.max_mem = RE2_MAX_MEM
    options.log_errors = False
    return options


_PROBES = (
    "a" * 20_000 + "!",
    "aA0 _-." * 3_000,
    ("Wir freuen uns über 100 % Zufriedenheit – jetzt informieren! #Mitarbeiter " * 60),
    "1" * 10_000 + "x",
    ("ab" * 5_000) + "\n" + ("xy " * 3_000),
)


def compile_pattern(pattern: str):
    return re2.compile(pattern, _re2_options())


def validate_pattern(pattern: str, clock: Callable[[], float] = time.perf_counter) -> str | None:
    """Why a tenant pattern is refused, or None when it is fine."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"At most {MAX_PATTERN_LENGTH} characters."
    try:
        compiled = compile_pattern(pattern)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        if "too large" in reason or "exceeds" in reason or "repetition size" in reason:
            return "The pattern is too complex (it would need too much memory to evaluate)."
        return (
            f"Not a valid regular expression ({reason}). Patterns use RE2 syntax: no back-references "
            "and no look-ahead or look-behind."
        )
    except Exception:  # the binding rejects some input outright (e.g. invalid surrogates)
        return "Not a valid regular expression."
    try:
        if compiled.search("") is not None:
            return "The pattern matches empty text; it would report a finding everywhere."
        started = clock()
        for probe in _PROBES:
            for match in compiled.finditer(probe):
                if match.end() == match.start():
                    return "The pattern matches empty text; it would report a finding everywhere."
                break
            if clock() - started > PROBE_BUDGET:
                return "The pattern is too slow to evaluate on long posts."
    except Exception:
        return "The pattern cannot be evaluated."
    return None


# --- Rules and rule sets -------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    """One rule as the engine sees it (the service builds these from stored rules)."""

    id: str
    kind: str
    severity: str = "warn"
    message: str | None = None
    terms: tuple[str, ...] = ()
    pattern: str | None = None
    max_links: int | None = None
    locales: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return self.message or DEFAULT_MESSAGES[self.kind]

    def applies(self, platform: str | None, locale: str | None) -> bool:
        if self.locales and locale is not None and locale not in self.locales:
            return False
        if self.platforms and platform is not None and platform not in self.platforms:
            return False
        return True


@dataclass
class _TermEntry:
    term: Term
    rules: list[int]


class RuleSet:
    """Rules compiled once; :meth:`check` runs them over a text."""

    def __init__(self, rules: Sequence[RuleSpec], clock: Callable[[], float] = time.perf_counter):
        self.rules = list(rules)
        self.clock = clock
        self._index: dict[str, list[_TermEntry]] = {}
        self._regexes: list[tuple[int, Any]] = []
        self._broken: set[int] = set()
        self._scopes: dict[tuple[str | None, str | None], frozenset[int]] = {}
        entries: dict[Term, _TermEntry] = {}
        for position, rule in enumerate(self.rules):
            if rule.kind in TERM_KINDS:
                for raw in rule.terms:
                    term = parse_term(raw)
                    if term is None:
                        continue
                    entry = entries.get(term)
                    if entry is None:
                        entry = entries[term] = _TermEntry(term, [])
                        self._index.setdefault(term.words[0], []).append(entry)
                    if position not in entry.rules:
                        entry.rules.append(position)
            elif rule.kind == "regex" and rule.pattern:
                try:
                    self._regexes.append((position, compile_pattern(rule.pattern)))
                except Exception:
                    self._broken.add(position)  # stored before a stricter check: reported, not fatal
        self._pii = [i for i, r in enumerate(self.rules) if r.kind == "pii"]
        self._links = [i for i, r in enumerate(self.rules) if r.kind == "link_limit"]
        self._disclosures = [i for i, r in enumerate(self.rules) if r.kind == "disclosure"]

    def _applicable(self, platform: str | None, locale: str | None) -> frozenset[int]:
        key = (platform, locale)
        scope = self._scopes.get(key)
        if scope is None:
            scope = frozenset(i for i, r in enumerate(self.rules) if r.applies(platform, locale))
            if len(self._scopes) < 100:
                self._scopes[key] = scope
        return scope

    # -- matching ---------------------------------------------------------------------------

    def _term_matches(self, folded: FoldedText, active: frozenset[int]) -> dict[int, list[tuple[int, int]]]:
        """Folded-text spans of every term match, by rule position (active rules only)."""
        text = folded.text
        tokens = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
        index = self._index
        found: dict[int, list[tuple[int, int]]] = {}
        count = len(tokens)
        for i, (start, _end, token) in enumerate(tokens):
            for candidate, inflected in _candidates(token):
                entries = index.get(candidate)
                if not entries:
                    continue
                for entry in entries:
                    term = entry.term
                    if inflected and not term.inflect[0]:
                        continue
                    last = i
                    ok = True
                    for k in range(1, len(term.words)):
                        last = i + k
                        if last >= count:
                            ok = False
                            break
                        between = text[tokens[last - 1][1] : tokens[last][0]]
                        if "".join(between.split()) != term.separators[k - 1] or not _word_matches(
                            tokens[last][2], term.words[k], term.inflect[k]
                        ):
                            ok = False
                            break
                    if not ok:
                        continue
                    span_start, span_end = start, tokens[last][1]
                    if term.prefix:
                        if text[max(0, span_start - len(term.prefix)) : span_start] != term.prefix:
                            continue
                        span_start -= len(term.prefix)
                    if term.suffix:
                        if text[span_end : span_end + len(term.suffix)] != term.suffix:
                            continue
                        span_end += len(term.suffix)
                    for rule in entry.rules:
                        if rule in active:
                            found.setdefault(rule, []).append((span_start, span_end))
        return found

    def check(self, text: str, platform: str | None = None, locale: str | None = None) -> list[dict[str, Any]]:
        """Findings of the rules that apply to ``platform`` and ``locale``, sorted by start."""
        active = self._applicable(platform, locale)
        findings: list[dict[str, Any]] = []

        def add(
            position: int,
            start: int,
            end: int,
            detail: str | None = None,
            severity: str | None = None,
            message: str | None = None,
        ):
            rule = self.rules[position]
            findings.append(
                {
                    "rule_id": rule.id,
                    "kind": rule.kind,
                    "severity": severity or rule.severity,
                    "message": message or rule.text,
                    "start": start,
                    "end": end,
                    "excerpt": text[start:end][:MAX_EXCERPT],
                    "detail": detail,
                    "_order": position,
                }
            )

        satisfied: set[int] = set()
        if self._index and active:
            folded = fold(text)
            for position, spans in self._term_matches(folded, active).items():
                if self.rules[position].kind == "disclosure":
                    satisfied.add(position)
                    continue
                for start, end in _outermost(spans)[:MAX_FINDINGS_PER_RULE]:
                    add(position, folded.original_start(start), folded.original_end(end))
        for position in self._disclosures:
            if position in active and position not in satisfied:
                add(position, len(text), len(text), "disclosure missing")

        pii_rules = [p for p in self._pii if p in active]
        if pii_rules:
            spans = find_pii(text)[:MAX_FINDINGS_PER_RULE]
            for position in pii_rules:
                for start, end, what in spans:
                    add(position, start, end, PII_LABELS[what])

        link_rules = [p for p in self._links if p in active]
        if link_rules:
            links = find_links(text)
            for position in link_rules:
                limit = self.rules[position].max_links or 0
                for number, (start, end) in enumerate(links[limit : limit + MAX_FINDINGS_PER_RULE], start=limit + 1):
                    add(position, start, end, f"link {number} of at most {limit}")

        self._run_regexes(text, active, add)
        findings.sort(key=lambda f: (f["start"], f["end"], f["_order"]))
        for finding in findings:
            del finding["_order"]
        return findings

    def _run_regexes(self, text: str, active: frozenset[int], add) -> None:
        if not self._regexes and not self._broken:
            return
        late = "The rule could not be evaluated in time; check this text by hand."
        failed = "The rule could not be evaluated; check this text by hand."
        # RE2 works on UTF-8: a lone surrogate (possible in JSON) becomes U+FFFD, same offsets.
        text = _SURROGATE.sub("\ufffd", text)
        for position in sorted(self._broken & active):
            add(
                position,
                0,
                0,
                "not evaluated",
                "warn",
                "The rule's pattern could not be compiled; check this text by hand.",
            )
        deadline = self.clock() + CHECK_REGEX_BUDGET
        for position, compiled in self._regexes:
            if position not in active:
                continue
            if self.clock() > deadline:
                add(position, 0, 0, "not evaluated", "warn", late)
                continue
            try:
                count = 0
                for match in compiled.finditer(text):
                    if match.end() > match.start():
                        add(position, match.start(), match.end())
                        count += 1
                        if count >= MAX_FINDINGS_PER_RULE:
                            break
            except Exception:
                add(position, 0, 0, "not evaluated", "warn", failed)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of one rule without those inside another of its spans ("Heilung" in "garantierte Heilung")."""
    kept: list[tuple[int, int]] = []
    for start, end in sorted(set(spans), key=lambda s: (s[0], -s[1])):
        if kept and start >= kept[-1][0] and end <= kept[-1][1]:
            continue
        kept.append((start, end))
    return kept


def compile_rules(rules: Iterable[RuleSpec], clock: Callable[[], float] = time.perf_counter) -> RuleSet:
    return RuleSet(list(rules), clock)


def check(
    rules: Iterable[RuleSpec], text: str, platform: str | None = None, locale: str | None = None
) -> list[dict[str, Any]]:
    """Compile and run in one go (tests, one-off checks); services keep the compiled set."""
    return compile_rules(rules).check(text, platform, locale)
