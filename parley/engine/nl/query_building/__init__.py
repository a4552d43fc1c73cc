"""Build: a reading of the business parser becomes a SemanticQuery.

``query.build`` is the entry point; ``follow-ups`` edit a previous query with the same
pieces (``nl/followup.py``). ``graph.py`` measures how far apart objects are,
``subjects.py`` finds what a reading is about, ``metrics.py`` picks metrics,
``spending.py`` tells income from cost, ``money.py`` reads conditions on money,
``filters.py``, ``dates.py`` and ``listing.py`` add filters, time and lists of rows.
"""
