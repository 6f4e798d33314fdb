"""Split a transcript's text into speaker turns (or paragraphs), with exact offsets.

A *label* opens a turn at the start of a line: ``访谈者：``, ``Q:``, ``[00:12:03] 张书记：``,
``**Speaker 1**:``, ``S1 (00:01:02):``, `` Interviewee:`` ... Lines without a label continue
the current turn. Labels that are certainly speakers (known roles, a person named by a title such as
王书记 or Secretary Li, a timestamp, bold markdown, or a pattern from ``casecode.toml``) count at
once; any other short ``name:`` at a line start
counts only when it opens at least two lines of the document, so a one-off ``注意：`` or
``Note:`` stays part of the text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from casecode.errors import CasecodeError
from casecode.model import Segment

_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_LEAD = r"^[ \t\u3000]*"
_TIME_PREFIX = rf"(?:[\[【(（]?(?P<time>{_TIME})[\]】)）]?[ \t]*)?"
_NAME = r"[^\W\d_][^\n:：()（）\[\]【】*]{0,30}?"
_NOTE = r"(?:[ \t]*[(（][^()（）\n:：\d][^()（）\n:：]{0,19}[)）])?"
_TIME_SUFFIX = rf"(?:[ \t]*[(（](?P<time2>{_TIME})[)）])?"

BUILTIN_PATTERNS: tuple[tuple[str, str], ...] = (
    # 说话人1 00:00:03   /   Speaker 1  0:03   (transcription apps: label and time alone on a
    # line, the words on the next)
    (
        "stamped",
        rf"{_LEAD}(?P<speaker>[^\W\d_][^\n:：()（）\[\]【】*]{{0,20}}?)"
        rf"[ \t]+(?P<time>{_TIME})[ \t]*$",
    ),
    # **Speaker 1**:   **访谈者**：   **R1:**   [00:01:02] **张书记**：
    (
        "bold",
        rf"{_LEAD}{_TIME_PREFIX}\*\*(?P<speaker>[^*\n:：]{{1,40}}?)[ \t]*{_TIME_SUFFIX}[ \t]*"
        r"(?:[:：][ \t]*\*\*|\*\*[ \t]*[:：])",
    ),
    # 访谈者：  Q:  Interviewer1:  R1:  [00:12:03] 张书记：  S1 (00:01:02):  李会长（老年协会）：
    (
        "plain",
        rf"{_LEAD}{_TIME_PREFIX}(?P<speaker>{_NAME}{_NOTE}){_TIME_SUFFIX}[ \t]*[:：](?!//)",
    ),
    # [id1] text   (QualCoder-style bracketed speaker without a colon)
    ("bracket", r"^[ \t]*\[(?P<speaker>[A-Za-z\u4e00-\u9fff][\w\u4e00-\u9fff .-]{0,20})\][ \t]+"),
)

_KNOWN_ROLE = re.compile(
    r"^(?:访谈者|访问者|采访者|访谈人|访员|调研员|研究者|研究员|受访者|被访者|受访人|被访谈者|"
    r"主持人|问|答|说话人|发言人|"
    r"Q|A|I|R|P|S|IV|IE|Interviewer|Interviewee|Respondent|Participant|Moderator|Facilitator|"
    r"Researcher|Speaker|Informant)[ \t]*\d*$",
    re.IGNORECASE,
)
# A person named by a title or a role (王书记, 李会长, 村民甲, Secretary Li, Villager): a speaker
# even when they speak only once in a document.
_TITLED = re.compile(
    r"^(?:[\u4e00-\u9fff]{1,3}(?:书记|支书|主任|会长|所长|股长|局长|科长|镇长|乡长|村长|县长|"
    r"老师|大爷|大妈|奶奶|爷爷|大姐|大哥|阿姨|师傅|代表|组长|院长|站长|社工|医生|护工|委员|理事)"
    r"|(?:村民|老人|志愿者|居民|家属|干部|社工|村干部)[甲乙丙丁戊A-Za-z0-9]{0,2}"
    r"|(?:Mr|Ms|Mrs|Dr|Secretary|Director|Chair|Chairman|Chairwoman|Mayor|Teacher|Granny|"
    r"Grandpa|Grandma|Uncle|Aunt|Villager|Volunteer|Resident|Official|Cadre)\.?"
    r"(?:[ \t]+[A-Z][\w'-]*){0,2}(?:[ \t]*\d+)?)$"
)
# Words that open explanatory lines, not turns, however often they recur.
_NOT_SPEAKER = re.compile(
    r"^(?:注|备注|注意|说明|比如|例如|譬如|附|附注|时间|地点|日期|访谈时间|访谈地点|访谈对象|"
    r"note|notes|e\.g\.|i\.e\.|ps|p\.s\.|nb|n\.b\.|example|date|time|place|location|re|"
    r"subject|from|to|cc|http|https|www)$",
    re.IGNORECASE,
)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SENTENCE_PUNCT = re.compile(r"[，。！？；、“”\"…,!?;]")
_REPORTING_VERB = re.compile(r"(?:说|道|讲|表示|认为|指出|提到|回忆)$")


@dataclass(frozen=True, slots=True)
class _Label:
    line_start: int  # first non-blank character of the line
    body_start: int  # first character after the label
    speaker: str
    time: str | None
    strong: bool


def compile_patterns(
    extra: Iterable[str] = (), *, builtin: bool = True
) -> list[tuple[str, re.Pattern[str]]]:
    """Patterns from casecode.toml come first; each needs a named group ``speaker``."""
    compiled: list[tuple[str, re.Pattern[str]]] = []
    for i, source in enumerate(extra):
        try:
            pattern = re.compile(source)
        except re.error as exc:
            raise CasecodeError(
                f"speaker pattern {i + 1} is not a valid regular expression: {exc}",
                file="casecode.toml",
            ) from None
        if "speaker" not in pattern.groupindex:
            raise CasecodeError(
                f"speaker pattern {i + 1} has no named group (?P<speaker>...)",
                file="casecode.toml",
            )
        compiled.append(("config", _TimedPattern(source, i + 1)))
    if builtin:
        compiled.extend((kind, re.compile(src)) for kind, src in BUILTIN_PATTERNS)
    return compiled


PATTERN_SECONDS = 1.0  # how long a speaker pattern from casecode.toml may try one line


class _TimedPattern:
    """A speaker pattern from casecode.toml, matched with a time budget per line (the ``regex``
    module's timeout): a pattern that backtracks without end fails the file, naming itself."""

    def __init__(self, source: str, number: int) -> None:
        import regex

        self.number = number
        try:
            self.pattern = regex.compile(source, flags=regex.VERSION0)
        except regex.error:  # read differently by regex: run by re, untimed
            self.pattern = re.compile(source)
        self.groupindex = self.pattern.groupindex

    def match(self, line: str):
        if isinstance(self.pattern, re.Pattern):
            return self.pattern.match(line)
        try:
            return self.pattern.match(line, timeout=PATTERN_SECONDS)
        except TimeoutError:
            raise CasecodeError(
                f"speaker pattern {self.number} in casecode.toml ran out of time on a line of "
                f"{len(line):,} characters (catastrophic backtracking)",
                hint="simplify it: no repeat inside a repeat, no repeats side by side",
            ) from None


def _lines(text: str, start: int) -> Iterator[tuple[int, str]]:
    """(offset, line without its end-of-line) for each line from ``start``."""
    pos = start
    n = len(text)
    while pos < n:
        nl = text.find("\n", pos)
        end = n if nl == -1 else nl
        line = text[pos:end]
        if line.endswith("\r"):
            line = line[:-1]
        yield pos, line
        pos = end + 1


def _plausible(speaker: str) -> bool:
    if not speaker or _SENTENCE_PUNCT.search(speaker) or _NOT_SPEAKER.match(speaker):
        return False
    if _CJK.search(speaker):
        return len(speaker) <= 12 and not _REPORTING_VERB.search(speaker)
    return len(speaker) <= 30 and len(speaker.split()) <= 4


def _find_labels(text: str, start: int, patterns) -> list[_Label]:
    candidates: list[_Label] = []
    for offset, line in _lines(text, start):
        if not line.strip():
            continue
        for kind, pattern in patterns:
            m = pattern.match(line)
            if not m:
                continue
            speaker = re.sub(r"\s+", " ", m.group("speaker")).strip()
            groups = m.groupdict()
            time = groups.get("time") or groups.get("time2")
            if kind != "config" and not _plausible(speaker):
                continue
            # A line that is only "name time" may be a sentence ending in a time: it needs a
            # known role or a second occurrence, like any other plain name.
            timed = bool(time) and kind != "stamped"
            strong = (
                kind in ("config", "bold")
                or timed
                or bool(_KNOWN_ROLE.match(speaker))
                or bool(_TITLED.match(speaker))
            )
            lead = len(line) - len(line.lstrip(" \t\u3000"))
            candidates.append(_Label(offset + lead, offset + m.end(), speaker, time, strong))
            break
    counts = Counter(c.speaker for c in candidates)
    return [c for c in candidates if c.strong or counts[c.speaker] >= 2]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def paragraphs(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Non-blank paragraphs of ``text[start:end]`` as trimmed (start, end) spans.

    Blank lines separate paragraphs when the region has any; otherwise each line is one.
    """
    start, end = _trim(text, start, len(text) if end is None else end)
    region = text[start:end]
    if re.search(r"\n[ \t\u3000\r]*\n", region):
        breaks = [(m.start(), m.end()) for m in re.finditer(r"\n(?:[ \t\u3000\r]*\n)+", region)]
    else:
        breaks = [(m.start(), m.end()) for m in re.finditer(r"\n", region)]
    spans = []
    pos = 0
    for b_start, b_end in [*breaks, (len(region), len(region))]:
        s, e = _trim(text, start + pos, start + b_start)
        if e > s:
            spans.append((s, e))
        pos = b_end
    return spans


def split_turns(text: str, *, start: int = 0, patterns=None) -> list[Segment]:
    """Segments of ``text[start:]``: speaker turns, or paragraphs when there are no labels."""
    if patterns is None:
        patterns = compile_patterns()
    labels = _find_labels(text, start, patterns)
    segments: list[Segment] = []

    def add_paragraphs(a: int, b: int) -> None:
        for s, e in paragraphs(text, a, b):
            segments.append(Segment(len(segments) + 1, None, s, e, s, None, "paragraph"))

    if not labels:
        add_paragraphs(start, len(text))
        return segments
    add_paragraphs(start, labels[0].line_start)
    for i, label in enumerate(labels):
        stop = labels[i + 1].line_start if i + 1 < len(labels) else len(text)
        s, e = _trim(text, label.body_start, stop)
        if s == e:  # a label with nothing said
            s = e = label.body_start
        segments.append(
            Segment(len(segments) + 1, label.speaker, s, e, label.line_start, label.time, "turn")
        )
    return segments
