"""Exchange with other QDA tools: REFI-QDA projects (.qdpx) in from and out to NVivo, ATLAS.ti,
MAXQDA and QualCoder.

``refi`` is the engine (bytes of a .qdpx → plain data; plain data → bytes of a .qdpx); ``qdpx``
holds the verbs ``qdpx_import`` and ``qdpx_export`` (``casecode qdpx import`` / ``export``).
"""
