"""The compliance engine on its own: term matching (inflections, umlauts, word boundaries,
hashtags, phrases), personal data with checksums, disclosure, link limits, scoping by locale and
platform, and the guard against slow regular expressions."""

from __future__ import annotations

import itertools

import pytest

from engagement.compliance import engine, patterns, presets
from engagement.compliance.engine import RuleSpec
from engagement.compliance.pii import iban_valid, kvnr_valid
from engagement.compliance.text import parse_term


def terms(*words, rule_id="t", **kw) -> RuleSpec:
    return RuleSpec(
        id=rule_id, kind=kw.pop("kind", "terms"), severity=kw.pop("severity", "block"), terms=tuple(words), **kw
    )


def excerpts(rules, text, **kw) -> list[str]:
    return [f["excerpt"] for f in engine.check(rules if isinstance(rules, list) else [rules], text, **kw)]


# --- Terms ---------------------------------------------------------------------------------


def test_german_inflection_endings_match():
    rule = terms("garantiert", "Heilung", "Rendite")
    text = "Garantierte Erfolge, garantierten Nutzen, zwei Heilungen und hohe Renditen; garantiert."
    assert excerpts(rule, text) == ["Garantierte", "garantierten", "Heilungen", "Renditen", "garantiert"]


def test_inflection_is_no_substring_match():
    rule = terms("Heilung", "garantiert", "Öl")
    assert excerpts(rule, "Wunderheilung, Heilungsprozess, garantiertermaßen, Erdöl, Heilungx") == []
    # Short words match only exactly: "Öl" does not take endings.
    assert excerpts(rule, "Öle und Öl") == ["Öl"]


def test_english_endings_too():
    assert excerpts(terms("guarantee", "cure"), "We guaranteed it; it cures; guarantees.") == [
        "guaranteed",
        "cures",
        "guarantees",
    ]


def test_case_and_umlaut_transliteration_are_equivalent():
    rule = terms("Übelkeit", "strasse", "Größe")
    text = "UEBELKEIT, übelkeit, Uebelkeit; Straße, STRASSE; groesse und GRÖSSE"
    assert excerpts(rule, text) == ["UEBELKEIT", "übelkeit", "Uebelkeit", "Straße", "STRASSE", "groesse", "GRÖSSE"]


def test_spans_point_into_the_original_text_after_expanding_characters():
    # ß and ä become two letters when folded; the spans must still be those of the original.
    text = "Süße Grüße, ähnlich: Maßnahme heilt garantiert. Straße"
    findings = engine.check([terms("heilt garantiert", "Strasse")], text)
    assert [(f["start"], f["end"]) for f in findings] == [
        (text.index("heilt"), text.index(".")),
        (text.index("Straße"), len(text)),
    ]
    assert [f["excerpt"] for f in findings] == ["heilt garantiert", "Straße"]


def test_decomposed_umlauts_match_too():
    text = "U\u0308belkeit ist kein Thema"  # "Ü" as U + combining diaeresis
    findings = engine.check([terms("Übelkeit")], text)
    assert [(f["start"], f["end"]) for f in findings] == [(0, 9)]


def test_phrases_allow_any_white_space_but_keep_punctuation():
    rule = terms("garantierte Heilung", "risk-free")
    text = "Eine garantierte\n   Heilungen! risk-free, risk - free, risk free, riskfree"
    assert excerpts(rule, text) == ["garantierte\n   Heilungen", "risk-free", "risk - free"]


def test_typographic_apostrophes_and_dashes_count_as_plain_ones():
    rule = terms("before it's too late", "risk-free")
    assert excerpts(rule, "Act before it\u2019s too late: risk\u2013free!") == [
        "before it\u2019s too late",
        "risk\u2013free",
    ]


def test_hashtags_and_word_boundaries():
    rule = terms("#employee", "Heilung", rule_id="r")
    text = "employee #Employee #employees #Heilung Heilung_x"
    assert excerpts(rule, text) == ["#Employee", "#employees", "Heilung"]


def test_overlapping_terms_of_one_rule_report_the_outer_match_and_other_rules_their_own():
    outer = terms("garantierte Heilung", "Heilung", rule_id="outer")
    other = terms("Heilung", rule_id="other", severity="warn")
    findings = engine.check([outer, other], "Die garantierte Heilung.")
    assert [(f["rule_id"], f["excerpt"]) for f in findings] == [("outer", "garantierte Heilung"), ("other", "Heilung")]


