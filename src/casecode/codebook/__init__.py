"""Codebooks: the YAML format, its validator, the model the matcher uses, and .qdc exchange."""

from casecode.codebook.codes import Code, Codebook, Rule
from casecode.codebook.files import builtin_codebooks
from casecode.codebook.load import check_codebook, load_codebook
from casecode.codebook.validate import Issue, Validation, validate_text

__all__ = [
    "Code",
    "Codebook",
    "Issue",
    "Rule",
    "Validation",
    "builtin_codebooks",
    "check_codebook",
    "load_codebook",
    "validate_text",
]
