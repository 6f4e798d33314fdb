"""Inter-coder reliability and the evaluation of automatic coding: statistics on units × coders
tables (``stats``) and the units they are computed on (``units``). No store, no CLI."""