def test_terms_without_letters_or_digits_are_not_matchable():
    assert parse_term("#!?") is None
    assert parse_term("  ") is None
    assert parse_term("100 %").words == ("100",)


def test_many_rules_share_one_index():
    rules = [terms(f"Projekt{i}", f"Begriff {i} Alpha", rule_id=f"r{i}") for i in range(500)]
    text = "Heute: projekt17, Begriff 499 Alpha und projekt500."
    findings = engine.check(rules, text)
    assert [(f["rule_id"], f["excerpt"]) for f in findings] == [("r17", "projekt17"), ("r499", "Begriff 499 Alpha")]


def test_confidential_kind_has_its_own_default_message():
    finding = engine.check([terms("Projekt Nordstern", kind="confidential")], "Zu Projekt Nordstern:")[0]
    assert finding["kind"] == "confidential" and finding["message"] == engine.DEFAULT_MESSAGES["confidential"]


# --- Personal data -------------------------------------------------------------------------

PII = RuleSpec(id="pii", kind="pii", severity="block")


def pii(text: str) -> list[tuple[str, str]]:
    return [(f["detail"], f["excerpt"]) for f in engine.check([PII], text)]


def test_checksums():
    assert iban_valid("DE89 3704 0044 0532 0130 00")
    assert not iban_valid("DE89 3704 0044 0532 0130 01")
    assert not iban_valid("DE89 3704 0044 0532 0130")  # wrong length for DE
    assert iban_valid("GB82WEST12345698765432")
    assert kvnr_valid("A123456780")
    assert not kvnr_valid("A123456781")
    assert not kvnr_valid("a123456780")


def test_pii_finds_valid_ibans_and_insurance_numbers_only():
    text = "IBAN DE89 3704 0044 0532 0130 00 bzw. DE89370400440532013001, KVNR A123456780 nicht A123456781."
    assert pii(text) == [("IBAN", "DE89 3704 0044 0532 0130 00"), ("health-insurance number", "A123456780")]


def test_pii_finds_emails_and_phone_numbers():
    text = "Mail an dr.eva-sommer+praxis@klinik-am-see.de oder Tel. +49 (0)30 1234567, mobil 0171/1234567."
    assert pii(text) == [
        ("e-mail address", "dr.eva-sommer+praxis@klinik-am-see.de"),
        ("phone number", "+49 (0)30 1234567"),
        ("phone number", "0171/1234567"),
    ]


def test_pii_leaves_dates_amounts_and_years_alone():
    assert pii("Am 01.12.2026 um 10:30, 2026 und 2027, 1.250.000 Euro, ISO 13485, Version 0.9.1, @handle") == []


def test_an_iban_is_not_also_a_phone_number():
    assert pii("DE02 1203 0000 0000 2020 51") == [("IBAN", "DE02 1203 0000 0000 2020 51")]


# --- Disclosure and links ------------------------------------------------------------------

DISCLOSURE = RuleSpec(
    id="d", kind="disclosure", severity="block", terms=("#Mitarbeiter", "#employee", "ich arbeite bei")
)


def test_disclosure_missing_is_one_finding_at_the_end():
    text = "Tolles neues Produkt!"
    findings = engine.check([DISCLOSURE], text)
    assert [(f["rule_id"], f["start"], f["end"], f["detail"]) for f in findings] == [
        ("d", len(text), len(text), "disclosure missing")
    ]


@pytest.mark.parametrize("text", ["Tolles Produkt #Mitarbeiter", "#EMPLOYEE here", "Ich arbeite  bei Nordlicht."])
def test_disclosure_present_means_no_finding(text):
    assert engine.check([DISCLOSURE], text) == []


def test_disclosure_hashtag_needs_the_hash():
    assert len(engine.check([DISCLOSURE], "Ich bin Mitarbeiter dort")) == 1


def test_link_limit_reports_each_link_beyond_it():
    rule = RuleSpec(id="l", kind="link_limit", severity="warn", max_links=1)
    text = "Mehr: https://example.com/a, www.example.org und (http://x.de/p?q=1)."
    findings = engine.check([rule], text)
    assert [(f["excerpt"], f["detail"]) for f in findings] == [
        ("www.example.org", "link 2 of at most 1"),
        ("http://x.de/p?q=1", "link 3 of at most 1"),
    ]
    assert engine.check([rule], "nur https://example.com") == []


