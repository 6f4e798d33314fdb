"""Analysis over a coded corpus: matrices, co-occurrence, Boolean retrieval and keyword in context.

Everything here works on a :class:`~casecode.analysis.data.CodedCorpus`, a read-only view of the
store (documents, turns, codings mapped onto turns and rolled up to the columns asked for), so
the measures are plain functions of data and test without a project.
"""
