"""Channel settings from TELEGRAM_* and SLACK_* variables, checked with one clear line each."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Optional
from urllib.parse import urlparse

from bot.channels.base import ChannelError

TELEGRAM_API = "https://api.telegram.org"
SLACK_API = "https://slack.com/api/"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _get(env: Mapping[str, str], name: str) -> str:
    return (env.get(name) or "").strip()


def _http_url(value: str, what: str, platform: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise ChannelError(f"{platform}: {what} must be an http(s) URL, got {value!r}")
    return value


@dataclass(frozen=True)
class TelegramConfig:
    """How the Telegram channel connects (see .env.example)."""

    token: str
    mode: str = "polling"
    webhook_url: Optional[str] = None
    webhook_secret: Optional[str] = None
    api_base_url: str = TELEGRAM_API

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Optional[TelegramConfig]:
        """None when Telegram is not configured; ChannelError when misconfigured."""
        token = _get(env, "TELEGRAM_BOT_TOKEN")
        if not token:
            others = [k for k in env if k.startswith("TELEGRAM_") and _get(env, k)]
            if others:
                raise ChannelError(
                    f"Telegram: TELEGRAM_BOT_TOKEN is missing ({', '.join(sorted(others))} "
                    "set); Telegram is off"
                )
            return None
        if not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", token):
            raise ChannelError(
                "Telegram: TELEGRAM_BOT_TOKEN does not look like a bot token from BotFather "
                "(<digits>:<letters>); Telegram is off"
            )
        mode = (_get(env, "TELEGRAM_MODE") or "polling").lower()
        if mode not in {"polling", "webhook"}:
            raise ChannelError(
                f"Telegram: TELEGRAM_MODE must be 'polling' or 'webhook', got {mode!r}; "
                "Telegram is off"
            )
        base = _get(env, "TELEGRAM_API_BASE_URL") or TELEGRAM_API
        base = _http_url(base, "TELEGRAM_API_BASE_URL", "Telegram").rstrip("/")
        if base.endswith("/bot"):
            base = base[: -len("/bot")]
        url = _get(env, "TELEGRAM_WEBHOOK_URL") or None
        secret = _get(env, "TELEGRAM_WEBHOOK_SECRET") or None
        if mode == "webhook":
            if not url:
                raise ChannelError(
                    "Telegram: TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_URL (the public "
                    "HTTPS address of the gateway's /telegram/webhook); Telegram is off"
                )
            parsed = urlparse(_http_url(url, "TELEGRAM_WEBHOOK_URL", "Telegram"))
            if parsed.scheme != "https" and parsed.hostname not in _LOOPBACK:
                raise ChannelError(
                    "Telegram: TELEGRAM_WEBHOOK_URL must be https:// (Telegram only calls "
                    "HTTPS webhooks); Telegram is off"
                )
            if not secret or not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", secret):
                raise ChannelError(
                    "Telegram: TELEGRAM_WEBHOOK_SECRET must be 16-256 letters, digits, _ or - "
                    "(it proves a request comes from Telegram); Telegram is off"
                )
        return cls(token, mode, url, secret, base)


@dataclass(frozen=True)
class SlackConfig:
    """How the Slack channel connects (see .env.example)."""

    bot_token: str
    app_token: Optional[str] = None
    signing_secret: Optional[str] = None
    api_url: str = SLACK_API

    @property
    def mode(self) -> str:
        """``socket`` with an app token, else ``http`` (events at POST /slack/events)."""
        return "socket" if self.app_token else "http"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Optional[SlackConfig]:
        """None when Slack is not configured; ChannelError when misconfigured."""
        bot_token = _get(env, "SLACK_BOT_TOKEN")
        if not bot_token:
            others = [k for k in env if k.startswith("SLACK_") and _get(env, k)]
            if others:
                raise ChannelError(
                    f"Slack: SLACK_BOT_TOKEN is missing ({', '.join(sorted(others))} set); "
                    "Slack is off"
                )
            return None
        if not bot_token.startswith("xoxb-"):
            raise ChannelError(
                "Slack: SLACK_BOT_TOKEN must be the app's bot token (xoxb-...); Slack is off"
            )
        app_token = _get(env, "SLACK_APP_TOKEN") or None
        if app_token is not None and not app_token.startswith("xapp-"):
            raise ChannelError(
                "Slack: SLACK_APP_TOKEN must be an app-level token (xapp-...) with the "
                "connections:write scope; Slack is off"
            )
        secret = _get(env, "SLACK_SIGNING_SECRET") or None
        if app_token is None and not secret:
            raise ChannelError(
                "Slack: HTTP events mode (no SLACK_APP_TOKEN) needs SLACK_SIGNING_SECRET; "
                "Slack is off"
            )
        api_url = _get(env, "SLACK_API_URL") or SLACK_API
        api_url = _http_url(api_url, "SLACK_API_URL", "Slack").rstrip("/") + "/"
        return cls(bot_token, app_token, secret, api_url)
