"""Pseudonyms: a reversible table of the people a project's documents name, in the project
folder as ``pseudonyms.csv`` (columns ``name,pseudonym``; more columns are allowed and kept).

``casecode pseudonymize`` builds it from speaker labels and from the text (jieba's person-name
tags for Chinese; a spaCy pipeline's PERSON entities when one is installed, else capitalised
names, for English). The researcher edits it; outputs given ``--pseudonyms`` print pseudonyms,
while the stored text stays as it was.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path
from typing import Any

from casecode.errors import CasecodeError
from casecode.outputs import write_atomic
from casecode.project import Project, using_project

PSEUDONYM_FILE = "pseudonyms.csv"

# Labels that name a role, not a person: never pseudonymised.
_ROLE_WORDS = re.compile(
    r"^(?:访谈者|访问者|采访者|受访者|被访者|主持人|主持|主席|代理主席|问|答|说话人|发言人|研究者|"
    r"訪談者|受訪者|Q|A|I|R|P|S|IV|IE|Interviewer|Interviewee|Respondent|Participant|Moderator|"
    r"Facilitator|Researcher|Speaker|Host|Chair|Counsel|Counsel Inquiry|The Witness|Witness)"
    r"[ \t]*\d*$",
    re.IGNORECASE,
)
_TITLE = r"(?:Mr|Ms|Mrs|Miss|Dr|Prof|Professor|Sir|Dame|Lady|Lord|Reverend|Rev)\.?"
_CAPITALISED = re.compile(
    rf"\b(?:{_TITLE}[ ]+[A-Z][a-z'’-]+(?:[ ][A-Z][a-z'’-]+)?"
    r"|[A-Z][a-z'’-]+[ ][A-Z][a-z'’-]{2,})\b"
)
_NOT_NAMES = re.compile(
    r"^(?:The|This|That|And|But|So|We|I|It|In|On|At|Of|For|Social|Care|Local|National|"
    r"Scottish|British|United|Northern|New|North|South|East|West|Good|Thank|Yes|No|Well|"
    r"My|Our|Their|His|Her|What|When|Where|Why|How|If|As|Department|Council|Association|"
    r"Government|Health|Services?|Community|Covid|January|February|March|April|May|June|July|"
    r"August|September|October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|"
    r"Saturday|Sunday)\b"
)


# Common surnames, Simplified and Traditional: a Chinese name the tagger finds must start with one.
_SURNAMES = frozenset(
    "王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何高林罗羅郑鄭梁谢謝宋唐许許韩韓冯馮"
    "邓鄧曹彭曾肖萧蕭田董袁潘于蒋蔣蔡余杜叶葉程苏蘇魏吕呂丁任沈姚卢盧姜崔钟鍾谭譚陆陸汪范金"
    "石廖贾賈夏韦韋付方白邹鄒孟熊秦邱江尹薛闫閻段雷侯龙龍史陶黎贺賀顾顧毛郝龚龔邵万萬钱錢"
    "严嚴覃武戴莫孔向汤湯易麦麥葛单單涂鄺邝容岑區区甘游柯翁温溫施洪左伍"
)
# A surname and a given name before a title: 李國麟議員, 王建国书记, 陈老师.
_TITLED_ZH = re.compile(
    r"([" + "".join(sorted(_SURNAMES)) + r"][\u3400-\u9fff]{1,2}?)"
    r"(?=议员|議員|先生|女士|小姐|书记|書記|主任|局长|局長|司长|司長|老师|老師|会长|會長|村长|村長|"
    r"镇长|鎮長|教授|医生|醫生|律师|律師)"
)


def pseudonym_path(project: Project) -> Path:
    return project.root / PSEUDONYM_FILE


def _read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        text = path.read_text("utf-8-sig")
    except OSError as exc:
        raise CasecodeError(f"cannot read ({exc.strerror})", file=path) from None
    except UnicodeDecodeError:
        raise CasecodeError("not UTF-8 text", file=path, hint="save it as UTF-8 CSV") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    header = [h.strip() for h in (csv.DictReader(io.StringIO(text)).fieldnames or [])]
    if "name" not in header or "pseudonym" not in header:
        raise CasecodeError(
            "needs the columns name and pseudonym", file=path, hint="first line: name,pseudonym"
        )
    return header, [{(k or "").strip(): (v or "").strip() for k, v in r.items()} for r in rows]


def load_pseudonyms(project: str | Path | Project | None = None) -> dict[str, str]:
    """The project's ``pseudonyms.csv`` as ``{name: pseudonym}`` (rows without both left out);
    ``{}`` when there is none."""
    with using_project(project) as proj:
        path = pseudonym_path(proj)
        if not path.is_file():
            return {}
        _, rows = _read_table(path)
        return {r["name"]: r["pseudonym"] for r in rows if r.get("name") and r.get("pseudonym")}


def apply_pseudonyms(text: str, table: dict[str, str]) -> str:
    """``text`` with every name of ``table`` replaced (longest names first, whole words for
    Latin names)."""
    if not table or not text:
        return text
    names = sorted(table, key=len, reverse=True)
    parts = [
        re.escape(n) if re.search(r"[\u3400-\u9fff]", n) else rf"\b{re.escape(n)}\b" for n in names
    ]
    pattern = re.compile("|".join(parts))
    return pattern.sub(lambda m: table[m.group(0)], text)


def find_names(text: str, language: str) -> Counter[str]:
    """People's names in a text: for Chinese, jieba's person-name (``nr``) words that begin with
    a common surname, and surname + given name before a title (李國麟議員); for English, a spaCy
    pipeline's PERSON entities when one is installed, else capitalised names (Ms Carey, Sam
    Jordan) none of whose words the text also writes in lower case."""
    found: Counter[str] = Counter()
    if language in ("zh", "mixed"):
        found.update(_chinese_names(text))
    if language != "zh":
        nlp = _spacy_pipeline()
        if nlp is not None:
            for ent in nlp(text[:1_000_000]).ents:
                if ent.label_ == "PERSON" and " " in ent.text.strip():
                    found[ent.text.strip()] += 1
        else:
            lower = set(re.findall(r"\b[a-z][a-z'’-]+\b", text))
            for m in _CAPITALISED.finditer(text):
                name = re.sub(r"['’]s$", "", m.group(0))  # Mr Hancock's: Mr Hancock
                words = [w for w in name.split() if not re.fullmatch(_TITLE, w)]
                if not _NOT_NAMES.match(name) and not any(w.lower() in lower for w in words):
                    found[name] += 1
    return found


def _chinese_names(text: str) -> Counter[str]:
    import jieba
    import jieba.posseg

    from casecode.corpus.language import traditional_to_simplified

    jieba.setLogLevel(60)
    # tagged in Simplified (jieba's dictionary), reported as written: the mapping keeps lengths
    simplified = text.translate(str.maketrans(traditional_to_simplified()))
    found: Counter[str] = Counter()
    pos = 0
    for pair in jieba.posseg.cut(simplified, HMM=False):
        word = pair.word
        if pair.flag == "nr" and 2 <= len(word) <= 4 and text[pos] in _SURNAMES:
            found[text[pos : pos + len(word)]] += 1
        pos += len(word)
    for m in _TITLED_ZH.finditer(text):
        found[m.group(1)] += 1
    return found


def _spacy_pipeline():
    try:
        import spacy

        return spacy.load("en_core_web_sm", disable=["parser", "lemmatizer"])
    except (ImportError, OSError):
        return None


def pseudonymize(
    project: str | Path | Project | None = None, *, min_count: int = 1
) -> dict[str, Any]:
    """``casecode pseudonymize``: add the people named in speaker labels and texts to the
    project's ``pseudonyms.csv`` (rows already there, and the user's edits, are kept), each with
    a pseudonym (``Person 3``, ``人物3``) the user may change. Returns the table and what is new."""
    with using_project(project) as proj:
        store = proj.store
        path = pseudonym_path(proj)
        header, rows = _read_table(path) if path.is_file() else (["name", "pseudonym"], [])
        if "source" not in header:
            header = [*header, "source"]
        known = {r["name"] for r in rows}
        counts: Counter[str] = Counter()
        source: dict[str, str] = {}
        for r in store.speaker_counts():
            name = r["speaker"]
            if not _ROLE_WORDS.match(name):
                counts[name] += r["turns"]
                source.setdefault(name, "speaker")
        for row in store.all_documents():
            for name, n in find_names(row["text"], row["language"]).items():
                if not _ROLE_WORDS.match(name):
                    counts[name] += n
                    source.setdefault(name, "text")
        used = {r["pseudonym"] for r in rows}
        added = []
        number = len(rows)
        for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            if name in known or n < min_count:
                continue
            number += 1
            chinese = re.search(r"[\u3400-\u9fff]", name)
            pseudonym = f"人物{number}" if chinese else f"Person {number}"
            while pseudonym in used:
                number += 1
                pseudonym = f"人物{number}" if chinese else f"Person {number}"
            used.add(pseudonym)
            row = {h: "" for h in header}
            row.update(name=name, pseudonym=pseudonym, source=source[name])
            rows.append(row)
            added.append(row)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows({h: r.get(h, "") for h in header} for r in rows)
        write_atomic(path, buffer.getvalue().encode("utf-8"))
        return {"file": str(path), "names": len(rows), "added": added}
