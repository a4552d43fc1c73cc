"""The door: every face opens conversations, runs turns and reads what was stored here.

``Conversations`` is built from the store, the settings and a workspace factory (the
engine's view of an application). Every turn is stored: the user's message before the
engine runs, the answer (or the error, with its incident id) before the last event is
sent. Nothing a user sent or saw is lost.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from parley import metrics
from parley.auth.principal import Principal
from parley.config import Settings
from parley.conversations.ontology_trace import best_match, match_score, query_trace
from parley.conversations.validation import validate_question
from parley.conversations.views import (
    ApplicationInfo,
    ChatSummary,
    ConversationInfo,
    ConversationRef,
    ConversationStart,
    Page,
    QueryTrace,
    QuestionAndAnswer,
    StoredMessage,
    Turn,
)
from parley.engine.charts import chart_type_in, normalise_chart_type
from parley.engine.events import Answer, Chart, Done, ErrorRaised, Event, Option, TurnStarted
from parley.engine.orchestrator import TurnContext, Workspace, chart_turn, greeting, run_turn
from parley.engine.row_filters import RowFilter
from parley.engine.semantic.ontology import Ontology
from parley.engine.semantic.query import SemanticQuery
from parley.engine.suggestions import example_questions
from parley.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    ParleyError,
    UnknownApplication,
    report_incident,
)
from parley.ids import new_id
from parley.store import catalog
from parley.store import conversations as store
from parley.store.db import Store
from parley.store.models import Application, Conversation, Message
from parley.store.models import Source as SourceRecord

#: The engine's view of an application, for the row filters of the caller.
WorkspaceFactory = Callable[[Session, Application, Sequence[RowFilter]], Workspace]
#: How far back a turn looks for the last query and the last result.
CONTEXT_MESSAGES = 20
#: Answers that answered nothing: a turn after one has no earlier answer to edit.
_UNANSWERED = frozenset({"clarification", "out_of_scope"})
#: What a turn reads first, built once (building a statement costs more than running it).
_CONVERSATION_AND_APPLICATION = (
    select(Conversation, Application)
    .join(Application, Application.id == Conversation.application_id)
    .where(
        Conversation.id == bindparam("conversation_id"),
        Application.organization_id == bindparam("organization_id"),
    )
)
#: A caller's conversation with its application (what opening one reads): built once.
_OWN_WITH_APPLICATION = _CONVERSATION_AND_APPLICATION.where(
    Conversation.organization_id == bindparam("organization_id"),
    Conversation.principal == bindparam("owner"),
)


def answer_from_message(message: Message) -> Answer:
    """The stored answer, as the engine produced it."""
    return Answer(
        intent=message.intent or "sql_query",  # type: ignore[arg-type]
        text=message.content,
        sql=message.sql,
        columns=list(message.columns or []),
        rows=[list(r) for r in message.rows or []],
        truncated=message.truncated,
        chart=Chart(**message.chart) if message.chart else None,
        insights=list(message.insights or []),
        semantic_query=message.semantic_query,
        reason=message.reason or "",
        suggestions=list(message.suggestions or []),
        options=[Option(**o) for o in message.options or []],
        agents_visited=list(message.agents_visited or []),
        error_code=message.error_code,
        incident_id=message.incident_id,
        execution_ms=message.execution_ms or 0.0,
    )


def stored_message(message: Message) -> StoredMessage:
    return StoredMessage(
        id=message.id,
        conversation_id=message.conversation_id,
        role=message.role,
        text=message.content,
        created_at=message.created_at,
        answer=answer_from_message(message) if message.role == "assistant" else None,
        data_file_path=message.data_file_path,
        request_json=message.request_json,
        seq=message.seq,
        blocks=message.blocks,
    )


def collect(events: Iterable[Event]) -> Turn:
    """Run a turn to its end; the whole of it."""
    started: TurnStarted | None = None
    for event in events:
        if isinstance(event, TurnStarted):
            started = event
        if isinstance(event, Done):
            assert started is not None and event.message_id is not None
            return Turn(
                started.conversation_id,
                started.user_message_id,
                event.message_id,
                event.answer,
                event.data_file_path,
            )
    raise AssertionError("a turn always ends with Done")


class Conversations:
    def __init__(self, store: Store, settings: Settings, workspaces: WorkspaceFactory) -> None:
        self._store = store
        self._settings = settings
        self._workspaces = workspaces

    @property
    def max_question_chars(self) -> int:
        return self._settings.max_question_chars

    # -- opening ----------------------------------------------------------------------------

    def check_application(self, principal: Principal, name: str) -> None:
        """``UnknownApplication`` unless the principal may open an application ``name``."""
        with self._store.session() as session:
            self._application(session, principal, name)

    def open(
        self,
        principal: Principal,
        *,
        face: str,
        app: str | None = None,
        conversation_id: str | None = None,
        admit: Callable[[], None] | None = None,
    ) -> ConversationRef:
        """The principal's conversation ``conversation_id`` (another's is not found), or a
        new one on application ``app`` (in the principal's space or channel, if any).

        ``admit`` runs once the principal is known to may open ``app`` and before a new
        conversation is made: a face counts its rate limit there, so that an unknown
        application is refused uncounted and a refused call leaves no conversation,
        without a transaction of its own to check the application first."""
        with self._store.session() as session:
            if conversation_id:
                conversation, application = self._own_with_application(
                    session, principal, conversation_id
                )
                if app is not None and application.name != app:
                    raise InvalidInput(
                        f"conversation {conversation_id!r} belongs to application "
                        f"{application.name!r}",
                        detail={"field": "conversation_id"},
                    )
            else:
                if app is None:
                    raise InvalidInput("name the application to talk to")
                application = self._application(session, principal, app)
                if admit is not None:
                    admit()
                conversation = store.create_conversation(
                    session,
                    principal.organization_id,
                    application.id,
                    principal.owner,
                    face,
                    member_id=principal.member_id,
                    space_id=principal.space_id,
                    channel_id=principal.channel_id,
                )
            return ConversationRef(
                conversation.id,
                principal.organization_id,
                application.id,
                application.name,
                principal.owner,
                conversation.created_at,
                principal.row_filters,
            )

    # -- turns ------------------------------------------------------------------------------

    def turn(
        self,
        ref: ConversationRef,
        question: str,
        *,
        today: dt.date | None = None,
        request_json: dict[str, Any] | None = None,
        reserve_answer: bool = False,
    ) -> Iterator[Event]:
        """Run one turn: ``TurnStarted`` (the question is stored) first, ``Done`` (the answer
        is stored) last.

        ``reserve_answer`` stores an empty assistant message right after the question, in
        the same transaction, and completes it at the end: the answer's place (its ``seq``,
        the question's plus one) is fixed before the engine runs, and a face can keep what
        it has shown so far in it (``save_blocks``).
        """
        text = validate_question(question, max_chars=self._settings.max_question_chars)
        assistant_id = new_id("msg")
        mark = time.perf_counter()
        answer: Answer | None = None
        context = TurnContext(today=today)
        workspace: Workspace | None = None
        # One transaction: what the turn reads first, then the question. Reads first, so an
        # SQLite store takes its write lock only for the writes at the end; a failure to
        # read is the turn's answer, and the question is stored (committed) all the same.
        with self._store.session() as session:
            conversation, application = self._conversation_and_application(session, ref)
            try:
                context = self._context(session, ref.id, today)
                workspace = self._workspaces(session, application, ref.row_filters)
            except ParleyError as error:
                answer = _failed(error, context)
            except Exception as error:
                answer = _internal_failure(ref, error, context)
            mark = _stage("prepare", mark)
            user = store.append_message(
                session,
                conversation,
                role="user",
                content=text,
                request_json=request_json,
                title=None if conversation.title else text[:200],
            )
            if reserve_answer:
                store.append_message(
                    session, conversation, role="assistant", message_id=assistant_id
                )
            user_id = user.id
        mark = _stage("store_question", mark)
        yield TurnStarted(ref.id, user_id, assistant_id)
        raised = False
        if answer is None:
            assert workspace is not None
            try:
                for event in run_turn(workspace, text, context):
                    if isinstance(event, Done):
                        answer = event.answer
                        break
                    raised = raised or isinstance(event, ErrorRaised)
                    yield event
            except ParleyError as error:
                answer = _failed(error, context)
            except Exception as error:
                answer = _internal_failure(ref, error, context)
        assert answer is not None
        mark = _stage("engine", mark)
        _count_answer(answer)
        if answer.error_code and not raised:
            yield ErrorRaised(answer.error_code, answer.text, answer.incident_id)
        done = self._store_answer(ref, answer, assistant_id, reserved=reserve_answer)
        _stage("store_answer", mark)
        yield done

    def greet(self, ref: ConversationRef) -> StoredMessage:
        """The bot's greeting, stored as the conversation's first assistant message."""
        with self._store.session() as session:
            answer = greeting(self._workspace(session, ref))
            message = store.append_answer(session, self._conversation(session, ref), answer)
            return stored_message(message)

    def change_chart(
        self,
        ref: ConversationRef,
        chart_type: str,
        *,
        said: str = "as a {chart} chart",
        request_json: dict[str, Any] | None = None,
    ) -> Iterator[Event]:
        """The last result drawn as ``chart_type`` by the engine's chart turn; no SQL runs.

        A type that is unknown or cannot draw the result is an ``InvalidInput`` raised
        before anything is stored; then the user's message (``said``, with the chart type
        in the engine's vocabulary) and the answer are stored before ``Done``.
        """
        chart = normalise_chart_type(chart_type)
        with self._store.session() as session:
            context = self._context(session, ref.id, None)
            if context.previous_answer is None:
                raise Conflict(
                    f"conversation {ref.id!r} has no result to chart yet: ask a question first"
                )
            workspace = self._workspace(session, ref)
        events = list(chart_turn(workspace, context, chart_type, strict=True))
        done = events.pop()
        assert isinstance(done, Done)
        assistant_id = new_id("msg")
        with self._store.session() as session:
            conversation = self._conversation(session, ref)
            user = store.append_message(
                session,
                conversation,
                role="user",
                content=said.format(chart=chart),
                request_json=request_json or {"chart_type": chart_type},
            )
            user_id = user.id
        yield TurnStarted(ref.id, user_id, assistant_id)
        yield from events
        yield self._store_answer(ref, done.answer, assistant_id)

    def ask(
        self,
        principal: Principal,
        question: str,
        *,
        face: str,
        app: str | None = None,
        conversation_id: str | None = None,
        today: dt.date | None = None,
    ) -> Turn:
        """One whole turn (a new conversation unless ``conversation_id`` is given)."""
        # A question that will be refused must not leave an empty conversation behind.
        validate_question(question, max_chars=self._settings.max_question_chars)
        ref = self.open(principal, face=face, app=app, conversation_id=conversation_id)
        return collect(self.turn(ref, question, today=today))

    def require_query(self, ref: ConversationRef) -> None:
        """Conflict unless the conversation has a query that a refinement can edit."""
        with self._store.session() as session:
            if self._context(session, ref.id, None).previous_query is None:
                raise Conflict(
                    f"conversation {ref.id!r} has no query to refine yet: ask a question first"
                )

    # -- reads ------------------------------------------------------------------------------

    def history(
        self,
        ref: ConversationRef,
        *,
        limit: int | None = None,
        offset: int = 0,
        after: str | None = None,
        newest_first: bool = False,
    ) -> Page[StoredMessage]:
        """The conversation's messages, by offset or after the message ``after`` (a cursor)."""
        with self._store.session() as session:
            try:
                page = store.list_messages(
                    session,
                    ref.id,
                    limit=limit,
                    offset=offset,
                    after=after,
                    newest_first=newest_first,
                )
            except NotFound:  # only the cursor can be missing here
                raise NotFound(
                    f"cursor {after!r} is not a message of this conversation",
                    detail={"field": "cursor"},
                ) from None
            return Page([stored_message(m) for m in page.items], page.total)

    def questions(
        self, principal: Principal, *, app: str, conversation_id: str
    ) -> list[QuestionAndAnswer]:
        """The principal's conversation on ``app`` as questions paired with their answers."""
        with self._store.session() as session:
            application = self._application(session, principal, app)
            try:
                conversation = self._own(session, principal, conversation_id)
            except NotFound:
                conversation = None
            if conversation is None or conversation.application_id != application.id:
                raise NotFound(
                    f"application {app!r} has no conversation {conversation_id!r}",
                    detail={"field": "conversation_id"},
                )
            messages = store.list_messages(session, conversation.id).items
        pairs: list[QuestionAndAnswer] = []
        for message in map(stored_message, messages):
            if message.role == "user":
                pairs.append(QuestionAndAnswer(message, None))
            elif pairs and pairs[-1].answer is None:
                pairs[-1] = QuestionAndAnswer(pairs[-1].question, message)
        return pairs

    def conversations(
        self,
        principal: Principal,
        *,
        app: str,
        updated_since: dt.datetime | None = None,
        updated_before: dt.datetime | None = None,
        limit: int | None = 50,
    ) -> Page[ConversationInfo]:
        """The principal's conversations on ``app``, the most recently active first."""
        with self._store.session() as session:
            application = self._application(session, principal, app)
            page = store.list_conversations(
                session,
                principal.organization_id,
                application_id=application.id,
                principal=principal.owner,
                updated_since=updated_since,
                updated_before=updated_before,
                limit=limit,
            )
            return Page(
                [ConversationInfo(c.id, c.title, c.created_at, c.updated_at) for c in page.items],
                page.total,
            )

    def threads(
        self, principal: Principal, *, limit: int, after: str | None = None
    ) -> Page[ConversationStart]:
        """The principal's conversations, the oldest first, after the conversation ``after``
        (a cursor: an id that is not one of them is ``NotFound`` about the cursor)."""
        with self._store.session() as session:
            if after is not None:
                try:
                    self._own(session, principal, after)
                except NotFound:
                    raise NotFound(
                        f"cursor {after!r} is not one of these conversations",
                        detail={"field": "cursor"},
                    ) from None
            page = store.list_conversations_by_start(
                session, principal.organization_id, principal.owner, after=after, limit=limit
            )
            firsts = store.first_user_messages(session, [c.id for c in page.items])
            return Page(
                [ConversationStart(c.id, c.created_at, firsts.get(c.id)) for c in page.items],
                page.total,
            )

    def applications(
        self, principal: Principal, *, limit: int | None = None, offset: int = 0
    ) -> Page[ApplicationInfo]:
        """The applications the principal may open, each with its source's state."""
        with self._store.session() as session:
            page = catalog.list_applications(
                session, principal.organization_id, limit=limit, offset=offset
            )
            sources = {s.id: s for s in catalog.list_sources(session, principal.organization_id)}
            items = [
                ApplicationInfo(
                    id=a.id,
                    name=a.name,
                    description=a.description,
                    tags=list(a.tags or []),
                    created_at=a.created_at,
                    updated_at=a.updated_at,
                    created_by=a.created_by or "",
                    modified_by=a.modified_by or "",
                    source_id=a.source_id,
                    source_name=sources[a.source_id].name,
                    source_dialect=sources[a.source_id].dialect,
                    source_status=sources[a.source_id].status,
                    has_ontology=sources[a.source_id].ontology is not None,
                )
                for a in page.items
                if principal.may_open(a.name)
            ]
            return Page(items, page.total)

    def suggested_questions(self, principal: Principal, *, app: str) -> list[str]:
        """A few questions that the application ``app`` can answer, in its own words."""
        with self._store.session() as session:
            application = self._application(session, principal, app)
            workspace = self._workspaces(session, application, principal.row_filters)
        return example_questions(workspace.ontology)

    def stored_result(
        self, principal: Principal, *, app: str, data_file_path: str
    ) -> StoredMessage:
        """The stored answer a data file path names, if the principal may read it."""
        refused = NotFound(
            f"no stored result of application {app!r} has the path {data_file_path!r}",
            detail={"field": "data_file_path"},
        )
        with self._store.session() as session:
            application = self._application(session, principal, app)
            try:
                message = store.get_message_by_data_file_path(
                    session, principal.organization_id, data_file_path
                )
                conversation = self._own(session, principal, message.conversation_id)
            except NotFound:
                raise refused from None
            if conversation.application_id != application.id:
                raise refused
            return stored_message(message)

    def suggest_chart(
        self,
        principal: Principal,
        *,
        app: str,
        data_file_path: str,
        chart_type: str | None,
        focus: str = "",
    ) -> tuple[Chart, StoredMessage]:
        """A chart for a stored result, by the engine's chart turn; nothing is stored and no
        SQL runs. ``chart_type`` None lets the text ``focus`` name one, or Parley choose."""
        stored = self.stored_result(principal, app=app, data_file_path=data_file_path)
        assert stored.answer is not None
        context = TurnContext(previous_answer=stored.answer)
        with self._store.session() as session:
            application = self._application(session, principal, app)
            workspace = self._workspaces(session, application, principal.row_filters)
        requested = chart_type or chart_type_in(focus)
        done = list(chart_turn(workspace, context, requested, strict=True, focus=focus))[-1]
        assert isinstance(done, Done) and done.answer.chart is not None
        return done.answer.chart, stored

    # -- what a streaming face keeps and shows -------------------------------------------

    def save_blocks(
        self, ref: ConversationRef, message_id: str, blocks: Sequence[dict[str, Any]]
    ) -> None:
        """Keep the blocks a face has sent so far for an answer (reserved or stored)."""
        with self._store.session() as session:
            message = session.get(Message, message_id)
            if message is None or message.conversation_id != ref.id:
                raise NotFound(f"message {message_id!r} not found in conversation {ref.id!r}")
            message.blocks = [dict(b) for b in blocks]

    def message_seq(self, ref: ConversationRef, message_id: str) -> int:
        """A stored message's place in its conversation: 1, 2, 3, ..."""
        with self._store.session() as session:
            message = session.get(Message, message_id)
            if message is None or message.conversation_id != ref.id:
                raise NotFound(f"message {message_id!r} not found in conversation {ref.id!r}")
            return message.seq

    def message_at(self, ref: ConversationRef, seq: int) -> StoredMessage:
        """The conversation's message number ``seq``."""
        with self._store.session() as session:
            message = session.scalar(
                select(Message).where(Message.conversation_id == ref.id, Message.seq == seq)
            )
            if message is None:
                raise NotFound(f"conversation {ref.id!r} has no message {seq}")
            return stored_message(message)

    def choose_application(self, principal: Principal, question: str) -> str:
        """The application (of those the principal may open) whose ontology explains the
        question best; on a tie, the first listed. ``UnknownApplication`` if there is none."""
        text = validate_question(question, max_chars=self._settings.max_question_chars)
        with self._store.session() as session:
            applications = [
                a
                for a in catalog.list_applications(session, principal.organization_id).items
                if principal.may_open(a.name)
            ]
            scores = [
                (
                    a.name,
                    match_score(self._workspaces(session, a, principal.row_filters).parser, text),
                )
                for a in applications
            ]
        chosen = best_match(scores)
        if chosen is None:
            raise UnknownApplication("there is no application to talk to yet")
        return chosen

    def connector_number(self, principal: Principal, app: str) -> int:
        """The number of the source under application ``app`` (numbered on first use)."""
        with self._store.session() as session:
            application = self._application(session, principal, app)
            record = catalog.get_source(session, principal.organization_id, application.source_id)
            return number_source(session, record)

    def application_on_connector(self, principal: Principal, number: int) -> str:
        """The first application (of those the principal may open) over source ``number``."""
        with self._store.session() as session:
            for application in catalog.list_applications(session, principal.organization_id).items:
                if not principal.may_open(application.name):
                    continue
                record = catalog.get_source(
                    session, principal.organization_id, application.source_id
                )
                if number_source(session, record) == number:
                    return application.name
        raise NotFound(
            f"no application you may open reads the source numbered {number}",
            detail={"field": "connector"},
        )

    def query_trace(self, ref: ConversationRef, semantic_query: dict[str, Any]) -> QueryTrace:
        """The conversation's application's ontology read along ``semantic_query``."""
        query = SemanticQuery.model_validate(semantic_query)
        with self._store.session() as session:
            application = catalog.get_application(session, ref.organization_id, ref.application_id)
            record = catalog.get_source(session, ref.organization_id, application.source_id)
            if not record.ontology:
                raise NotFound(f"source {record.name!r} has no ontology yet")
            ontology = Ontology.model_validate(record.ontology)
            number = number_source(session, record)
            return query_trace(ontology, query, connector=number, source=record.name)

    def chat_summaries(
        self, principal: Principal, *, face: str | None = None, limit: int | None = 100
    ) -> list[ChatSummary]:
        """The principal's conversations (of ``face``, if given), the most recent first,
        each with when its user last spoke."""
        with self._store.session() as session:
            statement = (
                select(Conversation)
                .where(
                    Conversation.organization_id == principal.organization_id,
                    Conversation.principal == principal.owner,
                )
                .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
                .limit(limit)
            )
            if face is not None:
                statement = statement.where(Conversation.face == face)
            conversations = list(session.scalars(statement))
            ids = [c.id for c in conversations]
            last_user = (
                dict(
                    session.execute(
                        select(Message.conversation_id, func.max(Message.created_at))
                        .where(Message.conversation_id.in_(ids), Message.role == "user")
                        .group_by(Message.conversation_id)
                    ).all()
                )
                if ids
                else {}
            )
            names = {
                a.id: a.name
                for a in catalog.list_applications(session, principal.organization_id).items
            }
            return [
                ChatSummary(
                    id=c.id,
                    organization_id=c.organization_id,
                    application=names.get(c.application_id, ""),
                    title=c.title,
                    face=c.face,
                    created_at=c.created_at,
                    last_user_message_at=last_user.get(c.id),
                )
                for c in conversations
            ]

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _own(session: Session, principal: Principal, conversation_id: str) -> Conversation:
        """The principal's conversation; another's is not found, like a missing one."""
        try:
            return store.get_conversation(
                session, principal.organization_id, conversation_id, principal=principal.owner
            )
        except NotFound as error:
            raise NotFound(error.message, detail={"field": "conversation_id"}) from None

    @staticmethod
    def _own_with_application(
        session: Session, principal: Principal, conversation_id: str
    ) -> tuple[Conversation, Application]:
        """``_own`` and the conversation's application, in one statement."""
        found = session.execute(
            _OWN_WITH_APPLICATION,
            {
                "conversation_id": conversation_id,
                "organization_id": principal.organization_id,
                "owner": principal.owner,
            },
        ).first()
        if found is None:
            raise NotFound(
                f"conversation {conversation_id!r} not found", detail={"field": "conversation_id"}
            )
        return found[0], found[1]

    @staticmethod
    def _application(session: Session, principal: Principal, name: str) -> Application:
        application = catalog.get_application_by_name(session, principal.organization_id, name)
        if application is None or not principal.may_open(name):
            known = [
                a.name
                for a in catalog.list_applications(session, principal.organization_id).items
                if principal.may_open(a.name)
            ]
            raise UnknownApplication(
                f"unknown application {name!r}; known applications: {', '.join(known) or 'none'}",
                detail={"field": "application", "name": name},
            )
        return application

    @staticmethod
    def _conversation(session: Session, ref: ConversationRef) -> Conversation:
        conversation = session.get(Conversation, ref.id)
        if conversation is None:
            raise NotFound(f"conversation {ref.id!r} not found")
        return conversation

    @staticmethod
    def _conversation_and_application(
        session: Session, ref: ConversationRef
    ) -> tuple[Conversation, Application]:
        """The conversation and its application, in one statement (a turn needs both)."""
        found = session.execute(
            _CONVERSATION_AND_APPLICATION,
            {"conversation_id": ref.id, "organization_id": ref.organization_id},
        ).first()
        if found is None:
            raise NotFound(f"conversation {ref.id!r} not found")
        return found[0], found[1]

    def _workspace(self, session: Session, ref: ConversationRef) -> Workspace:
        application = catalog.get_application(session, ref.organization_id, ref.application_id)
        return self._workspaces(session, application, ref.row_filters)

    @staticmethod
    def _context(session: Session, conversation_id: str, today: dt.date | None) -> TurnContext:
        """What the engine may remember: the last query and the last result."""
        context = TurnContext(today=today)
        for newest, message in enumerate(
            store.recent_answers(session, conversation_id, within=CONTEXT_MESSAGES)
        ):
            if newest == 0 and message.intent in _UNANSWERED and not message.columns:
                # The last question went unanswered: "split by pet" after it edits that
                # question, not an older answer, and it cannot be guessed.
                break
            if context.previous_answer is None and message.columns:
                context.previous_answer = answer_from_message(message)
            if context.previous_query is None and message.semantic_query:
                context.previous_query = SemanticQuery.model_validate(message.semantic_query)
            if context.previous_answer and context.previous_query:
                break
        return context

    def _store_answer(
        self, ref: ConversationRef, answer: Answer, message_id: str, *, reserved: bool = False
    ) -> Done:
        """Store the answer under the id ``TurnStarted`` announced (completing the message
        reserved for it, if any); its rows get a data file path that later calls (getData,
        a change of chart) read them back by."""
        data_file_path = (
            f"{ref.organization_id}/{ref.id}/{new_id('data')}.csv" if answer.columns else None
        )
        with self._store.session() as session:
            placeholder = session.get(Message, message_id) if reserved else None
            if placeholder is None:
                store.append_answer(
                    session,
                    ref.id,  # by id: touching the conversation's row tells it exists
                    answer,
                    data_file_path=data_file_path,
                    message_id=message_id,
                )
            else:
                fields = store.answer_fields(answer)
                placeholder.content = fields.pop("content")
                store.update_message(session, placeholder, **fields, data_file_path=data_file_path)
        return Done(answer, message_id, data_file_path)


def _internal_failure(ref: ConversationRef, error: Exception, context: TurnContext) -> Answer:
    """An unexpected failure: logged under an incident id, which is all the user sees."""
    failure = report_incident(f"turn in conversation {ref.id}", error)
    return Answer(
        intent="clarification",
        text=failure.message,
        error_code=failure.code,
        agents_visited=list(context.agents),
        incident_id=failure.incident_id,
    )


def _failed(error: ParleyError, context: TurnContext) -> Answer:
    return Answer(
        intent="clarification",
        text=f"I could not answer: {error.message}",
        error_code=error.code,
        agents_visited=list(context.agents),
    )


def number_source(session: Session, record: SourceRecord) -> int:
    """The source's number in its organisation, given the next one free if it has none."""
    if record.number is None:
        last = session.scalar(
            select(func.max(SourceRecord.number)).where(
                SourceRecord.organization_id == record.organization_id
            )
        )
        record.number = (last or 0) + 1
        session.flush()
    return record.number


def _stage(stage: str, since: float) -> float:
    """Record a turn stage that began at ``since``; the time it ended."""
    now = time.perf_counter()
    metrics.TURN_STAGE_SECONDS.labels(stage=stage).observe(now - since)
    return now


def _count_answer(answer: Answer) -> None:
    if answer.error_code:
        metrics.ERRORS.labels(kind=answer.error_code).inc()
