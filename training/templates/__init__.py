"""Starter training content: a library of module and guideline templates (German and English).

The content lives in data files next to this loader, not in Python. Each module template is a
ready-made training module whose ``"module"`` value is exactly the body of
``POST /training/modules`` (API.md, "Training"). A tenant clones a template, replaces the
placeholders and adapts the text before publishing. ``GUIDELINE_TEMPLATES`` holds the company's
social media guideline as a document, in the shape of the ``POST /guidelines`` body.

Files in ``training/templates/``:

- ``catalogue.yaml``: the module and guideline names, in the order ``TEMPLATES`` and
  ``GUIDELINE_TEMPLATES`` (and so ``GET /training/templates``) list them. Every name has a German
  and an English file: ``<name>_de`` and ``<name>_en``.
- ``<name>_<locale>.yaml``: one module. Top-level ``key`` (the file name), ``industries``,
  ``title``, ``kind``, ``locale``, ``summary``, ``required``, ``recertify_after_days``,
  ``max_attempts``; ``lessons`` (each a ``title`` and a Markdown ``body``); ``quiz`` with
  ``pass_score`` and ``questions`` (each ``text``, ``kind`` ``single`` or ``multiple``,
  ``options`` with ``text`` and ``correct: true|false``, and an ``explanation``).
- ``guidelines/<name>_<locale>.md``: one guideline document, Markdown with a YAML front matter
  block (``key``, ``title``, ``locale``) between ``---`` lines; the Markdown is the body.

Modules:

- ``brand_values_workshop``: what the company stands for, in one's own words; big seed,
  authenticity, voluntary participation, no copy-paste sameness.
- ``social_media_guideline``: who may say what, business secrets, company accounts,
  disclosure of the employment relationship, tone, limits of free speech, crisis communication.
- ``healthcare_advertising_rules``: German Heilmittelwerbegesetz (HWG) basics for healthcare,
  MedTech and pharma only.
- ``data_protection_basics``: GDPR (DSGVO) basics for posting, and what to do after a mistake.

Placeholders are written in braces, e.g. ``{Unternehmen}``, ``{Kommunikationsabteilung}``,
``{Company}``, ``{Communications team}``. They are plain text, not ``str.format`` fields;
``list_templates`` reports the placeholders each template uses so an editor can highlight them.

The files are read and validated once, on first use (``TEMPLATES`` and ``GUIDELINE_TEMPLATES``
are computed module attributes); a broken file raises ``TemplateError`` naming the file and the
field. The content is general guidance for starting a program, not legal advice; tenants in
regulated industries should have their legal, regulatory and data protection teams review it.
"""

from __future__ import annotations

import copy
import functools
import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

ALL_INDUSTRIES = ["generic", "healthcare", "medtech", "pharma", "finance", "public"]
HEALTH_INDUSTRIES = ["healthcare", "medtech", "pharma"]
LOCALES = ("de", "en")
QUESTION_KINDS = ("single", "multiple")
#: As ``training.models.MODULE_KINDS`` (not imported: reading the templates needs no database layer).
MODULE_KINDS = ("brand_values", "guidelines", "platform", "compliance", "custom")
CATALOGUE = "catalogue.yaml"
GUIDELINE_DIR = "guidelines"

_PLACEHOLDER = re.compile(r"\{([^{}\n]{1,60})\}")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

_MODULE_FIELDS = (
    "key",
    "industries",
    "title",
    "kind",
    "locale",
    "summary",
    "required",
    "recertify_after_days",
    "max_attempts",
    "lessons",
    "quiz",
)
_GUIDELINE_FIELDS = ("key", "title", "locale")


class TemplateError(ValueError):
    """A template data file is missing, unreadable or invalid."""

    def __init__(self, file: Any, field: str | None, problem: str):
        self.file, self.field, self.problem = str(file), field, problem
        super().__init__(f"{self.file}: {field}: {problem}" if field else f"{self.file}: {problem}")


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


