"""One turn: understand, compile, guard, run, chart, find insights; as a stream of events.

Faces render these events; the conversation service persists the final answer. The
orchestrator knows nothing of HTTP or of the store.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field

from parley.engine.charts import choose_chart, columns_named_in
from parley.engine.events import (
    AgentStarted,
    Answer,
    Chart,
    ChartReady,
    ClarificationAsked,
    DataReady,
    Done,
    ErrorRaised,
    Event,
    InsightsReady,
    IntentDetected,
    SqlReady,
    TextDelta,
)
from parley.engine.guard import GuardedStatement, RowFilter, guard_sql, guard_tree
from parley.engine.insights import find_insights
from parley.engine.knowledge import Found, KnowledgeIndex, quote
from parley.engine.namesakes import OFFERED, find_namesakes
from parley.engine.narrate import describe_query, narrate
from parley.engine.nl.parser import Parser
from parley.engine.nl.understanding import Context, Understanding
from parley.engine.provider import Provider, ProviderContext
from parley.engine.result_shape import ColumnRole, infer_roles
from parley.engine.semantic.compiler import CompiledQuery, compile_query
from parley.engine.semantic.ontology import Ontology
from parley.engine.semantic.query import SemanticQuery
from parley.engine.suggestions import example_questions, schema_overview
from parley.engine.teach import TaughtBook, read_definitions
from parley.errors import Conflict, ParleyError
from parley.sources.base import QueryResult, Source


@dataclass(slots=True)
class Workspace:
    """Everything the engine needs to answer questions about one application."""

    name: str
    ontology: Ontology
    parser: Parser
    source: Source
    row_filters: Sequence[RowFilter] = ()
    #: The passages of the application's synced knowledge, if it has any.
    knowledge: KnowledgeIndex | None = None
    max_rows: int = 5_000
    timeout_s: float = 30.0
    #: Guarded statements by SemanticQuery, shared by the workspaces of one ontology
    #: version: compiling and guarding are pure, so a query seen before is not redone.
    statements: MutableMapping[str, tuple[GuardedStatement, list[ColumnRole]]] = field(
        default_factory=dict
    )
    #: The application's taught questions, tried before the parser.
    taught: TaughtBook | None = None
    #: The optional language model, asked only when the built-in parser cannot answer.
    provider: Provider | None = None
    #: Ask the language model without the built-in parser (to measure it alone).
    provider_only: bool = False

    @property
    def table_columns(self) -> dict[str, list[str]]:
        """The guard's allow-list: the ontology's tables, by their schema outside the default."""
        return {
            f"{o.schema_name}.{o.name}" if o.schema_name else o.name: [a.name for a in o.attributes]
            for o in self.ontology.objects
        }

    @property
    def views(self) -> list[str]:
        """The relations of ``table_columns`` that are views (the guard's doubt under filters)."""
        return [o.name for o in self.ontology.objects if o.view]


@dataclass(slots=True)
class TurnContext:
    """The conversation so far, as far as the engine needs it."""

    previous_query: SemanticQuery | None = None
    previous_answer: Answer | None = None
    today: dt.date | None = None
    agents: list[str] = field(default_factory=list)


def roles_of(compiled: CompiledQuery) -> list[ColumnRole]:
    return [
        ColumnRole(name=c.key, role=c.role, label=c.label, format=c.format, grain=c.grain)
        for c in compiled.columns
    ]


_STATEMENTS_KEPT = 1024


def statement_for(
    workspace: Workspace, query: SemanticQuery
) -> tuple[GuardedStatement, list[ColumnRole]]:
    """The guarded SQL of a query, and its columns' roles; compiled once per query."""
    filters = repr(sorted(map(repr, workspace.row_filters)))
    key = f"{workspace.source.dialect}|{workspace.max_rows}|{filters}|{query.model_dump_json()}"
    found = workspace.statements.get(key)
    if found is None:
        compiled = compile_query(query, workspace.ontology, dialect=workspace.source.dialect)
        guarded = guard_tree(
            compiled.tree,
            workspace.source.dialect,
            pretty=True,
            max_rows=workspace.max_rows,
            row_filters=workspace.row_filters,
            table_columns=workspace.table_columns,
            views=workspace.views,
        )
        found = (guarded, roles_of(compiled))
        if len(workspace.statements) >= _STATEMENTS_KEPT:
            workspace.statements.pop(next(iter(workspace.statements)))
        workspace.statements[key] = found
    return found


def run_turn(workspace: Workspace, question: str, context: TurnContext) -> Iterator[Event]:
    """Answer one message; the last event is always ``Done`` carrying the whole answer."""
    started = time.perf_counter()
    agents = context.agents
    agents.append("router")
    yield AgentStarted("router")
    today = context.today or dt.date.today()
    if workspace.taught:
        taught = _taught_turn(workspace, question, context, started, today)
        if taught is not None:
            yield from taught
            return
    parser_context = Context(
        previous=context.previous_query,
        has_result=bool(context.previous_answer and context.previous_answer.columns),
    )
    understanding = (
        Understanding("clarification", problem="the built-in parser was not asked")
        if workspace.provider_only and workspace.provider
        else _understand(workspace, question, parser_context, today)
    )
    if understanding.intent in {"sql_query", "refinement"} and understanding.query is not None:
        understanding = _one_of_namesakes(workspace, understanding, question, today)
    intent = understanding.intent
    if workspace.knowledge:
        mixed = _data_and_documents(workspace, question, parser_context, today)
        if mixed is not None:
            data_part, found = mixed
            yield IntentDetected(data_part.intent)
            yield from _data_turn(workspace, data_part, context, started, documents=found)
            return
        passage = (
            workspace.knowledge.search(question)
            if intent in {"clarification", "out_of_scope"}
            else None
        )
        if passage:
            yield from _finish(
                Answer(intent="knowledge", text=quote(passage), reason=_found_reason(passage)),
                agents,
                started,
                agent="knowledge_agent",
            )
            return
    yield IntentDetected(intent)
    if intent in {"sql_query", "refinement"} and understanding.query is not None:
        yield from _data_turn(workspace, understanding, context, started)
    elif intent == "visualization_change":
        assert understanding.chart_type is not None
        yield from chart_turn(
            workspace, context, understanding.chart_type, reason=understanding.reason
        )
    else:
        if workspace.provider and intent in {"clarification", "out_of_scope"}:
            asked = _provider_turn(workspace, question, understanding, context, started, today)
            if asked is not None:
                yield from asked
                return
        yield from _finish(_conversation_answer(workspace, understanding), agents, started)


def _one_of_namesakes(
    workspace: Workspace, understanding: Understanding, question: str, today: dt.date
) -> Understanding:
    """The understanding, or a question back when it names one row by a shared name."""
    assert understanding.query is not None

    def run(query: SemanticQuery) -> list[list[object]]:
        guarded, _ = statement_for(workspace, query)
        return workspace.source.execute(
            guarded.sql, max_rows=OFFERED, timeout_s=workspace.timeout_s
        ).rows

    def reads(pinned: str, key: object) -> bool:
        found = _understand(workspace, pinned, Context(), today)
        return found.query is not None and any(key in f.values for f in found.query.filters)

    try:
        shared = find_namesakes(workspace.ontology, understanding.query, question, run, reads)
    except ParleyError:
        return understanding  # the count could not run: the query itself will say why
    if shared is None:
        return understanding
    return Understanding(
        "clarification",
        problem=shared.problem,
        options=[option.label for option in shared.options],
        choices=shared.options,
        reason=understanding.reason,
    )


def _taught_turn(
    workspace: Workspace,
    question: str,
    context: TurnContext,
    started: float,
    today: dt.date,
) -> Iterator[Event] | None:
    """The turn answered by a taught question of the same shape, or None."""
    assert workspace.taught is not None
    match = workspace.taught.match(
        question, workspace.parser.lexicon, today, dialect=workspace.source.dialect
    )
    if match is None:
        return None

    def turn() -> Iterator[Event]:
        yield IntentDetected("sql_query")
        context.agents.append("taught_question")
        yield AgentStarted("taught_question")
        if match.query is not None:
            reading = Understanding("sql_query", match.query, reason=match.reason)
            yield from _data_turn(workspace, reading, context, started, note=match.reason)
            return
        assert match.sql is not None
        yield from sql_turn(workspace, match.sql, context, started, reason=match.reason)

    return turn()


def _provider_turn(
    workspace: Workspace,
    question: str,
    understanding: Understanding,
    context: TurnContext,
    started: float,
    today: dt.date,
) -> Iterator[Event] | None:
    """The turn answered from the language model's reading, or None when it had none that
    compiles and passes the guard (the built-in answer then stands)."""
    assert workspace.provider is not None
    passage = workspace.knowledge.search(question) if workspace.knowledge else None
    reading = workspace.provider.read(
        question,
        ProviderContext(
            ontology=workspace.ontology,
            today=today,
            taught=workspace.taught.taught if workspace.taught else [],
            knowledge=[passage.passage.text] if passage else [],
            previous_columns=context.previous_answer.columns if context.previous_answer else [],
            previous_rows=context.previous_answer.rows if context.previous_answer else [],
        ),
    )
    context.agents.append("llm_provider")
    if reading.query is not None:
        try:
            statement_for(workspace, reading.query)
        except ParleyError as error:
            understanding.reason = _joined(understanding.reason, reading.refused(error.message))
            return None
        chosen = Understanding("sql_query", reading.query, reason=reading.reason)

        def data() -> Iterator[Event]:
            yield AgentStarted("llm_provider")
            yield IntentDetected("sql_query")
            yield from _data_turn(workspace, chosen, context, started, note=reading.reason)

        return data()
    if reading.sql is not None:
        try:
            guarded = _guarded(workspace, reading.sql)
            # Run before anything is shown: SQL the source refuses (a column the model made
            # up) leaves the built-in answer, like a reading that does not compile.
            result = workspace.source.execute(
                guarded.sql, max_rows=workspace.max_rows, timeout_s=workspace.timeout_s
            )
        except ParleyError as error:
            understanding.reason = _joined(understanding.reason, reading.refused(error.message))
            return None
        sql = reading.sql

        def raw() -> Iterator[Event]:
            yield AgentStarted("llm_provider")
            yield IntentDetected("sql_query")
            yield from sql_turn(
                workspace,
                sql,
                context,
                started,
                reason=reading.reason,
                guarded=guarded,
                result=result,
            )

        return raw()
    understanding.reason = _joined(understanding.reason, reading.reason)
    return None


def _joined(first: str, second: str) -> str:
    return " ".join(part for part in (first, second) if part)


def _guarded(workspace: Workspace, sql: str) -> GuardedStatement:
    return guard_sql(
        sql,
        workspace.source.dialect,
        max_rows=workspace.max_rows,
        table_columns=workspace.table_columns,
        row_filters=workspace.row_filters,
    )


def sql_turn(
    workspace: Workspace,
    sql: str,
    context: TurnContext,
    started: float,
    *,
    reason: str,
    guarded: GuardedStatement | None = None,
    result: QueryResult | None = None,
) -> Iterator[Event]:
    """A data turn on a statement written by someone (a member, a language model): it
    passes the guard, with the reader's row filters, like every other (``guarded`` and
    ``result``: already done)."""
    agents = context.agents
    agents.append("sql_agent")
    yield AgentStarted("sql_agent")
    answer = Answer(intent="sql_query", text="", reason=reason)
    try:
        guarded = guarded or _guarded(workspace, sql)
        answer.sql = guarded.sql
        yield SqlReady(guarded.sql, None, reason)
        result = result or workspace.source.execute(
            guarded.sql, max_rows=workspace.max_rows, timeout_s=workspace.timeout_s
        )
    except ParleyError as error:
        answer.error_code = error.code
        answer.text = f"I could not run this query: {error.message}"
        yield ErrorRaised(error.code, error.message)
        yield from _finish(answer, agents, started)
        return
    answer.columns, answer.rows, answer.truncated = result.columns, result.rows, result.truncated
    yield DataReady(result.columns, result.rows, result.truncated)
    roles = infer_roles(result.columns, result.rows)
    agents.append("viz_agent")
    yield AgentStarted("viz_agent")
    answer.chart = _chart(roles, result.rows, None, "")
    if answer.chart:
        yield ChartReady(answer.chart)
    agents.append("insight_agent")
    yield AgentStarted("insight_agent")
    answer.insights = find_insights(roles, result.rows, truncated=result.truncated, limited=False)
    yield InsightsReady(answer.insights)
    count = len(result.rows)
    answer.text = f"{reason} It returned {count} row{'s' if count != 1 else ''}" + (
        ", the first of many." if result.truncated else "."
    )
    yield from _finish(answer, agents, started)


def _understand(
    workspace: Workspace, question: str, context: Context, today: dt.date
) -> Understanding:
    """The parser's reading, with the business definitions the question names (taught
    named filters) as conditions of it."""
    plain, definitions = read_definitions(question, workspace.ontology)
    if not definitions:
        return workspace.parser.understand(question, context=context, today=today)
    understanding = workspace.parser.understand(plain, context=context, today=today)
    if understanding.query is not None:
        names = [d.name for d in definitions]
        understanding.query.named_filters = [
            *[n for n in understanding.query.named_filters if n not in names],
            *names,
        ]
        meant = "; ".join(f"{d.label!r} means {d.description or d.condition}" for d in definitions)
        understanding.reason = _joined(understanding.reason, f"Taught definition: {meant}.")
    return understanding


#: Where a question that asks two things splits: after a sentence, or at "and" before a
#: new question word ("how many orders ... and what is the refund window").
_PARTS = re.compile(
    r"(?<=[?.!;])\s+|\s*,?\s+(?:and|also|plus)\s+"
    r"(?=(?:also\s+)?(?:what|how|when|where|who|which|why|does|do|is|are|can)\b)",
    re.IGNORECASE,
)


def _data_and_documents(
    workspace: Workspace, question: str, context: Context, today: dt.date
) -> tuple[Understanding, list[Found]] | None:
    """A question of several parts, one about the data and others the documents answer:
    the data part's reading and the passages of the others. None for anything else."""
    assert workspace.knowledge is not None
    parts = [p.strip() for p in _PARTS.split(question) if p and p.strip()]
    if len(parts) < 2:
        return None
    data: Understanding | None = None
    documents: list[Found] = []
    for part in parts:
        reading = workspace.parser.understand(part, context=context, today=today)
        if reading.intent in {"sql_query", "refinement"} and reading.query is not None:
            if data is not None:
                return None  # two data questions: not this turn's business to split
            data = reading
            continue
        found = workspace.knowledge.search(part)
        if found is None:
            return None
        documents.append(found)
    if data is None or not documents:
        return None
    return data, documents


def _found_reason(found: Found) -> str:
    passage = found.passage
    return (
        f"The passage {passage.heading!r} of {passage.row_name!r} holds "
        f"{found.coverage:.0%} of the question's words."
    )


def _finish(
    answer: Answer, agents: list[str], started: float, *, agent: str | None = None
) -> Iterator[Event]:
    if agent:
        agents.append(agent)
        yield AgentStarted(agent)
    if answer.options:
        yield ClarificationAsked(list(answer.options))
    yield TextDelta(answer.text)
    answer.agents_visited = list(agents)
    answer.execution_ms = round((time.perf_counter() - started) * 1000, 2)
    yield Done(answer)


def greeting(workspace: Workspace) -> Answer:
    """How the bot greets: what it can be asked, with an example."""
    examples = example_questions(workspace.ontology)
    text = (
        f'Hello! Ask me about the {workspace.name} data, for example: "{examples[0]}".'
        if examples
        else "Hello!"
    )
    if workspace.knowledge:
        text += " I can also answer from the documents I was given."
    return Answer(intent="greeting", text=text, suggestions=examples)


def _conversation_answer(workspace: Workspace, understanding: Understanding) -> Answer:
    ontology = workspace.ontology
    examples = example_questions(ontology)
    if understanding.intent == "greeting":
        return greeting(workspace)
    if understanding.intent == "schema_help":
        return Answer(
            intent="schema_help", text=schema_overview(ontology, examples), suggestions=examples
        )
    if understanding.options:
        text = (
            f"Which did you mean? {understanding.problem[0].upper()}{understanding.problem[1:]}. "
            "Ask again naming one of them."
        )
        return Answer(
            intent="clarification",
            text=text,
            suggestions=understanding.options,
            options=list(understanding.choices),
            reason=understanding.reason,
        )
    unknown = (
        f"I don't know: neither the documents nor the data of {workspace.name} answer that. "
        if workspace.knowledge
        else ""
    )
    if understanding.intent == "out_of_scope":
        text = unknown + (
            "I can only answer questions about the data of "
            f"{workspace.name}, and {understanding.problem}. You could ask: "
            + "; ".join(f'"{q}"' for q in examples[:3])
            + "."
        )
        return Answer(
            intent="out_of_scope", text=text, suggestions=examples, reason=understanding.reason
        )
    text = unknown + (
        f"{understanding.problem[0].upper()}{understanding.problem[1:]}, so I did not answer "
        "rather than guess. Try rephrasing, for example: "
        + "; ".join(f'"{q}"' for q in examples[:3])
        + "."
    )
    return Answer(
        intent="clarification", text=text, suggestions=examples, reason=understanding.reason
    )


def _data_turn(
    workspace: Workspace,
    understanding: Understanding,
    context: TurnContext,
    started: float,
    *,
    documents: Sequence[Found] = (),
    note: str = "",
) -> Iterator[Event]:
    agents = context.agents
    query = understanding.query
    assert query is not None
    agents.append("sql_agent")
    yield AgentStarted("sql_agent")
    answer = Answer(
        intent=understanding.intent,
        text="",
        semantic_query=query.describe(),
        reason=understanding.reason,
    )
    try:
        guarded, roles = statement_for(workspace, query)
        answer.sql = guarded.sql
        yield SqlReady(guarded.sql, answer.semantic_query, understanding.reason)
        result = workspace.source.execute(
            guarded.sql, max_rows=workspace.max_rows, timeout_s=workspace.timeout_s
        )
    except ParleyError as error:
        answer.error_code = error.code
        answer.text = f"I could not run this query: {error.message}"
        yield ErrorRaised(error.code, error.message)
        yield from _finish(answer, agents, started)
        return
    answer.columns, answer.rows, answer.truncated = result.columns, result.rows, result.truncated
    yield DataReady(result.columns, result.rows, result.truncated)
    title = describe_query(query, workspace.ontology, roles)
    agents.append("viz_agent")
    yield AgentStarted("viz_agent")
    answer.chart = _chart(roles, result.rows, understanding.chart_type, title)
    if answer.chart:
        yield ChartReady(answer.chart)
    agents.append("insight_agent")
    yield AgentStarted("insight_agent")
    answer.insights = find_insights(
        roles,
        result.rows,
        truncated=result.truncated,
        limited=query.limit is not None,
        partial_last_period=_partial_last_period(query, context.today or dt.date.today()),
    )
    yield InsightsReady(answer.insights)
    answer.text = narrate(query, workspace.ontology, roles, result.rows, truncated=result.truncated)
    definitions = [workspace.ontology.named_filter(n) for n in query.named_filters]
    meant = [f"{d.label}s: {d.description or d.condition}" for d in definitions if d]
    if meant:
        answer.text = f"{answer.text} Only {'; '.join(meant)}."
    if note:
        answer.text = f"{answer.text}\n\n{note}"
    if documents:
        agents.append("knowledge_agent")
        yield AgentStarted("knowledge_agent")
        answer.text = "\n\n".join([answer.text, *(quote(found) for found in documents)])
    yield from _finish(answer, agents, started)


def _chart(
    roles: list[ColumnRole], rows: list[list[object]], requested: str | None, title: str
) -> Chart | None:
    try:
        return choose_chart(roles, rows, requested=requested, title=title)
    except ParleyError:
        return choose_chart(roles, rows, title=title) if requested else None


def _partial_last_period(query: SemanticQuery, today: dt.date) -> bool:
    grains = [d.grain for d in query.dimensions if d.grain]
    if not grains:
        return False
    end = query.time_range.end if query.time_range else None
    return end is None or end > today


def chart_turn(
    workspace: Workspace,
    context: TurnContext,
    requested: str | None,
    *,
    reason: str | None = None,
    strict: bool = False,
    focus: str = "",
) -> Iterator[Event]:
    """The one chart turn: the last result drawn as ``requested`` (None: the chart its shape
    calls for); the source is not queried.

    Every change of chart goes through here ("as a pie chart", the Workbench's visualize,
    the OpenAI face's suggestGraph, the CLI's /chart). ``strict`` raises ``InvalidInput``
    when the type is unknown or cannot draw the result (before any event); otherwise the
    turn keeps the previous chart and says why. ``focus`` is a text naming the columns to
    draw (suggestGraph's query).
    """
    started = time.perf_counter()
    previous = context.previous_answer
    if previous is None:
        raise Conflict("there is no result to chart yet: ask a question first")
    roles = previous_roles(workspace, previous)
    rows = previous.rows
    if focus:
        chosen = columns_named_in(roles, focus)
        indexes = [roles.index(c) for c in chosen]
        roles, rows = chosen, [[row[i] for i in indexes] for row in rows]
    title = previous.chart.title if previous.chart and not focus else ""
    try:
        chart: Chart | None = choose_chart(roles, rows, requested=requested, title=title)
        refusal = None
    except ParleyError as error:
        if strict:
            raise
        chart, refusal = previous.chart, error
    agents = context.agents
    agents.append("viz_agent")
    yield AgentStarted("viz_agent")
    answer = Answer(
        intent="visualization_change",
        text="",
        sql=previous.sql,
        columns=previous.columns,
        rows=previous.rows,
        truncated=previous.truncated,
        chart=chart,
        insights=previous.insights,
        semantic_query=previous.semantic_query,
        reason=previous.reason if reason is None else reason,
    )
    if refusal is not None:
        answer.error_code = refusal.code
        answer.text = f"I kept the previous chart: {refusal.message}"
        yield ErrorRaised(refusal.code, refusal.message)
    else:
        assert chart is not None
        yield ChartReady(chart)
        answer.text = f"Here is the same result as a {chart.type} chart."
    yield from _finish(answer, agents, started)


def previous_roles(workspace: Workspace, previous: Answer) -> list[ColumnRole]:
    """Column roles of a stored answer, recovered by compiling its query again."""
    if previous.semantic_query:
        query = SemanticQuery.model_validate(previous.semantic_query)
        try:
            _, roles = statement_for(workspace, query)
            if [r.name for r in roles] == list(previous.columns):
                return roles
        except ParleyError:
            pass
    return infer_roles(previous.columns, previous.rows)
