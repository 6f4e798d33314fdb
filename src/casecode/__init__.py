"""casecode: reproducible, bilingual qualitative coding of interviews.

The library functions carry the CLI's names; they are imported on first use so that
``import casecode`` (and ``casecode --help``) stay fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "CasecodeError": "casecode.errors",
    "init_project": "casecode.project",
    "open_project": "casecode.project",
    "Project": "casecode.project",
    "import_documents": "casecode.operations",
    "set_attributes": "casecode.operations",
    "list_documents": "casecode.operations",
    "get_document": "casecode.operations",
    "run": "casecode.operations",
    "validate_codebook": "casecode.codebook_ops",
    "use_codebook": "casecode.codebook_ops",
    "project_codebook": "casecode.codebook_ops",
    "codebook_tree": "casecode.codebook_ops",
    "export_codebook": "casecode.codebook_ops",
    "import_codebook": "casecode.codebook_ops",
    "load_codebook": "casecode.codebook",
    "autocode": "casecode.coding_ops",
    "tag": "casecode.manual_ops",
    "untag": "casecode.manual_ops",
    "coders": "casecode.manual_ops",
    "history": "casecode.manual_ops",
    "add_memo": "casecode.manual_ops",
    "review_queue": "casecode.manual_ops",
    "export_sheet": "casecode.sheet_ops",
    "import_sheet": "casecode.sheet_ops",
    "decide": "casecode.manual_ops",
    "list_memos": "casecode.manual_ops",
    "explain": "casecode.coding_ops",
    "code_matrix": "casecode.analysis_ops",
    "cooccurrence": "casecode.analysis_ops",
    "query": "casecode.analysis_ops",
    "kwic": "casecode.analysis_ops",
    "export_codings": "casecode.analysis_ops",
    "build_report": "casecode.report_ops",
    "agreement": "casecode.reliability_ops",
    "evaluate": "casecode.reliability_ops",
    "suggest_keywords": "casecode.reliability_ops",
    "merge_coders": "casecode.reliability_ops",
    "write_disagreements": "casecode.reliability_ops",
    "Codebook": "casecode.codebook",
    "split_turns": "casecode.corpus.turns",
    "Columns": "casecode.corpus.readers",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'casecode' has no attribute {name!r}")
