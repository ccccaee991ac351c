"""A local Slack: the Web API methods the channel uses, Socket Mode, and signed events.

It speaks Slack's HTTP protocol (``POST /api/<method>``, form or JSON, ``{"ok": ...}``
answers), so slack_sdk talks to it unchanged through ``base_url``. Tests and
``make sandbox`` play the customer with :meth:`SlackApi.user_says` and
:meth:`SlackApi.user_clicks`: the event goes to the bot the way Slack sends it,
as a request signed with the signing secret (HTTP events mode) or as an envelope
over the Socket Mode WebSocket. What the bot posted is in :attr:`SlackApi.posted`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Optional
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from bot.sandbox.server import wait_for_messages

SANDBOX_BOT_TOKEN = "xoxb-sandbox-not-a-real-token"
SANDBOX_APP_TOKEN = "xapp-sandbox-not-a-real-token"
SANDBOX_SIGNING_SECRET = "sandbox-signing-secret-not-real"
TEAM = "T0SANDBOX"
BOT_USER = "U0BOT"
BOT_ID = "B0BOT"


@dataclass
class Delivery:
    """One event the local Slack sent to the bot, and how the bot answered."""

    body: Dict[str, Any]
    status: int  # HTTP status; 200 for an acked Socket Mode envelope, 0 for no answer
    seconds: float  # until the bot answered (acked)


class SlackApi:
    """State and routes of the local Slack workspace with one bot."""

    def __init__(
        self,
        bot_token: str = SANDBOX_BOT_TOKEN,
        app_token: str = SANDBOX_APP_TOKEN,
        signing_secret: str = SANDBOX_SIGNING_SECRET,
        echo_bot_messages: bool = True,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.verifier = SignatureVerifier(signing_secret)
        self.echo_bot_messages = echo_bot_messages
        self.events_url: Optional[str] = None  # HTTP events mode: the bot's /slack/events
        self.calls: List[Dict[str, Any]] = []
        self.posted: List[Dict[str, Any]] = []
        self.deliveries: List[Delivery] = []
        self.users: Dict[str, Dict[str, Any]] = {}
        self.channels: Dict[str, Dict[str, Any]] = {}
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._session: Optional[aiohttp.ClientSession] = None
        self._socket: Optional[web.WebSocketResponse] = None
        self._acks: Dict[str, asyncio.Future] = {}
        self.add_user("U0CUSTOMER", "Mia Jensen", "en-US")
        self.app = web.Application()
        self.app.router.add_route("*", "/api/{method}", self._dispatch)
        self.app.router.add_get("/socket-mode/link", self._socket_mode)
        self.app.on_startup.append(self._on_startup)  # type: ignore[arg-type]
        self.app.on_cleanup.append(self._on_cleanup)  # type: ignore[arg-type]

    async def _on_startup(self, _: web.Application) -> None:
        self._loop = asyncio.get_running_loop()
        self._session = aiohttp.ClientSession()

    async def _on_cleanup(self, _: web.Application) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._session is not None:
            await self._session.close()

    # -- the workspace -------------------------------------------------------------------

    def add_user(self, user_id: str, real_name: str, locale: str = "en-US") -> None:
        """A member of the workspace (``users.info``)."""
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM,
            "name": real_name.split()[0].lower(),
            "real_name": real_name,
            "locale": locale,
            "is_bot": False,
            "profile": {"real_name": real_name, "display_name": real_name.split()[0]},
        }

    def add_channel(self, channel_id: str, is_im: bool) -> None:
        """A DM (``D…``) or a channel (``C…``) the bot is in (``conversations.info``)."""
        self.channels[channel_id] = {
            "id": channel_id,
            "is_im": is_im,
            "is_channel": not is_im,
            "is_member": True,
            **({"user": "U0CUSTOMER"} if is_im else {"name": f"support-{channel_id.lower()}"}),
        }

    def next_ts(self) -> str:
        """A message timestamp, unique and increasing like Slack's."""
        return f"{int(time.time())}.{next(self._ts):06d}"

    # -- the customer's side -------------------------------------------------------------

    def event_body(self, event: Dict[str, Any]) -> Dict[str, Any]:
        """An Events API ``event_callback`` envelope around ``event``."""
        return {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "api_app_id": "A0SANDBOX",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": TEAM, "user_id": BOT_USER, "is_bot": True, "enterprise_id": None}
            ],
        }

    def user_says(
        self,
        channel: str,
        text: str,
        *,
        user: str = "U0CUSTOMER",
        thread_ts: Optional[str] = None,
        mention: bool = False,
        retries: int = 0,
    ) -> Delivery:
        """A customer writes in a DM (``D…``) or, with ``mention``, @mentions the bot in a channel.

        A mention is delivered as Slack does it: an ``app_mention`` event and a
        ``message`` event. ``retries`` > 0 delivers the event again with
        ``X-Slack-Retry-Num`` 1, 2, ... (Slack's retry after a slow ack).
        """
        is_im = channel.startswith("D")
        if channel not in self.channels:
            self.add_channel(channel, is_im)
        ts = self.next_ts()
        if mention:
            text = f"<@{BOT_USER}> {text}"
        event: Dict[str, Any] = {
            "type": "message",
            "user": user,
            "text": text,
            "ts": ts,
            "channel": channel,
            "channel_type": "im" if is_im else "channel",
            "event_ts": ts,
            "team": TEAM,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        first = None
        if mention:
            mention_event = {k: v for k, v in event.items() if k != "channel_type"}
            first = self.send_event({**mention_event, "type": "app_mention"})
        body = self.event_body(event)
        delivery = self.send(body)
        for attempt in range(1, retries + 1):
            self.send(body, retry_num=attempt)
        return first or delivery

    def send_event(self, event: Dict[str, Any], retry_num: Optional[int] = None) -> Delivery:
        """Deliver any event (``message_changed``, another bot's post, ...)."""
        return self.send(self.event_body(event), retry_num)

    def user_clicks(
        self, message: Dict[str, Any], index: int = 0, user: str = "U0CUSTOMER"
    ) -> Delivery:
        """The customer presses button ``index`` of a message the bot posted."""
        actions = [b for b in message.get("blocks") or [] if b.get("type") == "actions"]
        if not actions:
            raise ValueError("the message has no buttons")
        button = actions[-1]["elements"][index]
        payload = {
            "type": "block_actions",
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A0SANDBOX",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": message["channel"],
                "is_ephemeral": False,
            },
            "trigger_id": f"{int(time.time())}.trigger",
            "team": {"id": TEAM, "domain": "sandbox"},
            "channel": {"id": message["channel"]},
            "message": {k: v for k, v in message.items() if k != "channel"},
            "response_url": "http://127.0.0.1/response-url-unused",
            "actions": [
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": actions[-1].get("block_id", "b"),
                    "text": button["text"],
                    "value": button.get("value", ""),
                    "action_ts": self.next_ts(),
                }
            ],
        }
        return self.send(payload, interactive=True)

    # -- delivery ----------------------------------------------------------------------

    def send(
        self, body: Dict[str, Any], retry_num: Optional[int] = None, interactive: bool = False
    ) -> Delivery:
        """Deliver to the bot (Socket Mode if connected, else HTTP); safe from any thread."""
        coro = self._send(body, retry_num, interactive)
        assert self._loop is not None, "the local Slack is not running"
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            raise RuntimeError("use `await slack._send(...)` on the server's own loop")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(60)

    def sign(self, raw: str, timestamp: Optional[int] = None) -> Dict[str, str]:
        """Headers Slack puts on an HTTP event: timestamp and ``v0=`` HMAC signature."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        return {
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": str(self.verifier.generate_signature(timestamp=stamp, body=raw)),
        }

    async def _send(
        self, body: Dict[str, Any], retry_num: Optional[int], interactive: bool
    ) -> Delivery:
        started = time.monotonic()
        if self._socket is not None and not self._socket.closed:
            envelope_id = str(uuid.uuid4())
            ack: asyncio.Future = asyncio.get_running_loop().create_future()
            self._acks[envelope_id] = ack
            await self._socket.send_json(
                {
                    "envelope_id": envelope_id,
                    "type": "interactive" if interactive else "events_api",
                    "payload": body,
                    "accepts_response_payload": interactive,
                    "retry_attempt": retry_num or 0,
                    "retry_reason": "timeout" if retry_num else "",
                }
            )
            try:
                await asyncio.wait_for(ack, 10)
                status = 200
            except asyncio.TimeoutError:
                status = 0
            finally:
                self._acks.pop(envelope_id, None)
        else:
            if self.events_url is None:
                raise RuntimeError("the bot is neither on Socket Mode nor has an events URL")
            if interactive:
                raw = urlencode({"payload": json.dumps(body)})
                content_type = "application/x-www-form-urlencoded"
            else:
                raw = json.dumps(body)
                content_type = "application/json"
            headers = {"Content-Type": content_type, **self.sign(raw)}
            if retry_num:
                headers["X-Slack-Retry-Num"] = str(retry_num)
                headers["X-Slack-Retry-Reason"] = "http_timeout"
            assert self._session is not None
            try:
                async with self._session.post(
                    self.events_url,
                    data=raw.encode(),
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=10),
                ) as resp:
                    status = resp.status
                    await resp.read()
            except (aiohttp.ClientError, asyncio.TimeoutError):
                status = 0
        delivery = Delivery(body, status, time.monotonic() - started)
        with self._lock:
            self.deliveries.append(delivery)
        return delivery

    async def _socket_mode(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._socket = ws
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "sandbox", "approximate_connection_time": 18060},
                "connection_info": {"app_id": "A0SANDBOX"},
            }
        )
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            try:
                data = json.loads(msg.data)
            except ValueError:
                continue
            future = self._acks.get(str(data.get("envelope_id")))
            if future is not None and not future.done():
                future.set_result(data)
        if self._socket is ws:
            self._socket = None
        return ws

    @property
    def socket_connected(self) -> bool:
        """True while the bot holds a Socket Mode connection."""
        return self._socket is not None and not self._socket.closed

    # -- what the bot did --------------------------------------------------------------

    def posted_in(self, channel: str, thread_ts: Optional[str] = None) -> List[Dict[str, Any]]:
        """Messages the bot posted in a channel (and thread), oldest first."""
        with self._lock:
            return [
                m
                for m in self.posted
                if m["channel"] == channel
                and (thread_ts is None or m.get("thread_ts") == thread_ts)
            ]

    def wait_posted(
        self, channel: str, count: int, thread_ts: Optional[str] = None, timeout: float = 60.0
    ) -> List[Dict[str, Any]]:
        """Block until the bot posted ``count`` messages there; returns them all."""
        return wait_for_messages(
            lambda: self.posted_in(channel, thread_ts), count, timeout, f"in {channel}/{thread_ts}"
        )

    def calls_of(self, method: str) -> List[Dict[str, Any]]:
        """Web API requests of one method, oldest first."""
        with self._lock:
            return [c for c in self.calls if c["method"] == method]

    # -- the Web API -------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: Dict[str, Any] = dict(request.query)
        if request.method == "GET" or not request.can_read_body:
            pass
        elif request.content_type == "application/json":
            body = await request.json()
            params.update(body if isinstance(body, dict) else {})
        else:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        for key in ("blocks", "attachments"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        auth = request.headers.get("Authorization", "")
        token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else params.get("token", "")
        with self._lock:
            self.calls.append({"method": method, "params": params, "token": token})
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if not token:
            return web.json_response({"ok": False, "error": "not_authed"})
        if token != expected:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_api_" + method.replace(".", "_").lower(), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        result = await handler(params, request)
        if "error" in result:
            return web.json_response({"ok": False, **result})
        return web.json_response({"ok": True, **result})

    async def _api_auth_test(self, params: Dict[str, Any], request: web.Request) -> Dict[str, Any]:
        return {
            "url": "https://sandbox.slack.example/",
            "team": "Alpha Sandbox",
            "user": "alpha-support",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    async def _api_apps_connections_open(
        self, params: Dict[str, Any], request: web.Request
    ) -> Dict[str, Any]:
        return {"url": f"ws://{request.host}/socket-mode/link?ticket={uuid.uuid4().hex}"}

    async def _api_chat_postmessage(
        self, params: Dict[str, Any], request: web.Request
    ) -> Dict[str, Any]:
        channel = str(params.get("channel") or "")
        if channel not in self.channels:
            return {"error": "channel_not_found"}
        if not params.get("text") and not params.get("blocks"):
            return {"error": "no_text"}
        message = {
            "type": "message",
            "channel": channel,
            "ts": self.next_ts(),
            "text": params.get("text", ""),
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "team": TEAM,
        }
        if params.get("blocks"):
            message["blocks"] = params["blocks"]
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        with self._lock:
            self.posted.append(message)
        if self.echo_bot_messages and self.channels[channel]["is_im"]:
            # Slack sends the bot its own DM posts as message events; the bot must ignore them.
            echo = {k: v for k, v in message.items() if k != "blocks"}
            echo.update(channel_type="im", event_ts=message["ts"])
            asyncio.get_running_loop().create_task(self._send(self.event_body(echo), None, False))
        return {"channel": channel, "ts": message["ts"], "message": message}

    async def _api_chat_update(
        self, params: Dict[str, Any], request: web.Request
    ) -> Dict[str, Any]:
        with self._lock:
            for message in self.posted:
                if message["channel"] == params.get("channel") and message["ts"] == params.get(
                    "ts"
                ):
                    message["text"] = params.get("text", message["text"])
                    if "blocks" in params:
                        message["blocks"] = params["blocks"]
                    return {"channel": message["channel"], "ts": message["ts"]}
        return {"error": "message_not_found"}

    async def _api_conversations_info(
        self, params: Dict[str, Any], request: web.Request
    ) -> Dict[str, Any]:
        channel = self.channels.get(str(params.get("channel") or ""))
        return {"channel": channel} if channel else {"error": "channel_not_found"}

    async def _api_users_info(self, params: Dict[str, Any], request: web.Request) -> Dict[str, Any]:
        user = self.users.get(str(params.get("user") or ""))
        return {"user": user} if user else {"error": "user_not_found"}
