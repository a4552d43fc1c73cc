"""General reading rules on a small rowing-club database: rows named through other
tables, coordinated column words, age words, how often a value is used, ranked rows
counted, verbs naming columns. The rules are about grammar and the join graph, so the
schema here is named unlike any question set's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from parley.engine.nl.coordination import expand_coordination
from parley.engine.nl.parser import Parser
from parley.engine.nl.readings import Declined
from parley.engine.nl.roles.read import read_question
from parley.engine.nl.text import tokenize
from parley.naming import humanize
from parley.sources.base import Source
from tests.engine.nl.schemas import answer, parser_over

SCHEMA = """
CREATE TABLE guild (guild_id INTEGER PRIMARY KEY, guild_title TEXT, city TEXT,
                    founded_year INTEGER, boat_count INTEGER, number_of_coaches INTEGER,
                    tier TEXT);
CREATE TABLE rower (rower_id INTEGER PRIMARY KEY, fname TEXT, lname TEXT, birth_date TEXT,
                    joined_on TEXT, weight INTEGER, sex TEXT,
                    guild_id INTEGER REFERENCES guild(guild_id));
CREATE TABLE regatta (regatta_id INTEGER PRIMARY KEY, regatta_title TEXT, venue TEXT,
                      cost REAL, course_rank INTEGER, sponsor TEXT, held_on DATE,
                      level TEXT);
CREATE TABLE entry (rower_id INTEGER REFERENCES rower(rower_id),
                    regatta_id INTEGER REFERENCES regatta(regatta_id),
                    PRIMARY KEY (rower_id, regatta_id));
INSERT INTO guild VALUES (1, 'Blue Oars', 'Leeds', 1868, 12, 3, 'Crew'),
    (2, 'Red Hulls', 'York', 1921, 7, 5, 'Club');
INSERT INTO rower VALUES
    (1, 'Ada', 'Moss', '1990-04-01', '2015-01-01', 70, 'F', 1),
    (2, 'Ben', 'Hale', '1985-02-11', '2019-03-01', 82, 'M', 1),
    (3, 'Cleo', 'Ng', '2001-09-30', '2012-06-01', 64, 'F', 2),
    (4, 'Dev', 'Rao', '1979-12-24', '2021-05-01', 90, 'M', 1);
INSERT INTO regatta VALUES (1, 'Spring Cup', 'Harbour Lake', 40, 2, 'Acme', '2024-04-01', 'Open'),
    (2, 'Autumn Dash', 'Mill Pond', 25, 1, NULL, '2024-10-01', 'Open'),
    (3, 'Winter Sprint', 'Mill Pond', 55, 3, 'Zeta', '2025-01-15', 'Cup');
