"""Negation through relationships, read from the question's grammar: "artists that do not
have any album", "students without allergies", "courses that no student attended",
"students who do not have a food allergy" (and its positive form, "artists that have at
least one album"). Each question is answered on a small database
and its rows checked; the questions a negation makes ambiguous are declined."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from parley.engine.nl.parser import Parser
from parley.engine.nl.readings import Declined, Reader
from parley.engine.orchestrator import Workspace, statement_for
from parley.engine.semantic.derive import derive_ontology
from parley.sources.base import Source
from parley.sources.connect import connect

#: Drake has no album. Dee has no allergy; Ann has a food and an animal allergy. Two link
#: tables join students to courses (registered, attended): Chemistry has neither, Dee and
#: Bob registered but never attended. People are wed in two roles (husband, wife).
SCHEMA = """
CREATE TABLE artists (artist_id INTEGER PRIMARY KEY, name TEXT, country TEXT);
CREATE TABLE albums (album_id INTEGER PRIMARY KEY, title TEXT, year INTEGER,
                     artist_id INTEGER REFERENCES artists(artist_id));
CREATE TABLE students (stu_id INTEGER PRIMARY KEY, name TEXT, age INTEGER);
CREATE TABLE allergies (allergy_name TEXT PRIMARY KEY, allergy_type TEXT);
CREATE TABLE student_allergies (stu_id INTEGER REFERENCES students(stu_id),
                                allergy_name TEXT REFERENCES allergies(allergy_name));
CREATE TABLE courses (course_id INTEGER PRIMARY KEY, title TEXT);
CREATE TABLE registrations (stu_id INTEGER REFERENCES students(stu_id),
                            course_id INTEGER REFERENCES courses(course_id));
CREATE TABLE attendances (stu_id INTEGER REFERENCES students(stu_id),
                          course_id INTEGER REFERENCES courses(course_id));
CREATE TABLE people (person_id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE weddings (wedding_id INTEGER PRIMARY KEY, year INTEGER,
                       husband_id INTEGER REFERENCES people(person_id),
                       wife_id INTEGER REFERENCES people(person_id));
INSERT INTO artists VALUES (1, 'Adele', 'UK'), (2, 'Bjork', 'Iceland'), (3, 'Cher', 'USA'),
                           (4, 'Drake', 'Canada');
INSERT INTO albums VALUES (1, 'Nineteen', 2008, 1), (2, 'Debut', 1993, 2), (3, 'Post', 1995, 2),
                          (4, 'Believe', 1998, 3);
INSERT INTO students VALUES (1, 'Ann', 20), (2, 'Bob', 19), (3, 'Cid', 22), (4, 'Dee', 18),
                            (5, 'Eve', 21);
INSERT INTO allergies VALUES ('Peanut', 'food'), ('Milk', 'food'), ('Cat', 'animal'),
                             ('Pollen', 'environmental');
INSERT INTO student_allergies VALUES (1, 'Peanut'), (1, 'Cat'), (2, 'Cat'), (3, 'Milk'),
                                     (5, 'Pollen');
INSERT INTO courses VALUES (1, 'Algebra'), (2, 'Biology'), (3, 'Chemistry');
INSERT INTO registrations VALUES (1, 1), (2, 1), (3, 2), (4, 2);
INSERT INTO attendances VALUES (1, 1), (3, 2);
INSERT INTO people VALUES (1, 'Al'), (2, 'Bea'), (3, 'Cy');
INSERT INTO weddings VALUES (1, 2010, 1, 2);
"""


@pytest.fixture(scope="module")
def music(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Parser, Source]]:
    path = Path(tmp_path_factory.mktemp("negation")) / "music.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(SCHEMA)
    source = connect(f"sqlite:///{path}", name="music")
    yield Parser(derive_ontology(source.introspect(), source="music")), source
    source.close()


def rows_of(music: tuple[Parser, Source], question: str) -> list[tuple[Any, ...]]:
    parser, source = music
    understanding = parser.understand(question)
    assert understanding.query is not None, (question, understanding.problem)
    workspace = Workspace(name="music", ontology=parser.ontology, parser=parser, source=source)
    guarded, _ = statement_for(workspace, understanding.query)
    return [tuple(row) for row in source.execute(guarded.sql, max_rows=100, timeout_s=5).rows]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # "do/does/did not have (any) Y", "have no Y", "without (any) Y".
        ("How many artists do not have any album?", [(1,)]),
        ("Find the names of artists that do not have any albums.", [("Drake",)]),
        ("Which artists have no albums?", [("Drake",)]),
        ("What are the names of artists without albums?", [("Drake",)]),
        ("Count the artists without any album.", [(1,)]),
        # A verb between: "have not released any Y", "never attended a Y".
        ("Show the names of artists who have not released any album.", [("Drake",)]),
        # The verb names the link it means: attendances, not registrations.
        ("How many students never attended a course?", [(3,)]),
        ("List the names of courses that no student attended.", [("Chemistry",)]),
        # Aggregates over the rows that have none.
        ("What is the average age of students who do not have any allergy?", [(18.0,)]),
        ("What is the average age of students who have never attended any course?",
         [(58 / 3,)]),  # Bob, Dee and Eve
        # A value of the related rows denied: no related row has it.
        ("What are the names of students who do not have any food allergy?",
         [("Bob",), ("Dee",), ("Eve",)]),
        ("How many students have no allergy to food?", [(3,)]),
        ("Which students have no allergy to food or animal?", [("Dee",), ("Eve",)]),
        ("What are the names of students who are not allergic to cats?",
         [("Cid",), ("Dee",), ("Eve",)]),
        # The positive form, of a figure of the rows: some related row exists.
        ("How many artists have at least one album?", [(3,)]),
    ],
)
def test_negations_of_a_relation_are_answered(
    music: tuple[Parser, Source], question: str, expected: list[tuple[Any, ...]]
) -> None:
    assert sorted(rows_of(music, question)) == sorted(expected)


@pytest.mark.parametrize(
    ("question", "description"),
    [
        ("How many artists do not have any album?", "number of artists; with no albums"),
        ("What are the names of students who do not have any food allergy?",
         "student name of students; with no allergy type food"),
        ("Which students have no allergy to food or animal?",
         "student name of students; with no allergy type food or animal"),
        ("How many artists have at least one album?", "number of artists; with some albums"),
    ],
)
def test_a_negation_is_said_in_words(
    music: tuple[Parser, Source], question: str, description: str
) -> None:
    parser, _ = music
    assert Reader(parser.ontology, parser.lexicon).read(question).description == description


@pytest.mark.parametrize(
    ("question", "why"),
    [
        # Two link tables join students to courses; "took" names neither.
        ("How many students never took a course?", "which link"),
        ("Which courses have no students?", "which link"),
        # People are wed as husbands or as wives.
        ("Which people do not have a wedding?", "which role"),
        # A verb that is not a relation may change the meaning ("return", "burn").
        ("Which artists did not burn any album?", "unknown verb"),
        # A negation of a comparison or a count is not "no related row".
        ("How many artists do not have more than 1 album?", "count"),
        ("Which artists have no album with title 'Debut' and year 1993?", "two conditions"),
    ],
)
def test_negations_that_could_mean_two_things_are_declined(
    music: tuple[Parser, Source], question: str, why: str
) -> None:
    parser, _ = music
    with pytest.raises(Declined):
        Reader(parser.ontology, parser.lexicon).read(question)
    assert parser.understand(question).query is None, why
