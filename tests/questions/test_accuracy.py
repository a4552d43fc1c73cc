"""The engine's accuracy on the question sets may not fall below what it reached.

These run every question of every set through a real Parley (store, demo data, engine)
and score the answers with the harness, as bench/engine_accuracy.py does. The floors are
below the figures measured when they were set (docs/accuracy.md), so a change that makes
the engine answer wrongly more often fails here.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "holdout"))
sys.path.insert(0, str(HERE / "blind"))
sys.path.insert(0, str(HERE / "blind2"))
sys.path.insert(0, str(HERE / "blind3"))
sys.path.insert(0, str(HERE / "blind4"))
sys.path.insert(0, str(HERE / "blind6"))
sys.path.insert(0, str(HERE / "blind7"))
sys.path.insert(0, str(HERE / "blind8"))

from dealership_dataset import create_dealership_database  # noqa: E402
from harness import DuckDBReference, SQLiteReference, load_cases, run_case  # noqa: E402
from hr_dataset import create_hr_database  # noqa: E402
from inventory_dataset import create_inventory_database  # noqa: E402
from league_dataset import create_league_database  # noqa: E402
from logistics_dataset import create_logistics_database  # noqa: E402
from marketing_dataset import create_marketing_database  # noqa: E402
from mysql_reference import MySQLReference  # noqa: E402
from pg_reference import PostgresReference  # noqa: E402
from railway_dataset import create_railway_database  # noqa: E402
from saas_dataset import create_saas_database  # noqa: E402
from veterinary_dataset import create_veterinary_database  # noqa: E402

from parley.conversations.installation import Parley  # noqa: E402

#: set name -> (file, application, least share correct, most share wrong); no set may
#: answer more than 2% of its turns wrongly.
FLOORS = {
    "demo": (HERE / "demo.yaml", "demo", 0.97, 0.01),
    "hr": (HERE / "hr.yaml", "hr", 0.90, 0.02),
    "demo_holdout": (HERE / "holdout" / "demo_holdout.yaml", "demo", 0.92, 0.02),
    "logistics": (HERE / "holdout" / "logistics.yaml", "logistics", 0.87, 0.02),
    "saas": (HERE / "blind" / "saas.yaml", "saas", 0.75, 0.02),
    "inventory": (HERE / "blind2" / "inventory.yaml", "inventory", 0.72, 0.02),
    "marketing": (HERE / "blind3" / "marketing.yaml", "marketing", 0.65, 0.02),
    "veterinary": (HERE / "blind4" / "veterinary.yaml", "veterinary", 0.48, 0.02),
    "demo_business": (HERE / "blind5" / "demo_business.yaml", "demo", 0.70, 0.02),
    "dealership": (HERE / "blind6" / "dealership.yaml", "dealership", 0.50, 0.02),
    "railway": (HERE / "blind7" / "railway.yaml", "railway", 0.45, 0.02),
    "league": (HERE / "blind8" / "league.yaml", "league", 0.40, 0.02),
}
#: The sets that live on a database server of the machine, and where.
SERVER_SETS = {
    "inventory": (
        "postgresql://postgres@127.0.0.1:5432/parley_inventory_accuracy",
        create_inventory_database,
    ),
    "marketing": (
        "mysql://root@127.0.0.1:3306/parley_marketing_accuracy",
        create_marketing_database,
    ),
}


@pytest.fixture(scope="module")
def parley(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parley]:
    home = tmp_path_factory.mktemp("accuracy-home")
    engine = Parley.open(home)
    today = dt.date.today()
    create_hr_database(home / "hr.db", today=today)
    engine.add_source(f"sqlite:///{home / 'hr.db'}", name="hr")
    engine.create_application("hr", source="hr")
    create_logistics_database(home / "logistics.duckdb", today=today)
    engine.add_source(f"duckdb:///{home / 'logistics.duckdb'}", name="logistics")
    engine.create_application("logistics", source="logistics")
    create_saas_database(home / "saas.db", today=today)
    engine.add_source(f"sqlite:///{home / 'saas.db'}", name="saas")
    engine.create_application("saas", source="saas")
    create_veterinary_database(home / "veterinary.db", today=today)
    engine.add_source(f"sqlite:///{home / 'veterinary.db'}", name="veterinary")
    engine.create_application("veterinary", source="veterinary")
    create_dealership_database(home / "dealership.db", today=today)
    engine.add_source(f"sqlite:///{home / 'dealership.db'}", name="dealership")
    engine.create_application("dealership", source="dealership")
    create_railway_database(home / "railway.db")
    engine.add_source(f"sqlite:///{home / 'railway.db'}", name="railway")
    engine.create_application("railway", source="railway")
    create_league_database(home / "league.db")
    engine.add_source(f"sqlite:///{home / 'league.db'}", name="league")
    engine.create_application("league", source="league")
    for name, (url, create) in SERVER_SETS.items():
        try:
            create(url, today=today)
        except Exception as error:  # the set needs a database server of the machine
            print(f"{name} set unavailable: {error}")
        else:
            engine.add_source(url, name=name)
            engine.create_application(name, source=name)
    yield engine
    engine.close()


@pytest.mark.slow
@pytest.mark.parametrize("name", list(FLOORS))
def test_accuracy_floor(parley: Parley, name: str) -> None:
    path, app, least_correct, most_wrong = FLOORS[name]
    home = parley.settings.home
    if app in SERVER_SETS:
        url = SERVER_SETS[app][0]
        if app not in {s.name for s in parley.list_sources()}:
            pytest.skip(f"the database server of {url.split('@')[-1]} is not reachable")
        reference: Any = PostgresReference(url) if app == "inventory" else MySQLReference(url)
    elif app in {"hr", "saas", "veterinary", "dealership", "railway", "league"}:
        reference = SQLiteReference(home / f"{app}.db")
    else:
        reference = DuckDBReference(home / f"{app}.duckdb")
    outcomes: Counter[str] = Counter()
    misses: list[str] = []
    try:
        for case in load_cases(path, today=dt.date.today()):
            for turn in run_case(parley, case, app, reference).turns:
                outcomes[turn.outcome] += 1
                if turn.outcome == "wrong":
                    misses.append(f"{turn.question!r}: {turn.detail}")
    finally:
        if isinstance(reference, DuckDBReference):
            reference.close()
    total = sum(outcomes.values())
    assert outcomes["correct"] / total >= least_correct, (outcomes, misses)
    assert outcomes["wrong"] / total <= most_wrong, (outcomes, misses)