INSERT INTO entry VALUES (1, 1), (2, 1), (3, 2), (4, 1);
"""




@pytest.fixture(scope="module")
def club(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Parser, Source]]:
    with parser_over(tmp_path_factory.mktemp("club"), SCHEMA, "club") as opened:
        yield opened




@pytest.mark.parametrize(
    ("identifier", "label"),
    [("fname", "first name"), ("emp_lname", "employee last name"), ("stu_id", "student id"),
     ("LName", "last name"), ("FName", "first name"),
     ("crs_code", "course code"), ("prof_office", "professor office"),
     ("appt_type", "appointment type"), ("acc_bal", "account balance"),
     ("enr", "enrollment"), ("bname", "b name"), ("dname", "d name"),
     ("Lastname", "last name"), ("firstname", "first name")],
)
def test_common_schema_abbreviations_are_spelled_out(identifier: str, label: str) -> None:
    assert humanize(identifier) == label


@pytest.mark.parametrize(
    ("question", "expanded"),
    [
        ("the first and last name of rowers", "the first name and last name of rowers"),
        ("first, last name of rowers", "first name and last name of rowers"),
        # "guild" names something alone: "guild and last name" is two things, not one head.
        ("the guild and last name of rowers", "the guild and last name of rowers"),
        ("ups and downs of rowers", "ups and downs of rowers"),
        # "the rank of the course" is the course rank, where "course" names nothing alone;
        # "the venue of the regatta" stays: "regatta" names rows.
        ("the rank of the course", "the course rank"),
        ("the venue of the regatta", "the venue of the regatta"),
        # A bare generic word after a column of an object is the object's too.
        ("the regatta title, id and venue", "the regatta title, regatta id and venue"),
    ],
)
def test_a_shared_head_is_given_to_each_modifier(
    club: tuple[Parser, Source], question: str, expanded: str
) -> None:
    assert expand_coordination(question, club[0].lexicon) == expanded


def test_coordinated_names_show_both_columns(club: tuple[Parser, Source]) -> None:
    _, rows = answer(club, "What are the first and last names of all rowers?")
    assert sorted(map(tuple, rows)) == sorted(
        {("Ada", "Moss"), ("Ben", "Hale"), ("Cleo", "Ng"), ("Dev", "Rao")}
    )


@pytest.mark.parametrize(
    ("question", "first_name"),
    [
        ("What is the first name of the oldest rower?", "Dev"),  # born first, not joined first
        ("What is the first name of the youngest rower?", "Cleo"),
        # read by the readings too, beside a condition they read
        ("What is the first name of the youngest rower with a weight above 60?", "Cleo"),
    ],
)
def test_age_words_rank_by_birth_date(
    club: tuple[Parser, Source], question: str, first_name: str
) -> None:
    club[0].reader.read(question)
    columns, rows = answer(club, question)
    assert len(rows) == 1
    assert rows[0][columns.index("fname")] == first_name


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # Through the table linking rowers and regattas.
        ("How many rowers participated in Spring Cup?", [[3]]),
        ("What are the first names of rowers in Autumn Dash?", [["Cleo"]]),
    ],
)
def test_a_value_of_linked_rows_filters_by_existence(
    club: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    assert answer(club, question)[1] == expected


def test_a_shared_parent_does_not_relate_siblings(club: tuple[Parser, Source]) -> None:
    # Rowers and regattas share no parent here; guilds and regattas are related only
    # through rowers' entries, which a guild's value must not be read through.
    parser, _ = club
    reading = parser.reader
    assert reading.reaches_down("guild", "rower")
    assert reading.reaches_down("rower", "regatta")  # through the entries
    assert not reading.reaches_down("rower", "guild")  # many-to-one: no fan-out needed


def test_a_negation_after_a_value_does_not_negate_it(club: tuple[Parser, Source]) -> None:
    parser, _ = club
    understanding = parser.understand("first names of rowers in Leeds who did not enter a race")
    query = understanding.query
    assert query is None or all(f.op != "ne" for f in query.filters), query


@pytest.mark.parametrize(
    "question",
    [
        "Which guild title is used most often among rowers?",
        "What is the most frequently used guild title of rowers?",
        "Which guild title is the most common among rowers?",
        "What is the most used guild title of rowers?",
    ],
)
def test_how_often_a_value_is_used_is_a_count_per_value(
    club: tuple[Parser, Source], question: str
) -> None:
    columns, rows = answer(club, question)
    assert len(rows) == 1 and rows[0][columns.index("guild_title")] == "Blue Oars"


def test_across_all_rows_is_not_a_group(club: tuple[Parser, Source]) -> None:
    _, rows = answer(club, "Return the minimum and maximum weight across all rowers.")
    assert rows == [[64, 90]]


@pytest.mark.parametrize(
    ("question", "column", "ids"),
    [
        # No price: "expensive" grades the cost.
        ("What are the ids of the two most expensive regattas?", "regatta_id", [3, 1]),
        # A number before the rows ranked is how many of them, named by their title.
        ("What are the two regattas that have the most rowers?", "regatta_title",
         ["Spring Cup", "Autumn Dash"]),
    ],
)
def test_ranked_rows_and_how_many_of_them(
    club: tuple[Parser, Source], question: str, column: str, ids: list[Any]
) -> None:
    columns, rows = answer(club, question)
    assert [row[columns.index(column)] for row in rows] == ids


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many guilds were founded before 1900?", [[1]]),
        ("How many rowers correspond to each guild title?", [["Blue Oars", 3], ["Red Hulls", 1]]),
    ],
)
def test_verbs_that_name_a_column_or_nothing(
    club: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    assert sorted(answer(club, question)[1]) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the average number of boats of all guilds?", [[9.5]]),
        ("What are the minimum and maximum number of boats of guilds?", [[7, 12]]),
        ("What is the average number of coaches of guilds?", [[4.0]]),
    ],
)
def test_an_aggregate_of_a_number_column_is_not_a_count(
    club: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    assert answer(club, question)[1] == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # The highest standing is rank 1; "the maximum rank" stays the largest number.
        ("What is the highest course rank of all regattas?", [[1]]),
        ("What is the maximum course rank of all regattas?", [[3]]),
        # A column a row "has a" value in is a condition, not a column to show.
        ("How many regattas have a sponsor?", [[2]]),
    ],
)
def test_standing_and_having_a_value(
    club: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    assert answer(club, question)[1] == expected


def test_an_inflected_noun_is_not_another_tables_value(club: tuple[Parser, Source]) -> None:
    # "crews" is the guilds' tier 'Crew' only by inflection: of the rowers counted, it
    # names the rows, not another table's value.
    with pytest.raises(Declined, match="may name rows"):
        club[0].reader.read("How many rowers are in all crews?")


def test_a_participle_is_not_its_date_column(club: tuple[Parser, Source]) -> None:
    # "held" is the verb, not the held-on date to group by.
    query = club[0].understand("How many regattas were held for each venue?").query
    assert query is None or all("held_on" not in d.field for d in query.dimensions)


def test_an_inflected_value_of_the_rows_own_column_filters_them(
    club: tuple[Parser, Source],
) -> None:
    assert answer(club, "How many cups are there?")[1] == [[1]]  # regattas at level Cup


def test_the_top_n_of_a_column_ranks_rows(club: tuple[Parser, Source]) -> None:
    question = "List the first names of the rowers with the top 2 largest weights."
    columns, rows = answer(club, question)
    assert [row[columns.index("fname")] for row in rows] == ["Dev", "Ben"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # "female" is the 'F' of a sex column; a short code after its column word is a value.
        ("What is the average weight of female rowers?", [[67.0]]),
        ("How many rowers (sex is M) weigh over 85?", [[1]]),
    ],
)
def test_sex_words_and_short_codes_after_their_column(
    club: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    assert answer(club, question)[1] == expected


_CLINIC = """
CREATE TABLE patient (ssn INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE appointment (appointment_id INTEGER PRIMARY KEY,
                          patient INTEGER REFERENCES patient(ssn), starts TEXT);
CREATE TABLE prescribes (patient INTEGER REFERENCES patient(ssn),
                         appointment INTEGER REFERENCES appointment(appointment_id), dose TEXT);
INSERT INTO patient VALUES (1, 'Ann'), (2, 'Bo'), (3, 'Cy');
INSERT INTO appointment VALUES (10, 1, '2024-01-01'), (11, 2, '2024-01-02');
INSERT INTO prescribes VALUES (1, 10, '5mg');
"""


def test_an_object_named_beside_the_keys_that_refer_to_it_takes_part(
    tmp_path: Path,
) -> None:
    # "appointment" names appointments, and also the prescriptions' key to them: the
    # question still names appointments, so a list of every patient does not answer it.
    with parser_over(tmp_path, _CLINIC, "clinic") as (parser, _):
        query = parser.understand("What are names of patients who made an appointment?").query
    assert query is None or any("appointment" in f.field.lower() for f in query.filters)


def test_columns_of_a_group_counted_through_pairs(club: tuple[Parser, Source]) -> None:
    # Rowers per regatta go through the entries; the regattas' own columns are in reach.
    question = "Show the venue of regattas and the number of rowers for each regatta."
    columns, rows = answer(club, question)
    assert {row[columns.index("venue")] for row in rows} == {"Harbour Lake", "Mill Pond"}
    assert sorted(row[columns.index("rower_count")] for row in rows) == [1, 3]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many rowers have a first name containing the letter 'e'?", [[3]]),
        ("How many rowers have first names that contain 'e'?", [[3]]),
        # a word for part of a text makes "has" and "with" mean "contains"
        ("How many rowers have a first name with the letter 'e'?", [[3]]),
        ("How many rowers' last names have the substring 'a'?", [[2]]),
    ],
)
def test_part_of_a_text_value(
    club: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    assert answer(club, question)[1] == expected


def test_part_of_a_text_value_in_their_column(club: tuple[Parser, Source]) -> None:
    columns, rows = answer(club, "Which guilds have 'Hull' in their titles?")
    assert [row[columns.index("guild_title")] for row in rows] == ["Red Hulls"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # The object word beside a value of its naming column explains itself.
        ("How many rowers are in the Blue Oars guild?", [[3]]),
        # "in the guild 'Red Hulls'": the verb introduces the value past its object word.
        ("How many rowers are in the guild 'Red Hulls'?", [[1]]),
    ],
)
def test_object_words_beside_their_values(
    club: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    assert answer(club, question)[1] == expected


def test_for_each_row_of_a_list(club: tuple[Parser, Source]) -> None:
    _, rows = answer(club, "Show the first name and weight for each rower.")
    assert sorted(map(tuple, rows)) == [("Ada", 70), ("Ben", 82), ("Cleo", 64), ("Dev", 90)]


def test_a_full_name_is_the_first_and_last_name(club: tuple[Parser, Source]) -> None:
    columns, rows = answer(club, "What is the full name of the heaviest rower?")
    assert (rows[0][columns.index("fname")], rows[0][columns.index("lname")]) == ("Dev", "Rao")


def test_in_different_values_is_one_figure_for_each(club: tuple[Parser, Source]) -> None:
    _, rows = answer(club, "Find the number of regattas in different venues.")
    assert sorted(map(tuple, rows)) == [("Harbour Lake", 1), ("Mill Pond", 2)]


@pytest.mark.parametrize(
    "question",
    ["How many different kinds of regatta venues are there?",
     "How many different regatta venues are there?"],
)
def test_different_kinds_of_a_column_count_its_values(
    club: tuple[Parser, Source], question: str
) -> None:
    assert answer(club, question)[1] == [[2]]


_LEDGER = """
CREATE TABLE orders (order_id INTEGER PRIMARY KEY, placed_on TEXT);
CREATE TABLE financial_transactions (transaction_id INTEGER PRIMARY KEY,
                                     order_id INTEGER REFERENCES orders(order_id),
                                     amount REAL);
INSERT INTO orders VALUES (1, '2024-01-01'), (2, '2024-01-02');
INSERT INTO financial_transactions VALUES (1, 1, 5.0), (2, 1, 7.0), (3, 2, 1.0);
"""


def test_the_head_of_an_objects_name_beats_another_objects_synonym(tmp_path: Path) -> None:
    # "transactions" is a synonym of orders, and the head of financial transactions' name.
    with parser_over(tmp_path, _LEDGER, "ledger") as (parser, _):
        query = parser.understand("How many transactions are there?").query
    assert query is not None
    assert [m.field for m in query.metrics] in (["financial_transactions"], [None])
    assert query.metrics[0].metric in (None, "financial_transaction_count")


_REVIEWS = """
CREATE TABLE rating (rating_id INTEGER PRIMARY KEY, stars INTEGER, reviewer TEXT);
INSERT INTO rating VALUES (1, 5, 'a'), (2, 2, 'b'), (3, 4, 'c');
"""


def test_more_than_n_of_the_rows_own_measure_compares_it(tmp_path: Path) -> None:
    # "ratings with more than 3 stars" ("stars" also names the ratings themselves): the
    # ratings' stars column, not a count of ratings.
    with parser_over(tmp_path, _REVIEWS, "reviews") as (parser, _):
        query = parser.understand("How many ratings have more than 3 stars?").query
    assert query is not None
    assert [(f.field, f.op, f.values) for f in query.filters] == [("rating.stars", "gt", [3])]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the total number of boats of all guilds?", [[19]]),
        ("What is the total number of boats and coaches of all guilds?", [[19, 8]]),
    ],
)
def test_the_total_number_of_a_count_column_is_its_sum(
    club: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    assert answer(club, question)[1] == expected


def test_a_figure_of_rows_reaching_the_named_one_down_a_link(
    club: tuple[Parser, Source],
) -> None:
    # The weights are the rowers' and the regatta is named first: the rowers that entered
    # it (through the entries) are the rows measured, the regatta a condition.
    _, rows = answer(club, "What is the average weight at the regatta 'Spring Cup'?")
    assert rows[0][0] == pytest.approx((70 + 82 + 90) / 3)


_FLEET = """
CREATE TABLE boat (boat_id INTEGER PRIMARY KEY, boat_name TEXT, hull TEXT, division TEXT,
                   grade TEXT, built_year INTEGER, crew_size INTEGER);
CREATE TABLE sailor (sailor_id INTEGER PRIMARY KEY, fname TEXT, age INTEGER);
CREATE TABLE member_of (sailor_id INTEGER REFERENCES sailor(sailor_id),
                        boat_id INTEGER REFERENCES boat(boat_id),
                        PRIMARY KEY (sailor_id, boat_id));
INSERT INTO boat VALUES (1, 'Swan', 'Wood', 'AS', 'A', 1990, 4),
    (2, 'Heron', 'Wood', 'EN', 'B', 1985, 8), (3, 'Kite', 'Carbon', 'AS', 'A', 1990, 2),
    (4, 'Lark', 'Carbon', 'IN', 'C', 2001, 6), (5, 'Pike', 'Wood', 'EN', 'B', 1985, 1),
    (6, 'Raven', 'Carbon', 'AS', 'A', 2010, 9);
INSERT INTO sailor VALUES (1, 'Ines', 31), (2, 'Omar', 45), (3, 'Yuki', 27);
INSERT INTO member_of VALUES (1, 1), (2, 1), (3, 4);
"""


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Parser, Source]]:
    with parser_over(tmp_path_factory.mktemp("fleet"), _FLEET, "fleet") as opened:
        yield opened


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("List the boat names in the descending order of crew size.",
         ["Raven", "Heron", "Lark", "Swan", "Kite", "Pike"]),
        ("List the boat names in an ascending order of crew size.",
         ["Pike", "Kite", "Swan", "Lark", "Heron", "Raven"]),
        # A second column named after "and" breaks the ties of the first.
        ("List all boat names in the order of built year and crew size.",
         ["Pike", "Heron", "Kite", "Swan", "Lark", "Raven"]),
    ],
)
def test_orders_said_with_articles_and_several_keys(
    fleet: tuple[Parser, Source], question: str, names: list[str]
) -> None:
    columns, rows = answer(fleet, question)
    assert [row[columns.index("boat_name")] for row in rows] == names


def test_a_table_named_with_a_grammar_word_is_not_named_by_it(
    fleet: tuple[Parser, Source],
) -> None:
    # "member of" has no head noun: the "of" in "first name of sailors" names nothing.
    columns, rows = answer(fleet, "Find the first name of sailors.")
    assert sorted(row[columns.index("fname")] for row in rows) == ["Ines", "Omar", "Yuki"]


def test_a_code_written_in_capitals_after_its_column_is_a_value(
    fleet: tuple[Parser, Source],
) -> None:
    assert answer(fleet, "How many boats are in the division AS?")[1] == [[3]]
    parser, _ = fleet
    query = parser.understand("How many boats are there in all, as of now?").query
    assert query is None or not query.filters, query


def test_a_quoted_letter_in_a_column_is_part_of_its_values(
    fleet: tuple[Parser, Source],
) -> None:
    # 'A' is also a grade; "an 'a' in their boat name" still means names holding an a.
    columns, rows = answer(fleet, 'Which boats have an "a" in their boat name?')
    assert sorted(row[columns.index("boat_name")] for row in rows) == ["Lark", "Raven", "Swan"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # A few values shared by many rows: each once.
        ("Show all hulls.", [["Carbon"], ["Wood"]]),
        # Names of rows are not a category: a row each.
        ("Show all boat names.", [["Heron"], ["Kite"], ["Lark"], ["Pike"], ["Raven"], ["Swan"]]),
    ],
)
def test_listing_a_category_gives_its_values_once(
    fleet: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    assert sorted(answer(fleet, question)[1]) == expected


_SHOWS = """
CREATE TABLE performance (performance_id INTEGER PRIMARY KEY, name TEXT, venue TEXT,
                          attendance INTEGER);
CREATE TABLE member (member_id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE member_attendance (member_id INTEGER REFERENCES member(member_id),
                                performance_id INTEGER REFERENCES performance(performance_id),
                                pieces INTEGER, PRIMARY KEY (member_id, performance_id));
INSERT INTO performance VALUES (1, 'Gala', 'Hall', 900), (2, 'Matinee', 'Hall', 400),
    (3, 'Finale', 'Arena', 1500);
INSERT INTO member VALUES (1, 'Ana'), (2, 'Bo');
INSERT INTO member_attendance VALUES (1, 1, 2), (2, 1, 1), (2, 3, 4);
"""


def test_a_column_called_by_a_word_beats_a_table_ending_in_it(tmp_path: Path) -> None:
    # "attendances" is the performances' column, not the member attendance table.
    with parser_over(tmp_path, _SHOWS, "shows") as opened:
        _, rows = answer(opened, "What are the attendances of performances at venue 'Hall'?")
    assert sorted(row[-1] for row in rows) == [400, 900]


def test_a_second_thing_asked_after_and_of_is_not_a_qualifier(tmp_path: Path) -> None:
    with parser_over(tmp_path, _SHOWS, "shows") as (parser, _):
        query = parser.understand("Show the names of performances and of members.").query
    assert query is None or len(query.list_fields) == 2, query


_OFFICES = """
CREATE TABLE office (office_id INTEGER PRIMARY KEY, governor TEXT, lieutenant_governor TEXT,
                     skipper INTEGER);
INSERT INTO office VALUES (1, 'Ames', 'Bell', 4), (2, 'Ames', 'Cruz', 2),
    (3, 'Diaz', 'Bell', 2);
"""


def test_a_column_called_by_a_word_beats_one_ending_in_it(tmp_path: Path) -> None:
    # "governors" are the governor column, not the lieutenant governors.
    with parser_over(tmp_path, _OFFICES, "offices") as opened:
        assert answer(opened, "How many distinct governors are there?")[1] == [[2]]


_TEACHING = """
CREATE TABLE faculty (fac_id INTEGER PRIMARY KEY, fname TEXT);
CREATE TABLE course (course_id INTEGER PRIMARY KEY, title TEXT,
                     instructor INTEGER REFERENCES faculty(fac_id));
INSERT INTO faculty VALUES (1, 'Ann'), (2, 'Bea'), (3, 'Cy');
INSERT INTO course VALUES (1, 'Logic', 3), (2, 'Poetry', 3), (3, 'Optics', 1), (4, 'Song', 2);
"""


def test_a_number_after_the_is_how_many_not_a_value(tmp_path: Path) -> None:
    # Not "instructor = 3": the three instructors ranked.
    with parser_over(tmp_path, _TEACHING, "teaching") as (parser, _):
        query = parser.understand(
            "What are the first names of the 3 instructors who teach the most courses?").query
    assert query is None or all(f.values != [3] for f in query.filters), query


def test_a_phrase_does_not_run_across_punctuation() -> None:
    tokens = tokenize("How many students (sex is 'M') are there?")
    assert [t.norm for t in tokens if t.after_break] == ["sex", "are"]


def test_rows_named_before_a_parenthesis_are_the_subject(fleet: tuple[Parser, Source]) -> None:
    # "sailors (age over 30)": the sailors are counted, "sailors age" is no column phrase.
    assert answer(fleet, "How many sailors (age above 30) are there?")[1] == [[2]]


_GALES = """
CREATE TABLE gale (gale_id INTEGER PRIMARY KEY, name TEXT, max_speed INTEGER,
                   damage_millions_usd REAL);
INSERT INTO gale VALUES (1, 'Ada', 900, 1.5), (2, 'Bo', 1200, 3.0), (3, 'Cy', 1500, 5.0);
"""


def test_a_column_whose_name_starts_with_an_aggregate_word(tmp_path: Path) -> None:
    # "max speed" is the column called so; "damage" the damage counted in millions.
    question = "Show the average and maximum damage for all gales with max speed higher than 1000."
    with parser_over(tmp_path, _GALES, "gales") as opened:
        assert answer(opened, question)[1] == [[4.0, 5.0]]


def test_rows_that_include_a_word_are_rows_whose_name_does(tmp_path: Path) -> None:
    with parser_over(tmp_path, _GALES, "gales") as opened:
        assert answer(opened, "How many gales include the letter 'y'?")[1] == [[1]]
        # the number column named first does not hold text: the name does
        question = "What is the damage of gales with the string 'y' in their names?"
        assert answer(opened, question)[1] == [[5.0]]


def test_a_count_through_pairs_compared(club: tuple[Parser, Source]) -> None:
    # Regattas and rowers are paired by the entries: "two or more rowers" counts them.
    columns, rows = answer(club, "What are the titles of regattas with two or more rowers?")
    assert [row[columns.index("regatta_title")] for row in rows] == ["Spring Cup"]


_SHOP = """
CREATE TABLE orders (order_id INTEGER PRIMARY KEY, order_details TEXT, placed_on DATE);
CREATE TABLE order_items (order_item_id INTEGER PRIMARY KEY,
                          order_id INTEGER REFERENCES orders(order_id), quantity INTEGER);
INSERT INTO orders VALUES (1, 'gift wrap', '2025-01-02'), (2, 'express', '2025-02-03');
INSERT INTO order_items VALUES (1, 1, 2), (2, 1, 1), (3, 2, 5);
"""


def test_a_column_called_so_beats_a_table_called_so_by_a_synonym(tmp_path: Path) -> None:
    # "order details" is the orders' column, not the order items by a synonym.
    with parser_over(tmp_path, _SHOP, "shop") as (parser, _):
        query = parser.understand("List the order details of all orders.").query
    assert query is not None and query.list_fields == ["orders.order_details"], query


def test_the_count_named_again_where_the_question_says_what_to_show(
    club: tuple[Parser, Source],
) -> None:
    columns, rows = answer(
        club, "How many rowers does each guild have? List the number and guild title.")
    counts = {row[columns.index("guild_title")]: row[-1] for row in rows}
    assert counts == {"Blue Oars": 3, "Red Hulls": 1}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # A quoted full name is a first and a last name, of one rower.
        ('How many regattas did "Ben Hale" participate in?', [[1]]),
        # Each part a known name, of no one rower: none of them.
        ('How many regattas did "Ben Moss" participate in?', [[0]]),
        # A first name no rower has is no name of the data.
        ('How many regattas did "Zed Hale" participate in?', None),
    ],
)
def test_a_full_name_is_a_first_and_a_last_name_of_one_row(
    club: tuple[Parser, Source], question: str, expected: list[list[Any]] | None
) -> None:
    if expected is None:
        assert club[0].understand(question).query is None
    else:
        assert answer(club, question)[1] == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many regattas are not at venue 'Mill Pond'?", [[1]]),
        ("How many regattas are either at venue 'Mill Pond' or 'Harbour Lake'?", [[3]]),
    ],
)
def test_a_negated_or_alternative_value_after_its_column_word(
    club: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    club[0].reader.read(question)  # read by the readings, not left to a guess
    assert answer(club, question)[1] == expected


def test_a_column_is_a_number(club: tuple[Parser, Source]) -> None:
    # "whose weight is 82": the number is the column's value, past "is".
    query = club[0].reader.read("What is the first name of the rower whose weight is 82?").query
    assert [(f.field, f.op, f.values) for f in query.filters] == [("rower.weight", "eq", [82])]


_FACULTY = """
CREATE TABLE department (dept_code TEXT PRIMARY KEY, dept_name TEXT, school_code TEXT);
INSERT INTO department VALUES ('ACCT', 'Accounting', 'BUS'), ('ECON', 'Economics', 'BUS'),
    ('BIOL', 'Biology', 'A&SCI');
"""


def test_a_code_column_names_the_thing_it_codes(tmp_path: Path) -> None:
    # No table holds schools: "each school" is each school code.
    with parser_over(tmp_path, _FACULTY, "faculty") as opened:
        _, rows = answer(opened, "How many departments are in each school?")
    assert sorted(map(tuple, rows)) == [("A&SCI", 1), ("BUS", 2)]


def test_a_two_word_thing_coded_names_its_code(tmp_path: Path) -> None:
    schema = """
    CREATE TABLE participant (participant_id INTEGER PRIMARY KEY, participant_type_code TEXT);
    INSERT INTO participant VALUES (1, 'Organizer'), (2, 'Participant'), (3, 'Organizer');
    """
    with parser_over(tmp_path, schema, "events") as opened:
        _, rows = answer(opened, "What is the most common participant type?")
    assert rows[0][0] == "Organizer"


_LEAGUES = """
CREATE TABLE league (league_id INTEGER PRIMARY KEY, league_name TEXT, region TEXT);
CREATE TABLE fixture (fixture_id INTEGER PRIMARY KEY, referee TEXT, attendance INTEGER,
                      league_id INTEGER REFERENCES league(league_id));
CREATE TABLE squad (squad_id INTEGER PRIMARY KEY, squad_name TEXT);
CREATE TABLE duel (duel_id INTEGER PRIMARY KEY, venue TEXT,
                   home_squad INTEGER REFERENCES squad(squad_id),
                   away_squad INTEGER REFERENCES squad(squad_id));
INSERT INTO league VALUES (1, 'North', 'Leeds'), (2, 'South', 'Bath'), (3, 'West', 'Truro');
INSERT INTO fixture VALUES (1, 'Ada', 900, 1), (2, 'Ben', 400, 1), (3, 'Cy', 700, 2),
    (4, 'Di', 100, 1);
INSERT INTO squad VALUES (1, 'Owls'), (2, 'Hawks');
INSERT INTO duel VALUES (1, 'Park', 1, 2), (2, 'Dell', 2, 1);
"""


@pytest.fixture(scope="module")
def leagues(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Parser, Source]]:
    with parser_over(tmp_path_factory.mktemp("leagues"), _LEAGUES, "leagues") as opened:
        yield opened


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        # "referees" are a column of fixtures, out of the leagues' reach: reading a list
        # or a ranking over the fixtures instead was measured and answered too often
        # wrongly (docs/accuracy.md, round 7); only a figure is read over them, and "the
        # league that is most frequent across all fixtures" counts the fixtures per league
        # (tests/engine/nl/test_join_reach.py).
        ("Show the referees and the names of the league they belong to.", "not reachable"),
        # A duel has a home squad and an away squad: the join would pick one silently.
        ("What are the venues of the squads named Owls?", "several roles"),
        ("What are the venues of duels with the home squad Owls?", "several roles"),
        # read by the business parser ("by"): the same guard holds there
        ("Show the number of duels by squad name", "several roles"),
    ],
)
def test_what_a_reading_would_have_to_guess_is_asked_about(
    leagues: tuple[Parser, Source], question: str, reason: str
) -> None:
    understanding = leagues[0].understand(question)
    assert understanding.intent == "clarification"
    assert reason in understanding.problem


def test_the_most_of_a_column_of_other_rows_is_not_one_rows_value(
    leagues: tuple[Parser, Source],
) -> None:
    # "the league with the most attendance" sums attendance per league; the league of
    # the one fixture with the largest attendance answers another question.
    with pytest.raises(Declined):
        leagues[0].reader.read("What is the name of the league with the most attendance?")


def test_a_column_word_starting_with_a_tables_name_is_that_tables_own(tmp_path: Path) -> None:
    # "item names" are held by items and by services that copy them: the items' own.
    schema = """
    CREATE TABLE item (item_id INTEGER PRIMARY KEY, item_name TEXT, item_price REAL);
    CREATE TABLE service (service_id INTEGER PRIMARY KEY, item_name TEXT, item_price REAL);
    INSERT INTO item VALUES (1, 'Lamp', 30), (2, 'Desk', 120), (3, 'Rug', 60);
    INSERT INTO service VALUES (1, 'Repair', 10);
    """
    with parser_over(tmp_path, schema, "shop") as opened:
        opened[0].reader.read("List all item names in ascending order of price.")
        columns, rows = answer(opened, "List all item names in ascending order of price.")
    assert [row[columns.index("item_name")] for row in rows] == ["Lamp", "Rug", "Desk"]


def test_a_column_of_the_object_named_after_of_is_the_one_called_so(tmp_path: Path) -> None:
    # "the governors of the parties": the governor, not the lieutenant governor.
    schema = """
    CREATE TABLE party (party_id INTEGER PRIMARY KEY, party_name TEXT, governor TEXT,
                        lieutenant_governor TEXT);
    INSERT INTO party VALUES (1, 'Greens', 'Ann Hale', 'Bo Ng'), (2, 'Blues', 'Cy Moss', 'Di Rao');
    """
    with parser_over(tmp_path, schema, "politics") as opened:
        query = opened[0].reader.read("Who were the governors of the parties?").query
    assert query.list_fields == ["party.governor"]


def test_an_article_and_a_plural_are_not_a_value_written_with_an_article(tmp_path: Path) -> None:
    # A painting is called "the lake"; "the lakes" are still the lakes.
    schema = """
    CREATE TABLE lake (lake_id INTEGER PRIMARY KEY, lake_name TEXT, depth INTEGER);
    CREATE TABLE painting (painting_id INTEGER PRIMARY KEY, title TEXT,
                           lake_id INTEGER REFERENCES lake(lake_id));
    INSERT INTO lake VALUES (1, 'Tarn', 10), (2, 'Mere', 30);
    INSERT INTO painting VALUES (1, 'the lake', 1), (2, 'Dawn', 2);
    """
    with parser_over(tmp_path, schema, "gallery") as opened:
        opened[0].reader.read("What is the average depth of the lakes?")
        _, rows = answer(opened, "What is the average depth of the lakes?")
    assert rows == [[20.0]]


def test_across_all_rows_is_not_a_group_by_a_column_called_like_them(tmp_path: Path) -> None:
    schema = """
    CREATE TABLE painter (painter_id INTEGER PRIMARY KEY, painter TEXT, age INTEGER);
    INSERT INTO painter VALUES (1, 'Ada', 30), (2, 'Ben', 50);
    """
    with parser_over(tmp_path, schema, "studio") as opened:
        _, rows = answer(opened, "Return the average age across all painters.")
    assert rows == [[40.0]]


def test_rows_referring_to_nothing_there_are_no_group_with_rows(tmp_path: Path) -> None:
    # Two players refer to no school, one to a school that is not there.
    schema = """
    CREATE TABLE school (school_id INTEGER PRIMARY KEY, school_name TEXT);
    CREATE TABLE player (player_id INTEGER PRIMARY KEY, player_name TEXT,
                         school_id INTEGER REFERENCES school(school_id));
    INSERT INTO school VALUES (1, 'Elm'), (2, 'Oak'), (3, 'Ash');
    INSERT INTO player VALUES (1, 'Ada', 1), (2, 'Ben', 1), (3, 'Cy', 2), (4, 'Di', NULL),
        (5, 'Eve', NULL), (6, 'Fay', 9);
    """
    with parser_over(tmp_path, schema, "schools") as opened:
        question = "What are the names of schools that have at least one player?"
        opened[0].reader.read(question)
        columns, rows = answer(opened, question)
    assert sorted(row[columns.index("school_name")] for row in rows) == ["Elm", "Oak"]


def test_a_value_of_a_named_object_out_of_reach_is_not_taken_from_another(
    tmp_path: Path,
) -> None:
    # Smithson is a student (related to a course through enrolments, and by sharing its
    # department) and a department's chair (in reach): the question names the student.
    schema = """
    CREATE TABLE staff (staff_id INTEGER PRIMARY KEY, last_name TEXT);
    CREATE TABLE department (dept_id INTEGER PRIMARY KEY, dept_name TEXT,
                             chair_id INTEGER REFERENCES staff(staff_id));
    CREATE TABLE course (course_id INTEGER PRIMARY KEY, title TEXT,
                         dept_id INTEGER REFERENCES department(dept_id));
    CREATE TABLE student (student_id INTEGER PRIMARY KEY, last_name TEXT,
                          dept_id INTEGER REFERENCES department(dept_id));
    CREATE TABLE section (section_id INTEGER PRIMARY KEY,
                          course_id INTEGER REFERENCES course(course_id));
    CREATE TABLE enroll (student_id INTEGER REFERENCES student(student_id),
                         section_id INTEGER REFERENCES section(section_id),
                         PRIMARY KEY (student_id, section_id));
    INSERT INTO staff VALUES (1, 'Smithson'), (2, 'Ng');
    INSERT INTO department VALUES (1, 'Maths', 1), (2, 'Art', 2);
    INSERT INTO course VALUES (1, 'Algebra', 1), (2, 'Drawing', 2);
    INSERT INTO student VALUES (1, 'Smithson', 1), (2, 'Moss', 2);
    INSERT INTO section VALUES (1, 1), (2, 2);
    INSERT INTO enroll VALUES (1, 2), (2, 1);
    """
    question = "What is the title of the course which the student whose last name is Smithson took?"
    with parser_over(tmp_path, schema, "campus") as opened:
        with pytest.raises(Declined):
            opened[0].reader.read(question)
        understanding = opened[0].understand(question)
    assert understanding.query is None or "staff" not in understanding.query.model_dump_json()


def test_a_word_before_the_rows_name_is_not_a_far_tables_value(tmp_path: Path) -> None:
    # A playlist is called "Music": "all music genres" does not mean the genres of its
    # tracks.
    schema = """
    CREATE TABLE genre (genre_id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE track (track_id INTEGER PRIMARY KEY, name TEXT,
                        genre_id INTEGER REFERENCES genre(genre_id));
    CREATE TABLE playlist (playlist_id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE playlist_track (playlist_id INTEGER REFERENCES playlist(playlist_id),
                                 track_id INTEGER REFERENCES track(track_id),
                                 PRIMARY KEY (playlist_id, track_id));
    INSERT INTO genre VALUES (1, 'Rock'), (2, 'Jazz');
    INSERT INTO track VALUES (1, 'Blue', 1), (2, 'Green', 2);
    INSERT INTO playlist VALUES (1, 'Music'), (2, 'Chill');
    INSERT INTO playlist_track VALUES (1, 1), (2, 2);
    """
    with parser_over(tmp_path, schema, "tunes") as opened:
        understanding = opened[0].understand("List the names of all music genres.")
    assert understanding.query is None
    assert understanding.intent == "clarification"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # "full name" is a synonym of every name column: a country's name is no full name.
        ("What are the full names of the staff earning less than 100?",
         ["staff.first_name", "staff.last_name"]),
        # A column whose own name says it is still the one meant.
        ("What are the building full names?", ["building.building_full_name"]),
    ],
)
def test_a_full_name_is_first_and_last_unless_a_column_is_called_so(
    tmp_path: Path, question: str, expected: list[str]
) -> None:
    schema = """
    CREATE TABLE country (country_id INTEGER PRIMARY KEY, country_name TEXT);
    CREATE TABLE staff (staff_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
                        salary INTEGER, country_id INTEGER REFERENCES country(country_id));
    CREATE TABLE building (building_id INTEGER PRIMARY KEY, building_full_name TEXT);
    INSERT INTO country VALUES (1, 'Chad');
    INSERT INTO staff VALUES (1, 'Ada', 'Moss', 90, 1), (2, 'Ben', 'Hale', 300, 1);
    INSERT INTO building VALUES (1, 'North Court');
    """
    with parser_over(tmp_path, schema, "office") as opened:
        parser = opened[0]
        query = parser.reader.read(expand_coordination(question, parser.lexicon)).query
    assert query.list_fields[:len(expected)] == expected


def test_the_most_common_object_in_all_rows_counts_those_rows(
    leagues: tuple[Parser, Source],
) -> None:
    # "the least common league in all fixtures": fixtures counted per league.
    question = "What is the least common league in all fixtures?"
    leagues[0].reader.read(question)
    columns, rows = answer(leagues, question)
    assert [(row[columns.index("league_name")], row[columns.index("count")]) for row in rows] == [
        ("South", 1)]


def test_a_group_reached_through_other_rows_is_each_of_its_rows_by_key(tmp_path: Path) -> None:
    # Classes reach departments through courses: each department is a group by its code,
    # shown with its name (two departments may share a name).
    schema = """
    CREATE TABLE department (dept_code TEXT PRIMARY KEY, dept_name TEXT);
    CREATE TABLE course (crs_code TEXT PRIMARY KEY,
                         dept_code TEXT REFERENCES department(dept_code));
    CREATE TABLE class (class_code INTEGER PRIMARY KEY, crs_code TEXT REFERENCES course(crs_code));
    INSERT INTO department VALUES ('ACC', 'Accounting'), ('ACX', 'Accounting'), ('BIO', 'Biology');
    INSERT INTO course VALUES ('A1', 'ACC'), ('A2', 'ACX'), ('B1', 'BIO');
    INSERT INTO class VALUES (1, 'A1'), (2, 'A1'), (3, 'A2'), (4, 'B1');
    """
    with parser_over(tmp_path, schema, "faculty") as opened:
        columns, rows = answer(opened, "How many classes are held in each department?")
    picked = sorted((row[columns.index("dept_code")], row[columns.index("dept_name")],
                     row[columns.index("count")]) for row in rows)
    assert picked == [("ACC", "Accounting", 2), ("ACX", "Accounting", 1), ("BIO", "Biology", 1)]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Show each venue and the number of regattas at it, sorted by the number of regattas.",
         [["Harbour Lake", 1], ["Mill Pond", 2]]),
        ("Show each venue and the corresponding count of regattas sorted by the count in "
         "descending order.", [["Mill Pond", 2], ["Harbour Lake", 1]]),
    ],
)
def test_an_order_by_the_count_orders_by_the_figure(
    club: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    club[0].reader.read(question)
    assert answer(club, question)[1] == expected


def test_a_count_condition_past_corresponding(club: tuple[Parser, Source]) -> None:
    question = "Which venues have more than 1 corresponding regattas?"
    club[0].reader.read(question)
    assert answer(club, question)[1] == [["Mill Pond", 2]]


def test_a_column_counted_in_a_scale_is_called_without_it(tmp_path: Path) -> None:
    # "Budget_in_Billions" is the budget.
    schema = """
    CREATE TABLE agency (agency_id INTEGER PRIMARY KEY, agency_name TEXT,
                         Budget_in_Billions REAL);
    INSERT INTO agency VALUES (1, 'Ports', 9.5), (2, 'Roads', 2.5);
    """
    with parser_over(tmp_path, schema, "state") as opened:
        question = "What are the maximum and minimum budget of the agencies?"
        opened[0].reader.read(question)
        _, rows = answer(opened, question)
    assert rows == [[9.5, 2.5]]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which rowers have a weight greater than the average?", ["Ben", "Dev"]),
        ("Show the first names of rowers whose weight is less than the average.",
         ["Ada", "Cleo"]),
        ("Find the first names of rowers whose weight is more than the average weight.",
         ["Ben", "Dev"]),
    ],
)
def test_a_column_compared_with_its_average(
    club: tuple[Parser, Source], question: str, expected: list[str]
) -> None:
    query = club[0].reader.read(question).query
    assert [(f.field, f.against) for f in query.filters] == [("rower.weight", "avg")]
    columns, rows = answer(club, question)
    assert sorted(row[columns.index("fname")] for row in rows) == expected


@pytest.mark.parametrize(
    ("question", "costs"),
    [
        ("List the title and cost of all regattas sorted by the cost from the highest to the "
         "lowest.", [55.0, 40.0, 25.0]),
        ("List the title and cost of all regattas sorted by cost from the smallest to the "
         "largest.", [25.0, 40.0, 55.0]),
    ],
)
def test_an_order_from_one_end_to_the_other(
    club: tuple[Parser, Source], question: str, costs: list[float]
) -> None:
    club[0].reader.read(question)
    columns, rows = answer(club, question)
    assert [row[columns.index("cost")] for row in rows] == costs


def test_the_most_used_value_of_a_column_called_like_its_rows(tmp_path: Path) -> None:
    # Rows called "instruments" with a column called "instrument": its values counted.
    schema = """
    CREATE TABLE instruments (player_id INTEGER, song_id INTEGER, instrument TEXT,
                              PRIMARY KEY (player_id, song_id, instrument));
    INSERT INTO instruments VALUES (1, 1, 'drums'), (2, 1, 'bass'), (1, 2, 'drums'),
        (3, 2, 'guitar');
    """
    with parser_over(tmp_path, schema, "band") as opened:
        opened[0].reader.read("What is the most used instrument?")
        columns, rows = answer(opened, "What is the most used instrument?")
    assert rows[0][columns.index("instrument")] == "drums"


@pytest.mark.parametrize(
    "question",
    ["Show all league names that have had no fixtures.",
     "List the league name and region without any fixtures."],
)
def test_the_rows_asked_about_own_the_column_named_before_a_denial(
    leagues: tuple[Parser, Source], question: str
) -> None:
    # "no fixtures" denies the fixtures: the leagues, whose names are asked, have none.
    leagues[0].reader.read(question)
    columns, rows = answer(leagues, question)
    assert [row[columns.index("league_name")] for row in rows] == ["West"]


@pytest.mark.parametrize(
    ("question", "column", "expected"),
    [
        # the direction between "ordered by" and the column
        ("List the first names of all rowers ordered by descending weight.", "fname",
         ["Dev", "Ben", "Ada", "Cleo"]),
        ("List the first names of all rowers sorted by increasing weight.", "fname",
         ["Cleo", "Ada", "Ben", "Dev"]),
        # the direction and its order after "sorted in"
        ("List the regatta titles sorted in descending alphabetical order.", "regatta_title",
         ["Winter Sprint", "Spring Cup", "Autumn Dash"]),
    ],
)
def test_a_direction_right_after_an_order_word(
    club: tuple[Parser, Source], question: str, column: str, expected: list[str]
) -> None:
    columns, rows = answer(club, question)
    assert [row[columns.index(column)] for row in rows] == expected


_CREWS = """
CREATE TABLE boat (boat_id INTEGER PRIMARY KEY, boat_name TEXT, hull TEXT);
CREATE TABLE sailor (sailor_id INTEGER PRIMARY KEY, fname TEXT, age INTEGER);
CREATE TABLE crew (sailor_id INTEGER REFERENCES sailor(sailor_id),
                   boat_id INTEGER REFERENCES boat(boat_id), PRIMARY KEY (sailor_id, boat_id));
INSERT INTO boat VALUES (1, 'Swan', 'Wood'), (2, 'Heron', 'Carbon'), (3, 'Kite', 'Carbon');
INSERT INTO sailor VALUES (1, 'Ines', 31), (2, 'Omar', 45), (3, 'Yuki', 27);
INSERT INTO crew VALUES (1, 1), (1, 2), (2, 1), (3, 2), (3, 3);
"""


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # Each value by a related row of its own: Ines crews the Swan and the Heron.
        ("What are the first names of sailors in the crews of both Swan and Heron?", [["Ines"]]),
        ("Find the first names of sailors on both Swan and Heron.", [["Ines"]]),
        ("How many sailors are on boats of both Wood and Carbon hulls?", [[1]]),
    ],
)
def test_both_values_are_each_met_by_related_rows(
    tmp_path: Path, question: str, expected: list[list[Any]]
) -> None:
    with parser_over(tmp_path, _CREWS, "crews") as opened:
        assert answer(opened, question)[1] == expected


def test_both_values_of_the_rows_own_column_are_not_read(club: tuple[Parser, Source]) -> None:
    with pytest.raises(Declined, match="both"):
        club[0].reader.read("Which rowers have both sex F and M?")


_PARCELS = """
CREATE TABLE parcel (parcel_id INTEGER PRIMARY KEY, label TEXT, weight_kg REAL);
INSERT INTO parcel VALUES (1, 'A', 12.5), (2, 'B', 31), (3, 'C', 40);
"""


def test_a_unit_after_a_number_is_the_compared_columns_own(tmp_path: Path) -> None:
    with parser_over(tmp_path, _PARCELS, "parcels") as opened:
        assert answer(opened, "How many parcels weigh over 30 kg?")[1] == [[2]]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many rowers are in the database?", [[4]]),
        ("How many regattas do we have on file?", [[3]]),
        ("How many regattas are listed in our records?", [[3]]),
        # a verb of keeping after "we" says the rows are ours
        ("What is the highest cost of the regattas we run?", [[55.0]]),
    ],
)
def test_words_that_say_the_rows_are_ours_change_nothing(
    club: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    assert answer(club, question)[1] == expected


def test_a_quoted_number_of_a_number_column(club: tuple[Parser, Source]) -> None:
    columns, rows = answer(club, 'What are the first names of rowers whose weight is "82"?')
    assert [row[columns.index("fname")] for row in rows] == ["Ben"]


@pytest.mark.parametrize(
    ("question", "names"),
    [
        # weights 70, 82, 64 and 90: the average is 76.5
        ("List the first names of rowers with a weight above the average weight of all "
         "rowers.", ["Ben", "Dev"]),
        ("List the first names of rowers whose weight is below the average weight of a "
         "rower.", ["Ada", "Cleo"]),
        ("List the first names of rowers who weigh more than the average.", ["Ben", "Dev"]),
    ],
)
def test_the_average_over_every_row_named_after_it(
    club: tuple[Parser, Source], question: str, names: list[str]
) -> None:
    columns, rows = answer(club, question)
    assert sorted(row[columns.index("fname")] for row in rows) == names


def test_the_average_of_some_rows_is_not_over_every_row(club: tuple[Parser, Source]) -> None:
    with pytest.raises(Declined):
        club[0].reader.read("List the first names of rowers with a weight above the average "
                            "weight of rowers in the Blue Oars guild.")


_CRIMES = """
CREATE TABLE people (people_id INTEGER PRIMARY KEY, name TEXT, height REAL);
CREATE TABLE perpetrator (perpetrator_id INTEGER PRIMARY KEY, location TEXT,
                          people_id INTEGER REFERENCES people(people_id));
CREATE TABLE peak (peak_id INTEGER PRIMARY KEY, name TEXT, height INTEGER, range TEXT);
INSERT INTO people VALUES (1, 'Ann', 1.62), (2, 'Bo', 1.91), (3, 'Cy', 1.75);
INSERT INTO perpetrator VALUES (1, 'Leeds', 1), (2, 'York', 2), (3, 'Hull', 3);
INSERT INTO peak VALUES (1, 'Ben Nevis', 1345, 'Grampians'), (2, 'Snowdon', 1085, 'Eryri');
"""


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # the grading column of the one row each row refers to
        ("What is the location of the tallest perpetrator?", "York"),
        ("Show the location of the shortest perpetrator.", "Leeds"),
        # "the highest" rows with a height: ranked by it
        ("What is the name of the highest peak?", "Ben Nevis"),
        ("What is the range of the lowest peak?", "Eryri"),
    ],
)
def test_a_superlative_grades_by_the_rows_own_column(
    tmp_path: Path, question: str, expected: str
) -> None:
    with parser_over(tmp_path, _CRIMES, "crimes") as opened:
        _, rows = answer(opened, question)
    assert len(rows) == 1 and rows[0][0] == expected


_MARINAS = """
CREATE TABLE marina (marina_id INTEGER PRIMARY KEY, marina_name TEXT, town TEXT);
CREATE TABLE mooring (pier TEXT, berth_number INTEGER, length REAL,
                      marina_id INTEGER REFERENCES marina(marina_id),
                      PRIMARY KEY (pier, berth_number));
CREATE TABLE boat (boat_id INTEGER PRIMARY KEY, boat_name TEXT, hull_colour TEXT,
                   price REAL, skipper INTEGER, marina_id INTEGER REFERENCES marina(marina_id));
INSERT INTO marina VALUES (1, 'North Basin', 'Wick'), (2, 'South Quay', 'Oban'),
    (3, 'West Cove', 'Mull');
INSERT INTO mooring VALUES ('Alpha', 1, 8, 1), ('Alpha', 2, 12, 1), ('Bravo', 1, 15, 1),
    ('Bravo', 2, 6, 2), ('Delta', 1, 9, 2);
INSERT INTO boat VALUES (1, 'Kittiwake', 'blue', 30000, 7101, 1),
    (2, 'Puffin', 'red', 12000, 7102, 1), (3, 'Gannet', 'blue', 18000, 7101, 2),
    (4, 'Skua', 'white', 25000, 7103, 1), (5, 'Tern', 'blue', 9000, 7102, 3);
CREATE TABLE visit (visit_id INTEGER PRIMARY KEY, boat_id INTEGER REFERENCES boat(boat_id),
                    visit_date DATE);
INSERT INTO visit VALUES (1, 1, '2025-03-01'), (2, 1, '2026-02-01'), (3, 2, '2025-07-10'),
    (4, 3, '2026-01-05'), (5, 5, '2024-12-01');
CREATE TABLE Sail_Type (Sail TEXT PRIMARY KEY, SailType TEXT);
INSERT INTO Sail_Type VALUES ('Genoa', 'foresail'), ('Jib', 'foresail'), ('Main', 'mainsail'),
    ('Spinnaker', 'downwind'), ('Gennaker', 'downwind'), ('Staysail', 'foresail');
"""


@pytest.fixture(scope="module")
def marinas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Parser, Source]]:
    with parser_over(tmp_path_factory.mktemp("marinas"), _MARINAS, "marinas") as opened:
        yield opened


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # moorings are keyed by their berth number: each row is a berth
        ("How many berths are there?", [[5]]),
        ("How many berths have a length over 10?", [[2]]),
        ("How many berths does the Alpha pier have?", [[2]]),
    ],
)
def test_what_a_tables_own_key_says_each_row_is(
    marinas: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    assert answer(marinas, question)[1] == expected


@pytest.mark.parametrize(
    "question",
    [
        "What are the names of the marinas, and how many boats has each?",
        "List the marina names and the number of boats in each.",
    ],
)
def test_each_with_nothing_after_it_is_each_group(
    marinas: tuple[Parser, Source], question: str
) -> None:
    columns, rows = answer(marinas, question)
    counts = {row[columns.index("marina_name")]: row[-1] for row in rows}
    assert counts == {"North Basin": 3, "South Quay": 1, "West Cove": 1}


def test_a_passive_by_before_a_count_condition(marinas: tuple[Parser, Source]) -> None:
    columns, rows = answer(marinas, "Which hull colours are used by more than 2 boats?")
    assert [row[columns.index("hull_colour")] for row in rows] == ["blue"]


def test_values_that_have_rows_are_each_listed_once(marinas: tuple[Parser, Source]) -> None:
    columns, rows = answer(marinas, "Find the piers which have berths with length over 7.")
    assert columns == ["pier"]
    assert sorted(row[0] for row in rows) == ["Alpha", "Bravo", "Delta"]


@pytest.mark.parametrize(
    "question",
    [
        # blue boats average 19000, red 12000, white 25000
        "Which hull colours have an average price of over 15000?",
        "List the hull colours whose average price is above 15000.",
    ],
)
def test_a_figure_of_each_group_compared_with_a_number(
    marinas: tuple[Parser, Source], question: str
) -> None:
    columns, rows = answer(marinas, question)
    assert sorted(row[columns.index("hull_colour")] for row in rows) == ["blue", "white"]


@pytest.mark.parametrize(
    "question",
    [
        'How many boats does the marina "Harbour Nine" have?',
        "How many boats are in the marina called 'Harbour Nine'?",
    ],
)
def test_a_quoted_name_after_the_rows_it_names(
    marinas: tuple[Parser, Source], question: str
) -> None:
    """A value no index holds (new since the index was built): the named rows' own name."""
    understanding = marinas[0].understand(question)
    assert understanding.query is not None
    assert [(f.field, f.values) for f in understanding.query.filters] == [
        ("marina.marina_name", ["Harbour Nine"])]
    assert answer(marinas, question)[1] == [[0]]


def test_a_verb_between_two_things_read_relates_them(marinas: tuple[Parser, Source]) -> None:
    assert answer(marinas, "Count the number of different hull colours used by boats.")[1][0][
        -1] == 3


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("What is the number of boats per hull colour, ordered from most to least?", "blue"),
        ("Show the number of boats for each hull colour, sorted from least to most.", "red"),
    ],
)
def test_an_order_from_most_to_least(
    marinas: tuple[Parser, Source], question: str, first: str
) -> None:
    columns, rows = answer(marinas, question)
    assert rows[0][columns.index("hull_colour")] == first
    counts = [row[columns.index("count")] for row in rows]
    assert counts == sorted(counts, reverse=first == "blue")


def test_a_country_in_capitals_is_not_the_pronoun(marinas: tuple[Parser, Source]) -> None:
    """No marina is in the US: the question is declined, not answered over every boat."""
    assert marinas[0].understand("How many boats are there in the US?").query is None
    assert marinas[0].understand("How many boats are there for us?").query is not None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which sail type is most common?", "foresail"),
        ("Which sail type is the least common?", "mainsail"),
    ],
)
def test_how_often_a_column_named_like_its_rows_holds_a_value(
    marinas: tuple[Parser, Source], question: str, expected: str
) -> None:
    columns, rows = answer(marinas, question)
    assert len(rows) == 1 and rows[0][columns.index("SailType")] == expected


