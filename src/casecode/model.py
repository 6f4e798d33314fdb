"""The small shared model: documents and their segments (speaker turns or paragraphs)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Segment:
    """A speaker turn (or a paragraph when a document has no speaker labels).

    ``start``/``end`` are code-point offsets into the document's stored text, end exclusive,
    and delimit what was said (the label is not part of it). ``label_start`` is where the
    turn's line begins, so ``[label_start, end)`` is the whole turn including its label.
    """

    n: int
    speaker: str | None
    start: int
    end: int
    label_start: int
    timestamp: str | None = None
    kind: str = "turn"  # turn | paragraph | article | heading | preamble
    role: str | None = None  # "interviewer": the questioning side (host, counsel, chair ...)

    @property
    def counted(self) -> bool:
        """Whether it is a numbered unit (a turn, article or paragraph): ``n`` > 0. Headings and
        a document's preamble (title, header, metadata lines) are kept, numbered below 1."""
        return self.n > 0


@dataclass(frozen=True, slots=True)
class Document:
    id: int
    name: str
    case: str
    path: str | None
    format: str
    encoding: str | None
    language: str
    sha256: str
    characters: int
    turns: int
    speakers: tuple[str, ...]
    imported_at: str
    attributes: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    kind: str = "interview"  # interview | document | notes
