"""Settings: the environment, an optional file, one documented table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from parley.config import ConfigError, Settings

DOCS = Path(__file__).parent.parent / "docs" / "configuration.md"


def test_the_defaults_live_in_home(tmp_path: Path) -> None:
    settings = Settings.from_env({}, home=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'parley.db'}"
    assert (settings.max_rows, settings.query_timeout_s, settings.log_format) == (5000, 30, "text")


def test_a_file_is_read_and_the_environment_wins_over_it(tmp_path: Path) -> None:
    file = tmp_path / "parley.env"
    file.write_text(
        "PARLEY_MAX_ROWS=100\nPARLEY_QUERY_TIMEOUT=7\nPARLEY_LOG_FORMAT=json\n"
        "PARLEY_CORS_ORIGINS=https://a.example, https://b.example\n",
        encoding="utf-8",
    )
    env = {"PARLEY_CONFIG_FILE": str(file), "PARLEY_MAX_ROWS": "200"}
    settings = Settings.from_env(env, home=tmp_path)
    assert settings.max_rows == 200
    assert settings.query_timeout_s == 7
    assert settings.log_format == "json"
    assert settings.cors_origins == ["https://a.example", "https://b.example"]


@pytest.mark.parametrize(
    ("env", "field"),
    [
        ({"PARLEY_MAX_ROWS": "many"}, "PARLEY_MAX_ROWS"),
        ({"PARLEY_QUERY_TIMEOUT": "-1"}, "PARLEY_QUERY_TIMEOUT"),
        ({"PARLEY_LOG_FORMAT": "xml"}, "PARLEY_LOG_FORMAT"),
    ],
)
def test_a_bad_value_names_its_variable(env: dict[str, str], field: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=field):
        Settings.from_env(env, home=tmp_path)


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a file"):
        Settings.from_env({"PARLEY_CONFIG_FILE": str(tmp_path / "nope.env")}, home=tmp_path)


def test_secrets_stay_out_of_the_repr(tmp_path: Path) -> None:
    secret = "s" * 40
    settings = Settings.from_env(
        {"PARLEY_JWT_SECRET": secret, "PARLEY_SECRET_KEY": secret}, home=tmp_path
    )
    assert settings.jwt_secret == secret
    assert secret not in repr(settings)


def test_every_setting_is_in_the_documented_table(tmp_path: Path) -> None:
    documented = set(re.findall(r"`(PARLEY_[A-Z_]+)`", DOCS.read_text(encoding="utf-8")))
    variables = set(Settings.from_env({}, home=tmp_path).environ()) | {
        "PARLEY_JWT_SECRET",
        "PARLEY_SECRET_KEY",
        "PARLEY_SECRET_KEY_PREVIOUS",
        "PARLEY_JWT_PRIVATE_KEY",
        "PARLEY_JWT_PUBLIC_KEY",
        "PARLEY_JWT_JWKS",
        "PARLEY_FRAME_ANCESTORS",
        "PARLEY_CONFIG_FILE",
    }
    assert variables - documented == set()