def test_how_often_a_rows_own_name_occurs_is_not_answered(
    marinas: tuple[Parser, Source]
) -> None:
    """Each boat's name occurs once; how common a boat is would be said by other rows."""
    assert marinas[0].understand("Find the name of the boat that is most common.").query is None


def test_a_number_after_a_word_of_having_is_the_count(marinas: tuple[Parser, Source]) -> None:
    columns, rows = answer(marinas, "Show the names of marinas with 1 boat.")
    assert sorted(row[columns.index("marina_name")] for row in rows) == ["South Quay",
                                                                          "West Cove"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # Kittiwake and Puffin visited in 2025; Skua never did
        ("Which boats had no visits in 2025?", ["Gannet", "Skua", "Tern"]),
        ("List the boats that did not visit in 2026.", ["Puffin", "Skua", "Tern"]),
        ("Which boats have never had a visit?", ["Skua"]),
    ],
)
def test_a_period_after_a_negation_dates_the_rows_denied(
    marinas: tuple[Parser, Source], question: str, expected: list[str]
) -> None:
    columns, rows = answer(marinas, question)
    assert sorted(row[columns.index("boat_name")] for row in rows) == expected


def test_how_many_of_a_singular_number_column_counts_its_values(
    marinas: tuple[Parser, Source]
) -> None:
    """Skipper licence numbers are not added up: three skippers sail the five boats."""
    assert answer(marinas, "How many skippers are there?")[1] == [[3]]



