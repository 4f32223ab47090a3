"""Direct tests of the starter training content (training.templates is pure data)."""

from __future__ import annotations

import re

import pytest

from training.templates import GUIDELINE_TEMPLATES, TEMPLATES, get_guideline_template, get_template, list_templates

MODULE_KEYS = (
    "brand_values_workshop",
    "social_media_guideline",
    "healthcare_advertising_rules",
    "data_protection_basics",
)
LOCALES = ("de", "en")
INDUSTRIES = {"generic", "healthcare", "medtech", "pharma", "finance", "public"}  # tenants.models.INDUSTRIES
KINDS = {"brand_values", "guidelines", "platform", "compliance", "custom"}
HEALTH_ONLY = {"healthcare_advertising_rules_de", "healthcare_advertising_rules_en"}
MODULE_FIELDS = {
    "title",
    "kind",
    "locale",
    "summary",
    "required",
    "recertify_after_days",
    "max_attempts",
    "lessons",
    "quiz",
}


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _questions():
    for key, template in TEMPLATES.items():
        for number, question in enumerate(template["module"]["quiz"]["questions"]):
            yield pytest.param(question, id=f"{key}-q{number}")


# --- structure -------------------------------------------------------------------------------


def test_every_module_key_exists_in_german_and_english():
    assert set(TEMPLATES) == {f"{key}_{locale}" for key in MODULE_KEYS for locale in LOCALES}


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_template_has_required_keys_and_api_shape(key):
    template = TEMPLATES[key]
    assert set(template) >= {"key", "industries", "module"}
    assert template["key"] == key
    assert template["industries"] and set(template["industries"]) <= INDUSTRIES
    module = template["module"]
    assert set(module) >= MODULE_FIELDS
    assert module["kind"] in KINDS
    assert module["locale"] == key.rsplit("_", 1)[1]
    assert isinstance(module["required"], bool)
    assert module["title"].strip() and len(module["title"]) <= 200
    assert module["summary"].strip()
    assert module["recertify_after_days"] == 365
    assert module["max_attempts"] == 3
    assert 0 <= module["quiz"]["pass_score"] <= 100
    assert module["quiz"]["pass_score"] == 80


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_lessons_are_substantive(key):
    lessons = TEMPLATES[key]["module"]["lessons"]
    assert 3 <= len(lessons) <= 4
    for lesson in lessons:
        assert lesson["title"].strip()
        assert lesson["body"].strip()
        assert 80 <= _words(lesson["body"]) <= 250, lesson["title"]


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_quiz_mixes_single_and_multiple(key):
    questions = TEMPLATES[key]["module"]["quiz"]["questions"]
    assert 5 <= len(questions) <= 6
    assert {q["kind"] for q in questions} == {"single", "multiple"}
    assert len({q["text"] for q in questions}) == len(questions)


@pytest.mark.parametrize("question", list(_questions()))
def test_question_options_are_valid(question):
    assert question["text"].strip()
    assert question["kind"] in {"single", "multiple"}
    options = question["options"]
    assert 3 <= len(options) <= 4
    assert all(isinstance(o["correct"], bool) and o["text"].strip() for o in options)
    correct = sum(o["correct"] for o in options)
    assert correct >= 1
    assert correct < len(options), "at least one option should be wrong"
    if question["kind"] == "single":
        assert correct == 1
    # The API compares options case-insensitively after stripping; so do we.
    assert len({o["text"].strip().lower() for o in options}) == len(options), "option texts must be unique"
    assert question["explanation"].strip()


def test_pairs_have_the_same_shape_in_both_languages():
    for key in MODULE_KEYS:
        de, en = TEMPLATES[f"{key}_de"], TEMPLATES[f"{key}_en"]
        assert de["industries"] == en["industries"]
        de_module, en_module = de["module"], en["module"]
        for field in ("kind", "required", "recertify_after_days", "max_attempts"):
            assert de_module[field] == en_module[field]
        assert len(de_module["lessons"]) == len(en_module["lessons"])
        de_questions, en_questions = de_module["quiz"]["questions"], en_module["quiz"]["questions"]
        assert [q["kind"] for q in de_questions] == [q["kind"] for q in en_questions]
        assert [[o["correct"] for o in q["options"]] for q in de_questions] == [
            [o["correct"] for o in q["options"]] for q in en_questions
        ]


def test_compliance_and_guideline_modules_are_required():
    for key, template in TEMPLATES.items():
        if template["module"]["kind"] in {"guidelines", "compliance"}:
            assert template["module"]["required"] is True, key


# --- language and placeholders ------------------------------------------------------------------

TRANSLITERATIONS = re.compile(
    r"\b(fuer|ueber\w*|koenn\w*|muess\w*|moeglich\w*|waehr\w*|geschaeft\w*|loesch\w*|aender\w*|gruen\w*|schliess\w*|gross\w*|heiss\w*)\b",
    re.IGNORECASE,
)


def _german_texts():
    for key, template in TEMPLATES.items():
        if template["module"]["locale"] == "de":
            yield key, " ".join(_strings(template["module"]))
    for key, template in GUIDELINE_TEMPLATES.items():
        if template["guideline"]["locale"] == "de":
            yield key, " ".join(_strings(template["guideline"]))


@pytest.mark.parametrize("key,text", list(_german_texts()))
def test_german_text_uses_umlauts_not_transliterations(key, text):
    assert all(letter in text for letter in "äöüß"), key
    assert TRANSLITERATIONS.findall(text) == [], key


