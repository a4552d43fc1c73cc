"""What the Workbench's HTTP routes and its WebSocket share: who is calling, which
session, the chart change, and the rendering of an answer in this face's JSON.

Nothing here knows about HTTP; errors are Parley's domain errors.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from parley.auth.tokens import TokenService
from parley.auth.workbench_tokens import token_service
from parley.conversations.service import ConversationRef
from parley.core import DEMO_NAME, Parley
from parley.engine.charts import choose_chart, normalise_chart_type
from parley.engine.events import (
    AgentStarted,
    Answer,
    Chart,
    ChartReady,
    Done,
    Event,
    TextDelta,
    TurnStarted,
)
from parley.engine.orchestrator import previous_roles
from parley.errors import Conflict, Forbidden, Unauthorized
from parley.store import conversations as store
from parley.store import tenancy

FACE = "workbench"
#: The application every Workbench session talks to (``PARLEY_WORKBENCH_APP``).
ENV_APP = "PARLEY_WORKBENCH_APP"


@dataclass(frozen=True, slots=True)
class Caller:
    """A verified token's tenant (an organisation, by name) and user."""

    organization_id: str
    tenant_id: str
    user_id: str

    @property
    def principal(self) -> str:
        return f"tenant:{self.tenant_id}/{self.user_id}"


# -- who is calling -----------------------------------------------------------------------


def tokens_of(state: Any, parley: Parley) -> TokenService:
    """The app's token service, built from the environment on first use."""
    service = getattr(state, "workbench_tokens", None)
    if not isinstance(service, TokenService):
        service = token_service(parley.settings)
        state.workbench_tokens = service
    return service


def authenticate(parley: Parley, tokens: TokenService, token: str | None) -> Caller:
    if not token:
        raise Unauthorized("missing bearer token: send 'Authorization: Bearer <JWT>'")
    claims = tokens.verify(token)
    tenant = claims.get("tenant_id")
    if not isinstance(tenant, str) or not tenant:
        raise Unauthorized("token is missing the 'tenant_id' claim")
    user = claims.get("sub", claims.get("user_id"))
    assert isinstance(user, str)  # verify() refuses a token without a subject
    with parley.store.session() as session:
        organization = tenancy.get_organization_by_name(session, tenant)
        if organization is None:
            raise Forbidden(f"tenant {tenant!r} has no organisation on this server")
        return Caller(organization.id, tenant, user)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (None when absent)."""
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <JWT>'")
    return token.strip()


# -- sessions -----------------------------------------------------------------------------


def workbench_app() -> str:
    return os.environ.get(ENV_APP) or DEMO_NAME


def create_session(
    parley: Parley, caller: Caller, tenant_id: str, user_id: str
) -> tuple[str, datetime]:
    """A new session of the caller: its id and creation time."""
    if tenant_id != caller.tenant_id:
        raise Forbidden(
            f"tenant_id {tenant_id!r} does not match the token's tenant {caller.tenant_id!r}"
        )
    if user_id != caller.user_id:
        raise Forbidden(
            f"user_id {user_id!r} does not match the token's subject {caller.user_id!r}"
        )
    ref = parley.conversations.open(
        app=workbench_app(),
        organization_id=caller.organization_id,
        principal=caller.principal,
        face=FACE,
    )
    with parley.store.session() as session:
        conversation = store.get_conversation(session, caller.organization_id, ref.id)
        return conversation.id, conversation.created_at


def open_session(parley: Parley, caller: Caller, session_id: str) -> ConversationRef:
    """The caller's session; another user's (or tenant's) is reported as not found."""
    return parley.conversations.open(
        app=workbench_app(),
        organization_id=caller.organization_id,
        principal=caller.principal,
        face=FACE,
        conversation_id=session_id,
    )


def require_query(parley: Parley, ref: ConversationRef) -> None:
    if parley.conversations.context(ref.id).previous_query is None:
        raise Conflict(f"session {ref.id!r} has no query to refine yet: send a question first")


# -- the chart change ---------------------------------------------------------------------


def change_chart(parley: Parley, ref: ConversationRef, chart_type: str) -> Iterator[Event]:
    """The last result drawn as ``chart_type``; the source is not queried again.

    Both messages are stored before ``Done``. A chart type that is unknown or cannot
    draw this result is an ``InvalidInput`` raised before anything is stored.
    """
    started = time.perf_counter()
    requested = normalise_chart_type(chart_type)
    previous = parley.conversations.context(ref.id).previous_answer
    if previous is None:
        raise Conflict(f"session {ref.id!r} has no result to chart yet: send a question first")
    workspace = parley.workspace(ref.application, row_filters=ref.row_filters)
    chart = choose_chart(
        previous_roles(workspace, previous),
        previous.rows,
        requested=requested,
        title=previous.chart.title if previous.chart else "",
    )
    answer = Answer(
        intent="visualization_change",
        text=f"Here is the same result as a {chart.type} chart.",
        sql=previous.sql,
        columns=previous.columns,
        rows=previous.rows,
        truncated=previous.truncated,
        chart=chart,
        insights=previous.insights,
        semantic_query=previous.semantic_query,
        reason=previous.reason,
        agents_visited=["viz_agent"],
    )
    answer.execution_ms = round((time.perf_counter() - started) * 1000, 2)
    stored = parley.conversations.store_answer(
        ref, answer, question=f"visualize: {requested}", request_json={"chart_type": chart_type}
    )
    assert stored.question_id is not None
    user_id, message_id = stored.question_id, stored.message_id
    yield TurnStarted(ref.id, user_id)
    yield AgentStarted("viz_agent")
    yield ChartReady(chart)
    yield TextDelta(answer.text)
    yield Done(answer, message_id, stored.data_file_path)


def final_answer(events: Iterator[Event]) -> Answer:
    """Run a turn to its end; its answer."""
    for event in events:
        if isinstance(event, Done):
            return event.answer
    raise AssertionError("a turn always ends with Done")


# -- rendering ----------------------------------------------------------------------------


def timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def visualization(chart: Chart | None) -> dict[str, Any] | None:
    if chart is None:
        return None
    return {
        "type": chart.type,
        "x_axis": chart.x,
        "y_axis": chart.y,
        "color": chart.color,
        "title": chart.title,
        "spec": chart.vega_lite,
    }


def answer_body(answer: Answer) -> dict[str, Any]:
    """One answer as this face's message response."""
    return {
        "success": answer.succeeded,
        "response": answer.text,
        "intent": answer.intent,
        "sql": answer.sql,
        "visualization": visualization(answer.chart),
        "data": {"columns": list(answer.columns), "rows": store.json_ready(answer.rows)},
        "insights": list(answer.insights),
        "agents_visited": list(answer.agents_visited),
        "execution_time_ms": round(answer.execution_ms),
        "error": (
            {"code": answer.error_code, "message": answer.text} if answer.error_code else None
        ),
    }


def message_metadata(
    role: str, intent: str | None, agents: list[str] | None, sql: str | None, error_code: str | None
) -> dict[str, Any]:
    if role != "assistant":
        return {}
    return {
        "intent": intent,
        "agents_visited": list(agents or []),
        "sql": sql,
        "error_code": error_code,
    }
