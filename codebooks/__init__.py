"""The built-in codebooks, installed as package data (casecode.codebooks); see docs/codebook.md."""
