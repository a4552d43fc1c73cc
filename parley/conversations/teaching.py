"""Teaching, behind the door: questions saved with the answer they should have, and
business definitions (metrics) the parser then understands everywhere.

A taught reading must compile and a taught statement must pass the guard (with the
teacher's row filters) before it is saved; both pass it again on every use, with the
asker's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from parley.auth.principal import Principal
from parley.engine.guard import guard_sql, guard_tree
from parley.engine.orchestrator import Workspace, statement_for
from parley.engine.row_filters import RowFilter
from parley.engine.semantic.compiler import compile_query
from parley.engine.semantic.ontology import Metric, NamedFilter, Ontology
from parley.engine.semantic.query import MetricRef, SemanticQuery
from parley.engine.semantic.yaml_io import TaughtEntry, export_yaml, import_yaml
from parley.errors import Forbidden, InvalidInput, NotFound, ParleyError
from parley.store import catalog
from parley.store import taught as store
from parley.store.db import Store
from parley.store.models import Application, Conversation, Message, TaughtQuestion

WorkspaceFactory = Callable[[Session, Application, Sequence[RowFilter]], Workspace]


@dataclass(frozen=True, slots=True)
class TaughtView:
    id: str
    application: str
    question: str
    #: "reading" (a SemanticQuery) or "sql".
    kind: str
    semantic_query: dict[str, Any] | None
    sql: str | None
    taught_by: str
    created_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "application": self.application,
            "question": self.question,
            "kind": self.kind,
            "semantic_query": self.semantic_query,
            "sql": self.sql,
            "taught_by": self.taught_by,
            "created_at": self.created_at.isoformat(),
        }


def _view(row: TaughtQuestion, application: str) -> TaughtView:
    return TaughtView(
        row.id,
        application,
        row.question,
        "reading" if row.semantic_query is not None else "sql",
        row.semantic_query,
        row.sql,
        row.created_by,
        row.created_at,
    )


def parse_reading(reading: str | dict[str, Any]) -> SemanticQuery:
    """A SemanticQuery from JSON or YAML text (or its already-parsed mapping)."""
    data: Any = reading
    if isinstance(reading, str):
        try:
            data = yaml.safe_load(reading)
        except yaml.YAMLError as error:
            raise InvalidInput(f"reading: not valid JSON or YAML ({error})") from None
    if not isinstance(data, dict):
        raise InvalidInput("reading: must be a mapping of SemanticQuery fields")
    try:
        return SemanticQuery.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'reading'}: {e['msg']}" for e in error.errors()
        )
        raise InvalidInput(f"reading: {problems}") from None


class Teaching:
    def __init__(self, store_: Store, workspaces: WorkspaceFactory) -> None:
        self._store = store_
        self._workspaces = workspaces

    @staticmethod
    def _check_teacher(principal: Principal) -> None:
        # What is taught changes every reader's answers: a space's customer or a channel's
        # visitor may ask, not teach.
        if principal.space_id or principal.channel_id:
            raise Forbidden("only members of the organisation can teach")

    @staticmethod
    def _application(session: Session, principal: Principal, name: str) -> Application:
        application = catalog.get_application_by_name(session, principal.organization_id, name)
        if application is None or not principal.may_open(name):
            raise NotFound(
                f"unknown application {name!r}", detail={"field": "application", "name": name}
            )
        return application

    def _checked(
        self,
        session: Session,
        principal: Principal,
        application: Application,
        reading: str | dict[str, Any] | None,
        sql: str | None,
    ) -> tuple[dict[str, Any] | None, str | None]:
        if (reading is None) == (sql is None or not sql.strip()):
            raise InvalidInput("teach either a reading (SemanticQuery) or SQL, one of the two")
        workspace = self._workspaces(session, application, principal.row_filters)
        if reading is not None:
            query = parse_reading(reading)
            try:
                statement_for(workspace, query)
            except KeyError as error:
                raise InvalidInput(f"reading: {error.args[0]}") from None
            return query.describe(), None
        assert sql is not None
        guard_sql(
            sql,
            workspace.source.dialect,
            max_rows=workspace.max_rows,
            table_columns=workspace.table_columns,
            row_filters=workspace.row_filters,
        )
        return None, sql.strip()

    def teach(
        self,
        principal: Principal,
        app: str,
        question: str,
        *,
        reading: str | dict[str, Any] | None = None,
        sql: str | None = None,
    ) -> TaughtView:
        """Save ``question`` with the reading or SQL it should have."""
        self._check_teacher(principal)
        question = question.strip()
        if not question:
            raise InvalidInput("the question to teach is empty", detail={"field": "question"})
        with self._store.session() as session:
            application = self._application(session, principal, app)
            semantic_query, statement = self._checked(session, principal, application, reading, sql)
            row = store.add_taught_question(
                session,
                principal.organization_id,
                application.id,
                question,
                semantic_query=semantic_query,
                sql=statement,
                created_by=principal.owner,
            )
            return _view(row, application.name)

    def teach_answer(
        self,
        principal: Principal,
        message_id: str,
        *,
        reading: str | dict[str, Any] | None = None,
        sql: str | None = None,
        conversation_id: str | None = None,
        app: str | None = None,
    ) -> TaughtView:
        """Teach the question of one of the principal's turns, named by the id of its answer
        or of its question: with the corrected reading or SQL given, or, with neither, the
        answer's own (keep it as it is). ``conversation_id`` narrows where to look."""
        self._check_teacher(principal)
        with self._store.session() as session:
            message = session.get(Message, message_id)
            conversation = session.get(Conversation, message.conversation_id) if message else None
            if (
                message is None
                or conversation is None
                or conversation.organization_id != principal.organization_id
                or conversation.principal != principal.owner
                or (conversation_id is not None and conversation.id != conversation_id)
            ):
                raise NotFound(f"answer {message_id!r} not found", detail={"field": "message_id"})
            answer: Message | None
            if message.role == "user":
                question: str | None = message.content
                answer = session.scalars(
                    select(Message).where(
                        Message.conversation_id == conversation.id,
                        Message.seq == message.seq + 1,
                        Message.role == "assistant",
                    )
                ).first()
            else:
                answer = message
                question = session.scalars(
                    select(Message.content)
                    .where(
                        Message.conversation_id == conversation.id,
                        Message.seq < message.seq,
                        Message.role == "user",
                    )
                    .order_by(Message.seq.desc())
                    .limit(1)
                ).first()
            if reading is None and not sql:
                if answer is not None and answer.semantic_query:
                    reading = answer.semantic_query
                elif answer is not None and answer.sql:
                    sql = answer.sql
                else:
                    raise InvalidInput(
                        "this answer has no reading to keep: teach the reading or SQL it "
                        "should have"
                    )
            application = catalog.get_application(
                session, principal.organization_id, conversation.application_id
            )
            if app is not None and application.name != app:
                raise NotFound(
                    f"answer {message_id!r} not found in application {app!r}",
                    detail={"field": "message_id"},
                )
            app = application.name
        if not question:
            raise InvalidInput("this answer replies to no question")
        return self.teach(principal, app, question, reading=reading, sql=sql)

    def replace_all(
        self, principal: Principal, app: str, entries: Sequence[TaughtEntry]
    ) -> list[TaughtView]:
        """The application's taught questions become ``entries`` (an ontology import), each
        checked as if taught one by one; nothing changes if one fails."""
        self._check_teacher(principal)
        with self._store.session() as session:
            application = self._application(session, principal, app)
            for old in store.list_taught_questions(
                session, principal.organization_id, application.id
            ):
                session.delete(old)
            views = []
            for n, entry in enumerate(entries):
                try:
                    semantic_query, statement = self._checked(
                        session,
                        principal,
                        application,
                        entry.semantic_query.describe() if entry.semantic_query else None,
                        entry.sql,
                    )
                except ParleyError as error:
                    raise InvalidInput(
                        f"taught[{n}] ({entry.question!r}): {error.message}"
                    ) from None
                row = store.add_taught_question(
                    session,
                    principal.organization_id,
                    application.id,
                    entry.question,
                    semantic_query=semantic_query,
                    sql=statement,
                    created_by=entry.taught_by or principal.owner,
                )
                views.append(_view(row, application.name))
            return views

    def taught(self, principal: Principal, app: str) -> list[TaughtView]:
        with self._store.session() as session:
            application = self._application(session, principal, app)
            return [
                _view(row, application.name)
                for row in store.list_taught_questions(
                    session, principal.organization_id, application.id
                )
            ]

    def forget(self, principal: Principal, taught_id: str) -> None:
        self._check_teacher(principal)
        with self._store.session() as session:
            store.delete_taught_question(session, principal.organization_id, taught_id)

    def _edit_ontology(
        self, principal: Principal, app: str, edit: Callable[[Ontology], Ontology]
    ) -> Ontology:
        """Save the application's ontology as ``edit`` changes it, checked as an imported
        YAML file is (one place checks names, columns and expressions)."""
        self._check_teacher(principal)
        with self._store.session() as session:
            application = self._application(session, principal, app)
            record = catalog.get_source(session, principal.organization_id, application.source_id)
            if not record.ontology:
                raise NotFound(f"source {record.name!r} has no ontology yet")
            current = Ontology.model_validate(record.ontology)
            try:
                checked = import_yaml(export_yaml(edit(current)), derived=current)
            except ParleyError as error:
                raise InvalidInput(error.message) from None
            workspace = self._workspaces(session, application, principal.row_filters)
            _check_compiles(checked, workspace)
            catalog.save_ontology(session, record, checked)
            return checked

    def define_metric(
        self,
        principal: Principal,
        app: str,
        *,
        name: str,
        expression: str,
        object_name: str,
        label: str = "",
        synonyms: Sequence[str] = (),
        description: str = "",
    ) -> Metric:
        """Add (or replace) a named metric on the application's ontology: the parser
        understands it in every question from then on."""
        metric = Metric(
            name=name,
            label=label or name.replace("_", " "),
            object=object_name,
            expression=expression,
            synonyms=list(synonyms),
            description=description,
            edited=True,
        )
        saved = self._edit_ontology(
            principal,
            app,
            lambda o: o.model_copy(
                update={"metrics": [m for m in o.metrics if m.name != name] + [metric]}
            ),
        ).metric(name)
        assert saved is not None
        return saved

    def define_filter(
        self,
        principal: Principal,
        app: str,
        *,
        name: str,
        condition: str,
        object_name: str,
        label: str = "",
        synonyms: Sequence[str] = (),
        description: str = "",
    ) -> NamedFilter:
        """Add (or replace) a business definition of a kind of row ("active customer":
        ordered in the last 90 days): every question naming it gets its condition."""
        named = NamedFilter(
            name=name,
            label=label or name.replace("_", " "),
            object=object_name,
            condition=condition,
            synonyms=list(synonyms),
            description=description,
        )
        saved = self._edit_ontology(
            principal,
            app,
            lambda o: o.model_copy(
                update={"filters": [f for f in o.filters if f.name != name] + [named]}
            ),
        ).named_filter(name)
        assert saved is not None
        return saved


def _check_compiles(ontology: Ontology, workspace: Workspace) -> None:
    """Every named filter compiles into a statement the guard lets run."""
    for named in ontology.filters:
        query = SemanticQuery(
            metrics=[MetricRef(aggregation="count", field=named.object)],
            named_filters=[named.name],
        )
        try:
            compiled = compile_query(query, ontology, dialect=workspace.source.dialect)
            guard_tree(
                compiled.tree,
                workspace.source.dialect,
                max_rows=workspace.max_rows,
                table_columns=workspace.table_columns,
                row_filters=workspace.row_filters,
            )
        except ParleyError as error:
            raise InvalidInput(f"named filter {named.name!r}: {error.message}") from None