_LABELS = """
CREATE TABLE label (label_id INTEGER PRIMARY KEY, title TEXT);
CREATE TABLE record (record_id INTEGER PRIMARY KEY, name TEXT,
                     label_id INTEGER REFERENCES label(label_id));
INSERT INTO label VALUES (1, 'Rough Trade'), (2, 'Warp');
INSERT INTO record VALUES (1, 'Alpha', 1), (2, 'Beta', 1), (3, 'Gamma', 2);
"""


def test_a_column_coordinated_after_another_is_of_its_table(tmp_path: Path) -> None:
    """"ids" right after "label names" are the labels' ids, not the records' counted."""
    with parser_over(tmp_path, _LABELS, "labels") as opened:
        columns, rows = answer(opened, "Show the label names, ids and the number of records "
                                       "for each label.")
    assert {(row[columns.index("title")], row[columns.index("label_id")], row[-1])
            for row in rows} == {("Rough Trade", 1, 2), ("Warp", 2, 1)}


_BONUSES = """
CREATE TABLE staff (staff_id INTEGER PRIMARY KEY, staff_name TEXT, team TEXT, salary REAL,
                    bonus_pct REAL);
INSERT INTO staff VALUES (1, 'Ana', 'Sales', 50000, 10), (2, 'Raj', 'Sales', 60000, 20),
    (3, 'Lea', 'Ops', 40000, 5);
"""