# --- Scope ---------------------------------------------------------------------------------


def test_rules_are_scoped_by_locale_and_platform():
    german = terms("Heilung", rule_id="de", locales=("de",))
    on_x = terms("Heilung", rule_id="x", platforms=("x", "tiktok"))
    everywhere = terms("Heilung", rule_id="all")
    rule_set = engine.compile_rules([german, on_x, everywhere])

    def ids(**kw):
        return [f["rule_id"] for f in rule_set.check("Heilung", **kw)]

    assert ids(locale="de", platform="x") == ["de", "x", "all"]
    assert ids(locale="en", platform="x") == ["x", "all"]
    assert ids(locale="de", platform="linkedin") == ["de", "all"]
    assert ids(locale="en", platform="linkedin") == ["all"]
    assert ids() == ["de", "x", "all"]  # unknown locale and platform: nothing can be ruled out
    scoped_disclosure = RuleSpec(id="d", kind="disclosure", severity="block", terms=("#Mitarbeiter",), locales=("de",))
    assert engine.check([scoped_disclosure], "Great news", locale="en") == []


def test_findings_are_sorted_by_start_across_kinds():
    rules = [
        terms("Heilung"),
        PII,
        RuleSpec(id="re", kind="regex", severity="warn", pattern=r"\d+ ?%"),
        RuleSpec(id="l", kind="link_limit", severity="warn", max_links=0),
    ]
    findings = engine.check(rules, "50 % https://a.de Heilung a@b.de")
    assert [f["rule_id"] for f in findings] == ["re", "l", "t", "pii"]
    assert [f["start"] for f in findings] == sorted(f["start"] for f in findings)


# --- Regular expressions and the ReDoS guard -----------------------------------------------


def test_regex_rules_find_their_matches():
    rule = RuleSpec(id="re", kind="regex", severity="warn", pattern=r"(?i)\b\d{1,3}\s?%\s*Rendite")
    assert excerpts(rule, "Bis zu 12 % Rendite, 8%rendite und 7 % Zinsen.") == ["12 % Rendite", "8%rendite"]


@pytest.mark.parametrize(
    "pattern, reason",
    [
        ("(unclosed", "Not a valid regular expression"),
        (r"(a)\1", "Not a valid regular expression"),  # back-references: no linear-time engine has them
        ("(?<=a)b", "Not a valid regular expression"),
        ("a*", "matches empty text"),
        (r"\b", "matches empty text"),
        ("(a{1000}){1000}", "too complex"),
        ("x" * (patterns.MAX_PATTERN_LENGTH + 1), "At most"),
    ],
)
def test_bad_patterns_are_refused(pattern, reason):
    assert reason in patterns.validate_pattern(pattern)


def test_a_pattern_slow_on_the_probes_is_refused():
    ticks = itertools.count(step=patterns.PROBE_BUDGET)  # every reading of the clock: one budget later
    assert "too slow" in patterns.validate_pattern("Heilung", clock=lambda: next(ticks))
    assert patterns.validate_pattern("Heilung") is None


def test_catastrophic_backtracking_patterns_run_in_linear_time():
    # Exponential on a backtracking engine; RE2 answers at once, so the pattern is acceptable.
    for pattern in (r"(a+)+$", r"(x+x+)+y", r"^(\w+\s?)+!"):
        assert patterns.validate_pattern(pattern) is None
    rule = RuleSpec(id="re", kind="regex", severity="block", pattern=r"(a+)+b")
    assert engine.check([rule], "a" * 100_000 + "!") == []


def test_a_regex_rule_over_the_time_budget_becomes_a_warning():
    ticks = itertools.count(step=patterns.CHECK_REGEX_BUDGET)  # the budget is gone after the first rule
    rules = [
        RuleSpec(id="first", kind="regex", severity="block", pattern="Heil"),
        RuleSpec(id="second", kind="regex", severity="block", pattern="Heil", message="Kein Heil"),
        terms("Heilung", rule_id="words"),
    ]
    findings = engine.RuleSet(rules, clock=lambda: next(ticks)).check("Heilung")
    assert [(f["rule_id"], f["severity"], f["detail"]) for f in findings] == [
        ("second", "warn", "not evaluated"),
        ("first", "block", None),
        ("words", "block", None),
    ]
    assert "could not be evaluated" in findings[0]["message"]


