"""The built-in codebooks' definitions, as a coder of the gold set reads them: every code's id,
labels, definition, include and exclude criteria and examples, in both languages, without its
rules, so that coding is blind to what the rules look for.

    python benchmarks/devgold/definitions.py                 # both codebooks
    python benchmarks/devgold/definitions.py coproduction    # one
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

CODEBOOKS = Path(__file__).resolve().parents[2] / "codebooks"
FIELDS = ("definition", "include", "exclude", "examples")


def render(name: str) -> str:
    book = yaml.safe_load((CODEBOOKS / f"{name}.yaml").read_text(encoding="utf-8"))
    lines = [f"# {book['name']} (version {book.get('version', '?')})", ""]

    def walk(codes, depth):
        for code in codes:
            label = code.get("label", {})
            label = " / ".join(label.values()) if isinstance(label, dict) else label
            codable = "" if code.get("codable", True) else " (a category; code its children)"
            lines.append(f"{'#' * (depth + 2)} {code['id']}: {label}{codable}")
            for field in FIELDS:
                value = code.get(field)
                if not value:
                    continue
                if not isinstance(value, dict):
                    value = {"": value}
                for lang, text in value.items():
                    text = "; ".join(text) if isinstance(text, list) else text
                    lines.append(f"- {field}{f' ({lang})' if lang else ''}: {text}")
            lines.append("")
            walk(code.get("children", []), depth + 1)

    walk(book["codes"], 0)
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    for name in argv or ["coproduction", "welfare_production"]:
        print(render(name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