def test_percentage_after_a_percent_columns_name_is_its_unit(tmp_path: Path) -> None:
    """"bonus percentage" of bonus_pct is the column, not a share of each team's total."""
    with parser_over(tmp_path, _BONUSES, "bonuses") as opened:
        query = opened[0].understand("average bonus percentage by team").query
        assert query is not None and not query.share
        assert sorted(answer(opened, "average bonus percentage by team")[1]) == [
            ["Ops", 5.0], ["Sales", 15.0]]


_BOOKSHOP = """
CREATE TABLE books (book_id INTEGER PRIMARY KEY, title TEXT, genre TEXT, shelved_on DATE);
CREATE TABLE clerks (clerk_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT);
CREATE TABLE sales (sale_id INTEGER PRIMARY KEY, book_id INTEGER, clerk_id INTEGER,
                    sale_price REAL, sale_date DATE);
CREATE TABLE payments (payment_id INTEGER PRIMARY KEY, sale_id INTEGER, payment_amount REAL,
                       payment_date DATE);
INSERT INTO books VALUES (1, 'Dune', 'SF', '2025-01-03'), (2, 'Emma', 'Classic', '2025-02-01'),
    (3, 'Ubik', 'SF', '2025-03-01'), (4, 'Persuasion', 'Classic', '2024-05-01');
INSERT INTO clerks VALUES (1, 'Ann', 'Lee'), (2, 'Ann', 'Roe');
INSERT INTO sales VALUES (1, 1, 1, 20, '2025-04-01'), (2, 2, 2, 12, '2025-05-01'),
    (3, 4, 2, 9, '2024-06-01');
INSERT INTO payments VALUES (1, 1, 10, '2025-04-01'), (2, 1, 10, '2025-05-01'),
    (3, 2, 12, '2025-05-01'), (4, 3, 9, '2024-06-01');
"""


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # sold in 2025: Dune and Emma (Ubik was shelved in 2025 but never sold)
        ("How many books did we sell in 2025?", [[2]]),
        # the sales' own money column, not the payments' amounts
        ("What was our total sales amount in 2025?", [[32.0]]),
        ("How many books were bought in 2025?", [[2]]),
        # sales are a sum of money
        ("What were our sales in 2025?", [[32.0]]),
    ],
)
def test_a_verb_names_the_table_of_its_event(
    tmp_path: Path, question: str, expected: list[list[Any]]
) -> None:
    with parser_over(tmp_path, _BOOKSHOP, "bookshop") as opened:
        assert answer(opened, question)[1] == expected


