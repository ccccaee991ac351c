"""Settings from the environment and .env (bot/config.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_dotenv


def test_defaults_without_environment() -> None:
    s = Settings.from_env({})
    assert (s.host, s.port, s.rasa_port, s.actions_port) == ("127.0.0.1", 8000, 5005, 5055)
    assert s.gateway_url == "http://127.0.0.1:8000"


def test_values_from_environment(tmp_path: Path) -> None:
    s = Settings.from_env(
        {
            "SUPPORTBOT_PORT": "9000",
            "SUPPORTBOT_DATA_DIR": str(tmp_path),
            "SUPPORTBOT_HOST": "0.0.0.0",
        }
    )
    assert s.port == 9000 and s.data_dir == tmp_path and s.gateway_url == "http://127.0.0.1:9000"


@pytest.mark.parametrize(
    "env,message",
    [
        ({"SUPPORTBOT_PORT": "abc"}, "SUPPORTBOT_PORT must be a whole number"),
        ({"SUPPORTBOT_PORT": "70000"}, "between 0 and 65535"),
        ({"SUPPORTBOT_RASA_TIMEOUT": "-1"}, "must be positive"),
        ({"SUPPORTBOT_LOG_LEVEL": "LOUD"}, "SUPPORTBOT_LOG_LEVEL"),
    ],
)
def test_bad_values_name_the_variable(env: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_dotenv_fills_only_unset_variables(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(
        "# comment\nSUPPORTBOT_PORT=9001\nexport SUPPORTBOT_HOST='0.0.0.0'\n\n"
        'SUPPORTBOT_RASA_PORT="6000"\n'
    )
    env = {"SUPPORTBOT_RASA_PORT": "7000"}
    assert load_dotenv(path, env) == ["SUPPORTBOT_PORT", "SUPPORTBOT_HOST"]
    assert env == {
        "SUPPORTBOT_RASA_PORT": "7000",
        "SUPPORTBOT_PORT": "9001",
        "SUPPORTBOT_HOST": "0.0.0.0",
    }


def test_dotenv_reports_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("GOOD=1\nthis is not an assignment\n")
    with pytest.raises(ConfigError, match=r"\.env:2"):
        load_dotenv(path, {})


def test_missing_dotenv_is_fine(tmp_path: Path) -> None:
    assert load_dotenv(tmp_path / ".env", {}) == []
