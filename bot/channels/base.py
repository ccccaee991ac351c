"""What every chat channel shares: the gateway it talks to, its life cycle, its health."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Protocol, Tuple, Type

from bot.gateway.rasa_client import RasaUnavailable
from bot.gateway.requests import IncomingMessage
from bot.language import DEFAULT_LANGUAGE, LANGUAGES

logger = logging.getLogger(__name__)

# Said when the assistant is down; the customer is asked to try again, never shown an error.
UNAVAILABLE = {
    "en": "Sorry, I can't answer right now. Please try again in a few minutes.",
    "de": (
        "Entschuldigung, ich kann gerade nicht antworten. "
        "Bitte versuch es in ein paar Minuten noch einmal."
    ),
    "da": "Beklager, jeg kan ikke svare lige nu. Prøv igen om et par minutter.",
}

# Non-text messages (stickers, photos, voice, files, places).
TEXT_ONLY = {
    "en": "Sorry, I can only read text. Please write your question in a message.",
    "de": "Entschuldigung, ich kann nur Text lesen. Bitte schreib deine Frage als Nachricht.",
    "da": "Beklager, jeg kan kun læse tekst. Skriv venligst dit spørgsmål som en besked.",
}

# An edited message: the bot answered the first version and does not follow edits.
EDITED = {
    "en": "I only see new messages, not edits. Please send the corrected text as a new message.",
    "de": (
        "Ich sehe nur neue Nachrichten, keine Änderungen. "
        "Bitte schick den korrigierten Text als neue Nachricht."
    ),
    "da": (
        "Jeg ser kun nye beskeder, ikke rettelser. "
        "Send venligst den rettede tekst som en ny besked."
    ),
}


class ChannelError(Exception):
    """A channel cannot start; the message is the one line an operator reads."""


class MessageHandler(Protocol):
    """The gateway as channels see it (``bot.gateway.app.Gateway``)."""

    async def handle(self, message: IncomingMessage) -> List[Dict[str, Any]]:
        """Replies to one customer message (none while a person has the conversation)."""
        ...


class ConversationLanguages(Protocol):
    """Where the gateway keeps each conversation's language and the events it has seen."""

    def language(self, conversation_id: str) -> Optional[str]:
        """The conversation's language, if known."""
        ...

    def first_delivery(self, key: str) -> bool:
        """True the first time ``key`` is seen; False for a duplicate."""
        ...


def language_of(code: Optional[str]) -> Optional[str]:
    """``"de-DE"``/``"de_DE"``/``"de"`` → ``"de"``; None unless en, de or da."""
    if not code:
        return None
    short = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    return short if short in LANGUAGES else None


def pick_language(
    store: ConversationLanguages, conversation_id: str, user_language: Optional[str]
) -> str:
    """For channel-made replies: the conversation's language, else the user's, else English."""
    return store.language(conversation_id) or user_language or DEFAULT_LANGUAGE


async def answer(
    gateway: MessageHandler, message: IncomingMessage, language: str
) -> List[Dict[str, Any]]:
    """The gateway's replies; an apology when the assistant is down (logged)."""
    try:
        return await gateway.handle(message)
    except RasaUnavailable as exc:
        logger.warning(
            "%s: the assistant is unavailable (%s); told conversation %s to retry",
            message.channel,
            exc,
            message.conversation_id,
        )
        return [{"text": UNAVAILABLE[language], "metadata": {"language": language}}]


def split_text(text: str, limit: int) -> List[str]:
    """Split ``text`` into parts of at most ``limit`` characters.

    Cuts at paragraph boundaries first, then at line ends, then between words;
    a single word longer than ``limit`` is cut hard.
    """
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    for separator in ("\n\n", "\n", " "):
        pieces = text.split(separator)
        if len(pieces) == 1:
            continue
        parts: List[str] = []
        current = ""
        for piece in pieces:
            candidate = f"{current}{separator}{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
                continue
            if current:
                parts.append(current)
            current = piece
        parts.append(current)
        out: List[str] = []
        for part in parts:  # a piece may still be too long: split it finer
            out.extend(split_text(part, limit) if len(part) > limit else [part.strip()])
        return [p for p in out if p]
    return [text[i : i + limit] for i in range(0, len(text), limit)]


class KeyedLocks:
    """One asyncio lock per conversation, so a chat's messages are handled in order.

    Bounded: locks of idle conversations are dropped once there are ``size`` of them.
    """

    def __init__(self, size: int = 10_000) -> None:
        self._locks: OrderedDict[str, asyncio.Lock] = OrderedDict()
        self._size = size

    def __call__(self, key: str) -> asyncio.Lock:
        """The lock of ``key``'s conversation."""
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._locks.move_to_end(key)
        while len(self._locks) > self._size:
            oldest, candidate = next(iter(self._locks.items()))
            if candidate.locked():
                break
            del self._locks[oldest]
        return lock


class Reconnecting:
    """Start-up shared by the channels: connect, or keep retrying while the platform is away.

    A subclass sets ``platform``, ``api_url``, ``transient`` (the errors of an
    unreachable API) and implements ``_connect()``, which sets ``_running``.
    """

    platform = "?"
    transient: Tuple[Type[BaseException], ...] = (OSError,)

    def __init__(self, mode: str, api_url: str, retry_initial_s: float, retry_max_s: float) -> None:
        self.mode = mode
        self.api_url = api_url
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = retry_max_s
        self._status: Dict[str, Any] = {"status": "starting", "mode": mode}
        self._running = False
        self._retry_task: Optional[asyncio.Task] = None

    async def _connect(self) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        """Connect; a rejected token raises ChannelError, an unreachable API is retried."""
        try:
            await self._connect()
        except self.transient as exc:
            self._status = {"status": "error", "mode": self.mode, "detail": str(exc)}
            logger.error(
                "%s: cannot reach the API at %s (%s); retrying in the background",
                self.platform,
                self.api_url,
                exc or type(exc).__name__,
            )
            self._retry_task = asyncio.create_task(self._connect_later())

    async def _connect_later(self) -> None:
        delay = self.retry_initial_s
        while not self._running:
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.retry_max_s)
            try:
                await self._connect()
            except self.transient as exc:
                self._status["detail"] = str(exc)
            except ChannelError as exc:
                logger.error("%s", exc)
                return

    async def _stop_retrying(self) -> None:
        if self._retry_task is not None:
            self._retry_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retry_task
            self._retry_task = None

    def health(self) -> Dict[str, Any]:
        """The channel's state for ``GET /health``."""
        return dict(self._status)


class Channel(Protocol):
    """A chat platform adapter run by the gateway."""

    name: str

    async def start(self) -> None:
        """Connect; raise ChannelError with one clear line when it cannot."""
        ...

    async def stop(self) -> None:
        """Disconnect cleanly."""
        ...

    def health(self) -> Dict[str, Any]:
        """``{"status": "ok"|"starting"|"error", ...}`` for ``GET /health``."""
        ...

    async def deliver(self, conversation_id: str, replies: List[Dict[str, Any]]) -> None:
        """Send replies outside a request (agent replies, the survey)."""
        ...