_TRIPS = """
CREATE TABLE trips (trip_id INTEGER PRIMARY KEY, region TEXT, year INTEGER, trip_date DATE,
                    model TEXT);
INSERT INTO trips VALUES (1, 'North', 2019, '2026-02-01', 'Camry'),
    (2, 'South', 2021, '2025-03-01', 'Corolla');
"""


def test_a_period_relative_to_today_is_not_a_column(tmp_path: Path) -> None:
    """"this year" is a period, though the trips have a column called year."""
    with parser_over(tmp_path, _TRIPS, "trips") as opened:
        query = opened[0].understand("How many trips per region this year?").query
    assert query is not None and query.time_range is not None
    assert query.time_range.label == "this year"
    assert [d.field for d in query.dimensions] == ["trips.region"]


@pytest.mark.parametrize(("word", "found"), [("carry", False), ("camrry", True)])
def test_a_letter_changed_in_a_short_word_is_no_typo(
    tmp_path: Path, word: str, found: bool
) -> None:
    with parser_over(tmp_path, _TRIPS, "trips") as opened:
        assert (opened[0].lexicon.fuzzy(word) is not None) is found


def test_total_payments_by_person_are_named_in_full(tmp_path: Path) -> None:
    """Two clerks called Ann: each is named by first and last name, beside the sum."""
    with parser_over(tmp_path, _BOOKSHOP, "bookshop") as opened:
        columns, rows = answer(opened, "Show total payments by clerk")
    named = {(row[columns.index("first_name")], row[columns.index("last_name")], row[-1])
             for row in rows}
    assert named == {("Ann", "Lee", 20.0), ("Ann", "Roe", 21.0)}


