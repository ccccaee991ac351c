"""Getting messages to a customer outside a request: agent replies, the survey, "I'm back"."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Protocol

from handoff.store import SqliteHandoffStore


class UnknownChannel(Exception):
    """No outbound route for this channel."""


class DeliveryFailed(Exception):
    """The channel could not deliver (platform down, bot blocked by the customer, ...)."""


class Outbound(Protocol):
    """Delivers replies to one channel's customers (Telegram, Slack, the REST outbox)."""

    async def deliver(self, conversation_id: str, replies: List[Dict[str, Any]]) -> None:
        """Send ``replies`` (gateway reply dicts) to the conversation's customer.

        Raises DeliveryFailed, with a reason an agent can read, when it cannot.
        """
        ...


class RestOutbox:
    """REST/web customers fetch their messages: ``GET /webhooks/rest/webhook/{sender}/messages``.

    Messages wait in the handoff database until fetched, so none is lost when the
    customer's page is closed. A fetch may wait (long polling) for the next one.
    """

    def __init__(self, store: SqliteHandoffStore, channel: str = "rest") -> None:
        self.store = store
        self.channel = channel
        self._waiting: Dict[str, asyncio.Event] = {}

    async def deliver(self, conversation_id: str, replies: List[Dict[str, Any]]) -> None:
        """Queue the replies and wake a waiting fetch."""
        for reply in replies:
            self.store.push_outbound(conversation_id, self.channel, reply)
        event = self._waiting.get(conversation_id)
        if event is not None:
            event.set()

    async def fetch(self, conversation_id: str, wait: float = 0.0) -> List[Dict[str, Any]]:
        """Undelivered messages, oldest first; waits up to ``wait`` seconds for one."""
        messages = self.store.take_outbound(conversation_id)
        if messages or wait <= 0:
            return messages
        event = self._waiting.setdefault(conversation_id, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), wait)
        except asyncio.TimeoutError:
            pass
        finally:
            if self._waiting.get(conversation_id) is event:
                del self._waiting[conversation_id]
        return self.store.take_outbound(conversation_id)


class OutboundRouter:
    """One ``Outbound`` per channel; the gateway delivers through this."""

    def __init__(self) -> None:
        self.routes: Dict[str, Outbound] = {}

    def register(self, channel: str, route: Outbound) -> None:
        """Deliver ``channel``'s messages with ``route``."""
        self.routes[channel] = route

    async def deliver(
        self, conversation_id: str, channel: str, replies: List[Dict[str, Any]]
    ) -> None:
        """Send replies to a customer on their own channel."""
        route = self.routes.get(channel)
        if route is None:
            raise UnknownChannel(f"no outbound route for channel {channel!r}")
        if replies:
            await route.deliver(conversation_id, replies)
