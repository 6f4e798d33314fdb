"""Codebooks: the YAML format, its validator, the model the matcher uses, and .qdc exchange."""

from .load import builtin_codebooks, check_codebook, load_codebook
from .model import Code, Codebook, Rule
from .validate import Issue, Validation, validate_text

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