_GARAGE = """
CREATE TABLE owners (owner_id INTEGER PRIMARY KEY, owner_name TEXT, joined_on DATE);
CREATE TABLE vans (van_id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owners(owner_id),
                   condition TEXT);
INSERT INTO owners VALUES (1, 'Ada', '2025-01-05'), (2, 'Bo', '2025-02-05');
INSERT INTO vans VALUES (1, 1, 'New'), (2, 2, 'Used');
"""


def test_a_value_said_before_other_rows_is_not_theirs_through_many(tmp_path: Path) -> None:
    """"new owners" are not owners with some van in condition 'New'."""
    with parser_over(tmp_path, _GARAGE, "garage") as opened:
        found = opened[0].understand("how many new owners joined in 2025?")
        assert found.query is None and "qualifies" in found.problem
        # the vans' own condition still reads ("new vans")
        assert answer(opened, "how many new vans are there?")[1] == [[1]]


def test_a_number_followed_by_things_is_no_money(tmp_path: Path) -> None:
    """"sold more than 1 book" counts books; it is no sale price above 1."""
    with parser_over(tmp_path, _BOOKSHOP, "bookshop") as opened:
        found = opened[0].understand("List the clerks who have sold more than 1 book")
    assert found.query is None


_CREW = """
CREATE TABLE salespersons (salesperson_id INTEGER PRIMARY KEY, first_name TEXT,
                           last_name TEXT, hire_date DATE, termination_date DATE);
INSERT INTO salespersons VALUES (1, 'Ana', 'Ruiz', '2020-01-01', NULL),
    (2, 'Bo', 'Lund', '2021-01-01', '2024-06-30'), (3, 'Cy', 'Mair', '2022-01-01', NULL);
"""


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # the date of an event said to have happened is set
        ("How many salespersons have left?", [[1]]),
        # "salespeople" are salespersons
        ("How many salespeople are there?", [[3]]),
    ],
)
def test_an_event_said_to_have_happened_is_its_date_set(
    tmp_path: Path, question: str, expected: list[list[Any]]
) -> None:
    with parser_over(tmp_path, _CREW, "crew") as opened:
        assert answer(opened, question)[1] == expected


def test_the_rows_listed_whose_event_happened(tmp_path: Path) -> None:
    with parser_over(tmp_path, _CREW, "crew") as opened:
        columns, rows = answer(opened, "List the salespersons who have left")
    assert [row[columns.index("first_name")] for row in rows] == ["Bo"]


_HARBOUR = """
CREATE TABLE sailor (sailor_id INTEGER PRIMARY KEY, sname TEXT, city_code TEXT, age INTEGER,
                     hired_on DATE, major TEXT);
CREATE TABLE dock (dock_id INTEGER PRIMARY KEY, dock_name TEXT, town TEXT, acc_bal REAL,
                   total_berths INTEGER, year_built INTEGER);
INSERT INTO sailor VALUES (1, 'Ola', 'OSL', 30, '2020-01-05', 'Nav'),
    (2, 'Kari', 'BGO', 41, '2023-06-01', 'Eng'), (3, 'Per', 'OSL', 25, '2021-03-09', 'Nav'),
    (4, 'Liv', 'TRD', 38, '2019-11-30', 'Deck');
INSERT INTO dock VALUES (1, 'North', 'Tromso', 10.5, 10, 1990),
    (2, 'South', 'Tromso', 4.0, 20, 1985),
    (3, 'East', 'Bodo', 7.5, 30, 2001), (4, 'West', 'Narvik', 1.0, 40, 1979),
    (5, 'Quay', 'Bodo', 2.0, 50, 1999), (6, 'Pier', 'Alta', 3.0, 60, 2010),
    (7, 'Fjord', 'Tromso', 0.0, 70, 1995);
CREATE TABLE berth (berth_id INTEGER PRIMARY KEY, berth_code TEXT, insured TEXT,
                    number_of_cranes INTEGER, days_on_top INTEGER, elevation INTEGER);
INSERT INTO berth VALUES (1, 'B1', 'Yes', 2, 3, 12), (2, 'B2', 'No', 4, 5, 4),
    (3, 'B3', 'Yes', 6, 7, 30), (4, 'B4', 'Yes', 1, 9, 8);
CREATE TABLE cargo (cargo_id INTEGER PRIMARY KEY, dock_id INTEGER REFERENCES dock(dock_id),
                    tonnes INTEGER);
INSERT INTO cargo VALUES (1, 1, 100), (2, 1, 50), (3, 2, 20), (4, 3, 7), (5, 5, 3);
CREATE TABLE hull_type (Hull TEXT PRIMARY KEY, HullType TEXT);
INSERT INTO hull_type VALUES ('Sloop', 'sail'), ('Ketch', 'sail'), ('Trawler', 'motor');
CREATE TABLE yacht (yacht_id INTEGER PRIMARY KEY, yacht_name TEXT,
                    Hull TEXT REFERENCES hull_type(Hull));
INSERT INTO yacht VALUES (1, 'Aurora', 'Sloop'), (2, 'Brisa', 'Ketch'), (3, 'Corvo', 'Trawler'),
    (4, 'Delfin', 'Sloop');
CREATE TABLE warden (warden_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
                     hired_year INTEGER);
INSERT INTO warden VALUES (1, 'Eli', 'Moe', 2001), (2, 'Una', 'Vik', 1995);
CREATE TABLE skipper (skipper_id INTEGER PRIMARY KEY, Firstname TEXT, Lastname TEXT);
CREATE TABLE voyage (voyage_id INTEGER PRIMARY KEY, title TEXT,
                     skipper_id INTEGER REFERENCES skipper(skipper_id));
INSERT INTO skipper VALUES (1, 'Rolf', 'Berg'), (2, 'Siri', 'Dahl');
INSERT INTO voyage VALUES (1, 'Dawn', 2), (2, 'Dusk', 1);
"""


