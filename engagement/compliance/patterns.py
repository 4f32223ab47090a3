"""Tenant regular expressions for the compliance engine: compiling them on RE2, refusing bad ones.

ReDoS
  Tenant patterns compile with RE2, which has no backtracking: matching is linear in the text
  whatever the pattern. :func:`validate_pattern` still refuses patterns that do not compile,
  use what RE2 lacks (back-references, look-around), match empty text, need too much memory or
  are slow on adversarial probe inputs. At check time the regex rules share a time budget,
  :data:`CHECK_REGEX_BUDGET`, which the rule engine spends (see *Regex budget* in
  :mod:`~engagement.compliance.engine`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import re2

#: Characters a tenant pattern may have.
MAX_PATTERN_LENGTH = 1000
#: Seconds all regex rules of one check may take together (RE2 keeps each one linear).
CHECK_REGEX_BUDGET = 0.5
#: Seconds a new pattern may take over all probe inputs before it is refused as too slow.
PROBE_BUDGET = 0.25
#: Memory RE2 may use for one tenant pattern (program and DFA cache); beyond: refused.
RE2_MAX_MEM = 2 << 20


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


#: Memory of the one RE2 set over a rule set's patterns (:class:`Prefilter`); a set that
#: needs more is not built, one that runs out while matching is noticed (its sentinel).
SET_MAX_MEM = 8 << 20


class Prefilter:
    """Which of many patterns match a text anywhere, in one pass (RE2's ``Set``).

    Running a hundred tenant patterns one by one scans the text a hundred times; the set
    scans it once and names the patterns worth running. A set whose automaton runs out of
    memory answers "no match" without saying so: the sentinel pattern ``\\z`` matches every
    text, so an answer without it means "cannot tell", and every pattern runs as before.
    """

    def __init__(self, patterns: list[str]):
        options = _re2_options()
        options.max_mem = SET_MAX_MEM
        self._set = re2.Set.SearchSet(options)
        for pattern in patterns:
            self._set.Add(pattern)
        self._sentinel = self._set.Add(r"\z")
        self._set.Compile()

    def matching(self, text: str) -> set[int] | None:
        """Indices (in the order added) of the patterns matching ``text`` somewhere; ``None``: cannot tell."""
        hits = self._set.Match(text)
        if not hits or self._sentinel not in hits:
            return None
        return set(hits)


def prefilter(patterns: list[str]) -> Prefilter | None:
    """A :class:`Prefilter` for two or more patterns; ``None`` if RE2 cannot build one (too large)."""
    if len(patterns) < 2:
        return None
    try:
        return Prefilter(patterns)
    except Exception:
        return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def re2_text(text: str) -> str:
    """``text`` as RE2 can take it: RE2 works on UTF-8, so a lone surrogate (possible in JSON)
    becomes U+FFFD, which keeps every offset."""
    return _SURROGATE.sub("\ufffd", text)
