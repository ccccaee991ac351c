"""TELEGRAM_* and SLACK_* settings: accepted values, and one clear line for each mistake."""

from __future__ import annotations

from typing import Dict

import pytest

from bot.channels import Channels
from bot.channels.base import ChannelError
from bot.channels.config import SLACK_API, TELEGRAM_API, SlackConfig, TelegramConfig
from bot.config import PROJECT_DIR, load_dotenv
from bot.gateway.conversations import ConversationStore
from handoff.outbound import OutboundRouter
from tests.channels.helpers import StubGateway

TOKEN = "123456:ABC-def_ghi"


def test_no_variables_means_no_channels() -> None:
    assert TelegramConfig.from_env({}) is None
    assert SlackConfig.from_env({}) is None


def test_telegram_defaults_to_polling_on_the_public_bot_api() -> None:
    config = TelegramConfig.from_env({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert config == TelegramConfig(TOKEN, "polling", None, None, TELEGRAM_API)


def test_telegram_base_url_accepts_a_trailing_bot_path() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot/"}
    config = TelegramConfig.from_env(env)
    assert config is not None and config.api_base_url == "http://127.0.0.1:8081"


def test_slack_mode_follows_the_app_token() -> None:
    socket = SlackConfig.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    http = SlackConfig.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"})
    assert socket is not None and socket.mode == "socket" and socket.api_url == SLACK_API
    assert http is not None and http.mode == "http"


@pytest.mark.parametrize(
    ("env", "line"),
    [
        (
            {"TELEGRAM_MODE": "webhook"},
            "Telegram: TELEGRAM_BOT_TOKEN is missing (TELEGRAM_MODE set); Telegram is off",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": "not-a-token"},
            "Telegram: TELEGRAM_BOT_TOKEN does not look like a bot token from BotFather "
            "(<digits>:<letters>); Telegram is off",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_MODE": "push"},
            "Telegram: TELEGRAM_MODE must be 'polling' or 'webhook', got 'push'; Telegram is off",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_MODE": "webhook"},
            "Telegram: TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_URL (the public HTTPS address "
            "of the gateway's /telegram/webhook); Telegram is off",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_MODE": "webhook",
                "TELEGRAM_WEBHOOK_URL": "http://bot.example.com/telegram/webhook",
                "TELEGRAM_WEBHOOK_SECRET": "s" * 20,
            },
            "Telegram: TELEGRAM_WEBHOOK_URL must be https:// (Telegram only calls HTTPS "
            "webhooks); Telegram is off",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_MODE": "webhook",
                "TELEGRAM_WEBHOOK_URL": "https://bot.example.com/telegram/webhook",
                "TELEGRAM_WEBHOOK_SECRET": "short",
            },
            "Telegram: TELEGRAM_WEBHOOK_SECRET must be 16-256 letters, digits, _ or - (it proves "
            "a request comes from Telegram); Telegram is off",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "api.telegram.org"},
            "Telegram: TELEGRAM_API_BASE_URL must be an http(s) URL, got 'api.telegram.org'",
        ),
    ],
)
def test_telegram_mistakes_are_one_line(env: Dict[str, str], line: str) -> None:
    with pytest.raises(ChannelError) as error:
        TelegramConfig.from_env(env)
    assert str(error.value) == line


@pytest.mark.parametrize(
    ("env", "line"),
    [
        (
            {"SLACK_APP_TOKEN": "xapp-1"},
            "Slack: SLACK_BOT_TOKEN is missing (SLACK_APP_TOKEN set); Slack is off",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxp-user-token"},
            "Slack: SLACK_BOT_TOKEN must be the app's bot token (xoxb-...); Slack is off",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-1"},
            "Slack: SLACK_APP_TOKEN must be an app-level token (xapp-...) with the "
            "connections:write scope; Slack is off",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1"},
            "Slack: HTTP events mode (no SLACK_APP_TOKEN) needs SLACK_SIGNING_SECRET; Slack is off",
        ),
    ],
)
def test_slack_mistakes_are_one_line(env: Dict[str, str], line: str) -> None:
    with pytest.raises(ChannelError) as error:
        SlackConfig.from_env(env)
    assert str(error.value) == line


def test_a_broken_channel_is_reported_and_the_other_still_registers() -> None:
    store = ConversationStore(None)
    outbound = OutboundRouter()
    env = {"TELEGRAM_BOT_TOKEN": "broken", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}
    channels = Channels(env, StubGateway(store), store, outbound)
    assert set(channels.channels) == {"slack"}
    assert set(outbound.routes) == {"slack"}
    health = channels.health()
    assert health["telegram"]["status"] == "error"
    assert health["telegram"]["detail"].startswith("Telegram: TELEGRAM_BOT_TOKEN does not look")
    assert health["slack"]["status"] == "starting"


def test_env_example_copied_as_is_switches_no_channel_on_and_reports_nothing() -> None:
    env: Dict[str, str] = {}
    load_dotenv(PROJECT_DIR / ".env.example", env)
    assert {"TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"} <= set(env)
    assert TelegramConfig.from_env(env) is None
    assert SlackConfig.from_env(env) is None
