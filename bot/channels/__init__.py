"""Chat channels the gateway runs besides REST: Telegram and Slack, switched on by their tokens."""

from __future__ import annotations

import logging
from typing import Any, Dict, Mapping

from aiohttp import web

from bot.channels.base import Channel, ChannelError, ConversationLanguages, MessageHandler
from bot.channels.config import SlackConfig, TelegramConfig
from handoff.outbound import OutboundRouter

logger = logging.getLogger(__name__)


class Channels:
    """The configured channels: their webhook routes, start/stop, health and outbound routes.

    A channel that is misconfigured or whose token is rejected is reported in one
    line and stays off; the others (and REST) keep running.
    """

    def __init__(
        self,
        env: Mapping[str, str],
        gateway: MessageHandler,
        store: ConversationLanguages,
        outbound: OutboundRouter,
    ) -> None:
        self.channels: Dict[str, Channel] = {}
        self.errors: Dict[str, str] = {}
        try:
            telegram = TelegramConfig.from_env(env)
            if telegram is not None:
                from bot.channels.telegram import TelegramChannel

                self.channels["telegram"] = TelegramChannel(telegram, gateway, store)
        except ChannelError as exc:
            self.errors["telegram"] = str(exc)
        try:
            slack = SlackConfig.from_env(env)
            if slack is not None:
                from bot.channels.slack import SlackChannel

                self.channels["slack"] = SlackChannel(slack, gateway, store)
        except ChannelError as exc:
            self.errors["slack"] = str(exc)
        for name, channel in self.channels.items():
            outbound.register(name, channel)

    def add_routes(self, app: web.Application) -> None:
        """``POST /telegram/webhook`` and ``POST /slack/events`` when those modes are on."""
        from bot.channels.slack import SlackChannel
        from bot.channels.telegram import TelegramChannel

        for channel in self.channels.values():
            if isinstance(channel, TelegramChannel) and channel.config.mode == "webhook":
                app.router.add_post("/telegram/webhook", channel.webhook)
            if isinstance(channel, SlackChannel) and channel.config.mode == "http":
                app.router.add_post("/slack/events", channel.events)

    async def start(self) -> None:
        """Start each channel; failures become one log line each."""
        for line in self.errors.values():
            logger.error("%s", line)
        for name, channel in list(self.channels.items()):
            try:
                await channel.start()
            except ChannelError as exc:
                self.errors[name] = str(exc)
                logger.error("%s", exc)

    async def stop(self) -> None:
        """Stop every channel (each at most once)."""
        for name, channel in self.channels.items():
            try:
                await channel.stop()
            except Exception:  # noqa: BLE001 - one channel must not block the others' stop
                logger.exception("%s: stopping failed", name)

    def health(self) -> Dict[str, Dict[str, Any]]:
        """One entry per configured channel for ``GET /health``."""
        report: Dict[str, Dict[str, Any]] = {}
        for name, line in self.errors.items():
            report[name] = {"status": "error", "detail": line}
        for name, channel in self.channels.items():
            if name not in report:
                report[name] = channel.health()
        return report
