"""The loader of the training template data files: a broken file fails loudly, naming file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from training import templates
from training.templates import TemplateError, load_guideline_templates, load_module_templates

DATA = Path(templates.__file__).parent
MODULE = "brand_values_workshop_de.yaml"
GUIDELINE = "guidelines/social_media_guideline_en.md"


@pytest.fixture
def data(tmp_path) -> Path:
    """A writable copy of the packaged data files."""
    target = tmp_path / "templates"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def _edit(path: Path, change) -> None:
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(content)
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _fails(load, directory: Path, file: str, field: str | None, problem: str) -> TemplateError:
    with pytest.raises(TemplateError) as info:
        load(directory)
    error = info.value
    assert Path(error.file) == directory / file
    assert error.field == field
    assert problem in error.problem
    assert str(error).startswith(f"{directory / file}: ")
    if field:
        assert f": {field}: " in str(error)
    return error


# --- the packaged files ----------------------------------------------------------------------


def test_packaged_files_load_and_match_the_module_attributes(data):
    assert load_module_templates(data) == templates.TEMPLATES
    assert load_guideline_templates(str(data)) == templates.GUIDELINE_TEMPLATES
    assert list(templates.TEMPLATES)[:2] == ["brand_values_workshop_de", "brand_values_workshop_en"]  # catalogue order


def test_templates_are_read_once_and_shared():
    assert templates.TEMPLATES is templates.TEMPLATES
    assert templates.GUIDELINE_TEMPLATES is templates.GUIDELINE_TEMPLATES
    assert {"TEMPLATES", "GUIDELINE_TEMPLATES", "get_template"} <= set(dir(templates))
    with pytest.raises(AttributeError, match="no attribute 'NO_SUCH_THING'"):
        templates.NO_SUCH_THING  # noqa: B018


def test_known_values_match_the_models():
    from tenants.models import INDUSTRIES
    from training.models import MODULE_KINDS

    assert tuple(templates.ALL_INDUSTRIES) == INDUSTRIES
    assert templates.MODULE_KINDS == MODULE_KINDS


# --- module files ------------------------------------------------------------------------------


def _set(path: list, value):
    def change(content):
        target = content
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


def _delete(path: list):
    def change(content):
        target = content
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return change


def _mark_all(correct: bool):
    def change(content):
        for option in content["quiz"]["questions"][0]["options"]:
            option["correct"] = correct

    return change


@pytest.mark.parametrize(
    "change,field,problem",
    [
        (_delete(["summary"]), "summary", "missing"),
        (_delete(["lessons", 1, "body"]), "lessons[1].body", "missing"),
        (_delete(["quiz", "questions", 2, "explanation"]), "quiz.questions[2].explanation", "missing"),
        (_set(["lessons", 0, "titel"], "Typo"), "lessons[0].titel", "unknown field"),
        (_set(["industries"], ["generic", "retail"]), "industries[1]", "'retail' is not one of"),
        (_set(["industries"], []), "industries", "must be a list"),
        (_set(["industries"], ["pharma", "pharma"]), "industries", "twice"),
        (_set(["kind"], "marketing"), "kind", "'marketing' is not one of"),
        (_set(["quiz", "questions", 0, "kind"], "essay"), "quiz.questions[0].kind", "'essay' is not one of single"),
        (_mark_all(False), "quiz.questions[0].options", "no option is marked 'correct: true'"),
        (_mark_all(True), "quiz.questions[0].options", "exactly one correct option, has 4"),
        (
            _set(["quiz", "questions", 0, "options", 1, "correct"], "maybe"),
            "quiz.questions[0].options[1].correct",
            "true or false",
        ),
        (_set(["quiz", "questions", 0, "options", 1, "text"], " rund 41 % "), "quiz.questions[0].options", "same text"),
        (
            _set(["quiz", "questions", 0, "options"], [{"text": "Only", "correct": True}]),
            "quiz.questions[0].options",
            "2 to 10",
        ),
        (_set(["title"], 42), "title", "must be text"),
        (_set(["summary"], "   "), "summary", "must not be empty"),
        (_set(["required"], "yes please"), "required", "true or false"),
        (_set(["quiz", "pass_score"], 120), "quiz.pass_score", "from 0 to 100"),
        (_set(["max_attempts"], True), "max_attempts", "whole number"),
        (_set(["key"], "brand_values_workshop_en"), "key", "does not match the file name"),
        (_set(["locale"], "en"), "locale", "does not match the file name"),
        (_set(["locale"], "fr"), "locale", "'fr' is not one of de, en"),
        (_set(["lessons"], "Just one text"), "lessons", "must be a list"),
    ],
)
def test_a_broken_module_names_file_and_field(data, change, field, problem):
    _edit(data / MODULE, change)
    _fails(load_module_templates, data, MODULE, field, problem)


def test_a_module_that_is_not_a_mapping(data):
    (data / MODULE).write_text("- just\n- a list\n", encoding="utf-8")
    _fails(load_module_templates, data, MODULE, None, "must be a mapping")


def test_a_module_with_a_yaml_syntax_error(data):
    (data / MODULE).write_text("key: brand_values_workshop_de\ntitle: [unclosed\n", encoding="utf-8")
    error = _fails(load_module_templates, data, MODULE, None, "not valid YAML")
    assert "line" in str(error)


def test_a_field_given_twice_is_an_error_not_silently_overwritten(data):
    text = (data / MODULE).read_text(encoding="utf-8")
    (data / MODULE).write_text(text + "summary: A second summary.\n", encoding="utf-8")
    error = _fails(load_module_templates, data, MODULE, None, "key 'summary' is given twice")
    assert f"line {len(text.splitlines()) + 1}" in str(error)


def test_every_module_needs_both_languages(data):
    (data / "data_protection_basics_en.yaml").unlink()
    _fails(load_module_templates, data, "data_protection_basics_en.yaml", None, "has no 'en' version")


@pytest.mark.parametrize("name", ["press_kit_de.yaml", "brand_values_workshop_fr.yaml", "brand_values_workshop_de.yml"])
def test_a_template_file_outside_the_catalogue_is_an_error(data, name):
    shutil.copy(data / MODULE, data / name)
    _fails(load_module_templates, data, name, None, "not in the catalogue")


def test_catalogue_names_are_unique(data):
    _edit(data / "catalogue.yaml", lambda content: content["modules"].append("brand_values_workshop"))
    _fails(load_module_templates, data, "catalogue.yaml", "modules", "'brand_values_workshop' is listed twice")


def test_catalogue_is_required(data):
    (data / "catalogue.yaml").unlink()
    _fails(load_module_templates, data, "catalogue.yaml", None, "file not found")


# --- guideline documents ---------------------------------------------------------------------


def _replace(data: Path, old: str, new: str) -> None:
    path = data / GUIDELINE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_guideline_body_is_the_markdown_after_the_front_matter(data):
    guideline = load_guideline_templates(data)["social_media_guideline_en"]["guideline"]
    assert guideline["body"].startswith("# Social media policy of {Company}\n\n*Works agreement")
    assert guideline["body"] == guideline["body"].strip()
    assert list(guideline) == ["title", "body", "locale"]


@pytest.mark.parametrize(
    "old,new,field,problem",
    [
        ("title: Social media policy of {Company}\n", "", "front matter.title", "missing"),
        ("locale: en\n", "locale: en\nauthor: Legal\n", "front matter.author", "unknown field"),
        ("locale: en\n", "locale: de\n", "locale", "does not match the file name"),
        ("key: social_media_guideline_en\n", "key: social_media_policy_en\n", "key", "does not match the file name"),
        ("---\nkey:", "key:", None, "must start with a '---' line"),
    ],
)
def test_a_broken_guideline_names_file_and_field(data, old, new, field, problem):
    _replace(data, old, new)
    _fails(load_guideline_templates, data, GUIDELINE, field, problem)


def test_a_guideline_needs_a_closed_front_matter_and_a_body(data):
    path = data / GUIDELINE
    front = path.read_text(encoding="utf-8").split("---\n")[1]
    path.write_text(f"---\n{front}---\n\n   \n", encoding="utf-8")
    _fails(load_guideline_templates, data, GUIDELINE, "body", "must not be empty")
    path.write_text(f"---\n{front}# Policy\n", encoding="utf-8")
    _fails(load_guideline_templates, data, GUIDELINE, None, "not closed")


def test_every_guideline_needs_both_languages(data):
    (data / "guidelines" / "social_media_guideline_de.md").unlink()
    _fails(load_guideline_templates, data, "guidelines/social_media_guideline_de.md", None, "has no 'de' version")
