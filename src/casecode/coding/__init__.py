"""Automatic coding: tokenisers, the matching engine and the units rules look at."""
