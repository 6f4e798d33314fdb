"""Check a codebook and explain every mistake at once, each with its line and column.

Two passes: the JSON Schema (``codebook.schema.json``, the single description of the format's
shape) catches unknown keys, wrong types and values; then the checks a schema cannot express —
ids that must extend their parent's, labels per declared language, regexes that do not compile or
backtrack catastrophically, spaCy patterns, keywords shared between codes.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from casecode.codebook import yamlpos
from casecode.codebook.codes import LANGUAGES, Codebook, build
from casecode.codebook.files import read_text
from casecode.codebook.regexcheck import backtracking_risk

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"^[A-Za-z][A-Za-z '\-]*$")
_TRAINED_ATTRS = {"POS", "TAG", "DEP", "MORPH", "ENT_TYPE", "ENT_IOB", "ENT_ID", "SENT_START"}
_WORD_KEYS = ("zh", "en")
_MATCHER_KEYS = ("keywords", "patterns", "regex", "near")
_CODE_KEYS_ONLY_IN_RULES = {"keywords", "patterns", "regex", "near", "all", "any", "scope"}


@dataclass(frozen=True, slots=True)
class Issue:
    severity: str  # "error" or "warning"
    file: str
    line: int
    column: int
    code: str | None
    message: str

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.code or 'codebook'}: {prefix}{self.message}"


@dataclass
class Validation:
    """The outcome of checking one codebook file."""

    file: str
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    codebook: Codebook | None = None

    @property
    def valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        book = self.codebook
        return {
            "file": self.file,
            "valid": self.valid,
            "errors": [asdict(i) for i in self.errors],
            "warnings": [asdict(i) for i in self.warnings],
            "name": book.name if book else None,
            "content_version": book.content_version if book else None,
            "codes": len(book.ids) if book else None,
            "rules": sum(1 for _ in book.rules()) if book else None,
        }


@lru_cache(maxsize=1)
def schema() -> dict:
    """The codebook format's JSON Schema."""
    text = resources.files("casecode.codebook").joinpath("codebook.schema.json").read_text("utf-8")
    return json.loads(text)


def validate_text(text: str, file: str = "<codebook>") -> Validation:
    """Check codebook YAML; build the ``Codebook`` when there are no errors."""
    result = Validation(file)
    try:
        doc = yamlpos.load(text)
    except yamlpos.YamlSyntaxError as exc:
        message = exc.message + _syntax_hint(exc.message, text, exc.line)
        result.errors.append(Issue("error", file, exc.line, exc.column, None, message))
        return result
    checker = _Checker(file, doc)
    checker.run()
    # at one position, a typo ("unknown key") is the cause of what else is reported there
    result.errors = sorted(
        checker.errors, key=lambda i: (i.line, i.column, not i.message.startswith("unknown key"))
    )
    result.warnings = sorted(checker.warnings, key=lambda i: (i.line, i.column))
    if result.valid:
        lines = {cid: line for cid, (line, _) in checker.code_lines.items()}
        result.codebook = build(doc.data, source=file, lines=lines)
    return result


_FULLWIDTH = {"：": ":", "，": ",", "\u3000": "space", "；": ";", "【": "[", "】": "]"}


def _syntax_hint(message: str, text: str, line: int) -> str:
    """A short hint for the YAML mistakes people make most."""
    lines = text.splitlines()
    for n in range(max(line - 2, 0), min(line, len(lines))):
        for wide, narrow in _FULLWIDTH.items():
            if wide in lines[n] and not _in_quotes(lines[n], wide):
                return (
                    f" (line {n + 1} has a full-width '{wide}' outside quotes: YAML needs "
                    f"the ASCII {narrow})"
                )
    if "'\\t'" in message or "\\t" in message:
        return " (YAML indents with spaces, not tabs)"
    if "mapping values are not allowed" in message:
        return " (a ': ' inside a value? put the value in quotes)"
    if "could not find expected ':'" in message:
        return " (a key without its ':' on this line or the one before?)"
    if "block end" in message or "block mapping" in message or "block collection" in message:
        return " (check the indentation of this line and the one before)"
    return ""


def _in_quotes(line: str, char: str) -> bool:
    """Whether every ``char`` on a YAML line sits inside quotes or a comment (roughly)."""
    code = line.split(" #", 1)[0]
    outside = re.sub(r"'[^']*'|\"[^\"]*\"", "", code)
    return char not in outside


# -- the checks -----------------------------------------------------------------------------


