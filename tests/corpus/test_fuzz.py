"""Every reader, fed mutated real files, either reads them or fails with one line naming the file:
never another exception, a hang or runaway memory.

A small seeded mutator over the bundled sample corpus (corpora/county-a: .txt .md .csv .docx) and
small fixtures made here (.odt .xlsx .tsv): bytes flipped, inserted, deleted, duplicated or cut, and
for the zipped formats the XML inside mutated and zipped again (so the XML parsers are reached,
not only zip's checksum). The normal suite runs up to 40 rounds or 1 second per sample file; a
longer run is ``CASECODE_FUZZ_ROUNDS=2000 CASECODE_FUZZ_SECONDS=600 pytest tests/corpus/test_fuzz.py``
(see tests/README.md).
"""

from __future__ import annotations

import io
import os
import random
import time
import zipfile
from pathlib import Path

import pytest

from casecode.corpus.limits import Limits
from casecode.corpus.readers import read_document
from casecode.errors import CasecodeError
from conftest import CORPUS
from samples import odt_bytes

ROUNDS = int(os.environ.get("CASECODE_FUZZ_ROUNDS", "40"))
SECONDS = float(os.environ.get("CASECODE_FUZZ_SECONDS", "1"))  # per sample file, after 5 rounds
# small limits, so a mutation that declares a huge expansion is refused quickly
LIMITS = Limits(chars=2_000_000, turns=20_000, member_mb=20, cells=200_000, xml_depth=100)


def _odt() -> bytes:
    body = (
        "<text:h>柏树村访谈</text:h><text:p>访谈者：协会的钱从哪里来？</text:p>"
        '<text:p>李会长：<text:span>村里拨一点，</text:span><text:s text:c="2"/>'
        "村民捐一点。<text:tab/>每月公开。<text:line-break/>大家都放心。</text:p>"
        "<table:table><table:table-row><table:table-cell><text:p>王书记</text:p>"
        "</table:table-cell><table:table-cell><text:p>我们按章程办事。</text:p>"
        "</table:table-cell></table:table-row></table:table>"
    )
    return odt_bytes(body)


def _xlsx() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["time", "speaker", "text"])
    ws.append(["00:01", "访谈者", "协会有多少会员？"])
    ws.append(["00:15", "李会长", "一百二十多个，大部分是七十岁以上的老人。"])
    ws.append(["00:40", "Interviewer", "Who keeps the accounts?"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _samples() -> dict[str, bytes]:
    files = {
        p.name: p.read_bytes()
        for p in sorted(CORPUS.iterdir())
        if p.is_file() and p.suffix in (".txt", ".md", ".csv", ".docx")
    }
    files["made.odt"] = _odt()
    files["made.xlsx"] = _xlsx()
    files["made.tsv"] = "speaker\ttext\n访谈者\t好吗？\n村民\t挺好。\n".encode()
    return files


def _mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        kind = rng.randrange(6)
        at = rng.randrange(len(data) + 1)
        if kind == 0 and data:  # flip a byte
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif kind == 1:  # insert hostile bytes
            data[at:at] = rng.choice(
                [b"\x00", b"\x1b[2J", b"\xff\xfe", b"\x92", b"<", b"&", b"---\n", b"*a", b"\r"]
            )
        elif kind == 2:  # delete a run
            del data[at : at + rng.randint(1, 64)]
        elif kind == 3:  # duplicate a run
            piece = data[at : at + rng.randint(1, 256)]
            data[at:at] = piece * rng.randint(1, 8)
        elif kind == 4:  # cut the file short
            del data[max(at, 1) :]
        else:  # a long run of one byte
            data[at:at] = bytes([rng.randrange(256)]) * rng.randint(1, 5000)
    return bytes(data) or b"\x00"


_XML_PIECES = [
    b"<text:span>" * 300,
    b'<text:s text:c="-5"/>',
    b'<text:s text:c="99999999999"/>',
    b'<text:s text:c="abc"/>',
    b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 50,
    b"&lt;&#0;&#x1b;",
    b'<dimension ref="A1:XFD1048576"/>',
    b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
    b"</",
    b"\x1b",
]


def _mutate_zip(data: bytes, rng: random.Random) -> bytes:
    """Mutate the XML of one member and zip the whole again (or, at times, the raw bytes)."""
    if rng.random() < 0.3:
        return _mutate_bytes(data, rng)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts = {i.filename: z.read(i) for i in z.infolist()}
    except zipfile.BadZipFile:
        return _mutate_bytes(data, rng)
    names = [n for n in parts if n.endswith(".xml")]
    name = rng.choice(names)
    xml = bytearray(parts[name])
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(xml) + 1)
        if rng.random() < 0.6:
            xml[at:at] = rng.choice(_XML_PIECES)
        else:
            xml = bytearray(_mutate_bytes(bytes(xml), rng))
    parts[name] = bytes(xml)
    if rng.random() < 0.2:
        parts.pop(rng.choice(list(parts)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts.items():
            z.writestr(n, d)
    return buffer.getvalue()


@pytest.mark.parametrize("name", sorted(_samples()))
def test_mutated_files_read_or_fail_with_one_line(tmp_path, name):
    original = _samples()[name]
    suffix = Path(name).suffix
    rng = random.Random(f"{name}:{ROUNDS}")
    zipped = suffix in (".docx", ".odt", ".xlsx")
    read = failed = 0
    started = time.monotonic()
    rounds = 0
    for n in range(ROUNDS):
        if n >= 5 and time.monotonic() - started > SECONDS:
            break
        rounds += 1
        data = _mutate_zip(original, rng) if zipped else _mutate_bytes(original, rng)
        path = tmp_path / f"m{n}{suffix}"
        path.write_bytes(data)
        begun = time.monotonic()
        try:
            raw = read_document(path, limits=LIMITS)
        except CasecodeError as exc:
            message = str(exc)
            assert message.startswith(f"{path}: "), message
            assert "\n" not in message, message
            failed += 1
        else:
            assert isinstance(raw.text, str) and raw.text.strip()
            read += 1
        assert time.monotonic() - begun < 10, f"round {n} of {name} took too long"
        path.unlink()
    assert read + failed == rounds >= 5
