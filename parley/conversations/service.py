"""Conversations: every turn is stored, the user's message before the engine runs and the
answer (or the error) before the last event is sent. Nothing a user sent or saw is lost.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from parley.conversations.validation import validate_question
from parley.engine.events import Answer, Chart, Done, ErrorRaised, Event, TurnStarted
from parley.engine.guard import RowFilter
from parley.engine.orchestrator import TurnContext, run_turn
from parley.engine.semantic.query import SemanticQuery
from parley.errors import NotFound, ParleyError
from parley.store import catalog
from parley.store import conversations as store
from parley.store.ids import new_id
from parley.store.models import Application, Conversation, Message

if TYPE_CHECKING:
    from parley.core import Parley

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Turn:
    conversation_id: str
    user_message_id: str
    assistant_message_id: str
    answer: Answer
    #: Where the result's rows can be read back (getData), when it has rows.
    data_file_path: str | None = None


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    message_id: str
    data_file_path: str | None
    #: The question stored with it, when one was.
    question_id: str | None = None


@dataclass(frozen=True, slots=True)
class ConversationRef:
    id: str
    organization_id: str
    application: Application
    row_filters: tuple[RowFilter, ...] = ()


def answer_from_message(message: Message) -> Answer:
    """The stored answer, as the engine produced it."""
    chart = Chart(**message.chart) if message.chart else None
    return Answer(
        intent=message.intent or "sql_query",  # type: ignore[arg-type]
        text=message.content,
        sql=message.sql,
        columns=list(message.columns or []),
        rows=[list(r) for r in message.rows or []],
        truncated=message.truncated,
        chart=chart,
        insights=list(message.insights or []),
        semantic_query=message.semantic_query,
        reason=message.reason or "",
        suggestions=list(message.suggestions or []),
        agents_visited=list(message.agents_visited or []),
        error_code=message.error_code,
        execution_ms=message.execution_ms or 0.0,
    )


class ConversationService:
    def __init__(self, parley: Parley) -> None:
        self.parley = parley

    def open(
        self,
        *,
        app: str,
        organization_id: str,
        principal: str,
        face: str,
        conversation_id: str | None = None,
        space_id: str | None = None,
        channel_id: str | None = None,
        row_filters: tuple[RowFilter, ...] = (),
    ) -> ConversationRef:
        """The conversation to continue, or a new one when ``conversation_id`` is None."""
        with self.parley.store.session() as session:
            if conversation_id:
                conversation = store.get_conversation(session, organization_id, conversation_id)
                application = catalog.get_application(
                    session, organization_id, conversation.application_id
                )
                if conversation.principal != principal:
                    raise NotFound(f"conversation {conversation_id!r} not found")
                return ConversationRef(conversation.id, organization_id, application, row_filters)
            application = self.application(session, organization_id, app)
            conversation = store.create_conversation(
                session,
                organization_id,
                application.id,
                principal,
                face,
                space_id=space_id,
                channel_id=channel_id,
            )
            return ConversationRef(conversation.id, organization_id, application, row_filters)

    @staticmethod
    def application(session: Any, organization_id: str, name: str) -> Application:
        application = catalog.get_application_by_name(session, organization_id, name)
        if application is None:
            known = [a.name for a in catalog.list_applications(session, organization_id).items]
            raise NotFound(
                f"unknown application {name!r}; known applications: {', '.join(known) or 'none'}"
            )
        return application

    def context(self, conversation_id: str, session: Session | None = None) -> TurnContext:
        """What the engine may remember: the last query and the last result."""
        if session is None:
            with self.parley.store.session() as own:
                return self.context(conversation_id, own)
        previous_query: SemanticQuery | None = None
        previous_answer: Answer | None = None
        for message in store.recent_messages(session, conversation_id, limit=20):
            if message.role != "assistant":
                continue
            if previous_answer is None and message.columns:
                previous_answer = answer_from_message(message)
            if previous_query is None and message.semantic_query:
                previous_query = SemanticQuery.model_validate(message.semantic_query)
            if previous_answer and previous_query:
                break
        return TurnContext(previous_query=previous_query, previous_answer=previous_answer)

    def turn(
        self,
        ref: ConversationRef,
        question: str,
        *,
        today: dt.date | None = None,
        request_json: dict[str, Any] | None = None,
    ) -> Iterator[Event]:
        """Run one turn, storing the question first and the answer before ``Done``."""
        text = validate_question(question, max_chars=self.parley.settings.max_question_chars)
        answer: Answer | None = None
        context = TurnContext()
        with self.parley.store.session() as session:
            conversation = session.get(Conversation, ref.id)
            assert conversation is not None
            user = store.append_message(
                session, conversation, role="user", content=text, request_json=request_json
            )
            if not conversation.title:
                store.set_conversation_title(session, conversation, text[:200])
            user_id, first_turn = user.id, user.seq == 1
        # The question is stored (committed) before anything else can fail.
        with self.parley.store.session() as session:
            try:
                # A conversation's first question has nothing before it to remember.
                context = TurnContext() if first_turn else self.context(ref.id, session)
                workspace = self.parley.workspace(
                    ref.application, row_filters=ref.row_filters, session=session
                )
            except ParleyError as error:
                answer = _failed(error, context)
            except Exception:
                answer = _internal_failure(ref.id, context)
        yield TurnStarted(ref.id, user_id)
        context.today = today
        errors: list[Event] = []
        if answer is None:
            try:
                for event in run_turn(workspace, text, context):
                    if isinstance(event, Done):
                        answer = event.answer
                        break
                    if isinstance(event, ErrorRaised):
                        errors.append(event)
                    yield event
            except ParleyError as error:
                answer = _failed(error, context)
            except Exception:
                answer = _internal_failure(ref.id, context)
        assert answer is not None
        if answer.error_code and not any(isinstance(e, ErrorRaised) for e in errors):
            yield ErrorRaised(answer.error_code, answer.text, answer.incident_id)
        stored = self.store_answer(ref, answer)
        yield Done(answer, stored.message_id, stored.data_file_path)

    def store_answer(
        self,
        ref: ConversationRef,
        answer: Answer,
        *,
        question: str | None = None,
        request_json: dict[str, Any] | None = None,
    ) -> StoredAnswer:
        """Store an answer (after ``question``, when given) as the conversation's next
        message(s), in one transaction; its rows get a data file path that later calls
        (getData, a change of chart) can read them back by."""
        data_file_path = (
            f"{ref.organization_id}/{ref.id}/{new_id('data')}.csv" if answer.columns else None
        )
        with self.parley.store.session() as session:
            conversation = session.get(Conversation, ref.id)
            assert conversation is not None
            question_id = None
            if question is not None:
                question_id = store.append_message(
                    session, conversation, role="user", content=question, request_json=request_json
                ).id
            message = store.append_answer(
                session, conversation, answer, data_file_path=data_file_path
            )
            return StoredAnswer(message.id, data_file_path, question_id)

    def ask(
        self,
        question: str,
        *,
        app: str,
        organization_id: str,
        principal: str,
        face: str,
        conversation_id: str | None = None,
        today: dt.date | None = None,
    ) -> Turn:
        # A question that will be refused must not leave an empty conversation behind.
        validate_question(question, max_chars=self.parley.settings.max_question_chars)
        ref = self.open(
            app=app,
            organization_id=organization_id,
            principal=principal,
            face=face,
            conversation_id=conversation_id,
        )
        user_id = ""
        for event in self.turn(ref, question, today=today):
            if isinstance(event, TurnStarted):
                user_id = event.user_message_id
            if isinstance(event, Done):
                assert event.message_id is not None
                return Turn(ref.id, user_id, event.message_id, event.answer, event.data_file_path)
        raise AssertionError("a turn always ends with Done")


def _internal_failure(conversation_id: str, context: TurnContext) -> Answer:
    """An unexpected failure: logged with its traceback under an incident id, which is
    all the user sees of it."""
    incident = new_id("inc")
    log.exception("turn failed in conversation %s (incident %s)", conversation_id, incident)
    return Answer(
        intent="clarification",
        text=f"Something went wrong on our side (incident {incident}).",
        error_code="internal_error",
        agents_visited=context.agents,
        incident_id=incident,
    )


def _failed(error: ParleyError, context: TurnContext) -> Answer:
    return Answer(
        intent="clarification",
        text=f"I could not answer: {error.message}",
        error_code=error.code,
        agents_visited=context.agents,
    )


def chart_dict(chart: Chart | None) -> dict[str, Any] | None:
    return dataclasses.asdict(chart) if chart else None
