"""Words the readings once declined as "not reachable from" the subject, where the
subject's rows meet the other rows only through a table between them, on a small
harbour database. The rules are about the join graph, so the schema here is named unlike
any question set's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from parley.engine.nl.parser import Parser
from parley.engine.nl.readings import Declined
from parley.engine.nl.text import tokenize
from parley.sources.base import Source
from tests.engine.nl.schemas import answer, parser_over

SCHEMA = """
CREATE TABLE harbour (harbour_id INTEGER PRIMARY KEY, harbour_name TEXT, coast TEXT);
CREATE TABLE vessel (vessel_id INTEGER PRIMARY KEY, vessel_name TEXT, tonnage INTEGER);
-- Keyed by the vessel: each vessel is moored in one harbour.
CREATE TABLE mooring (vessel_id INTEGER PRIMARY KEY REFERENCES vessel(vessel_id),
                      harbour_id INTEGER REFERENCES harbour(harbour_id));
CREATE TABLE article (article_id INTEGER PRIMARY KEY, article_name TEXT);
CREATE TABLE dispatch (dispatch_id INTEGER PRIMARY KEY, sent_on TEXT);
-- Keyed by a key of its own: each row one dispatch paired with one article.
CREATE TABLE dispatch_item (dispatch_item_id INTEGER PRIMARY KEY,
                            dispatch_id INTEGER REFERENCES dispatch(dispatch_id),
                            article_id INTEGER REFERENCES article(article_id),
                            quantity INTEGER);
CREATE TABLE lighthouse (lighthouse_id INTEGER PRIMARY KEY, lighthouse_name TEXT);
-- Keyed by the pair and a date: each row one time a vessel was seen from a lighthouse.
CREATE TABLE sighting (vessel_id INTEGER REFERENCES vessel(vessel_id),
                       lighthouse_id INTEGER REFERENCES lighthouse(lighthouse_id),
                       seen_on TEXT, PRIMARY KEY (vessel_id, lighthouse_id, seen_on));
CREATE TABLE keeper (keeper_id INTEGER PRIMARY KEY, keeper_name TEXT);
CREATE TABLE watch (watch_id INTEGER PRIMARY KEY, keeper_id INTEGER REFERENCES keeper(keeper_id),
                    began_at TIMESTAMP);
CREATE TABLE regatta (regatta_id INTEGER PRIMARY KEY,
                      harbour_id INTEGER REFERENCES harbour(harbour_id), year INTEGER);
CREATE TABLE skipper (skipper_no INTEGER PRIMARY KEY, skipper_name TEXT);
CREATE TABLE voyage (voyage_id INTEGER PRIMARY KEY,
                     skipper_no INTEGER REFERENCES skipper(skipper_no), set_sail TIMESTAMP);
INSERT INTO skipper VALUES (7, 'Dara'), (8, 'Eben');
INSERT INTO voyage VALUES (1, 7, '2025-05-01 06:00'), (2, 8, '2025-05-02 07:30');
INSERT INTO keeper VALUES (1, 'Ada'), (2, 'Bram'), (3, 'Cleo');
INSERT INTO watch VALUES (1, 1, '2025-03-01 20:00'), (2, 2, '2025-03-02 21:00'),
    (3, 1, '2025-03-02 19:00'), (4, NULL, '2025-03-03 22:00');
INSERT INTO regatta VALUES (1, 1, 2023), (2, 2, 2024), (3, 3, 2024);
INSERT INTO harbour VALUES (1, 'Brixham', 'South'), (2, 'Whitby', 'East'),
    (3, 'Padstow', 'South');
INSERT INTO vessel VALUES (1, 'Kestrel', 40), (2, 'Gannet', 55), (3, 'Tern', 20),
    (4, 'Skua', 75), (5, 'Fulmar', 30);
INSERT INTO mooring VALUES (1, 1), (2, 1), (3, 2), (4, 3), (5, 2);
INSERT INTO article VALUES (1, 'Rope'), (2, 'Tar'), (3, 'Sailcloth');
INSERT INTO dispatch VALUES (1, '2025-01-04'), (2, '2025-02-09'), (3, '2025-03-01');
INSERT INTO dispatch_item VALUES (1, 1, 1, 5), (2, 1, 1, 2), (3, 1, 2, 1), (4, 2, 3, 4),
    (5, 3, 1, 1);
INSERT INTO lighthouse VALUES (1, 'Start Point'), (2, 'Flamborough');
INSERT INTO sighting VALUES (1, 1, '2025-01-01'), (1, 1, '2025-01-02'), (1, 1, '2025-01-03'),
    (2, 2, '2025-01-01'), (3, 2, '2025-01-01');