@functools.cache
def _strict_loader() -> type:
    import yaml

    class StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        """Safe loading that rejects a key given twice (plain YAML silently keeps the last one)."""

        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                    key = self.construct_object(key_node)
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"key {key!r} is given twice", key_node.start_mark
                        )
                    seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return StrictLoader


def _parse_yaml(text: str, file: Any) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=_strict_loader())
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = ", ".join(part for part in (error.context, error.problem) if part)
        raise TemplateError(file, None, f"not valid YAML: {problem}{where}") from None
    except yaml.YAMLError as error:
        raise TemplateError(file, None, f"not valid YAML: {error}") from None


def _read(file: Traversable) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateError(file, None, "file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise TemplateError(file, None, f"cannot be read: {error}") from None


def _front_matter(text: str, file: Any) -> tuple[Any, str]:
    """Split a Markdown document into its YAML front matter and its body."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise TemplateError(file, None, "must start with a '---' line opening the front matter")
    for number, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return _parse_yaml("".join(lines[1:number]), file), "".join(lines[number + 1 :])
    raise TemplateError(file, None, "front matter is not closed by a '---' line")


# --------------------------------------------------------------------------------------------
# Validation: each check names the file and the field (``lessons[1].body``)
# --------------------------------------------------------------------------------------------


class _Checker:
    def __init__(self, file: Any):
        self.file = file

    def fail(self, field: str | None, problem: str) -> TemplateError:
        return TemplateError(self.file, field, problem)

    def mapping(self, value: Any, field: str | None, required: tuple[str, ...]) -> dict:
        if not isinstance(value, dict):
            raise self.fail(field, f"must be a mapping of {', '.join(required)}")
        prefix = f"{field}." if field else ""
        for name in required:
            if name not in value:
                raise self.fail(prefix + name, "missing")
        unknown = [str(name) for name in value if name not in required]
        if unknown:
            raise self.fail(prefix + unknown[0], f"unknown field (expected {', '.join(required)})")
        return value

    def text(self, value: Any, field: str, *, max_length: int | None = None) -> str:
        if not isinstance(value, str):
            raise self.fail(field, "must be text (quote it if it looks like a number, date or yes/no)")
        if not value.strip():
            raise self.fail(field, "must not be empty")
        if max_length is not None and len(value) > max_length:
            raise self.fail(field, f"at most {max_length} characters (has {len(value)})")
        return value

    def boolean(self, value: Any, field: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(field, "must be true or false")
        return value

    def integer(self, value: Any, field: str, low: int, high: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self.fail(field, f"must be a whole number from {low} to {high}")
        return value

    def choice(self, value: Any, field: str, allowed) -> str:
        if value not in allowed:
            raise self.fail(field, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def items(self, value: Any, field: str, *, low: int = 1, high: int | None = None) -> list:
        if not isinstance(value, list) or len(value) < low or (high is not None and len(value) > high):
            size = f"{low} to {high}" if high is not None else f"at least {low}"
            raise self.fail(field, f"must be a list of {size} entries")
        return value

    def key(self, value: Any, expected: str) -> str:
        self.text(value, "key")
        if value != expected:
            raise self.fail("key", f"{value!r} does not match the file name (expected {expected!r})")
        return value


def _question(check: _Checker, raw: Any, field: str) -> dict[str, Any]:
    raw = check.mapping(raw, field, ("text", "kind", "options", "explanation"))
    kind = check.choice(raw["kind"], f"{field}.kind", QUESTION_KINDS)
    options = []
    for number, option in enumerate(check.items(raw["options"], f"{field}.options", low=2, high=10)):
        where = f"{field}.options[{number}]"
        option = check.mapping(option, where, ("text", "correct"))
        options.append(
            {
                "text": check.text(option["text"], f"{where}.text", max_length=1000),
                "correct": check.boolean(option["correct"], f"{where}.correct"),
            }
        )
    correct = sum(option["correct"] for option in options)
    if correct == 0:
        raise check.fail(f"{field}.options", "no option is marked 'correct: true'")
    if kind == "single" and correct != 1:
        raise check.fail(
            f"{field}.options", f"a single-choice question needs exactly one correct option, has {correct}"
        )
    if len({option["text"].strip().lower() for option in options}) != len(options):
        raise check.fail(f"{field}.options", "two options have the same text")
    return {
        "text": check.text(raw["text"], f"{field}.text", max_length=2000),
        "kind": kind,
        "options": options,
        "explanation": check.text(raw["explanation"], f"{field}.explanation", max_length=4000),
    }


def _module(raw: Any, file: Any, key: str, locale: str) -> dict[str, Any]:
    check = _Checker(file)
    raw = check.mapping(raw, None, _MODULE_FIELDS)
    check.key(raw["key"], key)
    industries = check.items(raw["industries"], "industries")
    for number, industry in enumerate(industries):
        check.choice(industry, f"industries[{number}]", ALL_INDUSTRIES)
    if len(set(industries)) != len(industries):
        raise check.fail("industries", "lists an industry twice")
    if check.choice(raw["locale"], "locale", LOCALES) != locale:
        raise check.fail("locale", f"{raw['locale']!r} does not match the file name (expected {locale!r})")
    lessons = []
    for number, lesson in enumerate(check.items(raw["lessons"], "lessons", high=100)):
        where = f"lessons[{number}]"
        lesson = check.mapping(lesson, where, ("title", "body"))
        lessons.append(
            {
                "title": check.text(lesson["title"], f"{where}.title", max_length=200),
                "body": check.text(lesson["body"], f"{where}.body", max_length=100_000).strip(),
            }
        )
    quiz = check.mapping(raw["quiz"], "quiz", ("pass_score", "questions"))
    questions = [
        _question(check, question, f"quiz.questions[{number}]")
        for number, question in enumerate(check.items(quiz["questions"], "quiz.questions", high=100))
    ]
    module = {
        "title": check.text(raw["title"], "title", max_length=200),
        "kind": check.choice(raw["kind"], "kind", MODULE_KINDS),
        "locale": locale,
        "summary": check.text(raw["summary"], "summary", max_length=2000),
        "required": check.boolean(raw["required"], "required"),
        "recertify_after_days": check.integer(raw["recertify_after_days"], "recertify_after_days", 1, 3650),
        "max_attempts": check.integer(raw["max_attempts"], "max_attempts", 1, 100),
        "lessons": lessons,
        "quiz": {"pass_score": check.integer(quiz["pass_score"], "quiz.pass_score", 0, 100), "questions": questions},
    }
    return {"key": key, "industries": list(industries), "module": module}


def _guideline(front: Any, body: str, file: Any, key: str, locale: str) -> dict[str, Any]:
    check = _Checker(file)
    front = check.mapping(front, "front matter", _GUIDELINE_FIELDS)
    check.key(front["key"], key)
    if check.choice(front["locale"], "locale", LOCALES) != locale:
        raise check.fail("locale", f"{front['locale']!r} does not match the file name (expected {locale!r})")
    guideline = {
        "title": check.text(front["title"], "title", max_length=200),
        "body": check.text(body, "body", max_length=100_000).strip(),
        "locale": locale,
    }
    return {"key": key, "guideline": guideline}


# --------------------------------------------------------------------------------------------
# Loading: the catalogue names the templates; every name needs one file per locale
# --------------------------------------------------------------------------------------------


def _catalogue(directory: Traversable, section: str) -> list[str]:
    file = directory / CATALOGUE
    check = _Checker(file)
    raw = check.mapping(_parse_yaml(_read(file), file), None, ("modules", "guidelines"))
    names = check.items(raw[section], section)
    for number, name in enumerate(names):
        if not isinstance(name, str) or not _NAME.match(name):
            raise check.fail(f"{section}[{number}]", f"{name!r} is not a name like brand_values_workshop")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise check.fail(section, f"{duplicates[0]!r} is listed twice")
    return names


def _files(folder: Traversable, suffix: str, section: str, names: list[str]) -> list[tuple[Traversable, str, str]]:
    """(file, key, locale) for every catalogue name and locale; a template file not in the catalogue is an error."""
    expected = {f"{name}_{locale}{suffix}" for name in names for locale in LOCALES}
    extensions = (".yaml", ".yml") if suffix == ".yaml" else (".md", ".markdown")
    if folder.is_dir():
        for file in sorted(folder.iterdir(), key=lambda file: file.name):
            if file.name.endswith(extensions) and file.name != CATALOGUE and file.name not in expected:
                raise TemplateError(
                    file,
                    None,
                    f"not in the catalogue: name the file <name>_<locale>{suffix} ({'/'.join(LOCALES)}) "
                    f"and list <name> under '{section}' in {CATALOGUE}",
                )
    result = []
    for name in names:
        for locale in LOCALES:
            file = folder / f"{name}_{locale}{suffix}"
            if not file.is_file():
                raise TemplateError(file, None, f"missing: {name!r} is in {CATALOGUE} but has no {locale!r} version")
            result.append((file, f"{name}_{locale}", locale))
    return result


def load_module_templates(directory: Traversable | str) -> dict[str, dict]:
    """Read and validate the module templates of ``directory`` (key -> template, catalogue order)."""
    directory = Path(directory) if isinstance(directory, str) else directory
    templates: dict[str, dict] = {}
    for file, key, locale in _files(directory, ".yaml", "modules", _catalogue(directory, "modules")):
        templates[key] = _module(_parse_yaml(_read(file), file), file, key, locale)
    return templates


def load_guideline_templates(directory: Traversable | str) -> dict[str, dict]:
    """Read and validate the guideline documents in ``directory/guidelines`` (key -> template)."""
    directory = Path(directory) if isinstance(directory, str) else directory
    templates: dict[str, dict] = {}
    for file, key, locale in _files(
        directory / GUIDELINE_DIR, ".md", "guidelines", _catalogue(directory, "guidelines")
    ):
        front, body = _front_matter(_read(file), file)
        templates[key] = _guideline(front, body, file, key, locale)
    return templates


@functools.cache
def _module_templates() -> dict[str, dict]:
    return load_module_templates(resources.files(__name__))


@functools.cache
def _guideline_templates() -> dict[str, dict]:
    return load_guideline_templates(resources.files(__name__))


def __getattr__(name: str) -> Any:
    # ``TEMPLATES`` and ``GUIDELINE_TEMPLATES`` are read from the data files on first access.
    if name == "TEMPLATES":
        return _module_templates()
    if name == "GUIDELINE_TEMPLATES":
        return _guideline_templates()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "TEMPLATES", "GUIDELINE_TEMPLATES"])


# --------------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------------


def placeholders(value: Any) -> list[str]:
    """The ``{Placeholder}`` names used anywhere in a template (sorted, unique)."""
    found: set[str] = set()
    if isinstance(value, str):
        found.update(_PLACEHOLDER.findall(value))
    elif isinstance(value, dict):
        for item in value.values():
            found.update(placeholders(item))
    elif isinstance(value, list):
        for item in value:
            found.update(placeholders(item))
    return sorted(found)


def _summary(template: dict[str, Any]) -> dict[str, Any]:
    module = template["module"]
    return {
        "key": template["key"],
        "title": module["title"],
        "kind": module["kind"],
        "locale": module["locale"],
        "summary": module["summary"],
        "required": module["required"],
        "industries": list(template["industries"]),
        "lessons": len(module["lessons"]),
        "questions": len(module["quiz"]["questions"]),
        "placeholders": placeholders(module),
    }


def list_templates(industry: str | None = None) -> list[dict]:
    """Summaries of the module templates, optionally those suited to ``industry``.

    A template suits an industry it names; ``"generic"`` templates suit every industry.
    """
    return [
        _summary(template)
        for template in _module_templates().values()
        if industry is None or industry in template["industries"] or "generic" in template["industries"]
    ]


def get_template(key: str) -> dict | None:
    """A deep copy of one module template (safe to adapt), or None for an unknown key."""
    template = _module_templates().get(key)
    return copy.deepcopy(template) if template is not None else None


def get_guideline_template(key: str) -> dict | None:
    """A deep copy of one guideline document template, or None for an unknown key."""
    template = _guideline_templates().get(key)
    return copy.deepcopy(template) if template is not None else None
