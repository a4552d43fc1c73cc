"""Query building: a reading of the business parser becomes a SemanticQuery.

``query.build`` is the entry point; a follow-up edits the previous query with the same
pieces (``nl/followup.py``). ``graph.py`` measures how far apart objects are,
``subjects.py`` finds what a reading is about, ``metrics.py`` picks metrics,
``spending.py`` tells income from cost, ``money.py`` reads conditions on money,
``filters.py``, ``dates.py``, ``listing.py`` and ``order.py`` add filters, time, lists
of rows, order and limit. A reading that cannot become a query is ``unclear.Unclear``.
"""
