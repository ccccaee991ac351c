"""A channel running in-process against the local platform servers, with a stand-in gateway.

The stand-in answers by simple rules, so these tests check the channel itself
(updates, retries, dedup, formatting); the tests in test_*_stack.py run the
same channels in the real bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, Callable, Dict, Iterator, List, Set

from aiohttp import web

from bot.gateway.conversations import ConversationStore
from bot.gateway.rasa_client import RasaUnavailable
from bot.gateway.requests import IncomingMessage
from bot.sandbox.server import ThreadedServer

GREETINGS = {
    "en": "Hi! How can I help?",
    "de": "Hallo! Wie kann ich helfen?",
    "da": "Hej! Hvordan kan jeg hjælpe?",
}
LONG = "\n\n".join(f"Paragraph {i}: " + " ".join(["word"] * 150) for i in range(12))  # 9,100 chars


class StubGateway:
    """Answers like the gateway would, by rules; records every message it got."""

    def __init__(self, store: ConversationStore) -> None:
        self.store = store
        self.received: List[IncomingMessage] = []
        self.delay_s = 0.0
        self.handed_off: Set[str] = set()
        self.unavailable = False

    async def handle(self, message: IncomingMessage) -> List[Dict[str, Any]]:
        self.received.append(message)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.unavailable:
            raise RasaUnavailable("connection refused")
        if message.conversation_id in self.handed_off:
            return []
        language = (
            self.store.language(message.conversation_id) or message.metadata.get("language") or "en"
        )
        self.store.remember(message.conversation_id, message.channel, language)
        text = message.text
        if text == "/greet":
            return [{"text": GREETINGS[language], "metadata": {"language": language}}]
        if text == "/ask_capabilities":
            return [
                {
                    "text": "I answer questions about your account.",
                    "metadata": {"language": language},
                }
            ]
        if text == "buttons please":
            return [
                {
                    "text": "Did that help?",
                    "buttons": [
                        {"title": "Yes", "payload": "/affirm"},
                        {"title": "No", "payload": "/deny"},
                    ],
                    "metadata": {"language": language},
                }
            ]
        if text == "long please":
            return [{"text": LONG, "metadata": {"language": language}}]
        return [{"text": f"you said: {text}", "metadata": {"language": language}}]

    def texts(self) -> List[str]:
        return [m.text for m in self.received]


class Harness:
    """The channel's own event loop and HTTP routes (like the gateway's), driven from sync tests."""

    def __init__(self) -> None:
        self.channel: Any = None
        self.app = web.Application()
        self.app.router.add_post("/telegram/webhook", self._telegram)
        self.app.router.add_post("/slack/events", self._slack)
        self.server = ThreadedServer(self.app).start()
        self.store = ConversationStore(None)
        self.gateway = StubGateway(self.store)

    async def _telegram(self, request: web.Request) -> web.StreamResponse:
        return await self.channel.webhook(request)

    async def _slack(self, request: web.Request) -> web.StreamResponse:
        return await self.channel.events(request)

    def run(self, coro: Any, timeout: float = 60.0) -> Any:
        return self.server.run(coro, timeout)

    def start(self, channel: Any) -> Any:
        """Start ``channel`` on the harness loop (errors propagate)."""
        self.channel = channel
        self.run(channel.start())
        return channel

    def stop(self) -> None:
        if self.channel is not None:
            self.run(self.channel.stop())  # idempotent
        self.server.stop()


@contextlib.contextmanager
def serving(api: Any) -> Iterator[Any]:
    """A local platform API (TelegramApi, SlackApi) on a loopback port; ``api.url`` is set."""
    server = ThreadedServer(api.app).start()
    api.url = server.url
    try:
        yield api
    finally:
        server.stop()


def wait_until(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(f"timed out waiting for {what}")