REGEX_RULES = [
    RuleSpec(id=f"re{i}", kind="regex", severity="warn", pattern=pattern)
    for i, pattern in enumerate(
        [
            r"(?i)\bheil\w*",
            r"PRJ-\d{3}",
            r"Grüße",
            r"(?i)\bgaranti",
            r"a*b?",  # stored before empty matches were refused: a candidate everywhere, no finding
            r"\d{4,}",
            r"(?i)köln",
            r"nirgends",
        ]
    )
]
REGEX_TEXTS = ["", "Heilung garantiert!", "Grüße aus KÖLN, PRJ-123 und 2026", "nichts davon", "\ud800 PRJ-001"]


def test_the_regex_prefilter_finds_what_running_every_pattern_finds():
    with_set = engine.RuleSet(REGEX_RULES)
    without = engine.RuleSet(REGEX_RULES)
    without._prefilter = None
    assert with_set._prefilter is not None
    for text in REGEX_TEXTS:
        assert with_set.check(text) == without.check(text), text
    found = {f["rule_id"] for f in with_set.check(REGEX_TEXTS[2])}
    assert {"re1", "re2", "re5", "re6"} <= found and "re7" not in found


def test_a_prefilter_that_cannot_tell_runs_every_pattern(monkeypatch):
    rule_set = engine.RuleSet(REGEX_RULES)
    expected = rule_set.check(REGEX_TEXTS[1])
    assert expected
    for answer in (None, [], [0]):  # out of memory: no sentinel in the answer
        monkeypatch.setattr(
            rule_set._prefilter, "_set", type("Set", (), {"Match": lambda self, text, answer=answer: answer})()
        )
        assert rule_set.check(REGEX_TEXTS[1]) == expected


def test_a_stored_pattern_that_no_longer_compiles_is_reported_not_raised():
    findings = engine.check([RuleSpec(id="re", kind="regex", severity="block", pattern="(?<=x)y")], "xy")
    assert [(f["severity"], f["detail"]) for f in findings] == [("warn", "not evaluated")]


# --- Presets -------------------------------------------------------------------------------


def test_preset_rules_are_valid_and_keys_unique():
    for name, preset in presets.PRESETS.items():
        keys = [rule["key"] for rule in preset["rules"]]
        assert len(keys) == len(set(keys)), name
        for rule in preset["rules"]:
            assert rule["kind"] in engine.KINDS and rule["severity"] in engine.SEVERITIES
            assert all(parse_term(t) is not None for t in rule.get("terms", [])), rule["key"]
            if rule["kind"] == "regex":
                assert patterns.validate_pattern(rule["pattern"]) is None, rule["key"]


def test_healthcare_preset_catches_hwg_claims_in_german_and_english():
    rules = [
        RuleSpec(
            id=r["key"],
            kind=r["kind"],
            severity=r["severity"],
            terms=tuple(r.get("terms", ())),
            pattern=r.get("pattern"),
            locales=tuple(r.get("locales", ())),
        )
        for r in presets.PRESETS["healthcare_de"]["rules"]
    ]
    german = (
        "Unser Implantat heilt garantiert und ist völlig unbedenklich – bevor es zu spät ist! Nehmen Sie 20 mg täglich."
    )
    assert {f["rule_id"] for f in engine.check(rules, german, locale="de")} == {
        "cure_promises_de",
        "no_side_effects_de",
        "fear_advertising_de",
        "dosage",
    }
    english = "A guaranteed cure with no side effects. Send me your symptoms!"
    assert {f["rule_id"] for f in engine.check(rules, english, locale="en")} == {
        "cure_promises_en",
        "no_side_effects_en",
        "medical_advice_en",
    }


def test_lone_surrogates_do_not_stop_regex_rules():
    rule = RuleSpec(id="re", kind="regex", severity="warn", pattern="abc")
    findings = engine.check([rule], "\ud800 abc")
    assert [(f["start"], f["end"], f["excerpt"]) for f in findings] == [(2, 5, "abc")]
