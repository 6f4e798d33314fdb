"""The project store: one SQLite file (``db``), and its schema's history (``migrations``)."""

from casecode.store.db import Store, utcnow

__all__ = ["Store", "utcnow"]
