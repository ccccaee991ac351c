"""Telegram customers: updates in, the gateway's replies out, robust to what Telegram sends."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import logging
import time
from functools import partial
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, List, Optional, TypeVar

from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.channels.base import (
    EDITED,
    TEXT_ONLY,
    ChannelError,
    ConversationLanguages,
    KeyedLocks,
    Reconnecting,
    answer,
    language_of,
    pick_language,
    split_text,
)
from bot.channels.base import MessageHandler as GatewayHandler
from bot.channels.config import TelegramConfig
from bot.gateway.requests import IncomingMessage, clean_text
from handoff.outbound import DeliveryFailed

logger = logging.getLogger(__name__)

T = TypeVar("T")
# Telegram's limit for one message's text.
MAX_TEXT = 4096
# A "typing…" indicator lasts 5 s; it is renewed this often while the bot works.
TYPING_EVERY_S = 4.0
# An agent waits for "delivered": outbound sends give up sooner than answers to a message.
OUTBOUND_GIVE_UP_S = 60.0
# Updates the channel asks for (chat_member must be asked for explicitly).
ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "my_chat_member",
    "chat_member",
]
CHANNEL = "telegram"


def conversation_id(chat_id: int) -> str:
    """``telegram:<chat_id>``, as DESIGN.md fixes it."""
    return f"{CHANNEL}:{chat_id}"


def chat_of(conversation: str) -> int:
    """The chat id in a ``telegram:<chat_id>`` conversation id."""
    prefix, _, chat = conversation.partition(":")
    if prefix != CHANNEL or not chat.lstrip("-").isdigit():
        raise ValueError(f"not a Telegram conversation id: {conversation!r}")
    return int(chat)


def _seconds(value: Any) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def keyboard(buttons: Optional[List[Dict[str, Any]]]) -> Optional[InlineKeyboardMarkup]:
    """Rasa buttons as an inline keyboard, one button per row."""
    if not buttons:
        return None
    rows = [
        [
            InlineKeyboardButton(
                str(b.get("title") or b.get("payload"))[:64], callback_data=str(b["payload"])
            )
        ]
        for b in buttons
        if b.get("payload") and len(str(b["payload"]).encode()) <= 64
    ]
    return InlineKeyboardMarkup(rows) if rows else None


class TelegramChannel(Reconnecting):
    """Runs a python-telegram-bot ``Application`` inside the gateway's event loop."""

    name = CHANNEL
    platform = "Telegram"
    transient = (NetworkError,)

    def __init__(
        self,
        config: TelegramConfig,
        gateway: GatewayHandler,
        store: ConversationLanguages,
        *,
        retry_initial_s: float = 1.0,
        retry_max_s: float = 30.0,
        give_up_after_s: float = 600.0,
        poll_timeout_s: float = 10.0,
    ) -> None:
        super().__init__(config.mode, config.api_base_url, retry_initial_s, retry_max_s)
        self.config = config
        self.gateway = gateway
        self.store = store
        self.give_up_after_s = give_up_after_s
        self.poll_timeout_s = poll_timeout_s
        self.application: Optional[Application] = None
        self.username: Optional[str] = None
        self._bot_id: Optional[int] = None
        self._locks = KeyedLocks()

    # -- life cycle --------------------------------------------------------------------

    def _build(self) -> Application:
        base = self.config.api_base_url
        builder = (
            Application.builder()
            .token(self.config.token)
            .base_url(f"{base}/bot")
            .base_file_url(f"{base}/file/bot")
            .concurrent_updates(64)
            .get_updates_read_timeout(self.poll_timeout_s + 10)
        )
        if self.config.mode == "webhook":
            builder = builder.updater(None)
        application = builder.build()
        self.register(application)
        return application

    def register(self, application: Application) -> None:
        """All handlers, in one place; the dedup check runs before every other one."""
        application.add_handler(TypeHandler(Update, self.drop_duplicates), group=-1)
        application.add_handler(CommandHandler("start", self.on_start))
        application.add_handler(CommandHandler("help", self.on_help))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, self.on_edited))
        application.add_handler(
            MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, self.on_unknown_command)
        )
        application.add_handler(
            MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, self.on_text)
        )
        application.add_handler(
            MessageHandler(
                filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                self.on_not_text,
            )
        )
        application.add_error_handler(self.on_error)

    async def _connect(self) -> None:
        """Check the token (getMe), then poll or set the webhook."""
        if self.application is None:
            self.application = self._build()
        application = self.application
        try:
            await application.initialize()  # getMe: proves the token
        except InvalidToken as exc:
            self._status = {"status": "error", "mode": self.config.mode, "detail": "token rejected"}
            raise ChannelError(
                f"Telegram: token rejected by the Bot API ({_status_code(exc)})"
            ) from None
        self.username = application.bot.username
        self._bot_id = application.bot.id
        if not application.running:  # a retry after a later step failed
            await application.start()
        if self.config.mode == "webhook":
            await application.bot.set_webhook(
                url=str(self.config.webhook_url),
                secret_token=self.config.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            assert application.updater is not None
            if application.updater.running:
                await application.updater.stop()
            await application.updater.start_polling(
                timeout=int(self.poll_timeout_s),
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=3,  # deleteWebhook may hit a network blip
                error_callback=self._polling_error,
            )
        self._running = True
        self._status = {"status": "ok", "mode": self.config.mode, "bot": f"@{self.username}"}
        logger.info(
            "Telegram: %s as @%s via %s", self.config.mode, self.username, self.config.api_base_url
        )

    def _polling_error(self, exc: TelegramError) -> None:
        """GetUpdates failed; python-telegram-bot retries with backoff, we only record it."""
        logger.warning("Telegram: polling failed (%s); retrying", exc)

    async def stop(self) -> None:
        """Stop polling and the handlers; a webhook stays set so Telegram keeps the updates."""
        await self._stop_retrying()
        application = self.application
        if application is None:
            return
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        with contextlib.suppress(TelegramError):
            await application.shutdown()
        self._running = False
        self._status = {"status": "stopped", "mode": self.config.mode}

    # -- webhook mode --------------------------------------------------------------------

    async def webhook(self, request: web.Request) -> web.Response:
        """``POST /telegram/webhook``: check Telegram's secret header, queue the update, 200."""
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        expected = self.config.webhook_secret or ""
        if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
            return web.json_response({"error": "wrong or missing secret token"}, status=403)
        application = self.application
        if application is None or not self._running:
            return web.json_response({"error": "the Telegram channel is starting"}, status=503)
        try:
            data = await request.json()
        except (ValueError, UnicodeDecodeError):
            return web.json_response({"error": "body is not JSON"}, status=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.json_response({"error": "not a Telegram update"}, status=400)
        try:
            update = Update.de_json(data, application.bot)
        except (KeyError, TypeError, ValueError) as exc:
            logger.warning("Telegram: update %s is malformed (%s)", data["update_id"], exc)
            return web.json_response({"error": "malformed update"}, status=400)
        await application.update_queue.put(update)  # handled after we answered
        return web.json_response({"ok": True})

    # -- handlers ------------------------------------------------------------------------

    async def drop_duplicates(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An update Telegram delivers again (retry, restart) is handled once."""
        if not self.store.first_delivery(f"{CHANNEL}:{self._bot_id}:{update.update_id}"):
            logger.info("Telegram: update %s delivered again; ignored", update.update_id)
            raise ApplicationHandlerStop

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/start``: a greeting in the user's Telegram language (en, de or da)."""
        await self._converse(update, "/greet")

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/help``: what the bot can do, in the conversation's language."""
        await self._converse(update, "/ask_capabilities")

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Any other ``/command`` is not an intent a customer may trigger: show the help."""
        await self._converse(update, "/ask_capabilities")

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A customer's text message."""
        message = update.effective_message
        assert message is not None and message.text is not None
        text = clean_text(self._without_mention(message.text))
        if text:
            await self._converse(update, text)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An inline button: answer the callback, retire the keyboard, send the payload."""
        query = update.callback_query
        assert query is not None
        with contextlib.suppress(TelegramError):
            await query.answer()
        message = query.message
        if isinstance(message, Message) and message.reply_markup is not None:
            with contextlib.suppress(TelegramError):
                await message.edit_reply_markup(reply_markup=None)
        if query.data:
            await self._converse(update, query.data, addressed=True)

    async def on_not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice, files, places: say politely that only text is read."""
        if self._addressed(update):
            await self._say(update, TEXT_ONLY)

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edit of an answered message: ask for a new message instead."""
        if self._addressed(update):
            await self._say(update, EDITED)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A handler failed: log it with the update; the channel keeps running."""
        update_id = update.update_id if isinstance(update, Update) else None
        logger.error("Telegram: handling update %s failed", update_id, exc_info=context.error)

    # -- helpers -------------------------------------------------------------------------

    def _addressed(self, update: Update) -> bool:
        """Private chats always; groups only when the bot is mentioned or replied to."""
        chat = update.effective_chat
        message = update.effective_message
        if chat is None or message is None:
            return False
        if chat.type == ChatType.PRIVATE:
            return True
        if chat.type == ChatType.CHANNEL:
            return False
        reply = message.reply_to_message
        if reply is not None and reply.from_user is not None and reply.from_user.id == self._bot_id:
            return True
        handle = f"@{self.username}".lower()
        for entity, value in message.parse_entities().items():
            if entity.type == "mention" and value.lower() == handle:
                return True
            if entity.type == "text_mention" and entity.user and entity.user.id == self._bot_id:
                return True
            if entity.type == "bot_command" and value.lower().endswith(handle):
                return True
        return False

    def _without_mention(self, text: str) -> str:
        if not self.username:
            return text
        handle = f"@{self.username}"
        index = text.lower().find(handle.lower())
        if index < 0:
            return text
        return (text[:index] + text[index + len(handle) :]).strip(" ,:")

    @staticmethod
    def _user_language(update: Update) -> Optional[str]:
        user = update.effective_user
        return language_of(user.language_code) if user is not None else None

    async def _converse(self, update: Update, text: str, addressed: bool = False) -> None:
        """Send ``text`` through the gateway and the replies back, in order per chat."""
        chat = update.effective_chat
        user = update.effective_user
        if chat is None or (not addressed and not self._addressed(update)):
            return
        conversation = conversation_id(chat.id)
        metadata: Dict[str, Any] = {"telegram": {"chat_type": chat.type}}
        language = self._user_language(update)
        if language:
            metadata["language"] = language
        if user is not None:
            metadata["customer_name"] = user.full_name
            metadata["telegram"].update(user_id=user.id, username=user.username)
        incoming = IncomingMessage(conversation, CHANNEL, text, metadata)
        reply_to = None
        if chat.type != ChatType.PRIVATE and update.effective_message is not None:
            reply_to = update.effective_message.message_id
        async with self._locks(conversation):
            async with self._typing(chat.id):
                fallback = pick_language(self.store, conversation, language)
                replies = await answer(self.gateway, incoming, fallback)
            await self._send_all(chat.id, replies, reply_to)

    async def _say(self, update: Update, texts: Dict[str, str]) -> None:
        """A reply the channel makes itself, in the conversation's (or user's) language."""
        chat = update.effective_chat
        if chat is None:
            return
        conversation = conversation_id(chat.id)
        language = pick_language(self.store, conversation, self._user_language(update))
        async with self._locks(conversation):
            await self._send_all(chat.id, [{"text": texts[language]}], None)

    @contextlib.asynccontextmanager
    async def _typing(self, chat_id: int) -> AsyncIterator[None]:
        """Show "typing…" until the block ends (best effort: a failure is not retried)."""
        assert self.application is not None
        bot = self.application.bot

        first = asyncio.Event()

        async def keep_typing() -> None:
            while True:
                try:
                    await bot.send_chat_action(chat_id, ChatAction.TYPING)
                except TelegramError as exc:
                    logger.debug("Telegram: typing indicator failed: %s", exc)
                first.set()
                await asyncio.sleep(TYPING_EVERY_S)

        task = asyncio.create_task(keep_typing())  # runs while the gateway works
        try:
            yield
        finally:
            # A fast answer must not overtake its own "typing…" (nor wait long for it).
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(first.wait(), 2.0)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def deliver(self, conversation: str, replies: List[Dict[str, Any]]) -> None:
        """The handoff's outbound route: agent replies, the survey, "I'm back"."""
        if not self._running:
            raise DeliveryFailed("Telegram is not connected")
        try:
            async with self._locks(conversation):
                await self._send_all(chat_of(conversation), replies, None, OUTBOUND_GIVE_UP_S)
        except TelegramError as exc:  # blocked by the user, chat gone, API down for a minute
            raise DeliveryFailed(f"Telegram: {exc}") from exc

    async def _send_all(
        self,
        chat_id: int,
        replies: List[Dict[str, Any]],
        reply_to: Optional[int],
        give_up_after_s: Optional[float] = None,
    ) -> None:
        """Each reply in order; long texts in parts, buttons under the last part."""
        assert self.application is not None
        bot = self.application.bot
        for reply in replies:
            parts = split_text(str(reply.get("text") or ""), MAX_TEXT)
            markup = keyboard(reply.get("buttons"))
            if not parts and markup is not None:
                parts = ["…"]
            for index, part in enumerate(parts):
                last = index == len(parts) - 1
                options: Dict[str, Any] = {}
                if last and markup is not None:
                    options["reply_markup"] = markup
                if reply_to is not None:
                    options["reply_parameters"] = ReplyParameters(
                        reply_to, allow_sending_without_reply=True
                    )
                await self._retrying(
                    "sendMessage", partial(bot.send_message, chat_id, part, **options)
                )

    async def _retrying(
        self, what: str, call: Callable[[], Awaitable[T]], give_up_after_s: Optional[float] = None
    ) -> T:
        """Call the Bot API; honour 429 ``retry_after``, retry network errors with backoff.

        Gives up (raises) only after ``give_up_after_s`` of failures, or at once on
        errors a retry cannot fix (bad request, blocked by the user).
        """
        delay = self.retry_initial_s
        deadline = time.monotonic() + (give_up_after_s or self.give_up_after_s)
        while True:
            try:
                return await call()
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after)
                if time.monotonic() + wait > deadline:
                    raise
                logger.warning("Telegram: %s rate limited; retrying in %.1f s as asked", what, wait)
                await asyncio.sleep(wait)
            except (BadRequest, Forbidden, InvalidToken):
                raise
            except (TimedOut, NetworkError) as exc:
                if time.monotonic() + delay > deadline:
                    raise
                logger.warning("Telegram: %s failed (%s); retrying in %.1f s", what, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_max_s)


def _status_code(exc: InvalidToken) -> str:
    """InvalidToken covers 401 and 404 from the Bot API; name which one, if we can."""
    text = str(exc)
    return "404" if "Not Found" in text else "401"
