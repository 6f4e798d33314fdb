"""Sample codebooks and transcripts that several test modules share."""

from __future__ import annotations

import io
import zipfile

from conftest import ROOT

ODT_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
)


def odt_bytes(body: str) -> bytes:
    """An OpenDocument text whose body is ``body`` (text:p, text:h, table:table ... markup)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr(
            "content.xml",
            f'<?xml version="1.0"?><office:document-content {ODT_NS}><office:body>'
            f"<office:text>{body}</office:text></office:body></office:document-content>",
        )
    return buffer.getvalue()


CODING_CODEBOOK = """\
name: test
languages: [zh, en]
codes:
  - id: problems
    label: {zh: 问题, en: Problems}
    definition: x
    children:
      - id: problems.unclear
        label: {zh: 权责不清, en: Unclear responsibilities}
        definition: x
        rules:
          - id: unclear-words
            keywords: {zh: [权责不清, 推诿], en: [passing the buck]}
          - id: unclear-near
            near:
              groups:
                - {zh: [权责, 责任, 职责], en: [responsibility, duty]}
                - {zh: [不清, 不明, 模糊], en: [unclear, vague]}
              window: 3
      - id: problems.funds
        label: {zh: 资金不足, en: Insufficient funds}
        definition: x
        rules:
          - id: funds-all
            keywords: {zh: [资金, 经费], en: [money, fund]}
            all: [{zh: [不够, 紧张], en: [short, enough]}]
            exclude: {zh: [捐款箱]}
            scope: sentence
          - id: funds-regex
            regex: '每[个年月](?:只有|才)\\s*\\d+\\s*(?:元|块)'
            weight: 0.5
  - id: process
    label: {zh: 过程, en: Process}
    definition: x
    children:
      - id: process.volunteers
        label: {zh: 志愿服务, en: Volunteers}
        definition: x
        rules:
          - id: volunteer-words
            keywords: {zh: [志愿者], en: [volunteer]}
            min_hits: 2
          - id: visit-pattern
            patterns: [[{LEMMA: visit}, {LOWER: the, OP: "?"}, {LOWER: {IN: [elderly, seniors]}}]]
          - id: chairman-only
            keywords: {zh: [老年协会]}
            speakers: [李会长]
            negation: false
"""


ANALYSIS_CODEBOOK = """\
name: analysis-test
languages: [zh, en]
codes:
  - id: problems
    label: {zh: 问题, en: Problems}
    definition: x
    children:
      - id: problems.funds
        label: {zh: 资金不足, en: Insufficient funds}
        definition: x
        children:
          - id: problems.funds.late
            label: {zh: 拨款滞后, en: Late funding}
            definition: x
      - id: problems.unclear
        label: {zh: 权责不清, en: Unclear responsibilities}
        definition: x
        rules:
          - id: unclear-words
            keywords: {zh: [说不清楚]}
  - id: actors
    label: {zh: 主体, en: Actors}
    definition: x
    children:
      - id: actors.village
        label: {zh: 村委会, en: Village committee}
        definition: x
"""


# Turn bodies (what was said), in characters:
#   a.txt (上坊村, 村支书): 1 钱够吗？ 4 · 2 钱不够，拨款也慢。 9 · 3 谁负责？ 4 · 4 村委会说不清楚。 8  = 25
#   b.txt (柏树村, 会长):   1 怎么样？ 4 · 2 村委会管得好。 7 · 3 经费不够。 5                   = 16
A = "---\ncase: 上坊村\nrole: 村支书\n---\n访谈者：钱够吗？\n村民：钱不够，拨款也慢。\n访谈者：谁负责？\n村民：村委会说不清楚。\n"


B = "---\ncase: 柏树村\nrole: 会长\nvillage: 柏树村\n---\n访谈者：怎么样？\n会长：村委会管得好。\n会长：经费不够。\n"


DOC_EXAMPLE = (
    (ROOT / "docs" / "codebook.md").read_text("utf-8").split("```yaml\n")[1].split("```")[0]
)


def tagged_project(cli, project, folder, tags: list[tuple[str, ...]]) -> dict:
    """The two sample interviews A and B imported into ``project`` with ANALYSIS_CODEBOOK, each
    of ``tags`` applied by hand (``tag`` arguments), then coded by the rules; ``code``'s report."""
    from conftest import write

    for name, text in {"a.txt": A, "b.txt": B}.items():
        write(folder / "t" / name, text)
    cli("import", folder / "t", "-p", project)
    cli("codebook", "use", write(folder / "cb.yaml", ANALYSIS_CODEBOOK), "-p", project)
    for args in tags:
        cli("tag", *args, "-p", project)
    return cli.json("code", "-p", project)
