"""A local Telegram Bot API server: the methods the channel uses, plus the user's side.

It speaks the Bot API's HTTP protocol (``/bot<token>/<method>``, form or JSON
parameters, ``{"ok": ..., "result": ...}`` answers), so python-telegram-bot talks
to it unchanged through ``base_url``. Tests and ``make sandbox`` play the
customer with :meth:`TelegramApi.user_says` and friends, and read what the bot
sent from :attr:`TelegramApi.sent`. Faults are injected per method: a 429 with
``retry_after`` (:meth:`fail`) or a dropped connection (:meth:`disconnect`).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import aiohttp
from aiohttp import web

from bot.sandbox.server import wait_for_messages

# The sandbox bot's token; any "<digits>:<secret>" works as long as both sides agree.
SANDBOX_TOKEN = "7000000001:sandbox-not-a-real-token"


@dataclass
class Fault:
    """One injected failure of a method."""

    kind: str  # "error" (an error answer) or "disconnect" (no answer at all)
    status: int = 429
    retry_after: Optional[int] = None
    description: str = ""


@dataclass
class Call:
    """A Bot API request as the server received it."""

    method: str
    params: Dict[str, Any]
    at: float = field(default_factory=time.monotonic)


def _decode(value: str) -> Any:
    """Form values are strings; objects and arrays arrive JSON-encoded."""
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class TelegramApi:
    """State and routes of the local Bot API for one bot."""

    def __init__(
        self, token: str = SANDBOX_TOKEN, username: str = "AlphaSupportSandboxBot"
    ) -> None:
        self.token = token
        bot_id = token.split(":", 1)[0]
        self.me = {
            "id": int(bot_id) if bot_id.isdigit() else 1,
            "is_bot": True,
            "first_name": "Alpha Support",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: List[Call] = []
        self.sent: List[Dict[str, Any]] = []
        self.webhook: Optional[Dict[str, Any]] = None
        self.webhook_results: List[Tuple[int, int]] = []  # (update_id, HTTP status or 0)
        self._pending: List[Dict[str, Any]] = []
        self._faults: Dict[str, List[Fault]] = {}
        self._chats: Dict[int, Dict[str, Any]] = {}
        self._update_id = 500
        self._message_id = 1000
        self._lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._wake: Optional[asyncio.Event] = None
        self._session: Optional[aiohttp.ClientSession] = None
        self._pusher: Optional[asyncio.Task] = None
        self.app = web.Application()
        self.app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        self.app.on_startup.append(self._on_startup)  # type: ignore[arg-type]
        self.app.on_cleanup.append(self._on_cleanup)  # type: ignore[arg-type]

    # -- life cycle ------------------------------------------------------------------

    async def _on_startup(self, _: web.Application) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._session = aiohttp.ClientSession()

    async def _on_cleanup(self, _: web.Application) -> None:
        if self._pusher is not None:
            self._pusher.cancel()
        if self._session is not None:
            await self._session.close()

    def _notify(self) -> None:
        """Wake long polls and the webhook pusher (safe from any thread)."""
        if self._loop is None or self._wake is None:
            return
        wake = self._wake
        if self._loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            wake.set()
            self._ensure_pusher()
        else:
            self._loop.call_soon_threadsafe(wake.set)
            self._loop.call_soon_threadsafe(self._ensure_pusher)

    # -- fault injection ---------------------------------------------------------------

    def fail(
        self, method: str, times: int = 1, status: int = 429, retry_after: Optional[int] = 1
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error (429 + retry_after)."""
        description = (
            f"Too Many Requests: retry after {retry_after}" if status == 429 else f"Error {status}"
        )
        with self._lock:
            self._faults.setdefault(method, []).extend(
                Fault("error", status, retry_after if status == 429 else None, description)
                for _ in range(times)
            )

    def disconnect(self, method: str, times: int = 1) -> None:
        """Drop the connection on the next ``times`` calls of ``method`` (a network error)."""
        with self._lock:
            self._faults.setdefault(method, []).extend(Fault("disconnect") for _ in range(times))

    # -- the user's side -----------------------------------------------------------------

    def _next_update_id(self) -> int:
        self._update_id += 1
        return self._update_id

    def _next_message_id(self) -> int:
        self._message_id += 1
        return self._message_id

    @staticmethod
    def user(
        user_id: int, first_name: str = "Mia", language_code: Optional[str] = "en", **extra: Any
    ) -> Dict[str, Any]:
        """A Telegram ``User`` object of a customer."""
        user: Dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        user.update(extra)
        return user

    def chat(self, chat_id: int, chat_type: str = "private", title: str = "") -> Dict[str, Any]:
        """A ``Chat`` object (negative ids for groups, as Telegram does)."""
        chat: Dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type in {"group", "supergroup", "channel"}:
            chat["title"] = title or f"Group {chat_id}"
        else:
            chat["first_name"] = "Mia"
        self._chats[chat_id] = chat
        return chat

    def message(
        self,
        chat_id: int,
        text: Optional[str] = None,
        *,
        user: Optional[Dict[str, Any]] = None,
        chat_type: str = "private",
        entities: Optional[List[Dict[str, Any]]] = None,
        reply_to: Optional[Dict[str, Any]] = None,
        **content: Any,
    ) -> Dict[str, Any]:
        """A ``Message`` object from a customer (text, or other ``content`` such as a sticker)."""
        with self._lock:
            message_id = self._next_message_id()
        message: Dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self.chat(chat_id, chat_type),
        }
        if chat_type != "channel":
            message["from"] = user or self.user(abs(chat_id))
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                entities = [{"type": "bot_command", "offset": 0, "length": len(command)}] + list(
                    entities or []
                )
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(content)
        return message

    def push(self, update: Dict[str, Any], times: int = 1) -> Dict[str, Any]:
        """Deliver an update (``times`` > 1: the platform delivers it again, same update_id)."""
        with self._lock:
            if "update_id" not in update:
                update = {"update_id": self._next_update_id(), **update}
            for _ in range(times):
                self._pending.append(update)
        self._notify()
        return update

    def user_says(
        self,
        chat_id: int,
        text: str,
        *,
        user: Optional[Dict[str, Any]] = None,
        chat_type: str = "private",
        mention: bool = False,
        reply_to: Optional[Dict[str, Any]] = None,
        times: int = 1,
    ) -> Dict[str, Any]:
        """A customer writes ``text`` (in a group: ``mention`` adds ``@bot``)."""
        entities = None
        if mention:
            handle = f"@{self.me['username']}"
            text = f"{handle} {text}"
            entities = [{"type": "mention", "offset": 0, "length": len(handle)}]
        message = self.message(
            chat_id, text, user=user, chat_type=chat_type, entities=entities, reply_to=reply_to
        )
        return self.push({"message": message}, times=times)

    def user_sends(self, chat_id: int, kind: str, **options: Any) -> Dict[str, Any]:
        """A non-text message: ``sticker``, ``photo``, ``voice``, ``document`` or ``location``."""
        samples: Dict[str, Any] = {
            "sticker": {
                "file_id": "CAACAgIAAxk",
                "file_unique_id": "AgAD",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            },
            "photo": [
                {"file_id": "AgACAgIAAxk", "file_unique_id": "AQAD", "width": 90, "height": 90}
            ],
            "voice": {"file_id": "AwACAgIAAxk", "file_unique_id": "AgADa", "duration": 3},
            "document": {
                "file_id": "BQACAgIAAxk",
                "file_unique_id": "AgADb",
                "file_name": "log.txt",
            },
            "location": {"latitude": 55.6761, "longitude": 12.5683},
        }
        message = self.message(chat_id, None, **{kind: samples[kind]}, **options)
        return self.push({"message": message})

    def user_edits(self, message: Dict[str, Any], text: str) -> Dict[str, Any]:
        """The customer edits an earlier message."""
        edited = {**message, "text": text, "edit_date": int(time.time())}
        return self.push({"edited_message": edited})

    def channel_post(self, chat_id: int, text: str) -> Dict[str, Any]:
        """A post in a broadcast channel the bot is in."""
        return self.push({"channel_post": self.message(chat_id, text, chat_type="channel")})

    def member_update(self, chat_id: int, kind: str = "my_chat_member") -> Dict[str, Any]:
        """The bot (``my_chat_member``) or someone (``chat_member``) joined or left a chat."""
        member = self.user(abs(chat_id) + 1)
        update = {
            "chat": self.chat(chat_id, "supergroup"),
            "from": member,
            "date": int(time.time()),
            "old_chat_member": {
                "status": "left",
                "user": member if kind == "chat_member" else self.me,
            },
            "new_chat_member": {
                "status": "member",
                "user": member if kind == "chat_member" else self.me,
            },
        }
        return self.push({kind: update})

    def user_clicks(
        self, sent: Dict[str, Any], data: str, user: Optional[Dict[str, Any]] = None
    ) -> Dict[str, Any]:
        """The customer presses an inline button of a message the bot sent."""
        chat_id = sent["chat"]["id"]
        with self._lock:
            query_id = str(self._next_message_id())
        query = {
            "id": query_id,
            "from": user or self.user(abs(chat_id)),
            "message": sent,
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        return self.push({"callback_query": query})

    # -- what the bot did --------------------------------------------------------------

    def calls_of(self, method: str) -> List[Call]:
        """The requests of one method, oldest first."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def sent_to(self, chat_id: int) -> List[Dict[str, Any]]:
        """Messages the bot sent to a chat, oldest first."""
        with self._lock:
            return [m for m in self.sent if m["chat"]["id"] == chat_id]

    def wait_sent(self, chat_id: int, count: int, timeout: float = 60.0) -> List[Dict[str, Any]]:
        """Block until the bot sent ``count`` messages to the chat; returns them all."""
        return wait_for_messages(
            lambda: self.sent_to(chat_id), count, timeout, f"to chat {chat_id}"
        )

    def pending(self) -> int:
        """Updates not yet fetched or confirmed."""
        with self._lock:
            return len(self._pending)

    # -- the Bot API -------------------------------------------------------------------

    async def _params(self, request: web.Request) -> Dict[str, Any]:
        params: Dict[str, Any] = {k: _decode(v) for k, v in request.query.items()}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            else:
                form = await request.post()
                params.update({k: _decode(v) for k, v in form.items() if isinstance(v, str)})
        return params

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._params(request)
        with self._lock:
            self.calls.append(Call(method, params))
            faults = self._faults.get(method) or self._faults.get(method.lower())
            fault = faults.pop(0) if faults else None
        if fault is not None:
            if fault.kind == "disconnect":
                assert request.transport is not None
                request.transport.close()
                raise asyncio.CancelledError()  # aiohttp ends the handler without an answer
            error: Dict[str, Any] = {
                "ok": False,
                "error_code": fault.status,
                "description": fault.description,
            }
            if fault.retry_after is not None:
                error["parameters"] = {"retry_after": fault.retry_after}
            return web.json_response(error, status=fault.status)
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                status=404,
            )
        try:
            result = await handler(params)
        except BadParams as exc:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}, status=400
            )
        return web.json_response({"ok": True, "result": result})

    async def _api_getme(self, params: Dict[str, Any]) -> Any:
        return self.me

    async def _api_getupdates(self, params: Dict[str, Any]) -> Any:
        if self.webhook is not None:
            raise BadParams("can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if offset:
                    self._pending = [u for u in self._pending if u["update_id"] >= offset]
                batch = self._pending[:limit]
            if batch or time.monotonic() >= deadline:
                return batch
            assert self._wake is not None
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                pass

    def _chat_of(self, params: Dict[str, Any]) -> Dict[str, Any]:
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, ValueError):
            raise BadParams("chat_id is required") from None
        return self._chats.get(chat_id) or {"id": chat_id, "type": "private"}

    async def _api_sendmessage(self, params: Dict[str, Any]) -> Any:
        text = str(params.get("text") or "")
        if not text:
            raise BadParams("message text is empty")
        if len(text) > 4096:
            raise BadParams("message is too long")
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if len(str(button.get("callback_data", "")).encode()) > 64:
                        raise BadParams("BUTTON_DATA_INVALID")
        with self._lock:
            message: Dict[str, Any] = {
                "message_id": self._next_message_id(),
                "date": int(time.time()),
                "chat": self._chat_of(params),
                "from": self.me,
                "text": text,
            }
            if markup:
                message["reply_markup"] = markup
            if params.get("reply_parameters"):
                message["reply_parameters"] = params["reply_parameters"]
            self.sent.append(message)
        return message

    async def _api_sendchataction(self, params: Dict[str, Any]) -> Any:
        self._chat_of(params)
        return True

    async def _api_answercallbackquery(self, params: Dict[str, Any]) -> Any:
        if not params.get("callback_query_id"):
            raise BadParams("query id is required")
        return True

    async def _api_editmessagereplymarkup(self, params: Dict[str, Any]) -> Any:
        chat = self._chat_of(params)
        message_id = int(params.get("message_id") or 0)
        with self._lock:
            for message in self.sent:
                if message["chat"]["id"] == chat["id"] and message["message_id"] == message_id:
                    markup = params.get("reply_markup")
                    if markup:
                        message["reply_markup"] = markup
                    else:
                        message.pop("reply_markup", None)
                    return message
        raise BadParams("message to edit not found")

    async def _api_setwebhook(self, params: Dict[str, Any]) -> Any:
        url = str(params.get("url") or "")
        if not url:
            return await self._api_deletewebhook(params)
        if not url.startswith(("http://", "https://")):
            raise BadParams("bad webhook: An HTTPS URL must be provided for webhook")
        with self._lock:
            self.webhook = {"url": url, "secret_token": params.get("secret_token")}
            if str(params.get("drop_pending_updates")).lower() == "true":
                self._pending.clear()
        self._notify()
        return True

    async def _api_deletewebhook(self, params: Dict[str, Any]) -> Any:
        with self._lock:
            self.webhook = None
            if str(params.get("drop_pending_updates")).lower() == "true":
                self._pending.clear()
        return True

    async def _api_getwebhookinfo(self, params: Dict[str, Any]) -> Any:
        with self._lock:
            return {
                "url": (self.webhook or {}).get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": len(self._pending),
            }

    async def _api_close(self, params: Dict[str, Any]) -> Any:
        return True

    # -- webhook delivery --------------------------------------------------------------

    def _ensure_pusher(self) -> None:
        if self.webhook is not None and (self._pusher is None or self._pusher.done()):
            self._pusher = asyncio.get_running_loop().create_task(self._push_webhook())

    async def _push_webhook(self) -> None:
        """Post pending updates to the webhook in order; retry one that fails (like Telegram)."""
        assert self._session is not None
        failures = 0
        while True:
            with self._lock:
                hook = self.webhook
                update = self._pending[0] if self._pending and hook else None
            if update is None or hook is None:
                return
            headers = {"Content-Type": "application/json"}
            if hook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = str(hook["secret_token"])
            try:
                async with self._session.post(hook["url"], json=update, headers=headers) as resp:
                    status = resp.status
            except aiohttp.ClientError:
                status = 0
            with self._lock:
                self.webhook_results.append((update["update_id"], status))
                if 200 <= status < 300 or failures >= 4:
                    if self._pending and self._pending[0] is update:
                        self._pending.pop(0)
                    failures = 0
                    continue
            failures += 1
            await asyncio.sleep(0.2 * failures)


class BadParams(Exception):
    """A request the real Bot API would answer with 400 Bad Request."""
