"""The compliance rules engine: pure functions, no database.

:func:`compile_rules` turns a tenant's rules into one :class:`RuleSet` (done once, cached by the
service); :meth:`RuleSet.check` runs it over a text and returns findings sorted by position.
The pieces it composes live next to it: folding and term parsing in
:mod:`~engagement.compliance.text`, personal data in :mod:`~engagement.compliance.pii`, links in
:mod:`~engagement.compliance.links`, tenant regular expressions on RE2 and their time budgets in
:mod:`~engagement.compliance.patterns`.

Kinds
  ``terms`` / ``confidential``  words and phrases, matched case-insensitively on word boundaries
      (see *Term matching* in :mod:`~engagement.compliance.text`); ``confidential`` is for
      project names and has its own default message.
  ``regex``       a tenant's regular expression, run on RE2 (linear time, no backtracking; see
      *ReDoS* in :mod:`~engagement.compliance.patterns`).
  ``pii``         personal data: e-mail addresses, phone numbers, IBANs (mod-97 checked) and
      German health-insurance numbers (KVNR: a letter and nine digits, the last a check digit).
  ``disclosure``  one of the rule's terms must appear somewhere (``#Mitarbeiter``, ``#employee``).
  ``link_limit``  at most ``max_links`` links; each link beyond that is a finding.

Term index
  All terms of all rules sit in one index keyed by their first word, so a check costs one pass
  over the text's words whatever the number of rules (an Aho-Corasick-like walk over tokens
  instead of characters).

Scope
  A rule with ``locales`` applies to texts in those languages, one with ``platforms`` to posts
  for those platforms. A check that does not say its locale (or platform) gets every rule,
  because it cannot rule any out.

Regex prefilter
  All regex rules sit in one RE2 set that scans the text once and names the rules matching
  somewhere; only those run to find their matches (see :class:`patterns.Prefilter`).

Regex budget
  The regex rules of one check share a time budget (``patterns.CHECK_REGEX_BUDGET``); a rule
  that can no longer be evaluated within it (or fails) becomes a ``warn`` finding saying so,
  never a hang or an error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from engagement.compliance import patterns
from engagement.compliance.links import find_links
from engagement.compliance.pii import PII_LABELS, find_pii
from engagement.compliance.text import WORD, FoldedText, Term, candidates, fold, parse_term, word_matches

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

#: Findings reported per rule and check (a text full of one word should not flood the answer).
MAX_FINDINGS_PER_RULE = 50
MAX_EXCERPT = 200

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
                    self._regexes.append((position, patterns.compile_pattern(rule.pattern)))
                except Exception:
                    self._broken.add(position)  # stored before a stricter check: reported, not fatal
        self._prefilter = patterns.prefilter([self.rules[position].pattern for position, _ in self._regexes])
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
        tokens = [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]
        index = self._index
        found: dict[int, list[tuple[int, int]]] = {}
        count = len(tokens)
        for i, (start, _end, token) in enumerate(tokens):
            for candidate, inflected in candidates(token):
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
                        if "".join(between.split()) != term.separators[k - 1] or not word_matches(
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
        text = patterns.re2_text(text)
        for position in sorted(self._broken & active):
            add(
                position,
                0,
                0,
                "not evaluated",
                "warn",
                "The rule's pattern could not be compiled; check this text by hand.",
            )
        deadline = self.clock() + patterns.CHECK_REGEX_BUDGET
        candidates = self._prefilter.matching(text) if self._prefilter else None
        for index, (position, compiled) in enumerate(self._regexes):
            if position not in active or (candidates is not None and index not in candidates):
                continue  # out of scope, or matches nowhere in the text
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
