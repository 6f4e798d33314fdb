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
    "import_documents": "casecode.corpus.importing",
    "set_attributes": "casecode.corpus.importing",
    "list_documents": "casecode.corpus.documents",
    "get_document": "casecode.corpus.documents",
    "show_document": "casecode.analysis.coded",
    "run": "casecode.flow",
    "validate_codebook": "casecode.codebook.use",
    "use_codebook": "casecode.codebook.use",
    "project_codebook": "casecode.codebook.use",
    "codebook_tree": "casecode.codebook.use",
    "export_codebook": "casecode.codebook.use",
    "import_codebook": "casecode.codebook.use",
    "load_codebook": "casecode.codebook",
    "autocode": "casecode.coding.autocode",
    "tag": "casecode.review.tagging",
    "untag": "casecode.review.tagging",
    "coders": "casecode.review.coders",
    "history": "casecode.review.tagging",
    "add_memo": "casecode.review.memos",
    "review_queue": "casecode.review.queue",
    "export_sheet": "casecode.review.sheets",
    "import_sheet": "casecode.review.sheets",
    "decide": "casecode.review.queue",
    "bulk_decide": "casecode.review.queue",
    "undo": "casecode.review.undo",
    "rule_records": "casecode.review.rules",
    "list_memos": "casecode.review.memos",
    "explain": "casecode.coding.explain",
    "code_matrix": "casecode.analysis.frames",
    "cooccurrence": "casecode.analysis.frames",
    "query": "casecode.analysis.frames",
    "kwic": "casecode.analysis.frames",
    "export_codings": "casecode.analysis.frames",
    "qdpx_import": "casecode.interop.qdpx",
    "qdpx_export": "casecode.interop.qdpx",
    "build_report": "casecode.report.build",
    "view": "casecode.report.view",
    "agreement": "casecode.review.agreement",
    "evaluate": "casecode.review.agreement",
    "suggest_keywords": "casecode.review.suggest",
    "merge_coders": "casecode.review.agreement",
    "write_disagreements": "casecode.review.agreement",
    "Codebook": "casecode.codebook",
    "split_turns": "casecode.corpus.turns",
    "Columns": "casecode.corpus.readers",
    "speakers": "casecode.corpus.speakers",
    "pseudonymize": "casecode.corpus.pseudonyms",
    "load_pseudonyms": "casecode.corpus.pseudonyms",
    "remove_document": "casecode.review.editing",
    "restore_document": "casecode.review.editing",
    "rename_document": "casecode.review.editing",
    "rename_code": "casecode.review.editing",
    "merge_code": "casecode.review.editing",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'casecode' has no attribute {name!r}")
