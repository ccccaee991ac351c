"""The Telegram channel (python-telegram-bot 22): polling or webhook, through the gateway."""

from bot.channels.telegram.channel import TelegramChannel

__all__ = ["TelegramChannel"]
