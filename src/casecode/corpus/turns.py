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
_NAME = r"[^\W\d_][^\n:：︰()（）\[\]【】*]{0,30}?"
_NOTE = r"(?:[ \t]*[(（][^()（）\n:：︰\d][^()（）\n:：︰]{0,19}[)）])?"
_NUMBERED = r"(?:\d{1,3}[.．、][ \t]*)?"  # 2. 李議員：  (a numbered question in a hearing)
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
        rf"{_LEAD}{_TIME_PREFIX}\*\*(?P<speaker>[^*\n:：︰]{{1,40}}?)[ \t]*{_TIME_SUFFIX}[ \t]*"
        r"(?:[:：︰][ \t]*\*\*|\*\*[ \t]*[:：︰])",
    ),
    # 访谈者：  Q:  Interviewer1:  R1:  [00:12:03] 张书记：  S1 (00:01:02):  李会长（老年协会）：
    (
        "plain",
        rf"{_LEAD}{_NUMBERED}{_TIME_PREFIX}(?P<speaker>{_NAME}{_NOTE}){_TIME_SUFFIX}[ \t]*[:：︰]"
        r"(?!//)",
    ),
    # [id1] text   (QualCoder-style bracketed speaker without a colon)
    ("bracket", r"^[ \t]*\[(?P<speaker>[A-Za-z\u4e00-\u9fff][\w\u4e00-\u9fff .-]{0,20})\][ \t]+"),
)

