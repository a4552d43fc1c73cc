"""The router: which path a question takes, and so which intent its answer has.

In order: SQL typed into a question is refused; a greeting is greeted; a first
question (no conversation yet, no chart asked for) is tried by the scored readings
(``readings/``), which answer only when sure; everything else goes the business
parser's way: its roles (``roles/``), a chart change or schema help, and then a data
question, built anew (``query_building/``) or merged into the previous query
(``followup.py``), checked against the question's words (``checks.py``) before it is
answered. A question that cannot be answered honestly is answered with a question.
"""

from __future__ import annotations

import datetime as dt
import re

from parley.engine.events import Intent, Option
from parley.engine.nl.ambiguity import option_labels, unresolved
from parley.engine.nl.checks import checked
from parley.engine.nl.coordination import expand_coordination
from parley.engine.nl.followup import (
    is_followup,
    leads_a_follow_up,
    merge,
    refers_to_an_answer,
)
from parley.engine.nl.intents import is_greeting, is_schema_help, requested_chart
from parley.engine.nl.lexicon import Lexicon
from parley.engine.nl.query_building.graph import Graph
from parley.engine.nl.query_building.query import build
from parley.engine.nl.query_building.subjects import query_objects
from parley.engine.nl.query_building.unclear import Unclear
from parley.engine.nl.readings import Declined, Reader
from parley.engine.nl.roles.read import read_question
from parley.engine.nl.roles.reading import Reading
from parley.engine.nl.text import Token, tokenize
from parley.engine.nl.understanding import Context, Understanding
from parley.engine.nl.verify import SHAPE_CHECKS, contradictions
from parley.engine.semantic.ontology import Ontology
from parley.engine.semantic.query import SemanticQuery
from parley.errors import InvalidInput

#: Statement separators and comments: the marks of SQL typed into a question.
_SQL_MARKS = re.compile(
    r";|--|/\*|\*/|\b(?:SELECT|DROP|DELETE|INSERT|UPDATE|UNION|TRUNCATE)\s+(?:\*|TABLE|FROM|INTO|ALL|SELECT)\b",
    re.IGNORECASE,
)


