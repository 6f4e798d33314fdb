"""Spot regular expressions prone to catastrophic backtracking before they hang a coding run.

A heuristic over Python's own parse of the expression, flagging the two classic shapes:

* a repeated group that itself contains an unbounded repeat, where nothing compulsory in the
  group separates one round from the next: ``(a+)+``, ``(\\w+\\s?)*``, ``(.*a){10}`` (but not
  ``(\\d+,)*``, whose compulsory comma cannot be swallowed by ``\\d+``);
* a repeated alternation whose branches can start with the same character: ``(a|ab)*``.

It errs on the side of flagging: a rare safe expression can be rewritten (often with a
possessive quantifier or an atomic group, Python ≥ 3.11) or split into two rules.
"""

from __future__ import annotations

import string
from collections.abc import Callable

try:  # Python ≥ 3.11
    from re import _constants as c
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

_REPEATS = {c.MAX_REPEAT, c.MIN_REPEAT}
_SAFE_REPEATS = {c.POSSESSIVE_REPEAT} if hasattr(c, "POSSESSIVE_REPEAT") else set()

# Characters used to compare what two pieces of a pattern can match.
_SAMPLE = (
    string.printable
    + "的是不了人我在有他这中大来上国个到说们为子和你地出道也时年资金老村"
    + "\u3000，。"
)

CharTest = Callable[[str], bool]
_ANYTHING: CharTest = lambda ch: True  # noqa: E731


def _category(cat) -> CharTest:
    name = str(cat).upper()
    negate = "NOT" in name
    if "DIGIT" in name:
        test = str.isdigit
    elif "SPACE" in name:
        test = str.isspace
    elif "WORD" in name:
        test = lambda ch: ch.isalnum() or ch == "_"  # noqa: E731
    elif "LINEBREAK" in name:
        test = lambda ch: ch == "\n"  # noqa: E731
    else:
        return _ANYTHING
    return (lambda ch: not test(ch)) if negate else test


def _char_test(op, av) -> CharTest | None:
    """What single character ``(op, av)`` matches, or None if it is not a one-character item."""
    if op is c.LITERAL:
        return lambda ch: ord(ch) == av
    if op is c.NOT_LITERAL:
        return lambda ch: ord(ch) != av
    if op is c.ANY:
        return lambda ch: ch != "\n"
    if op is c.CATEGORY:
        return _category(av)
    if op is c.IN:
        negate = False
        tests: list[CharTest] = []
        for item_op, item_av in av:
            if item_op is c.NEGATE:
                negate = True
            elif item_op is c.RANGE:
                lo, hi = item_av
                tests.append(lambda ch, lo=lo, hi=hi: lo <= ord(ch) <= hi)
            else:
                tests.append(_char_test(item_op, item_av) or _ANYTHING)

        def test(ch: str) -> bool:
            hit = any(t(ch) for t in tests)
            return not hit if negate else hit

        return test
    return None


def _first(items) -> CharTest:
    """Characters that can start a match of a subpattern (anything, when unsure)."""
    for op, av in items:
        test = _char_test(op, av)
        if test is not None:
            return test
        if op is c.SUBPATTERN:
            return _first(av[-1])
        if op in _REPEATS or op in _SAFE_REPEATS:
            if av[0] == 0:
                return _ANYTHING
            return _first(av[2])
        if op in (c.AT,):
            continue
        return _ANYTHING
    return _ANYTHING


def _overlap(a: CharTest, b: CharTest) -> bool:
    return any(a(ch) and b(ch) for ch in _SAMPLE)


def _inner(op, av) -> list:
    """The sub-patterns directly inside a repeat, a group or an alternation."""
    if op in _REPEATS or op in _SAFE_REPEATS:
        return [av[2]]
    if op is c.SUBPATTERN:
        return [av[-1]]
    if op is c.BRANCH:
        return list(av[1])
    if op in (c.ASSERT, c.ASSERT_NOT):  # (?=...) (?!...) (?<=...): what they hold still runs
        return [av[1]]
    if op is c.GROUPREF_EXISTS:  # (?(1)yes|no): both branches
        return [branch for branch in av[1:] if branch is not None]
    return []


def _unbounded_inside(items) -> list[CharTest]:
    """Character tests for each unbounded repeat nested anywhere in ``items``."""
    found = []
    for op, av in items:
        if op in _REPEATS and av[1] == c.MAXREPEAT:
            body = list(av[2])
            single = _char_test(*body[0]) if len(body) == 1 else None
            found.append(single or _ANYTHING)
        for inner in _inner(op, av):
            found.extend(_unbounded_inside(inner))
    return found


def _compulsory_chars(items) -> list[CharTest]:
    """One-character items that every round of ``items`` must match."""
    tests = []
    for op, av in items:
        test = _char_test(op, av)
        if test is not None:
            tests.append(test)
        elif op is c.SUBPATTERN:
            tests.extend(_compulsory_chars(av[-1]))
        elif op in _REPEATS and av[0] >= 1:
            tests.extend(_compulsory_chars(av[2]))
    return tests


def _branches(items):
    for op, av in items:
        if op is c.BRANCH:
            yield av[1]
        elif op is c.SUBPATTERN:
            yield from _branches(av[-1])


def _problems(items) -> list[str]:
    found = []
    for op, av in items:
        if op in _REPEATS and av[1] > 1:
            body = av[2]
            inner = _unbounded_inside(body)
            separators = _compulsory_chars(body)
            if inner and not any(
                not any(_overlap(sep, rep) for rep in inner) for sep in separators
            ):
                found.append("a repeated group contains an unbounded repeat")
            for branches in _branches(body) if av[1] == c.MAXREPEAT else ():
                starts = [_first(b) for b in branches]
                if any(
                    _overlap(starts[i], starts[j])
                    for i in range(len(starts))
                    for j in range(i + 1, len(starts))
                ):
                    found.append("repeated alternatives can match the same text")
                    break
        for inner in _inner(op, av):
            found.extend(_problems(inner))
    return found


def backtracking_risk(pattern: str) -> str | None:
    """Why ``pattern`` risks catastrophic backtracking, or None. It must already compile."""
    try:
        parsed = sre_parse.parse(pattern)
    except Exception:  # noqa: BLE001 - the caller reports compile errors
        return None
    problems = _problems(list(parsed))
    return problems[0] if problems else None
