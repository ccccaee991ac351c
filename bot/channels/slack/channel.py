"""Slack customers: DMs and @mentions in, answers in the thread, one conversation per thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any, Dict, List, Optional, Tuple

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.base import (
    TEXT_ONLY,
    ChannelError,
    ConversationLanguages,
    KeyedLocks,
    Reconnecting,
    answer,
    language_of,
    pick_language,
)
from bot.channels.base import MessageHandler as GatewayHandler
from bot.channels.config import SlackConfig
from bot.channels.slack import format as slack_format
from bot.gateway.requests import IncomingMessage, clean_text
from bot.recent import Recent
from handoff.outbound import DeliveryFailed

logger = logging.getLogger(__name__)

CHANNEL = "slack"
# Message subtypes that are a customer writing; everything else (edits, deletions,
# joins, bot messages, ...) is ignored.
CUSTOMER_SUBTYPES = {None, "file_share", "thread_broadcast"}
# Web API errors that mean the token is wrong, not that Slack is down.
AUTH_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(\|[^>]*)?>")


def api_error(exc: SlackApiError) -> str:
    """The Web API's error code (``invalid_auth``), or the HTTP status when there is none."""
    data = exc.response.data
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"HTTP {exc.response.status_code}"


def conversation_id(team: str, channel: str, thread_ts: str) -> str:
    """``slack:<team>:<channel>:<thread_ts>``: one conversation per thread (DESIGN.md)."""
    return f"{CHANNEL}:{team}:{channel}:{thread_ts}"


def thread_of(conversation: str) -> Tuple[str, str, str]:
    """(team, channel, thread_ts) of a Slack conversation id."""
    parts = conversation.split(":")
    if len(parts) != 4 or parts[0] != CHANNEL or not all(parts[1:]):
        raise ValueError(f"not a Slack conversation id: {conversation!r}")
    return parts[1], parts[2], parts[3]