class Router:
    """Routes the questions about one ontology; holds nothing that changes between them."""

    def __init__(self, ontology: Ontology, lexicon: Lexicon, reader: Reader) -> None:
        self.ontology = ontology
        self.lexicon = lexicon
        self.reader = reader
        self._graph = Graph(ontology)

    def route(
        self, question: str, context: Context, today: dt.date, *, offering: bool = False
    ) -> Understanding:
        """What ``question`` asks, by the first path that takes it.

        ``offering`` is set while the options of a clarification are checked: each option
        is asked as a question of its own, and an option is not asked about again.
        """
        if _SQL_MARKS.search(question):
            # Never read SQL as words: "'; DROP TABLE customers; --" is not about customers.
            return Understanding(
                "clarification",
                problem="the message looks like SQL; ask in plain words, I write the SQL",
            )
        question = expand_coordination(question, self.lexicon)
        tokens = tokenize(question)
        if not tokens:
            return Understanding("out_of_scope", problem="the message has no words in it")
        if is_greeting(tokens):
            return Understanding("greeting")
        chart = requested_chart(tokens)
        refers_back = leads_a_follow_up(tokens) or refers_to_an_answer(tokens)
        if context.previous is None and chart is None and not is_schema_help(tokens) and not (
            refers_back
        ):
            # An edit of an earlier answer ("what about cats?") is not a question of its
            # own: the path below says there is no earlier answer to edit.
            try:
                candidate = self.reader.read(question, today=today)
            except Declined as declined:
                if declined.hazard:
                    return Understanding(
                        "clarification", problem=f"I would have to guess: {declined}"
                    )
            else:
                # A reading explains every word, so only the shape checks that words
                # cannot settle apply to it.
                doubts = contradictions(
                    tokens,
                    candidate.query,
                    ontology=self.ontology,
                    object_words=self.lexicon.object_words,
                    checks=SHAPE_CHECKS,
                )
                if not doubts:
                    return Understanding(
                        "sql_query", query=candidate.query, reason=candidate.description
                    )
                return Understanding(
                    "clarification",
                    problem=f"I am not sure I read it right: {doubts[0]}",
                    reason=candidate.description,
                )
        reading = read_question(question, self.lexicon, today)
        understanding = self._business(reading, tokens, question, context, chart, today, offering)
        return checked(
            understanding,
            reading,
            tokens,
            reader=self.reader,
            ontology=self.ontology,
            lexicon=self.lexicon,
        )

    def _business(
        self,
        reading: Reading,
        tokens: list[Token],
        question: str,
        context: Context,
        chart: str | None,
        today: dt.date,
        offering: bool,
    ) -> Understanding:
        """The business parser's path: a chart change, schema help, or a data question."""
        if chart and not context.has_result and not _has_new_content(reading):
            return Understanding(
                "clarification",
                problem=f"there is no result yet to show as a {chart} chart; ask a question first",
            )
        if chart and context.has_result and not _has_new_content(reading):
            return Understanding(
                "visualization_change",
                chart_type=chart,
                reason=f"asked to show the last result as a {chart} chart",
            )
        if is_schema_help(tokens) and not (reading.metrics or reading.filters):
            return Understanding("schema_help")
        return self._data_question(reading, context, chart, question, today, offering)

    def _data_question(
        self,
        reading: Reading,
        context: Context,
        chart: str | None,
        question: str,
        today: dt.date,
        offering: bool,
    ) -> Understanding:
        """A new question (built) or a follow-up (merged into the previous query), once
        every word is understood and every ambiguous phrase is settled; else a question back.
        """
        partial = self._part_of_names(reading)
        if partial is not None:
            word, names = partial
            shown = names[:_NAMES_OFFERED]
            said = _or_list(shown) if len(names) == len(shown) else (
                f"any of {len(names)} names, such as {_or_list(shown)}")
            return Understanding(
                "clarification",
                options=shown,
                choices=self._choices(question, word, shown, context, today, offering),
                problem=f"'{word}' could mean {said}",
            )
        shaped = reading.ranking or reading.limit or reading.count_words or reading.growth
        if not reading.has_content() or (reading.unknown and not reading.matches and not shaped):
            # "top 5 by margin" asks for data in a shape: its unknown word is asked about
            # below; a question with neither known words nor a shape is about something else.
            return Understanding(
                "out_of_scope",
                problem=_unknown_text(reading) or "nothing in it names data I know about",
            )
        if reading.unknown:
            return Understanding(
                "clarification",
                problem=f"I could not understand {_quote_list(reading.unknown)}",
            )
        context_objects = (
            query_objects(self.ontology, context.previous) if context.previous else set()
        )
        ambiguity = unresolved(self._graph, reading, context_objects)
        if ambiguity is not None:
            labels = option_labels(self.ontology, ambiguity)
            return Understanding(
                "clarification",
                options=labels,
                choices=self._choices(question, ambiguity.words, labels, context, today, offering),
                problem=f"'{ambiguity.words}' could mean {_or_list(labels)}",
            )
        if (
            context.previous is None
            and (reading.pronoun or reading.relative_unit or leads_a_follow_up(reading.tokens)
                 or refers_to_an_answer(reading.tokens))
            and not (reading.metrics and (reading.dimensions or reading.group_objects))
        ):
            return Understanding(
                "clarification",
                problem="the question refers to an earlier answer, and there is none yet",
            )
        followup = context.previous is not None and (
            is_followup(reading) or reading.pronoun or reading.relative_unit is not None
        )
        try:
            if followup and context.previous is not None:
                query = merge(self._graph, context.previous, reading)
                intent: Intent = "refinement"
                if _drops_whom_it_names(reading, query, context.previous):
                    # "compare their revenue" after two questions about two people: the
                    # rows "their" names are not the ones the edit kept.
                    return _whose()
                if _changes_nothing(query, context.previous):
                    # "which customers placed them?": words the edit could not read must
                    # not bring the last answer back as if it were the new one.
                    return Understanding(
                        "clarification",
                        problem="I could not tell what to change in the last answer",
                    )
            else:
                if {t.norm for t in reading.tokens} & _NAMING_PRONOUNS and not (
                    reading.mentioned or reading.group_objects or reading.list_object
                    or reading.dimensions
                ):
                    # "compare their revenue this year": whose, the question does not say.
                    return _whose()
                built = build(self._graph, reading)
                if isinstance(built, Unclear):
                    return Understanding("clarification", problem=built.problem)
                query = built
                intent = "sql_query"
        except InvalidInput as error:
            return Understanding("clarification", problem=error.message)
        reason = reading.reason()
        if query.average_over is not None:
            over = self.ontology.object(query.average_over.field.split(".")[0])
            each = over.label if over else query.average_over.field
            reason += f"; each {each}'s figure, averaged"
        if query.together:
            reason += f"; the first {query.limit} rows added up"
        if query.count_over is not None:
            counted = self.ontology.object(query.count_over.field.split(".")[0])
            reason += f"; each {counted.label if counted else 'one'}'s figure, those meeting " \
                      "the condition counted"
        return Understanding(intent, query=query, chart_type=chart, reason=reason)

    def _part_of_names(self, reading: Reading) -> tuple[str, list[str]] | None:
        """"how much did Acme spend": a capitalised word no phrase explains that begins
        the names of a few rows ("Acme Corp", "Acme Industries"), offered as those names."""
        asks_for_data = bool(reading.metrics or reading.money_words or reading.count_words
                             or reading.ranking or reading.period)
        if not asks_for_data:
            return None  # "can I run Beacon on my own servers?" names no row of the data
        unknown = {word.lower() for word in reading.unknown}
        for token in reading.tokens:
            if token.norm not in unknown or not token.written[:1].isupper() or token.index == 0:
                continue
            names = sorted({
                value
                for obj in self.ontology.objects if obj.display_attribute
                for attribute in obj.attributes if attribute.name == obj.display_attribute
                for value in attribute.values
                if len(value.split()) > 1 and value.split()[0].lower() == token.norm
            })
            if names:
                return token.written, names
        return None

    def _choices(
        self,
        question: str,
        words: str,
        labels: list[str],
        context: Context,
        today: dt.date,
        offering: bool,
    ) -> list[Option]:
        """Each reading as the question that asks for it ("revenue by customer region"),
        kept only when that question is answered without asking again."""
        pattern = re.compile(
            r"\b" + r"\W+".join(map(re.escape, words.split())) + r"\b", re.IGNORECASE
        )
        if offering or not pattern.search(question):
            return []
        choices = []
        for label in labels:
            variant = pattern.sub(label, question, count=1)
            answer = self.route(variant, context, today, offering=True)
            if answer.query is not None:
                choices.append(Option(label=label, question=variant))
        return choices if len(choices) == len(labels) else []