@pytest.fixture(scope="module")
def harbour(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Parser, Source]]:
    with parser_over(tmp_path_factory.mktemp("harbour"), _HARBOUR, "harbour") as opened:
        yield opened


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # A code in capitals, as stored, is a value with no column word before it.
        ("How many sailors live in OSL or BGO?", [[3]]),
        # A verb of place before a group whose own words hold "in".
        ("How many sailors live in each city?", [["BGO", 1], ["OSL", 2], ["TRD", 1]]),
        # Each value of a column counted when its own count meets the condition.
        ("How many towns have more than 1 dock?", [[2]]),
        # "acc_bal" is the account balance.
        ("What is the total account balance of all docks?", [[28.0]]),
        # "total" of a column called "total berths", after another aggregate, is its name.
        ("What is the average and maximum total berths of docks?", [[40.0, 70]]),
        ("What is the average and maximum number of total berths of docks?", [[40.0, 70]]),
        # "the highest amount of" docks is the most of them.
        ("Which town has the highest amount of docks?", [["Tromso", 3]]),
    ],
)
def test_codes_places_and_values_counted_by_their_counts(
    harbour: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    harbour[0].reader.read(question)  # read by the readings, not only the business parser
    assert sorted(answer(harbour, question)[1]) == expected


def test_a_short_code_in_lower_case_is_not_a_value(harbour: tuple[Parser, Source]) -> None:
    with pytest.raises(Declined):
        harbour[0].reader.read("How many sailors live in osl?")


def test_values_counted_by_their_counts_are_titled_as_the_values(
    harbour: tuple[Parser, Source],
) -> None:
    columns, rows = answer(harbour, "How many towns have more than 1 dock?")
    assert columns == ["town_count"] and rows == [[2]]


@pytest.mark.parametrize(
    ("question", "name"),
    [
        # The rows' one date says when they were hired.
        ("Which sailor was hired most recently?", "Kari"),
        # A year column named by the verb right before "latest".
        ("Which dock was built latest?", "Pier"),
        # The oldest of things that have no age: the earliest of their one year.
        ("What is the name of the oldest dock?", "West"),
    ],
)
def test_a_verb_beside_most_recent_ranks_by_its_date(
    harbour: tuple[Parser, Source], question: str, name: str
) -> None:
    harbour[0].reader.read(question)
    _, rows = answer(harbour, question)
    assert rows[0][0] == name and len(rows) == 1  # the sailor's or dock's name first


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # Nothing of the docks asked for: one figure over their cargo.
        ("What is the total tonnes of docks in Tromso?", [[170]]),
        # Their names asked for beside it: one figure per dock.
        ("What are the names of the docks in Bodo, and what are their total tonnes?",
         [["East", 7], ["Quay", 3]]),
    ],
)
def test_a_figure_of_related_rows_is_one_unless_the_rows_are_shown(
    harbour: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    harbour[0].reader.read(question)
    columns, rows = answer(harbour, question)
    assert [[row[i] for i, c in enumerate(columns) if c != "dock_id"] for row in rows] == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which town appears the most often?", [["Tromso", 3]]),
        ("Which town is most widely used among all docks?", [["Tromso", 3]]),
        ("Show the different towns and the numbers of docks for each town.",
         [["Alta", 1], ["Bodo", 2], ["Narvik", 1], ["Tromso", 3]]),
        ("What is the total account balance of docks for the different towns?",
         [["Alta", 3.0], ["Bodo", 9.5], ["Narvik", 1.0], ["Tromso", 14.5]]),
        ("What are the towns and number of docks for that town?",
         [["Alta", 1], ["Bodo", 2], ["Narvik", 1], ["Tromso", 3]]),
        ("Find the town that is used by the most docks.", [["Tromso", 3]]),
        # "major" is a column here, though it may be a verb.
        ("What is the most common major of sailors?", [["Nav", 2]]),
        # Records and times count the rows themselves, per value.
        ("Which towns have more than 2 records?", [["Tromso", 3]]),
        ("Which majors were used less than 2 times?", [["Deck", 1], ["Eng", 1]]),
        # A table named after its own column: each hull type is that column's value.
        ("How many yachts are there for each hull type?", [["motor", 1], ["sail", 3]]),
    ],
)
def test_groups_and_frequencies_said_in_other_words(
    harbour: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    harbour[0].reader.read(question)
    assert sorted(answer(harbour, question)[1]) == expected


def test_named_before_a_value_is_a_verb_not_the_name_columns(
    harbour: tuple[Parser, Source],
) -> None:
    # (The skippers' first and last names are not what "named" names.)
    question = 'What is the last name of the skipper of the voyage named "Dawn"?'
    harbour[0].reader.read(question)
    assert answer(harbour, question)[1] == [["Dahl"]]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # A yes/no column said of the rows is its yes value, or its no value after "not".
        ("How many berths are insured?", [[3]]),
        ("How many berths are not insured?", [[1]]),
        ("How many insured berths are there?", [[3]]),
        # A column compared after "have" is a condition, not the thing counted.
        ("How many berths have number of cranes smaller than 3?", [[2]]),
        # "top" inside a column's name is that column, not a ranking.
        ("What are the maximum and minimum days on top of berths?", [[9, 3]]),
        # "altitude" is the elevation.
        ("What is the lowest altitude of berths?", [[4]]),
    ],
)
def test_yes_no_columns_and_compared_columns_are_conditions(
    harbour: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    harbour[0].reader.read(question)
    assert answer(harbour, question)[1] == expected


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Which docks have exactly one cargo?", ["East", "Quay", "South"]),
        ("Which docks have at most one cargo?", ["East", "Quay", "South"]),
    ],
)
def test_one_after_exactly_or_at_most_is_a_number(
    harbour: tuple[Parser, Source], question: str, names: list[str]
) -> None:
    harbour[0].reader.read(question)
    columns, rows = answer(harbour, question)
    assert sorted(row[columns.index("dock_name")] for row in rows) == names


def test_people_are_never_aged_by_another_year(harbour: tuple[Parser, Source]) -> None:
    # The warden hired first is not the oldest one.
    with pytest.raises(Declined):
        harbour[0].reader.read("What is the first name of the oldest warden?")


@pytest.mark.parametrize(
    ("question", "column", "values"),
    [
        # Beside a count per kind, "the description" is the kind's, not each glaze's own
        # (which would split the kinds' counts).
        ("List the description, code and the number of glazes for each glaze kind.",
         "description", ["glossy finish", "matte finish"]),
        # The glazes' own reference to their kind is that code: kept, with the glazes of
        # no listed kind.
        ("Give the kind code and corresponding count of glazes in each glaze kind.",
         "kind_code", ["GL", "MT", "XX"]),
    ],
)
def test_a_column_beside_a_figure_per_group_is_the_groups(
    tmp_path: Path, question: str, column: str, values: list[str]
) -> None:
    schema = """
    CREATE TABLE glaze_kind (kind_code TEXT PRIMARY KEY, description TEXT);
    CREATE TABLE glaze (glaze_id INTEGER PRIMARY KEY, glaze_name TEXT, description TEXT,
                        kind_code TEXT REFERENCES glaze_kind(kind_code));
    INSERT INTO glaze_kind VALUES ('GL', 'glossy finish'), ('MT', 'matte finish');
    INSERT INTO glaze VALUES (1, 'Celadon', 'pale green', 'GL'), (2, 'Tenmoku', 'dark', 'GL'),
        (3, 'Shino', 'white', 'MT'), (4, 'Raku', 'crackled', 'XX');
    """
    with parser_over(tmp_path, schema, "pottery") as opened:
        columns, rows = answer(opened, question)
    assert sorted(row[columns.index(column)] for row in rows) == values


FERRIES = """
CREATE TABLE ferry (ferry_id INTEGER PRIMARY KEY, ferry_no TEXT, built_yr INTEGER,
                    refit_date DATE, seats INTEGER);
CREATE TABLE crossing (crossing_id INTEGER PRIMARY KEY,
                       ferry_id INTEGER REFERENCES ferry(ferry_id), sailed_on DATE,
                       riders INTEGER);
INSERT INTO ferry VALUES (1, 'FX 12', 2001, '2020-05-01', 300),
    (2, 'FX 40', 2015, '2019-03-01', 120);
INSERT INTO crossing VALUES (1, 2, '2023-01-01', 50), (2, 2, '2024-01-02', 70),
    (3, 1, '2024-05-03', 200);
"""


@pytest.fixture(scope="module")
def ferries(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Parser, Source]]:
    with parser_over(tmp_path_factory.mktemp("ferries"), FERRIES, "strait") as opened:
        yield opened


def test_rows_labelled_by_a_number_are_listed_whole_and_ranked_by_it(
    ferries: tuple[Parser, Source],
) -> None:
    # "FX 40" names the ferry in a ranking...
    columns, rows = answer(ferries, "Which ferry made the most crossings?")
    assert rows[0][columns.index("ferry_no")] == "FX 40"
    # ... but a list of ferries shows all of a ferry, not its number alone.
    columns, _ = answer(ferries, "Show the 2 ferries with the most seats.")
    assert {"ferry_no", "seats", "built_yr"} <= set(columns)


def test_per_year_is_a_period_of_the_rows_own_date(ferries: tuple[Parser, Source]) -> None:
    # Ferries have a build year; "per year" of crossings is of the crossings' own date.
    with pytest.raises(Declined):
        ferries[0].reader.read("Number of crossings per year")
    _, rows = answer(ferries, "Number of crossings per year")
    assert [row[-1] for row in rows] == [1, 2]


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # A year after "in" is the year of the rows' one date, when they make a figure.
        ("How many crossings were there in 2024?", [[2]]),
        ("What is the total riders of crossings in 2024?", [[270]]),
    ],
)
def test_in_a_year_is_the_year_of_the_rows_own_date(
    ferries: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    ferries[0].reader.read(question)
    assert answer(ferries, question)[1] == rows


@pytest.mark.parametrize(
    "question",
    [
        # Ferries have a build year and a refit date: which one makes the newest?
        "Which ferries are the newest?",
        # "per ferry" of a column of the crossings: each ferry's total, averaged, is
        # the business parser's to read, not an average within each ferry.
        "What is the average number of riders per ferry?",
        # The year is the crossings', whose absence is asked about, not the ferries'.
        "How many ferries had no crossing in 2023?",
    ],
)
def test_not_read_so(ferries: tuple[Parser, Source], question: str) -> None:
    with pytest.raises(Declined):
        ferries[0].reader.read(question)


def test_the_newest_of_rows_with_a_year_and_a_date_is_asked_about(
    ferries: tuple[Parser, Source],
) -> None:
    assert ferries[0].understand("Which ferries are the newest?").query is None
    # "the latest" is by the rows' own date (their refit), as ever.
    columns, rows = answer(ferries, "Show the latest ferry.")
    assert [row[columns.index("ferry_no")] for row in rows] == ["FX 12"]


def test_the_earliest_and_the_latest_are_the_least_and_greatest(
    ferries: tuple[Parser, Source],
) -> None:
    _, rows = answer(ferries, "What are the earliest and the latest refit dates?")
    assert rows == [["2019-03-01", "2020-05-01"]]


def test_an_average_column_per_group_is_within_each_group(
    ferries: tuple[Parser, Source],
) -> None:
    # "the average riders per ferry" (not "the average number of riders per ferry"):
    # each ferry's crossings averaged.
    _, rows = answer(ferries, "What is the average riders per ferry?")
    assert sorted(row[-1] for row in rows) == [60.0, 200.0]


@pytest.mark.parametrize(
    ("question", "aggregations"),
    [
        # The business parser's reading too asks for both figures, in their order.
        ("the earliest and the latest refit dates of ferries this year", ["min", "max"]),
        ("maximum and minimum seats of ferries this year", ["max", "min"]),
        ("the latest refit date of ferries this year", ["max"]),
    ],
)
def test_two_figures_of_one_column_are_both_read_by_the_business_parser(
    ferries: tuple[Parser, Source], question: str, aggregations: list[str]
) -> None:
    reading = read_question(question, ferries[0].lexicon, dt.date(2026, 12, 1))
    assert [m.aggregation for m in reading.metrics] == aggregations