class SlackChannel(Reconnecting):
    """A slack-bolt ``AsyncApp`` run inside the gateway: Socket Mode or ``POST /slack/events``."""

    name = CHANNEL
    platform = "Slack"
    transient = (aiohttp.ClientError, asyncio.TimeoutError, OSError)

    def __init__(
        self,
        config: SlackConfig,
        gateway: GatewayHandler,
        store: ConversationLanguages,
        *,
        retry_initial_s: float = 1.0,
        retry_max_s: float = 30.0,
    ) -> None:
        super().__init__(config.mode, config.api_url, retry_initial_s, retry_max_s)
        self.config = config
        self.gateway = gateway
        self.store = store
        self.client = AsyncWebClient(
            token=config.bot_token,
            base_url=config.api_url,
            retry_handlers=[
                AsyncConnectionErrorRetryHandler(max_retry_count=3),
                AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            ],
        )
        self.app = AsyncApp(
            client=self.client,
            signing_secret=config.signing_secret,
            request_verification_enabled=config.mode == "http",
            process_before_response=False,  # ack at once, answer afterwards
        )
        self.register(self.app)
        self.team_id: Optional[str] = None
        self.bot_user_id: Optional[str] = None
        self.bot_id: Optional[str] = None
        self._socket: Optional[AsyncSocketModeHandler] = None
        self._locks = KeyedLocks()
        self._users: Recent[str, Tuple[Optional[str], Optional[str]]] = Recent(5000)
        self._channel_types: Dict[str, str] = {}

    def register(self, app: AsyncApp) -> None:
        """All listeners, in one place."""
        app.event("app_mention")(self.on_mention)
        app.event("message")(self.on_message)
        app.action(slack_format.BUTTON_ACTION)(self.on_button)

    # -- life cycle --------------------------------------------------------------------

    async def _connect(self) -> None:
        """Check the token (auth.test), then connect Socket Mode or wait for HTTP events."""
        try:
            auth = await self.client.auth_test()
        except SlackApiError as exc:
            raise self._rejected(exc, "token") from None
        self.team_id = auth.get("team_id")
        self.bot_user_id = auth.get("user_id")
        self.bot_id = auth.get("bot_id")
        if self.config.mode == "socket":
            # Check the app token first: slack_sdk would retry a rejected one forever.
            try:
                await self.client.apps_connections_open(app_token=str(self.config.app_token))
            except SlackApiError as exc:
                raise self._rejected(exc, "app-level token") from None
            self._socket = AsyncSocketModeHandler(
                self.app, self.config.app_token, web_client=self.client
            )
            await self._socket.connect_async()
        self._running = True
        self._status = {"status": "ok", "mode": self.config.mode, "team": self.team_id}
        logger.info(
            "Slack: %s as %s in team %s via %s",
            "Socket Mode" if self.config.mode == "socket" else "HTTP events at POST /slack/events",
            self.bot_user_id,
            self.team_id,
            self.config.api_url,
        )

    def _rejected(self, exc: SlackApiError, what: str) -> ChannelError:
        error = api_error(exc)
        self._status = {"status": "error", "mode": self.config.mode, "detail": error}
        if error in AUTH_ERRORS:
            return ChannelError(f"Slack: {what} rejected by the Web API ({error})")
        return ChannelError(f"Slack: the Web API refused to connect ({error})")

    async def stop(self) -> None:
        """Close the Socket Mode connection; HTTP events simply stop being accepted."""
        await self._stop_retrying()
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        self._running = False
        self._status = {"status": "stopped", "mode": self.config.mode}

    # -- HTTP events mode ------------------------------------------------------------------

    async def events(self, request: web.Request) -> web.Response:
        """``POST /slack/events``: bolt checks the signature (401) and acks at once."""
        if not self._running:
            return web.json_response({"error": "the Slack channel is starting"}, status=503)
        response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    # -- listeners -----------------------------------------------------------------------

    async def on_mention(self, event: Dict[str, Any], body: Dict[str, Any]) -> None:
        """``@bot …`` in a channel: answered in the message's thread."""
        if event.get("bot_id") or event.get("user") in {None, self.bot_user_id}:
            return
        await self._customer_message(event, body)

    async def on_message(self, event: Dict[str, Any], body: Dict[str, Any]) -> None:
        """A DM, or a reply in a channel thread the bot already talks in."""
        if event.get("subtype") not in CUSTOMER_SUBTYPES:
            return  # edits, deletions, joins, other bots' posts
        if event.get("bot_id") or event.get("user") in {None, self.bot_user_id}:
            return  # bots, including this one
        channel = str(event.get("channel") or "")
        kind = event.get("channel_type") or await self._channel_type(channel)
        if kind != "im":
            if self.bot_user_id and f"<@{self.bot_user_id}" in str(event.get("text") or ""):
                return  # the app_mention event carries it
            thread = event.get("thread_ts")
            team = self._team(event, body)
            if not thread or self.store.language(conversation_id(team, channel, thread)) is None:
                return  # not talking to the bot
        await self._customer_message(event, body)

    async def on_button(self, ack: Any, body: Dict[str, Any], action: Dict[str, Any]) -> None:
        """A Block Kit button: ack, show the choice instead of the buttons, send the payload."""
        await ack()
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        message = body.get("message") or {}
        user = (body.get("user") or {}).get("id")
        team = (body.get("team") or {}).get("id") or self.team_id or "T"
        if not channel or not message.get("ts") or not user:
            return
        key = f"{CHANNEL}-action:{team}:{channel}:{message['ts']}:{action.get('action_ts')}"
        if not self.store.first_delivery(key):
            return
        title = str((action.get("text") or {}).get("text") or action.get("value") or "")
        with contextlib.suppress(SlackApiError):
            await self.client.chat_update(
                channel=channel,
                ts=message["ts"],
                text=message.get("text") or title,
                blocks=slack_format.chosen(message.get("blocks"), title),
            )
        thread = message.get("thread_ts") or message["ts"]
        await self._converse(team, channel, thread, user, str(action.get("value") or ""))

    # -- helpers -------------------------------------------------------------------------

    def _team(self, event: Dict[str, Any], body: Dict[str, Any]) -> str:
        return str(body.get("team_id") or event.get("team") or self.team_id or "T")

    async def _customer_message(self, event: Dict[str, Any], body: Dict[str, Any]) -> None:
        channel = str(event.get("channel") or "")
        ts = str(event.get("ts") or "")
        user = str(event.get("user") or "")
        if not channel or not ts:
            return
        team = self._team(event, body)
        # Slack retries (X-Slack-Retry-Num) and sends a mention as two events: one answer.
        if not self.store.first_delivery(f"{CHANNEL}:{team}:{channel}:{ts}"):
            logger.info("Slack: message %s in %s delivered again; ignored", ts, channel)
            return
        thread = str(event.get("thread_ts") or ts)
        text = clean_text(
            _MENTION.sub(
                lambda m: "" if m.group(1) == self.bot_user_id else m.group(0),
                str(event.get("text") or ""),
            )
        )
        if not text:
            if event.get("files"):
                conversation = conversation_id(team, channel, thread)
                language = pick_language(self.store, conversation, None)
                await self._post_all(channel, thread, [{"text": TEXT_ONLY[language]}])
            return
        await self._converse(team, channel, thread, user, text)

    async def _converse(self, team: str, channel: str, thread: str, user: str, text: str) -> None:
        conversation = conversation_id(team, channel, thread)
        name, language = await self._user(user)
        metadata: Dict[str, Any] = {"slack": {"team": team, "channel": channel, "user": user}}
        if name:
            metadata["customer_name"] = name
        if language:
            metadata["language"] = language
        incoming = IncomingMessage(conversation, CHANNEL, text, metadata)
        async with self._locks(conversation):
            fallback = pick_language(self.store, conversation, language)
            replies = await answer(self.gateway, incoming, fallback)
            await self._post_all(channel, thread, replies)

    async def _user(self, user: str) -> Tuple[Optional[str], Optional[str]]:
        """The customer's display name and language (users.info; cached; None if not allowed)."""
        if user in self._users:
            return self._users.touch(user)
        name = language = None
        try:
            info = (await self.client.users_info(user=user, include_locale=True)).get("user") or {}
            profile = info.get("profile") or {}
            name = profile.get("real_name") or profile.get("display_name") or info.get("name")
            language = language_of(info.get("locale"))
        except SlackApiError as exc:
            logger.info("Slack: users.info for %s failed (%s)", user, api_error(exc))
        self._users.put(user, (name, language))
        return name, language

    async def _channel_type(self, channel: str) -> str:
        """``im`` for a DM, else ``channel`` (conversations.info, cached)."""
        if channel not in self._channel_types:
            kind = "channel"
            try:
                info = (await self.client.conversations_info(channel=channel)).get("channel") or {}
                kind = "im" if info.get("is_im") else "channel"
            except SlackApiError as exc:
                logger.info("Slack: conversations.info %s failed (%s)", channel, api_error(exc))
            self._channel_types[channel] = kind
        return self._channel_types[channel]

    async def deliver(self, conversation: str, replies: List[Dict[str, Any]]) -> None:
        """The handoff's outbound route: agent replies, the survey, "I'm back", in the thread."""
        if not self._running:
            raise DeliveryFailed("Slack is not connected")
        _, channel, thread = thread_of(conversation)
        try:
            async with self._locks(conversation):
                await self._post_all(channel, thread, replies)
        except SlackApiError as exc:  # not in the channel any more, archived, ...
            raise DeliveryFailed(f"Slack: {api_error(exc)}") from exc
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise DeliveryFailed(f"Slack: cannot reach the Web API ({exc})") from exc

    async def _post_all(self, channel: str, thread: str, replies: List[Dict[str, Any]]) -> None:
        for reply in replies:
            for message in slack_format.messages(reply):
                await self.client.chat_postMessage(channel=channel, thread_ts=thread, **message)