_KNOWN_ROLE = re.compile(
    r"^(?:访谈者|访问者|采访者|访谈人|访员|调研员|研究者|研究员|受访者|被访者|受访人|被访谈者|"
    r"主持人|问|答|说话人|发言人|主席|代理主席|訪談者|受訪者|"
    r"Q|A|I|R|P|S|IV|IE|Interviewer|Interviewee|Respondent|Participant|Moderator|Facilitator|"
    r"Researcher|Speaker|Informant|Host|Presenter|Counsel|Witness|The Witness)[ \t]*\d*$",
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


def _find_labels(
    text: str, start: int, patterns, skip: set[int] = frozenset(), key: dict[str, str] | None = None
) -> list[_Label]:
    candidates: list[_Label] = []
    keyed = _keyed_pattern(key) if key else None
    for offset, line in _lines(text, start):
        if not line.strip() or offset in skip:
            continue
        if keyed is not None:
            m = keyed.match(line)
            if m:
                lead = len(line) - len(line.lstrip(" \t\u3000"))
                speaker = key[m.group("speaker")]
                candidates.append(_Label(offset + lead, offset + m.end(), speaker, None, True))
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
            if kind == "bracket" and not _name_like(speaker):
                continue  # [As read], [inaudible], [laughs]: stage notes, not speakers
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


def _name_like(speaker: str) -> bool:
    """A bracketed label that names someone: capitalised words or numbers (Speaker 1, Mary),
    or a short Chinese name; not a stage note (As read, inaudible, 笑声)."""
    if _CJK.search(speaker):
        return len(speaker) <= 6 and not _STAGE_WORDS.search(speaker)
    return all(w[:1].isupper() or any(c.isdigit() for c in w) for w in speaker.split())


_STAGE_WORDS = re.compile(r"笑|停顿|沉默|听不清|不清楚|插话|音频|录音|掌声|哭")

# ---------------------------------------------------------------------------- speaker keys

# SJ - Sam Jordan   /   F = Fiona   /   LS: Lesley Stevenson   (a key at the top of a transcript
# whose turns then open with the initials and a space: "SJ I work for ...")
_KEY_LINE = re.compile(
    r"^[ \t]*(?P<short>[A-Z][A-Za-z]{0,11}\d?)[ \t]*(?P<sep>[-–—=]|:)[ \t]*"
    r"(?P<full>[A-Z][\w'’.-]*(?:[ \t]+(?:[A-Z][\w'’.-]*|de|van|von|da|di|le|la|of)){0,5})"
    r"[ \t]*(?:[(（][^()（）\n]{1,40}[)）])?[ \t]*$"
)


def speaker_key(text: str, start: int = 0) -> dict[str, str]:
    """A speaker key near the top of a transcript: {initials or short name: full name}, used
    only when they then open lines followed by a space (``SJ I work for ...``)."""
    return _speaker_key(text, start)[0]


def _speaker_key(text: str, start: int) -> tuple[dict[str, str], set[int]]:
    """The key and the offsets of its lines."""
    key: dict[str, str] = {}
    where: set[int] = set()
    seen = 0
    for offset, line in _lines(text, start):
        if not line.strip():
            continue
        seen += 1
        if seen > 40:
            break
        m = _KEY_LINE.match(line)
        # "Q: Okay" is a turn, not a key: after a colon the key gives a full name
        if m and m.group("sep") == ":" and len(m.group("full").split()) < 2:
            m = None
        if m and m.group("short") != m.group("full"):
            key[m.group("short")] = re.sub(r"\s+", " ", m.group("full")).strip()
            where.add(offset)
        elif key:
            break  # the key ended
    if not key:
        return {}, set()
    # the key is needed when its initials open lines with a space alone (SJ I work for ...)
    names = "|".join(re.escape(k) for k in sorted(key, key=len, reverse=True))
    bare = re.compile(rf"^[ \t]*(?:{names})[ \t]+(?=\S)(?![-–—=:：])")
    used = sum(
        1 for offset, line in _lines(text, start) if offset not in where and bare.match(line)
    )
    return (key, where) if used >= 2 else ({}, set())


def _keyed_pattern(key: dict[str, str]) -> re.Pattern[str]:
    names = "|".join(re.escape(k) for k in sorted(key, key=len, reverse=True))
    return re.compile(rf"^[ \t]*(?P<speaker>{names})(?:[ \t]*[:：][ \t]*|[ \t]+)(?=\S)(?![-–—=])")


# ---------------------------------------------------------------------------- structure

_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+\S")
_UNDERLINE = re.compile(r"^[ \t]*([=\-~^*+#\"'`:.])\1{2,}[ \t]*$")
_RST_COMMENT = re.compile(r"^\.\.(?:[ \t]|$)")
_CN_NUM = r"[一二三四五六七八九十百千零〇\d]+"
_CHAPTER = re.compile(
    rf"^[ \t\u3000]*第{_CN_NUM}[章节節編编篇部][ \t\u3000]*[^\n，。；：:,;]{{0,30}}$"
)
_ARTICLE = re.compile(
    rf"^[ \t\u3000]*(?:\*\*)?(?:第{_CN_NUM}[条條]|Article[ \t]+\d+|Section[ \t]+\d+)"
)
_HISTORY = re.compile(
    r"^[ \t\u3000]*\d{4}[年.-]\s*\d{1,2}[月.-]\s*\d{1,2}日?.{0,200}?"
    r"(?:通过|批准|修订|修正|公布|施行|决定|通過|修訂|頒布|頒佈)"
)


def structure(text: str, start: int = 0) -> list[tuple[str, int, int]]:
    """Lines that are a document's structure, not its content: ``heading`` (Markdown ``#``,
    reStructuredText titles with their underlines, 第一章 chapters) and ``comment`` (HTML
    comments, reStructuredText ``..`` comments, transitions), as (kind, start, end) of lines."""
    out: list[tuple[str, int, int]] = []
    lines = list(_lines(text, start))
    i = 0
    while i < len(lines):
        offset, line = lines[i]
        end = offset + len(line)
        stripped = line.strip()
        if stripped.startswith("<!--"):
            close = text.find("-->", offset)
            close = len(text) if close == -1 else close + 3
            while i + 1 < len(lines) and lines[i + 1][0] < close:
                i += 1
            out.append(("comment", offset, max(close, end) if close <= len(text) else end))
        elif _MD_HEADING.match(line) or _CHAPTER.match(line):
            out.append(("heading", offset, end))
        elif (
            stripped
            and i + 1 < len(lines)
            and _UNDERLINE.match(lines[i + 1][1])
            and len(lines[i + 1][1].strip()) >= len(stripped) * 0.8
            and not _UNDERLINE.match(line)
        ):
            below = lines[i + 1]
            out.append(("heading", offset, below[0] + len(below[1])))
            i += 1
        elif _UNDERLINE.match(line) and len(stripped) >= 4:
            out.append(("comment", offset, end))  # a transition (----) or a title's overline
        elif _RST_COMMENT.match(line):
            out.append(("comment", offset, end))
        i += 1
    return out


# a paragraph that is only a stage note: *(11.15 am)*, *(A short break)*, (Laughter), [inaudible]
_STAGE_NOTE = re.compile(r"[*_]*[(（\[][^()（）\[\]\n]{1,60}[)）\]][*_]*")


def _trailing_notes(text: str, start: int, end: int) -> tuple[int, list[tuple[int, int]]]:
    """A turn's end without the stage notes that close it (a recess, a time, laughter), and
    those notes, as (start, end) spans: they are no one's words."""
    notes: list[tuple[int, int]] = []
    while True:
        spans = paragraphs(text, start, end)
        if len(spans) < 2 or not _STAGE_NOTE.fullmatch(text[spans[-1][0] : spans[-1][1]]):
            return end, notes[::-1]
        notes.append(spans[-1])
        end = _trim(text, start, spans[-2][1])[1]


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


def split_turns(
    text: str, *, start: int = 0, patterns=None, kind: str | None = None
) -> list[Segment]:
    """Segments of ``text[start:]``: speaker turns, or the units of a document without speakers
    (articles 第X条 and paragraphs); headings, comments and the preamble (a title, a speaker
    key, header and metadata lines before the first turn) are kept as segments numbered below
    1, so turn numbers count speech. ``kind`` ``document`` or ``notes`` ignores labels."""
    if patterns is None:
        patterns = compile_patterns()
    struct = structure(text, start)
    skip = {a for _, a, _ in struct}
    for _, a, b in struct:  # every line inside a comment or a heading's underline
        nl = text.find("\n", a)
        while nl != -1 and nl + 1 < b:
            skip.add(nl + 1)
            nl = text.find("\n", nl + 1)
    key, key_lines = _speaker_key(text, start)
    skip |= key_lines
    labels = [] if kind in ("document", "notes") else _find_labels(text, start, patterns, skip, key)
    labels, titles = _heading_labels(text, labels)
    if titles:
        struct = sorted(struct + titles, key=lambda t: t[1])
    pieces: list[tuple[int, int, int, str | None, str | None, str]] = []  # label, s, e, ...

    def add_region(a: int, b: int, region_kind: str) -> None:
        for s, e in paragraphs(text, a, b):
            pieces.append((s, s, e, None, None, region_kind))

    bounds = sorted(
        [(a, b, k) for k, a, b in struct] + [(lb.line_start, -1, "label") for lb in labels]
    )
    by_start = {lb.line_start: lb for lb in labels}
    pos = start
    seen_label = False
    for n, (a, b, what) in enumerate(bounds):
        stop = bounds[n + 1][0] if n + 1 < len(bounds) else len(text)
        if what == "label":
            if not seen_label:
                add_region(pos, a, "preamble")
            seen_label = True
            label = by_start[a]
            s, e = _trim(text, label.body_start, stop)
            if s == e:  # a label with nothing said
                s = e = label.body_start
            e, notes = _trailing_notes(text, s, e)
            pieces.append((label.line_start, s, e, label.speaker, label.time, "turn"))
            pieces.extend((a, a, b, None, None, "note") for a, b in notes)
        else:
            if not labels or not seen_label:
                add_region(pos, a, "preamble" if labels else "paragraph")
            s, e = _trim(text, a, b)
            pieces.append((s, s, e, None, None, what))
            if labels:  # what follows a heading in a transcript, before the next turn
                add_region(b, stop, "note" if seen_label else "preamble")
            else:
                add_region(b, stop, "paragraph")
        pos = stop
    if not bounds:
        add_region(start, len(text), "paragraph")
    if not labels:
        pieces = _document_units(text, pieces)
    pieces.sort()
    segments: list[Segment] = []
    counted = uncounted = 0
    for label_start, s, e, speaker, time, what in pieces:
        if what in ("turn", "paragraph", "article"):
            counted += 1
            number = counted
        else:
            uncounted += 1
            number = -uncounted
        segments.append(Segment(number, speaker, s, e, label_start, time, what))
    return segments


def _heading_labels(text: str, labels: list[_Label]) -> tuple[list[_Label], list]:
    """Labels that are headings: a name (功能團體：, 註：, Votes:) that never has words after its
    colon on its line, and is no known role or titled person, opens a list, not a turn (unless
    no label of the document has words on its line: then that is how its turns are written)."""
    said: dict[str, bool] = {}
    for lb in labels:
        nl = text.find("\n", lb.body_start)
        rest = text[lb.body_start : len(text) if nl == -1 else nl]
        said[lb.speaker] = said.get(lb.speaker, False) or bool(rest.strip())
    if not any(said.values()):  # every label on a line of its own: the transcript's style
        return labels, []
    keep, titles = [], []
    for lb in labels:
        if said[lb.speaker] or lb.strong:
            keep.append(lb)
        else:
            nl = text.find("\n", lb.body_start)
            titles.append(("heading", lb.line_start, len(text) if nl == -1 else nl))
    return keep, titles


def _document_units(text: str, pieces: list) -> list:
    """A document without speakers: each article (第X条, Article 3) runs on over the paragraphs
    after it until the next article or heading; revision-history lines and whatever precedes an
    early comment (``<!-- INFO END -->``) before the first article are its preamble."""
    pieces = sorted(pieces)
    first_article = next(
        (
            i
            for i, p in enumerate(pieces)
            if p[5] == "paragraph" and _ARTICLE.match(text[p[1] : p[2]])
        ),
        len(pieces),
    )
    comment = next((i for i, p in enumerate(pieces[:first_article]) if p[5] == "comment"), None)
    if comment is not None and sum(p[5] == "paragraph" for p in pieces[:comment]) > 6:
        comment = None  # a comment far into the text marks no header block
    out = []
    content = False  # a paragraph of content came already: no more header block
    for i, p in enumerate(pieces):
        label_start, s, e, speaker, time, what = p
        early = (comment is not None and i < comment) or (not content and _HISTORY.match(text[s:e]))
        if what == "paragraph" and i < first_article and early:
            what = "preamble"
        content = content or what == "paragraph"
        if what == "paragraph" and _ARTICLE.match(text[s:e]):
            what = "article"
        elif what == "paragraph" and out and out[-1][5] == "article" and i > first_article:
            prev = out[-1]
            out[-1] = (prev[0], prev[1], e, None, None, "article")  # the article's next paragraph
            continue
        out.append((label_start, s, e, speaker, time, what))
    return out


# ---------------------------------------------------------------------------- who asks

# The questioning side of interviews, hearings, meetings and podcasts, by its role words.
_ASKING_ROLE = re.compile(
    r"^(?:访谈者|访问者|采访者|访谈人|访谈员|访员|调研员|调查员|研究者|研究员|主持人|主持|记者|问|"
    r"主席|代理主席|主任委员|委員長|訪談者|訪問者|採訪者|主持人|記者|問|"
    r"Q|I|IV|Interviewer|Moderator|Facilitator|Researcher|Host|Presenter|Chair|Chairman|"
    r"Chairwoman|Chairperson|Convenor|Counsel|Counsel Inquiry|Counsel to the Inquiry|"
    r"Lead Counsel|Examiner|Reporter|Journalist)[ \t]*\d*$",
    re.IGNORECASE,
)
_ANSWERING_ROLE = re.compile(
    r"^(?:受访者|被访者|受访人|被访谈者|答|受訪者|被訪者|A|R|P|IE|Interviewee|Respondent|"
    r"Participant|Informant|Witness|The Witness|Guest)[ \t]*\d*$",
    re.IGNORECASE,
)
_QUESTION = re.compile(r"[?？][\s\"”’)）]*$|(?:吗|嗎|呢)[。？?]?\s*$")


def speaker_roles(text: str, segments: list[Segment]) -> list[Segment]:
    """Each turn with its speaker's role: ``interviewer`` for the questioning side, known by
    a role word (访谈者, 主持人, 主席, host, counsel, chair ...) or, when no speaker has one, by
    the document's pattern: the speaker whose turns are most often questions, when that is at
    least a quarter of their turns and twice anyone else's share. Once that side is known, anyone
    else half of whose turns are questions that someone outside it answers (at least three: the
    other counsel at a hearing, not a debater whose speeches hold rhetorical questions) joins
    it."""
    turns = [s for s in segments if s.kind == "turn" and s.speaker]
    speakers = list(dict.fromkeys(s.speaker for s in turns))
    asking = {sp for sp in speakers if _ASKING_ROLE.match(sp)}
    ratio: dict[str, float] = {}
    for sp in speakers:
        said = [text[s.start : s.end] for s in turns if s.speaker == sp]
        if len(said) >= 2 and not _ANSWERING_ROLE.match(sp):
            ratio[sp] = sum(1 for t in said if _QUESTION.search(t)) / len(said)
    if not asking and len(speakers) >= 2 and ratio:
        best = max(ratio, key=lambda sp: ratio[sp])
        others = [r for sp, r in ratio.items() if sp != best] or [0.0]
        if ratio[best] >= 0.25 and ratio[best] >= 2 * max(others):
            asking = {best}
    if asking:
        answered: dict[str, int] = {}  # questions that the next speaker, not asking, answers
        for turn, after in zip(turns, turns[1:], strict=False):
            if (
                after.speaker != turn.speaker
                and after.speaker not in asking
                and _QUESTION.search(text[turn.start : turn.end])
            ):
                answered[turn.speaker] = answered.get(turn.speaker, 0) + 1
        said = {sp: sum(1 for t in turns if t.speaker == sp) for sp in ratio}
        asking |= {
            sp
            for sp, r in ratio.items()
            if sp not in asking and r >= 0.5 and answered.get(sp, 0) >= max(3, said[sp] / 2)
        }
    if not asking:
        return segments
    return [
        Segment(s.n, s.speaker, s.start, s.end, s.label_start, s.timestamp, s.kind, "interviewer")
        if s.speaker in asking
        else s
        for s in segments
    ]
