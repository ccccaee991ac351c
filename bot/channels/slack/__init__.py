"""The Slack channel (slack-bolt async): Socket Mode or HTTP events, through the gateway."""

from bot.channels.slack.channel import SlackChannel

__all__ = ["SlackChannel"]