"""


@pytest.fixture(scope="module")
def harbours(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Parser, Source]]:
    with parser_over(tmp_path_factory.mktemp("harbours"), SCHEMA, "harbours") as opened:
        yield opened


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # Moorings are keyed by the vessel, each vessel in one harbour: the vessels are
        # counted per coast through them.
        ("Find the number of vessels in each coast.", [["East", 2], ["South", 3]]),
        ("Find the coast with the most number of vessels.", [["South", 3]]),
    ],
)
def test_rows_paired_once_by_a_table_keyed_by_one_side(
    harbours: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert sorted(answer(harbours, question)[1]) == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # Dispatch items have a key of their own: each dispatch's articles are counted
        # once, though dispatch 1 holds rope twice.
        ("Show dispatch ids and the number of articles in each dispatch.",
         [[1, 2], [2, 1], [3, 1]]),
        # The items named: they themselves are counted, rope twice.
        ("Show dispatch ids and the number of items in each dispatch.",
         [[1, 1, 3], [2, 2, 1], [3, 3, 1]]),
    ],
)
def test_rows_paired_by_a_table_with_a_key_of_its_own(
    harbours: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert sorted(answer(harbours, question)[1]) == rows


@pytest.mark.parametrize(
    "question",
    [
        # Dispatch 1 holds rope twice: its three items are two articles, and rope's
        # three items are in two dispatches. A count compared is of the rows counted,
        # which such a table does not hold once each.
        "Which dispatches have at least three articles?",
        "Which articles are in at least 3 dispatches?",
    ],
)
def test_a_count_compared_through_rows_of_their_own_is_declined(
    harbours: tuple[Parser, Source], question: str
) -> None:
    with pytest.raises(Declined):
        harbours[0].reader.read(question)


@pytest.mark.parametrize(
    "question",
    [
        # Sightings are keyed by the pair and a date: Kestrel seen three times from
        # Start Point is one vessel or three sightings.
        "Find the number of vessels in each lighthouse.",
        "Find the lighthouse with the most number of vessels.",
    ],
)
def test_pairs_over_time_are_declined(
    harbours: tuple[Parser, Source], question: str
) -> None:
    with pytest.raises(Declined):
        harbours[0].reader.read(question)


def test_a_pairing_table_named_by_the_question_pairs_nothing(
    harbours: tuple[Parser, Source],
) -> None:
    # "the number of items in each order", where "items" named the products by a
    # synonym: the order items themselves may be meant, so they pair nothing.
    reader = harbours[0].reader
    assert reader.pairing("dispatch", "article") == ("dispatch_item", "dispatch_id")
    said = frozenset(t.stem for t in tokenize("the number of items in each dispatch"))
    assert reader.pairing("dispatch", "article", said=said) is None
    # Sightings are keyed by the pair and a date: each is a time, not a pair.
    assert reader.pairing("vessel", "lighthouse") is None


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # Read over the watches, the latest by its start (a time of day): Bram's; the
        # later watch of no keeper names none.
        ("What is the name of the keeper who held the most recent watch?",
         [["Bram", "2025-03-02 21:00"]]),
        ("Find the name of the keeper who held a watch most recently.",
         [["Bram", "2025-03-02 21:00"]]),
    ],
)
def test_the_row_of_the_latest_rows_referring_to_it(
    harbours: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert answer(harbours, question)[1] == rows


@pytest.mark.parametrize(
    "question",
    [
        # Two regattas were in 2024, at Whitby and at Padstow: a year keeps one of them.
        "Which harbour hosted a regatta in the most recent year?",
        # A list of the latest watches could name a keeper twice.
        "What are the names of the 2 keepers who held the most recent watches?",
        # Skippers have no id: read over the voyages, the voyage's id is no skipper.
        "What is the id of the skipper who made the most recent voyage?",
    ],
)
def test_the_latest_of_other_rows_that_may_tie_is_declined(
    harbours: tuple[Parser, Source], question: str
) -> None:
    with pytest.raises(Declined):
        harbours[0].reader.read(question)


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # "harbour name" is no vessel's: read over the harbours, a count of the vessels
        # moored in each compared (Padstow has one).
        ("Show the harbour name with at least two vessels.",
         [[1, "Brixham", 2], [2, "Whitby", 2]]),
    ],
)
def test_a_count_compared_over_the_rows_named(
    harbours: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert sorted(answer(harbours, question)[1]) == rows


@pytest.mark.parametrize(
    "question",
    [
        # Each harbour with three vessels (none), or each coast (the South)?
        "Show the coast with at least three vessels.",
    ],
)
def test_a_count_compared_over_a_column_shared_by_rows_is_declined(
    harbours: tuple[Parser, Source], question: str
) -> None:
    with pytest.raises(Declined):
        harbours[0].reader.read(question)