def test_placeholders_are_well_formed():
    everything = list(_strings(TEMPLATES)) + list(_strings(GUIDELINE_TEMPLATES))
    for text in everything:
        for line in text.splitlines():
            assert line.count("{") == line.count("}"), line
            assert "{{" not in line and "}}" not in line, line


@pytest.mark.parametrize(
    "key,phrases",
    [
        ("brand_values_workshop_de", ["41 %", "freiwillig", "Big Seed", "Copy-paste", "{Unternehmen}"]),
        ("brand_values_workshop_en", ["41%", "voluntary", "big seed", "copy-paste", "{Company}"]),
        (
            "social_media_guideline_de",
            ["fristlose Kündigung", "#Mitarbeiter", "Ich arbeite bei", "Betriebsfrieden", "Content-Bibliothek"],
        ),
        (
            "social_media_guideline_en",
            ["dismissal without notice", "#employee", "I work at", "peace of the workplace", "content library"],
        ),
        (
            "healthcare_advertising_rules_de",
            [
                "Heilmittelwerbegesetz",
                "verschreibungspflichtig",
                "Angstwerbung",
                "Sprechstunde",
                "Grippeschutzimpfung",
                "E-Rezept",
            ],
        ),
        (
            "healthcare_advertising_rules_en",
            [
                "Heilmittelwerbegesetz",
                "prescription-only",
                "fear advertising",
                "consultation hours",
                "flu vaccination",
                "e-prescription",
            ],
        ),
        ("data_protection_basics_de", ["DSGVO", "Einwilligung", "Screenshot", "Standort", "Datenschutzbeauftragten"]),
        ("data_protection_basics_en", ["GDPR", "consent", "screenshot", "location", "data protection officer"]),
    ],
)
def test_modules_cover_their_topics(key, phrases):
    text = " ".join(_strings(TEMPLATES[key]["module"]))
    missing = [phrase for phrase in phrases if phrase.lower() not in text.lower()]
    assert missing == []


# --- listing and copies -----------------------------------------------------------------------


def test_list_templates_without_industry_lists_all_with_counts():
    summaries = list_templates()
    assert {s["key"] for s in summaries} == set(TEMPLATES)
    for summary in summaries:
        module = TEMPLATES[summary["key"]]["module"]
        assert set(summary) >= {"key", "title", "kind", "locale", "summary", "industries", "questions"}
        assert summary["questions"] == len(module["quiz"]["questions"])
        assert summary["title"] == module["title"]
        assert "lessons" not in summary or summary["lessons"] == len(module["lessons"])


def test_healthcare_module_only_for_health_industries():
    finance = {s["key"] for s in list_templates("finance")}
    assert finance.isdisjoint(HEALTH_ONLY)
    assert finance == set(TEMPLATES) - HEALTH_ONLY
    for industry in ("medtech", "healthcare", "pharma"):
        assert HEALTH_ONLY <= {s["key"] for s in list_templates(industry)}
    assert HEALTH_ONLY.isdisjoint({s["key"] for s in list_templates("public")})


def test_unknown_industry_gets_the_generic_templates():
    assert {s["key"] for s in list_templates("retail")} == set(TEMPLATES) - HEALTH_ONLY


def test_get_template_returns_a_deep_copy():
    key = "social_media_guideline_de"
    copy = get_template(key)
    assert copy == TEMPLATES[key] and copy is not TEMPLATES[key]
    copy["module"]["title"] = "changed"
    copy["module"]["lessons"][0]["body"] = "changed"
    copy["module"]["quiz"]["questions"][0]["options"][0]["correct"] = not copy["module"]["quiz"]["questions"][0][
        "options"
    ][0]["correct"]
    copy["industries"].append("retail")
    fresh = get_template(key)
    assert fresh["module"]["title"] != "changed"
    assert fresh["module"]["lessons"][0]["body"] != "changed"
    assert "retail" not in TEMPLATES[key]["industries"]
    assert fresh == TEMPLATES[key]


def test_unknown_key_returns_none():
    assert get_template("no_such_template") is None
    assert get_template("social_media_guideline") is None
    assert get_guideline_template("no_such_template") is None


# --- guideline documents -------------------------------------------------------------------------


def test_guideline_templates_in_both_languages():
    assert set(GUIDELINE_TEMPLATES) == {"social_media_guideline_de", "social_media_guideline_en"}
    for key, template in GUIDELINE_TEMPLATES.items():
        assert template["key"] == key
        guideline = template["guideline"]
        assert set(guideline) == {"title", "body", "locale"}
        assert guideline["locale"] == key.rsplit("_", 1)[1]
        assert guideline["title"].strip() and len(guideline["title"]) <= 200
        assert 400 <= _words(guideline["body"]) <= 700


@pytest.mark.parametrize(
    "key,phrases",
    [
        (
            "social_media_guideline_de",
            [
                "Betriebsvereinbarung",
                "freiwillig",
                "fristlose Kündigung",
                "#Mitarbeiter",
                "Betriebsfrieden",
                "{Unternehmen}",
            ],
        ),
        (
            "social_media_guideline_en",
            [
                "works agreement",
                "voluntary",
                "dismissal without notice",
                "#employee",
                "peace of the workplace",
                "{Company}",
            ],
        ),
    ],
)
def test_guideline_documents_cover_the_policy(key, phrases):
    body = GUIDELINE_TEMPLATES[key]["guideline"]["body"].lower()
    assert [phrase for phrase in phrases if phrase.lower() not in body] == []


def test_get_guideline_template_returns_a_deep_copy():
    copy = get_guideline_template("social_media_guideline_en")
    copy["guideline"]["body"] = "changed"
    assert GUIDELINE_TEMPLATES["social_media_guideline_en"]["guideline"]["body"] != "changed"
