"""Prometheus metrics of this process, served at ``/metrics`` (prometheus-client).

Labels are bounded: routes by their template (``/v1/chat/completions``), never the raw
path; errors by their code. With ``parley serve --workers N`` each worker counts its own
unless ``PROMETHEUS_MULTIPROC_DIR`` is set (see docs/deploy.md).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

#: Turns take from milliseconds (a cached chart change) to the statement timeout.
_TURN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

REQUESTS = Counter("parley_http_requests", "HTTP requests answered", ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    "parley_http_request_duration_seconds",
    "Time to the end of the response, streaming included",
    ["route"],
    buckets=_TURN_BUCKETS,
)
TURN_STAGE_SECONDS = Histogram(
    "parley_turn_stage_duration_seconds",
    "Time of each stage of a turn: store_question, prepare, engine, store_answer",
    ["stage"],
    buckets=_TURN_BUCKETS,
)
SOURCE_QUERY_SECONDS = Histogram(
    "parley_source_query_duration_seconds",
    "Time a source took to run a query, by its dialect",
    ["dialect"],
    buckets=_TURN_BUCKETS,
)
ERRORS = Counter("parley_errors", "Errors by kind (their code)", ["kind"])
