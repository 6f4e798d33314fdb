"""Boolean retrieval over codings: which turns answer an expression.

    EXPR := TERM (OR TERM)*
    TERM := NEAR (AND NEAR)*
    NEAR := UNARY (NEAR/k UNARY)*        within k turns of each other, in one document
    UNARY:= NOT UNARY | ATOM
    ATOM := ( EXPR ) | CODE | KEY = VALUE | KEY != VALUE | KEY ~ PART

A CODE (an id, a unique id prefix or a label; quote labels with spaces) holds for the turns
coded with it or any code below it. ``KEY = VALUE`` tests a document's attribute, its case,
document name or language, or the turn's speaker. Operators are case-insensitive; NOT binds
tightest, then NEAR, AND, OR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from casecode.analysis.data import CodedCorpus, Condition, check_condition
from casecode.codebook import Codebook
from casecode.codebook.refs import resolve_code
from casecode.errors import CasecodeError

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>[(（]) | (?P<close>[)）])
      | (?P<op>==|!=|≠|=|~)
      | (?P<quoted>"[^"]*"|'[^']*'|“[^”]*”)
      | (?P<word>[^\s()（）=!~≠"'“”]+)
    )""",
    re.VERBOSE,
)
_NEAR = re.compile(r"NEAR/(\d+)$", re.IGNORECASE)
_KEYWORDS = {"AND", "OR", "NOT"}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # open, close, op, word, quoted, and, or, not, near, end
    text: str
    pos: int
    k: int = 0


def _tokens(expr: str) -> list[Token]:
    out, pos = [], 0
    while pos < len(expr):
        if expr[pos:].strip() == "":
            break
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            at = pos + len(expr[pos:]) - len(expr[pos:].lstrip())
            if expr[at] in "\"'“":
                raise QueryError(expr, at, "this quote is never closed")
            raise QueryError(expr, at, f"cannot read '{expr[at]}'")
        kind = m.lastgroup or "word"
        text = m.group(kind)
        start = m.start(kind)
        if kind == "word" and text.upper() in _KEYWORDS:
            kind = text.lower()
        elif kind == "word" and text.upper().startswith("NEAR/") and not _NEAR.match(text):
            raise QueryError(expr, start, "NEAR needs a number of turns, e.g. NEAR/2")
        elif kind == "word" and (near := _NEAR.match(text)):
            out.append(Token("near", text, start, int(near.group(1))))
            pos = m.end()
            continue
        elif kind == "quoted":
            kind, text = "word", text[1:-1]
        out.append(Token(kind, text, start))
        pos = m.end()
    out.append(Token("end", "", len(expr)))
    return out


class QueryError(CasecodeError):
    def __init__(self, expr: str, pos: int, message: str, hint: str | None = None) -> None:
        shown = f"{expr[:pos]}▶{expr[pos:]}" if expr else ""
        super().__init__(
            f"query: {message} at column {pos + 1}: {shown}",
            hint=hint or "e.g. problems.unclear_responsibilities AND (role ~ 书记 OR actors)",
        )
        self.position = pos


# A parsed expression is a tree of tuples: ("code", Code), ("attr", Condition),
# ("not", x), ("and", a, b), ("or", a, b), ("near", k, a, b).
Node = tuple


class _Parser:
    def __init__(self, expr: str, book: Codebook):
        self.expr = expr
        self.book = book
        self.tokens = _tokens(expr)
        self.i = 0

    @property
    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, token: Token, message: str) -> QueryError:
        return QueryError(self.expr, token.pos, message)

    def parse(self) -> Node:
        if self.peek.kind == "end":
            raise QueryError(self.expr, 0, "the query is empty")
        node = self.or_()
        if self.peek.kind != "end":
            token = self.peek
            if token.kind == "close":
                raise self.fail(token, "')' without a matching '('")
            before = self.tokens[self.i - 1]
            hint = None
            if token.kind == "word" and before.kind == "word":  # a label with a space?
                hint = f'quote a label with spaces: "{before.text} {token.text}"'
            raise QueryError(
                self.expr, token.pos, f"expected AND, OR or NEAR/k before '{token.text}'", hint
            )
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.peek.kind == "or":
            self.take()
            node = ("or", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.near()
        while self.peek.kind == "and":
            self.take()
            node = ("and", node, self.near())
        return node

    def near(self) -> Node:
        node = self.unary()
        while self.peek.kind == "near":
            k = self.take().k
            node = ("near", k, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek.kind == "not":
            self.take()
            return ("not", self.unary())
        return self.atom()

    def atom(self) -> Node:
        token = self.take()
        if token.kind == "open":
            node = self.or_()
            if self.peek.kind != "close":
                raise self.fail(self.peek, "expected ')'")
            self.take()
            return node
        if token.kind != "word":
            what = "the end" if token.kind == "end" else f"'{token.text}'"
            raise self.fail(token, f"expected a code, an attribute test or '(' but found {what}")
        if self.peek.kind == "op":
            op = self.take()
            value = self.take()
            if value.kind != "word":
                raise self.fail(value, f"expected a value after '{op.text}'")
            sign = {"==": "=", "≠": "!="}.get(op.text, op.text)
            return ("attr", Condition(token.text, sign, value.text), token.pos)
        try:
            return ("code", resolve_code(self.book, token.text))
        except CasecodeError as exc:
            hint = exc.hint
            if self.peek.kind == "word":  # two words in a row: a label with a space?
                hint = f'quote a label with spaces: "{token.text} {self.peek.text}"'
            raise QueryError(self.expr, token.pos, exc.message, hint) from None


def parse_query(expr: str, book: Codebook) -> Node:
    return _Parser(expr, book).parse()


def match_query(node: Node, corpus: CodedCorpus, expr: str = "") -> set[tuple[int, int]]:
    """The turns, as ``(document id, turn number)``, for which ``node`` holds."""
    universe = {(t.doc, t.n) for t in corpus.turns}
    by_code: dict[str, set[tuple[int, int]]] = {}
    for h in corpus.hits:
        by_code.setdefault(h.code, set()).add((h.doc, h.turn))

    def walk(n: Node) -> set[tuple[int, int]]:
        kind = n[0]
        if kind == "code":
            root = n[1].id
            found: set[tuple[int, int]] = set()
            for code_id, turns in by_code.items():
                if code_id == root or code_id.startswith(root + "."):
                    found |= turns
            return found
        if kind == "attr":
            cond: Condition = n[1]
            try:
                check_condition(corpus, cond, corpus.turns)
            except CasecodeError as exc:
                raise QueryError(expr, n[2], exc.message, exc.hint) from None
            return {(t.doc, t.n) for t in corpus.turns if corpus.holds(t, cond)}
        if kind == "not":
            return universe - walk(n[1])
        if kind == "and":
            return walk(n[1]) & walk(n[2])
        if kind == "or":
            return walk(n[1]) | walk(n[2])
        k, left, right = n[1], walk(n[2]), walk(n[3])
        return _within_k(left, right, k) | _within_k(right, left, k)

    return walk(node)


def _within_k(these: set[tuple[int, int]], those: set[tuple[int, int]], k: int) -> set:
    """The turns of ``these`` with a turn of ``those`` at most ``k`` turns away."""
    from bisect import bisect_left

    numbers: dict[int, list[int]] = {}
    for doc, n in sorted(those):
        numbers.setdefault(doc, []).append(n)
    found = set()
    for doc, n in these:
        near = numbers.get(doc, [])
        i = bisect_left(near, n - k)
        if i < len(near) and near[i] <= n + k:
            found.add((doc, n))
    return found
