"""Roles: what the business parser reads in a question, each part in the role its
operator words give it.

A question is read once, left to right (``read.read_question``). Each match of the
lexicon plays a role decided by the operator words around it ("by" makes a dimension,
"top" a ranking, "how many" a count, "not" a negated filter). The result is a ``Reading``
(``reading.py``): the parts found, the words left unexplained, and the choices that had
to be made, with why. ``matches.py`` joins the evidence's matches where English joins
names, ``phrases.py`` holds the word-window helpers, ``operator_words.py`` the words of
the whole question, ``assign.py`` each match's role, ``ranking.py`` the rankings.
"""
