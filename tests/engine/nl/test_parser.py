"""Questions to SemanticQueries on the demo schema: what each kind of question becomes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from parley.engine.nl.parser import Parser
from parley.engine.nl.understanding import Context
from parley.engine.semantic.query import SemanticQuery

TODAY = dt.date(2026, 11, 23)  # the day the demo data of conftest.py ends


def understand(parser: Parser, question: str, previous: SemanticQuery | None = None) -> Any:
    context = Context(previous=previous, has_result=previous is not None)
    return parser.understand(question, context=context, today=TODAY)


def query_of(parser: Parser, question: str) -> dict[str, Any]:
    understanding = understand(parser, question)
    assert understanding.query is not None, (question, understanding.problem)
    return understanding.query.describe()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "top 10 customers by revenue last month",
            {
                "metrics": [{"metric": "revenue"}],
                "dimensions": [{"field": "customers.customer_name"}],
                "order": [{"key": "revenue"}],
                "limit": 10,
            },
        ),
        ("revenue by category", {"dimensions": [{"field": "products.category"}]}),
        (
            "revenue by month this year",
            {"dimensions": [{"field": "orders.order_date", "grain": "month"}]},
        ),
        ("how many orders last month", {"metrics": [{"metric": "order_count"}]}),
        (
            "revenue from US customers",
            {"filters": [{"field": "customers.country", "op": "eq", "values": ["United States"]}]},
        ),
        (
            "revenue in the Electronis category",
            {"filters": [{"field": "products.category", "op": "eq", "values": ["Electronics"]}]},
        ),
        (
            "orders excluding returned ones by channel",
            {"filters": [{"field": "orders.status", "op": "ne", "values": ["returned"]}]},
        ),
        (
            "products priced above 100",
            {"filters": [{"field": "products.unit_price", "op": "gt", "values": [100]}]},
        ),
        ("share of revenue by segment", {"share": True}),
        (
            # "last 6 months" is a time range, not a "last 6" rows limit
            "revenue by month for the last 6 months",
            {"dimensions": [{"field": "orders.order_date", "grain": "month"}], "limit": None},
        ),
        ("revenue growth from 2024 to 2025", {"growth": True}),
        (
            "how many distinct customers ordered last month",
            {"metrics": [{"aggregation": "count_distinct", "field": "orders.customer_id"}]},
        ),
        ("show the last 20 orders of Acme Corp", {"list_object": "orders", "limit": 20}),
        (
            "what percentage of orders were cancelled in 2025",
            {"share_of": [{"field": "orders.status"}]},
        ),
    ],
)
def test_questions_become_semantic_queries(
    parser: Parser, question: str, expected: dict[str, Any]
) -> None:
    found = query_of(parser, question)
    for key, value in expected.items():
        if isinstance(value, list):
            # Each expected item is a subset of the corresponding found item.
            assert len(found.get(key, [])) >= len(value), (key, found)
            for want, got in zip(value, found[key], strict=False):
                assert {k: got.get(k) for k in want} == want, (key, found)
        else:
            assert found.get(key) == value, (key, found)


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("hello there", "greeting"),
        ("thanks, that's helpful", "greeting"),
        ("what tables are there?", "schema_help"),
        ("what can I ask?", "schema_help"),
        ("tell me a joke", "out_of_scope"),
        ("'; DROP TABLE customers; --", "clarification"),
        ("revenue by region; DELETE FROM orders", "clarification"),
        ("revenue by name", "clarification"),
        ("revenue from returning subscribers", "clarification"),
        ("top 10 by revenue", "clarification"),
        ("as a pie chart", "clarification"),
        ("", "out_of_scope"),
    ],
)
def test_intents_and_honest_refusals(parser: Parser, question: str, intent: str) -> None:
    assert understand(parser, question).intent == intent


def test_an_ambiguous_word_names_its_options(parser: Parser) -> None:
    found = understand(parser, "revenue by name")
    assert set(found.options) == {"customer name", "product name", "sales rep name"}


@pytest.mark.parametrize(
    ("follow_up", "check"),
    [
        ("now only US customers", lambda q: q["filters"][-1]["values"] == ["United States"]),
        (
            "by month instead",
            lambda q: q["dimensions"] == [{"field": "orders.order_date", "grain": "month"}],
        ),
        ("top 3", lambda q: q["limit"] == 3),
        ("what about 2024?", lambda q: q["time_range"]["start"] == "2024-01-01"),
        ("exclude returns", lambda q: q["filters"][-1]["op"] == "ne"),
    ],
)
def test_follow_ups_edit_the_previous_query(parser: Parser, follow_up: str, check: Any) -> None:
    first = understand(parser, "top 10 customers by revenue in 2025").query
    found = understand(parser, follow_up, previous=first)
    assert found.intent == "refinement"
    assert check(found.query.describe()), found.query.describe()


@pytest.mark.parametrize(
    "follow_up",
    ["what about customers?", "how much of that came from US customers?", "split by customer",
     "only US customers"],
)
def test_an_edit_with_no_earlier_answer_is_not_read_as_a_question(
    parser: Parser, follow_up: str
) -> None:
    found = understand(parser, follow_up)
    assert found.intent in {"clarification", "out_of_scope"}
    assert found.query is None


@pytest.mark.parametrize(
    "question",
    ["Return the top 5 customers by revenue", "please return the top 5 customers by revenue",
     "Can you return the top 5 customers by revenue?"],
)
def test_a_request_verb_is_not_a_value(parser: Parser, question: str) -> None:
    # The orders' status has the value 'returned': an opening "return" asks, it filters nothing.
    found = query_of(parser, question)
    assert "filters" not in found, found
    assert found["limit"] == 5


@pytest.mark.parametrize(
    ("question", "limit"),
    [
        # a ranked group named in the singular is one row, in the plural ten
        ("which sales rep sold the most last year", 1),
        ("worst performing rep", 1),
        ("top customers by revenue", 10),
    ],
)
def test_a_ranked_group_in_the_singular_is_one_row(
    parser: Parser, question: str, limit: int
) -> None:
    assert query_of(parser, question)["limit"] == limit


def test_the_same_word_later_is_a_value(parser: Parser) -> None:
    found = query_of(parser, "return the number of returned orders last month")
    assert found["filters"] == [{"field": "orders.status", "op": "eq", "values": ["returned"]}]


def test_the_least_before_a_time_phrase_ranks_lowest_first(parser: Parser) -> None:
    found = query_of(parser, "which 3 customers brought in the least last month?")
    assert found["order"] == [{"key": "revenue", "descending": False}], found
    assert found["limit"] == 3


def test_a_chart_change_keeps_the_query(parser: Parser) -> None:
    first = understand(parser, "revenue by segment").query
    found = understand(parser, "show it as a pie chart", previous=first)
    assert (found.intent, found.chart_type, found.query) == ("visualization_change", "pie", None)


def test_understanding_is_deterministic(parser: Parser) -> None:
    question = "average order value by segment in Q3 2025"
    assert query_of(parser, question) == query_of(parser, question)


@pytest.mark.parametrize(
    ("question", "over", "dimensions"),
    [
        # each customer's revenue, then their mean: one figure, or one per country
        ("average revenue per customer", "customers.customer_id", None),
        ("average revenue per customer by country", "customers.customer_id",
         [{"field": "customers.country"}]),
        ("average revenue per sales rep this year", "sales_reps.rep_id", None),
    ],
)
def test_an_average_of_a_business_metric_per_thing(
    parser: Parser, question: str, over: str, dimensions: list[dict[str, str]] | None
) -> None:
    found = query_of(parser, question)
    assert found["average_over"] == {"field": over}, found
    assert found.get("dimensions") == dimensions


@pytest.mark.parametrize(
    "question",
    # the average is the business metric's own name
    ["what's our average order value this year"],
)
def test_an_average_by_its_own_name_is_that_metric(parser: Parser, question: str) -> None:
    assert "average_over" not in query_of(parser, question)


def test_an_average_per_nothing_is_asked_back(parser: Parser) -> None:
    found = understand(parser, "average revenue")
    assert found.intent == "clarification"
    assert "per" in found.problem


@pytest.mark.parametrize(
    ("question", "labels"),
    [
        # a percentage after growth words is how the growth is given, not a share
        ("how much did each category's revenue grow from 2024 to 2025, as a percentage?",
         ["2024", "2025"]),
        # a quarter with a range of years: that quarter of each year
        ("how much did Q4 revenue grow from 2024 to 2025, in %?", ["Q4 2024", "Q4 2025"]),
    ],
)
def test_growth_between_the_periods_named(
    parser: Parser, question: str, labels: list[str]
) -> None:
    found = query_of(parser, question)
    assert [c["label"] for c in found["compare"]] == labels
    assert found["growth"] is True
    assert "share" not in found


def test_the_growth_of_rows_is_of_their_count(parser: Parser) -> None:
    found = query_of(parser, "what was the growth in orders last month compared to the month "
                             "before?")
    assert found["metrics"] == [{"metric": "order_count"}]
    assert found["growth"] is True


def test_an_average_number_per_thing_is_each_things_total_averaged(parser: Parser) -> None:
    found = query_of(parser, "average number of units per order in 2025")
    assert found["metrics"] == [{"aggregation": "sum", "field": "order_items.quantity"}]
    assert found["average_over"] == {"field": "orders.order_id"}


@pytest.mark.parametrize(
    ("question", "problem"),
    [
        # words that know no column: asked about, never skipped
        ("how many customers were first-time buyers last year?", "first-time"),
        # a question in a shape of data with an unknown word is a question back
        ("show me the top 5 by margin", "margin"),
    ],
)
def test_unknown_words_are_asked_about(parser: Parser, question: str, problem: str) -> None:
    found = understand(parser, question)
    assert found.intent == "clarification"
    assert problem in found.problem


def test_the_first_word_of_several_names_offers_them(parser: Parser) -> None:
    found = understand(parser, "how much did Acme spend last year?")
    assert found.intent == "clarification"
    assert found.options and all(option.startswith("Acme ") for option in found.options)
    assert all(c.question == f"how much did {c.label} spend last year?" for c in found.choices)


def test_a_name_in_a_question_about_no_data_offers_nothing(parser: Parser) -> None:
    # Nothing measured, counted, ranked or dated: not a question about a customer.
    found = understand(parser, "Can I run Acme on my own servers?")
    assert not found.options and found.query is None


@pytest.mark.parametrize(
    ("question", "together"),
    [
        ("what share of last year's revenue came from our top 10 customers?", True),
        ("top 10 customers by share of revenue", False),
    ],
)
def test_the_share_of_the_top_rows_is_one_figure(
    parser: Parser, question: str, together: bool
) -> None:
    assert query_of(parser, question).get("together", False) is together


def test_a_figure_for_each_of_the_ranked_rows_keeps_them(parser: Parser) -> None:
    first = understand(parser, "top 5 customers by revenue this year").query
    found = understand(parser, "and each one's average order value?", previous=first)
    assert found.intent == "refinement"
    described = found.query.describe()
    # the same five, ranked by revenue as before, the new figure beside
    assert described["metrics"] == [{"metric": "revenue"}, {"metric": "average_order_value"}]
    assert described["order"] == [{"key": "revenue"}]
    assert described["limit"] == 5


def test_the_most_of_a_measure_ranks_by_it(parser: Parser) -> None:
    # not products counted per quantity: the products ranked by the units sold
    found = query_of(parser, "which product sold the most units")
    assert found["metrics"] == [{"metric": "total_quantity"}]
    assert found["dimensions"] == [{"field": "products.product_name"}]
    assert found["limit"] == 1


@pytest.mark.parametrize(
    ("follow_up", "label"),
    [
        # before the answer's month (October), not before today (November)
        ("what about the month before?", "September 2026"),
        ("what about the previous month?", "September 2026"),
        # another unit than the answer's: read as the words say
        ("and in the previous quarter?", "last quarter"),
    ],
)
def test_a_period_before_the_answers_own(parser: Parser, follow_up: str, label: str) -> None:
    first = understand(parser, "revenue by country last month").query
    context = Context(previous=first, has_result=True)
    found = parser.understand(follow_up, context=context, today=TODAY)
    assert found.intent == "refinement", found.problem
    assert found.query.time_range.label == label


@pytest.mark.parametrize(
    ("question", "counted"),
    [
        ("how many orders over $50,000 did we get in 2025?", "orders.order_id"),
        # (this one was asked back before count_over)
        ("how many orders over 500 in 2025", "orders.order_id"),
        ("how many customers spent more than 100k in 2025?", "customers.customer_name"),
    ],
)
def test_things_counted_by_a_condition_on_their_totals(
    parser: Parser, question: str, counted: str
) -> None:
    """Each thing's revenue, kept over the line, then the things counted."""
    found = understand(parser, question).query
    assert found is not None and found.count_over is not None
    assert found.count_over.field == counted
    assert [(f.field, f.op) for f in found.filters] == [("revenue", "gt")]
    assert found.time_range is not None and found.time_range.label == "2025"


