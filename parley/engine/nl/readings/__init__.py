"""Readings: what an analytics question can mean over the ontology, scored and chosen.

A question is split into pieces (operator phrases, ontology matches, quoted values,
numbers, grammar words). A reading gives each piece a role (the object counted, the
column aggregated, a group, a filter, a ranking, a column shown) and becomes one
SemanticQuery. Its confidence falls with every word it leaves unexplained and every
choice it had to guess; below the threshold the reading is not used, and the caller
asks or declines. A reading only claims the shapes it is sure of: count, aggregates
(several at once), groups, superlatives over rows or over counts, comparisons
(HAVING included), top-N and ordered lists. Anything else is left to the caller.
"""

from parley.engine.nl.readings.pieces import Candidate, Declined, Hazard, Piece
from parley.engine.nl.readings.reader import THRESHOLD, Reader
from parley.engine.nl.readings.words import words_say_everything

__all__ = [
    "THRESHOLD",
    "Candidate",
    "Declined",
    "Hazard",
    "Piece",
    "Reader",
    "words_say_everything",
]