def _what(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


_TYPE_WORDS = {
    "string": "text",
    "array": "a list",
    "object": "a mapping",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}


_UNKNOWN: Any = object()  # a parent code whose id is missing or broken
_CONTAINERS = {"codes", "children", "rules", "all", "any", "patterns", "regex"}


def _name(path: tuple) -> str:
    """A readable name for a path: 'keywords.zh', 'negation.cues', 'item 3 of examples'."""
    keys = [p for p in path if isinstance(p, str)]
    if not keys:
        return "the codebook"
    name = keys[-1]
    if len(keys) >= 2 and keys[-2] not in _CONTAINERS:
        name = f"{keys[-2]}.{name}"
    if isinstance(path[-1], int):
        return f"item {path[-1] + 1} of {name}"
    return name


class _Checker:
    def __init__(self, file: str, doc: yamlpos.Positioned) -> None:
        self.file = file
        self.doc = doc
        self.data = doc.data
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []
        self.code_lines: dict[str, tuple[int, int]] = {}
        self.rule_ids: dict[str, tuple[int, int]] = {}
        self.duplicate_codes: set[str] = set()
        self.keywords: dict[tuple[str, str], tuple[str, int]] = {}
        self.languages: tuple[str, ...] = LANGUAGES

    # reporting
    def _issue(self, severity: str, path: tuple, message: str, *, key: bool = False) -> None:
        line, column = self.doc.where(path, key=key)
        issue = Issue(severity, self.file, line, column, self._code_at(path), message)
        target = self.errors if severity == "error" else self.warnings
        if issue not in target:
            target.append(issue)

    def error(self, path: tuple, message: str, *, key: bool = False) -> None:
        self._issue("error", path, message, key=key)

    def warn(self, path: tuple, message: str, *, key: bool = False) -> None:
        self._issue("warning", path, message, key=key)

    def _code_at(self, path: tuple) -> str | None:
        """The id of the innermost code that ``path`` lies in."""
        node, found, previous = self.data, None, None
        for step in path:
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                break
            is_code = isinstance(step, int) and previous in ("codes", "children")
            if is_code and isinstance(node, dict) and isinstance(node.get("id"), str):
                found = node["id"]
            previous = step
        return found

    def run(self) -> None:
        if self.data is None:
            self.error((), "the file is empty: a codebook needs 'name' and 'codes'")
            return
        for path, _ in self.doc.duplicates:
            self.error(path, f"'{path[-1]}' is given twice in this mapping", key=True)
        self._schema()
        if not isinstance(self.data, dict):
            return
        langs = self.data.get("languages")
        if isinstance(langs, list) and langs and all(lang in LANGUAGES for lang in langs):
            self.languages = tuple(langs)
        for key in ("description", "framework"):
            self._texts((key,), self.data.get(key))
        codes = self.data.get("codes")
        if isinstance(codes, list):
            self._codes(codes, ("codes",), None)

    # pass 1: the JSON Schema
    def _schema(self) -> None:
        from jsonschema import Draft202012Validator

        validator = Draft202012Validator(schema())
        for err in validator.iter_errors(self.data):
            self._schema_error(err)

    def _schema_error(self, err) -> None:
        if err.validator in ("anyOf", "oneOf"):
            # a value of the right shape for one alternative: what is wrong inside it (an
            # alternative whose shape does not fit at all says nothing useful)
            inside = [e for e in err.context if e.validator != "type" or e.relative_path]
            for e in inside:
                self._schema_error(e)
            if inside:
                return
        path = tuple(err.absolute_path)
        kind, value, inst = err.validator, err.validator_value, err.instance
        name = _name(path)
        if kind == "additionalProperties":
            allowed = sorted(err.schema.get("properties", {}))
            for key in inst:
                if key in allowed:
                    continue
                message = f"unknown key '{key}'"
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                if close:
                    message += f" (did you mean '{close[0]}'?)"
                elif key in _CODE_KEYS_ONLY_IN_RULES and "rules" in allowed:
                    message += " (matching belongs in a rule: put it under 'rules:')"
                elif allowed:
                    message += f" (expected one of: {', '.join(allowed)})"
                self.error((*path, key), message, key=True)
        elif kind == "required":
            for key in value:
                if isinstance(inst, dict) and key not in inst:
                    typos = difflib.get_close_matches(key, [str(k) for k in inst], 1, 0.6)
                    if not typos:  # a misspelt key is reported as unknown, with the fix
                        self.error(path, f"missing '{key}'")
        elif kind == "type":
            expected = [value] if isinstance(value, str) else list(value)
            words = " or ".join(_TYPE_WORDS.get(t, t) for t in expected)
            if inst is None and path and path[-1] == "color":
                self.error(
                    path,
                    "color is empty: an unquoted # starts a YAML comment, so write "
                    "color: '#2e86c1'",
                )
            elif inst is None:
                self.error(path, f"{name} is empty (expected {words})")
            elif (
                expected == ["string"]
                and isinstance(inst, dict)
                and path
                and isinstance(path[-1], int)
            ):
                self.error(
                    path,
                    f"{name} should be text, not a mapping: a ': ' inside a word? put it in quotes",
                )
            elif expected == ["string"] and isinstance(inst, (bool, int, float)):
                self.error(path, f"{name} should be text: put {json.dumps(inst)} in quotes")
            else:
                self.error(path, f"{name} should be {words}, not {_what(inst)}")
        elif kind == "enum":
            choices = [str(v) for v in value]
            message = f"{name}: '{inst}' is not one of {', '.join(choices)}"
            if "then" in err.relative_schema_path and path and path[-1] == "scope":
                if inst not in ("turn", "document"):
                    return  # not a scope at all: the plain enum error says so
                message += " (around widens a clause or sentence scope only)"
            close = difflib.get_close_matches(str(inst), choices, n=1, cutoff=0.6)
            if close:
                message += f" (did you mean '{close[0]}'?)"
            self.error(path, message)
        elif kind == "pattern":
            if path and path[-1] == "color":
                self.error(path, f"color '{inst}' should look like '#1f77b4'")
            elif path and path[-1] == "id" and "rules" in path:
                self.error(path, f"rule id '{inst}' may use letters, digits, _, -, . and #")
            else:
                self.error(
                    path,
                    f"id '{inst}' may use letters, digits, _ and -, with dots between names",
                )
        elif kind in ("minItems", "minLength", "minProperties"):
            if path and path[-1] == "groups":
                self.error(path, "near needs at least 2 groups of words")
            elif path and path[-1] == "rules":
                self.error(path, "rules is empty (leave 'rules' out for a manual-only code)")
            else:
                self.error(path, f"{name} is empty")
        elif kind == "minimum":
            self.error(path, f"{name} must be at least {value}")
        elif kind == "exclusiveMinimum":
            self.error(path, f"{name} must be more than {value}")
        elif kind == "maximum":
            self.error(path, f"{name} must be at most {value}")
        elif kind == "uniqueItems":
            self.error(path, f"{name} lists the same value twice")
        else:
            self.error(path, err.message)

    # pass 2: what the schema cannot say
    def _texts(self, path: tuple, value: Any) -> None:
        if isinstance(value, dict):
            for lang in value:
                if lang in LANGUAGES and lang not in self.languages:
                    self.warn(
                        (*path, lang),
                        f"{_name(path)} has {lang} text, but the codebook's languages are "
                        f"{', '.join(self.languages)}",
                        key=True,
                    )

    def _codes(self, codes: list, path: tuple, parent: str | None) -> None:
        for i, code in enumerate(codes):
            if isinstance(code, dict):
                self._code(code, (*path, i), parent)

    def _code(self, code: dict, path: tuple, parent: str | None) -> None:
        code_id = code.get("id")
        if isinstance(code_id, str) and parent is not _UNKNOWN:
            self._code_id(code_id, path, parent)
        label = code.get("label")
        if isinstance(label, str) and len(self.languages) > 1:
            for lang in self.languages[1:]:
                self.error(
                    (*path, "label"),
                    f"label has no {lang} text (write label: {{{self.languages[0]}: ..., "
                    f"{lang}: ...}})",
                )
        elif isinstance(label, dict):
            for lang in self.languages:
                if lang not in label:
                    self.error(
                        (*path, "label"),
                        f"label has no {lang} text (the codebook's languages are "
                        f"{', '.join(self.languages)})",
                    )
        for key in ("label", "definition", "include", "exclude", "memo", "examples"):
            self._texts((*path, key), code.get(key))
        children = code.get("children")
        if not children and "definition" not in code:
            self.warn(path, "no definition: say what the code means so others can apply it")
        rules = code.get("rules")
        if isinstance(rules, list):
            for n, rule in enumerate(rules, 1):
                if isinstance(rule, dict):
                    self._rule(rule, (*path, "rules", n - 1), code_id, n)
        if isinstance(children, list):
            parent_id = code_id if isinstance(code_id, str) else _UNKNOWN
            self._codes(children, (*path, "children"), parent_id)

    def _code_id(self, code_id: str, path: tuple, parent: str | None) -> None:
        where = (*path, "id")
        if code_id in self.code_lines:
            line = self.code_lines[code_id][0]
            self.error(where, f"duplicate id '{code_id}' (first used on line {line})")
            self.duplicate_codes.add(code_id)
        else:
            self.code_lines[code_id] = self.doc.where(where)
        if parent is None and "." in code_id:
            head = code_id.rsplit(".", 1)[0]
            self.error(
                where,
                f"a top-level id has no dots: put '{code_id}' under the children of '{head}', "
                "or rename it",
            )
        elif parent is not None:
            if not code_id.startswith(parent + "."):
                name = code_id.rsplit(".", 1)[-1]
                self.error(
                    where,
                    f"id '{code_id}' does not extend its parent's id '{parent}' "
                    f"(expected '{parent}.{name}')",
                )
            elif "." in code_id[len(parent) + 1 :]:
                self.error(
                    where,
                    f"id '{code_id}' adds more than one name to its parent's id '{parent}'",
                )

    def _rule(self, rule: dict, path: tuple, code_id: Any, n: int) -> None:
        rule_id = rule.get("id") if isinstance(rule.get("id"), str) else f"{code_id}#{n}"
        if "id" not in rule and code_id in self.duplicate_codes:
            pass  # the duplicate code id is the mistake; its default rule ids follow from it
        elif rule_id in self.rule_ids:
            line = self.rule_ids[rule_id][0]
            self.error(
                (*path, "id") if "id" in rule else path,
                f"duplicate rule id '{rule_id}' (first used on line {line})",
            )
        else:
            self.rule_ids[rule_id] = self.doc.where(path)
        known = schema()["$defs"]["rule"]["properties"]
        if not any(k in rule for k in (*_MATCHER_KEYS, "all", "any")) and all(
            k in known for k in rule
        ):  # with an unknown key, that key (a typo) is the mistake to report
            self.error(
                path,
                "the rule has nothing to match: give keywords, patterns, regex, near, any or all",
            )
        self._matchers(rule, path, code_id, top=True)
        for key in ("all", "any"):
            conditions = rule.get(key)
            if isinstance(conditions, list):
                for i, cond in enumerate(conditions):
                    self._condition(cond, (*path, key, i), code_id)
        if "exclude" in rule:
            self._words(rule["exclude"], (*path, "exclude"))
        context = rule.get("context")
        for j, item in enumerate(context if isinstance(context, list) else [context]):
            if isinstance(item, dict):
                where = (*path, "context", j) if isinstance(context, list) else (*path, "context")
                for key in ("with", "without"):
                    if key in item:
                        self._words(item[key], (*where, key))
        negation = rule.get("negation")
        if isinstance(negation, dict):
            for key in ("cues", "after", "over"):
                if key in negation and negation[key] is not False:
                    self._words(negation[key], (*path, "negation", key))

    def _condition(self, cond: Any, path: tuple, code_id: Any) -> None:
        if isinstance(cond, list):
            self._words(cond, path)
        elif isinstance(cond, dict):
            has_words = any(k in cond for k in _WORD_KEYS)
            has_matchers = any(k in cond for k in _MATCHER_KEYS)
            if has_words and has_matchers:
                self.error(
                    path,
                    "a condition is either words ({zh: [...], en: [...]}) or a mapping with "
                    "keywords/patterns/regex/near, not both",
                )
            elif has_words:
                self._words(cond, path)
            elif not has_matchers:
                self.error(path, "the condition has nothing to match")
            else:
                self._matchers(cond, path, code_id, top=False)

    def _matchers(self, data: dict, path: tuple, code_id: Any, *, top: bool) -> None:
        if "keywords" in data:
            self._words(data["keywords"], (*path, "keywords"), code_id=code_id if top else None)
        regex = data.get("regex")
        if isinstance(regex, str):
            self._regex(regex, (*path, "regex"))
        elif isinstance(regex, list):
            for i, rx in enumerate(regex):
                if isinstance(rx, str):
                    self._regex(rx, (*path, "regex", i))
        patterns = data.get("patterns")
        if isinstance(patterns, list):
            for i, pattern in enumerate(patterns):
                if isinstance(pattern, list) and pattern:
                    self._pattern(pattern, (*path, "patterns", i))
        near = data.get("near")
        blocks = [(near, (*path, "near"))] if isinstance(near, dict) else []
        if isinstance(near, list):
            blocks = [(n, (*path, "near", i)) for i, n in enumerate(near) if isinstance(n, dict)]
        for block, where in blocks:
            groups = block.get("groups")
            if isinstance(groups, list):
                for i, group in enumerate(groups):
                    self._words(group, (*where, "groups", i))

    def _words(self, words: Any, path: tuple, *, code_id: Any = None) -> None:
        if isinstance(words, list):
            lists = [(None, words, path)]
        elif isinstance(words, dict):
            lists = [(lang, words[lang], (*path, lang)) for lang in _WORD_KEYS if lang in words]
        else:
            return
        lists = [(lang, items, where) for lang, items, where in lists if isinstance(items, list)]
        if lists and not any(items for _, items, _ in lists):
            self.error(path, f"{_name(path)} has no words")
        for lang, items, where in lists:
            if lang and lang not in self.languages:
                self.warn(
                    where,
                    f"{_name(where)}: {lang} words, but the codebook's languages are "
                    f"{', '.join(self.languages)}",
                    key=True,
                )
            seen: set[str] = set()
            for i, word in enumerate(items):
                if not isinstance(word, str):
                    continue
                folded = word.strip().casefold()
                if folded in seen:
                    self.warn((*where, i), f"'{word}' is listed twice in {_name(where)}")
                seen.add(folded)
                sep = next((ch for ch in "，、；" if ch in word), None)
                if sep:
                    self.warn(
                        (*where, i),
                        f"'{word}' contains '{sep}': is it two words? YAML lists are separated "
                        "by an ASCII ', '",
                    )
                if lang == "en" and _CJK.search(word):
                    self.warn((*where, i), f"'{word}' is under en but looks Chinese")
                elif lang == "zh" and _LATIN.match(word):
                    self.warn((*where, i), f"'{word}' is under zh but looks English")
                if code_id is not None and isinstance(code_id, str):
                    key = (lang or "*", folded)
                    first = self.keywords.get(key)
                    if first is None:
                        self.keywords[key] = (code_id, self.doc.where((*where, i))[0])
                    elif first[0] != code_id:
                        self.warn(
                            (*where, i),
                            f"keyword '{word}' is also a keyword of {first[0]} (line {first[1]})",
                        )

    def _regex(self, pattern: str, path: tuple) -> None:
        try:
            re.compile(pattern)
        except re.error as exc:
            where = f" at position {exc.pos}" if exc.pos is not None else ""
            self.error(path, f"invalid regex '{pattern}': {exc.msg}{where}")
            return
        risk = backtracking_risk(pattern)
        if risk:
            self.error(
                path,
                f"regex '{pattern}' is prone to catastrophic backtracking: {risk} "
                "(rewrite it so one round cannot match what the next round matches, e.g. "
                "(\\w+\\s?)+ as \\w+(?:\\s\\w+)*, or make the outer repeat atomic: (?>...)+)",
            )

    def _pattern(self, pattern: list, path: tuple) -> None:
        for j, token in enumerate(pattern):
            if isinstance(token, dict):
                for attr in token:
                    if str(attr).upper() in _TRAINED_ATTRS:
                        self.warn(
                            (*path, j, attr),
                            f"{attr} needs a trained spaCy pipeline; with the default blank "
                            "pipeline this pattern never matches",
                            key=True,
                        )
        for message in _spacy_problems(pattern):
            self.error(path, f"spaCy rejects the pattern: {message}")


def _spacy_problems(pattern: list) -> list[str]:
    """spaCy's own complaints about a Matcher pattern ('[pattern -> 0 -> LEMA] ...' tidied)."""
    from spacy.schemas import validate_token_pattern

    problems: dict[tuple, str] = {}
    for message in validate_token_pattern(pattern):
        match = re.match(r"\[pattern -> (\d+)(?: -> (.+?))?\] (\S.*)", message)
        if not match:
            problems.setdefault((message,), message)
            continue
        token, where, what = match.groups()
        attr = (where or "").split(" -> ")[0]
        what = what.replace("Extra inputs are not permitted", "unknown attribute")
        problems.setdefault(
            (token, attr), f"token {int(token) + 1}" + (f", {attr}" if attr else "") + f": {what}"
        )
    return list(problems.values())


def validate_file(path: str | Path) -> Validation:
    """Read and check a codebook file (any encoding casecode can detect)."""

    text, name = read_text(path)
    return validate_text(text, name)