def test_a_follow_up_that_changes_nothing_is_asked_back(parser: Parser) -> None:
    """"which customers placed them?" is not read; the count's orders must not come back
    as if they were the customers."""
    first = understand(parser, "how many orders over $100,000 did we have last year?").query
    assert first is not None
    found = understand(parser, "which customers placed them?", previous=first)
    assert found.intent == "clarification" and found.query is None


def test_a_new_period_counts_the_things_again(parser: Parser) -> None:
    first = understand(parser, "how many orders over $100,000 did we have last year?").query
    assert first is not None
    found = understand(parser, "and in 2024?", previous=first).query
    assert found is not None and found.count_over == first.count_over
    assert found.time_range is not None and found.time_range.label == "2024"


@pytest.mark.parametrize("question", [
    "what kind of information do you have about customers?",
    "what sort of info do you have on orders?",
])
def test_what_is_known_about_a_thing_is_schema_help(parser: Parser, question: str) -> None:
    assert understand(parser, question).intent == "schema_help"


@pytest.mark.parametrize("question", [
    # one figure over every order, cut to its first row: nothing was ranked
    "which one brought in the most?",
    "which ones sold the most last month?",
])
def test_which_one_with_no_earlier_answer_is_asked_back(parser: Parser, question: str) -> None:
    found = understand(parser, question)
    assert found.intent == "clarification" and found.query is None


def test_their_with_no_one_named_is_asked_back(parser: Parser) -> None:
    first = understand(parser, "how many orders did Acme Corp place this year?").query
    found = understand(parser, "compare their revenue this year", previous=first)
    assert found.intent == "clarification" and "their" in found.problem