#: Names a partial one is offered as, at most.
_NAMES_OFFERED = 6


def _has_new_content(reading: Reading) -> bool:
    """Whether a question asks for more than a chart ("as a bar chart by region")."""
    return bool(
        reading.metrics
        or reading.dimensions
        or reading.filters
        or reading.period
        or reading.group_objects
        or reading.time.grain
    )


def _quote_list(words: list[str]) -> str:
    return ", ".join(f"'{w}'" for w in words)


def _or_list(labels: list[str]) -> str:
    """Options as a sentence lists them.

    >>> _or_list(["customer region", "warehouse region", "sales region"])
    'customer region, warehouse region or sales region'
    """
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " or " + labels[-1]


_NAMING_PRONOUNS = frozenset({"their", "them", "they", "those", "these", "theirs"})


def _whose() -> Understanding:
    """A question back for "their" that names no rows the reading can pick out."""
    return Understanding(
        "clarification", problem="I could not tell whom 'their' names in the last answers")


def _drops_whom_it_names(reading: Reading, query: SemanticQuery, previous: SemanticQuery) -> bool:
    """Whether a follow-up that names the last answer's rows by a pronoun ("their") lost
    the conditions that picked those rows out."""
    if not {t.norm for t in reading.tokens} & _NAMING_PRONOUNS:
        return False
    kept = {(f.field, f.op, tuple(map(str, f.values))) for f in query.filters}
    return any((f.field, f.op, tuple(map(str, f.values))) not in kept
               for f in previous.filters if f.op in {"eq", "in"})


def _changes_nothing(query: SemanticQuery, previous: SemanticQuery) -> bool:
    """Whether a follow-up's query is the last answer's own (its counted things shown)."""
    return query.model_dump() in (previous.model_dump(), previous.counted_shown().model_dump())


def _unknown_text(reading: Reading) -> str:
    return f"I could not understand {_quote_list(reading.unknown)}" if reading.unknown else ""
