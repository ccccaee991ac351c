"""The agents' side over HTTP: ``/api/handoffs`` (JSON), its live stream, and the console."""

from __future__ import annotations

import asyncio
import hmac
import html
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from aiohttp import web

from handoff.live import ChangeFeed
from handoff.model import (
    STATUSES,
    TEAMS,
    AlreadyClaimed,
    IllegalTransition,
    InvalidTicket,
    Ticket,
    TicketNotFound,
)
from handoff.outbound import DeliveryFailed, OutboundRouter, UnknownChannel
from handoff.store import SqliteHandoffStore

logger = logging.getLogger(__name__)

CONSOLE_DIR = Path(__file__).resolve().parent / "console"
COOKIE = "supportbot_session"
# The console's JavaScript sends this header; a cross-site form cannot (CSRF guard).
CSRF_HEADER = "X-Requested-With"
CSRF_VALUE = "supportbot-console"
AGENT_HEADER = "X-Agent"
_AGENT_NAME = re.compile(r"^[\w.-]{1,64}$")
LANGUAGES = ("en", "de", "da")
SESSION_HOURS = 12
HEARTBEAT_S = 15.0

# Tells the bot a person handed the conversation back: returns the bot's replies.
BotHook = Callable[[Ticket, str], Awaitable[List[Dict[str, Any]]]]


class Sessions:
    """Console logins: random tokens in memory, valid for 12 hours after last use."""

    def __init__(self, hours: float = SESSION_HOURS) -> None:
        self.ttl = hours * 3600
        self._sessions: Dict[str, Tuple[str, float]] = {}

    def create(self, agent: str) -> str:
        """A new session token for ``agent``."""
        token = secrets.token_urlsafe(32)
        self._sessions[token] = (agent, time.monotonic() + self.ttl)
        return token

    def agent(self, token: Optional[str]) -> Optional[str]:
        """The agent of a live session, extending it; None when unknown or expired."""
        if not token or token not in self._sessions:
            return None
        agent, expires = self._sessions[token]
        if expires < time.monotonic():
            del self._sessions[token]
            return None
        self._sessions[token] = (agent, time.monotonic() + self.ttl)
        return agent

    def end(self, token: Optional[str]) -> None:
        """Log out."""
        if token:
            self._sessions.pop(token, None)


@dataclass
class Caller:
    """Who is calling the API, and how they proved it."""

    agent: Optional[str]
    via: str  # "token" or "session"


class HandoffService:
    """The agents' steps with their side effects: live updates, delivery, the bot's turn."""

    def __init__(
        self,
        store: SqliteHandoffStore,
        feed: ChangeFeed,
        outbound: OutboundRouter,
        bot_hook: Optional[BotHook] = None,
    ) -> None:
        self.store = store
        self.feed = feed
        self.outbound = outbound
        self.bot_hook = bot_hook

    async def _deliver(self, ticket: Ticket, replies: List[Dict[str, Any]]) -> bool:
        try:
            await self.outbound.deliver(ticket.conversation_id, ticket.channel, replies)
        except UnknownChannel:
            logger.error("ticket %s: cannot reach channel %s", ticket.id, ticket.channel)
            return False
        except DeliveryFailed as exc:
            logger.error("ticket %s: not delivered on %s: %s", ticket.id, ticket.channel, exc)
            return False
        return True

    def _agent_reply(self, ticket: Ticket, agent: str, text: str) -> Dict[str, Any]:
        return {
            "recipient_id": ticket.conversation_id,
            "text": text,
            "metadata": {
                "language": ticket.language,
                "handoff_id": ticket.id,
                "agent": agent,
                "role": "agent",
            },
        }

    async def claim(self, ticket_id: str, agent: str) -> Ticket:
        """Take a waiting ticket."""
        ticket = self.store.claim(ticket_id, agent)
        self.feed.poke()
        return ticket

    async def reply(self, ticket_id: str, agent: str, text: str) -> Dict[str, Any]:
        """Send the agent's reply to the customer on their channel; it joins the transcript."""
        if not text or not text.strip():
            raise InvalidTicket("a reply needs text")
        message = self.store.reply(ticket_id, agent, text)
        self.feed.poke()
        ticket = self.store.get(ticket_id)
        delivered = await self._deliver(ticket, [self._agent_reply(ticket, agent, message.text)])
        return {"message": message.to_dict(), "delivered": delivered}

    async def _close(self, ticket: Ticket, intent: str) -> Dict[str, Any]:
        self.feed.poke()
        replies: List[Dict[str, Any]] = []
        if self.bot_hook is not None:
            replies = await self.bot_hook(ticket, intent)
        delivered = await self._deliver(ticket, replies) if replies else False
        return {"ticket": ticket.to_dict(), "bot_replies": len(replies), "delivered": delivered}

    async def resolve(self, ticket_id: str, agent: str) -> Dict[str, Any]:
        """Close as solved; the bot takes over and asks for a rating."""
        return await self._close(self.store.resolve(ticket_id, agent), "handoff_resolved")

    async def return_to_bot(self, ticket_id: str, agent: str) -> Dict[str, Any]:
        """Hand back without a survey; the bot says it is back."""
        return await self._close(self.store.return_to_bot(ticket_id, agent), "handoff_returned")


SERVICE = web.AppKey("handoff_service", HandoffService)
SESSIONS = web.AppKey("handoff_sessions", Sessions)
TOKEN = web.AppKey("agent_token", str)


def _error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


def caller(request: web.Request, writing: bool = False) -> Caller:
    """The authenticated caller; raises 401 (no credentials) or 400/403 (incomplete ones)."""
    header = request.headers.get("Authorization", "")
    token = request.app.get(TOKEN)
    if header.startswith("Bearer "):
        given = header[len("Bearer ") :].strip()
        if token and hmac.compare_digest(given.encode(), token.encode()):
            agent = request.headers.get(AGENT_HEADER)
            if writing and (not agent or not _AGENT_NAME.match(agent)):
                raise web.HTTPBadRequest(
                    text=json.dumps({"error": f"say who you are: {AGENT_HEADER}: <agent name>"}),
                    content_type="application/json",
                )
            return Caller(agent, "token")
        raise _unauthorized()
    agent = request.app[SESSIONS].agent(request.cookies.get(COOKIE))
    if agent is None:
        raise _unauthorized()
    if writing and request.headers.get(CSRF_HEADER) != CSRF_VALUE:
        raise web.HTTPForbidden(
            text=json.dumps({"error": f"console requests need the {CSRF_HEADER} header"}),
            content_type="application/json",
        )
    service = request.app[SERVICE]
    service.store.agent_seen(agent)
    return Caller(agent, "session")


def _unauthorized() -> web.HTTPUnauthorized:
    return web.HTTPUnauthorized(
        text=json.dumps({"error": "log in to the console or send Authorization: Bearer <token>"}),
        content_type="application/json",
        headers={"WWW-Authenticate": 'Bearer realm="supportbot"'},
    )


def _queue_item(service: HandoffService, ticket: Ticket) -> Dict[str, Any]:
    item = ticket.queue_item()
    item["queue_position"] = service.store.queue_position(ticket.id)
    return item


async def list_handoffs(request: web.Request) -> web.Response:
    """``GET /api/handoffs?status=&team=&language=``: the queue, most urgent and oldest first."""
    caller(request)
    filters: Dict[str, Optional[str]] = {}
    for name, allowed in (("status", STATUSES), ("team", TEAMS), ("language", LANGUAGES)):
        value = request.query.get(name) or None
        if value is not None and value not in allowed:
            return _error(400, f"{name} must be one of {', '.join(allowed)}, got {value!r}")
        filters[name] = value
    service = request.app[SERVICE]
    tickets = service.store.list(**filters)  # type: ignore[arg-type]
    return web.json_response({"tickets": [_queue_item(service, t) for t in tickets]})


async def get_handoff(request: web.Request) -> web.Response:
    """``GET /api/handoffs/{id}``: one ticket with transcript, summary, scores."""
    caller(request)
    service = request.app[SERVICE]
    ticket = service.store.get(request.match_info["id"])
    data = ticket.to_dict()
    data["queue_position"] = service.store.queue_position(ticket.id)
    return web.json_response(data)


async def _body(request: web.Request) -> Dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "body must be JSON"}), content_type="application/json"
        ) from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "body must be a JSON object"}),
            content_type="application/json",
        )
    return body


async def act(request: web.Request) -> web.Response:
    """``POST /api/handoffs/{id}/claim|reply|resolve|return``."""
    who = caller(request, writing=True)
    agent = str(who.agent)
    service = request.app[SERVICE]
    ticket_id, step = request.match_info["id"], request.match_info["step"]
    if step == "claim":
        return web.json_response(_queue_item(service, await service.claim(ticket_id, agent)))
    if step == "reply":
        text = (await _body(request)).get("text")
        if not isinstance(text, str) or not text.strip():
            return _error(400, "'text' is required")
        if len(text) > 4000:
            return _error(413, "'text' is too long: at most 4000 characters")
        return web.json_response(await service.reply(ticket_id, agent, text))
    if step == "resolve":
        return web.json_response(await service.resolve(ticket_id, agent))
    return web.json_response(await service.return_to_bot(ticket_id, agent))


@web.middleware
async def handoff_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """The queue's errors as HTTP: 404 unknown ticket, 409 illegal step, 400 bad value."""
    try:
        return await handler(request)
    except TicketNotFound as exc:
        return _error(404, str(exc))
    except AlreadyClaimed as exc:
        return _error(409, str(exc), agent=exc.agent)
    except IllegalTransition as exc:
        return _error(409, str(exc))
    except InvalidTicket as exc:
        return _error(400, str(exc))


async def events(request: web.Request) -> web.StreamResponse:
    """``GET /api/handoffs/events``: server-sent events, one per change of any ticket.

    Each event is ``id: <change id>``, ``event: <kind>`` and the changed ticket's
    queue item as data. A reconnecting browser sends Last-Event-ID and gets what
    it missed from the database.
    """
    who = caller(request)
    service = request.app[SERVICE]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    queue = service.feed.subscribe()
    try:
        await response.write(b"retry: 2000\n\n")
        last = request.headers.get("Last-Event-ID", "")
        if last.isdigit():
            for change in service.store.changes_since(int(last)):
                await response.write(_event(service, change))
        while True:
            try:
                change = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
            except asyncio.TimeoutError:
                await response.write(b": keep-alive\n\n")
                if who.via == "session" and who.agent:
                    service.store.agent_seen(who.agent)
                continue
            if change is None:
                break
            await response.write(_event(service, change))
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        service.feed.unsubscribe(queue)
    return response


def _event(service: HandoffService, change: Dict[str, Any]) -> bytes:
    try:
        ticket: Optional[Dict[str, Any]] = _queue_item(
            service, service.store.get(change["ticket_id"])
        )
    except TicketNotFound:
        ticket = None
    data = json.dumps({"change": change, "ticket": ticket}, ensure_ascii=False)
    return f"id: {change['id']}\nevent: {change['kind'].split(':')[0]}\ndata: {data}\n\n".encode()


# -- the console ---------------------------------------------------------------


def _page(name: str, **values: str) -> str:
    text = (CONSOLE_DIR / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", html.escape(value))
    return text


async def console(request: web.Request) -> web.Response:
    """``GET /console``: the queue and tickets, or the login form."""
    agent = request.app[SESSIONS].agent(request.cookies.get(COOKIE))
    if agent is None:
        return web.Response(text=_page("login.html", error=""), content_type="text/html")
    request.app[SERVICE].store.agent_seen(agent)
    return web.Response(
        text=_page("console.html", agent=agent),
        content_type="text/html",
        headers={"Cache-Control": "no-store"},
    )


async def login(request: web.Request) -> web.Response:
    """``POST /console/login``: name and password of an agent account."""
    form = await request.post()
    name, password = str(form.get("name") or "").strip(), str(form.get("password") or "")
    store = request.app[SERVICE].store
    if not name or not store.check_agent(name, password):
        await asyncio.sleep(0.5)  # slows down guessing
        page = _page("login.html", error="Wrong name or password.")
        return web.Response(text=page, content_type="text/html", status=401)
    token = request.app[SESSIONS].create(name)
    store.agent_seen(name)
    response = web.HTTPSeeOther("/console")
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        max_age=SESSION_HOURS * 3600,
        path="/",
        secure=request.secure,
    )
    raise response


async def logout(request: web.Request) -> web.Response:
    """``POST /console/logout``."""
    request.app[SESSIONS].end(request.cookies.get(COOKIE))
    response = web.HTTPSeeOther("/console")
    response.del_cookie(COOKIE, path="/")
    raise response


def register(app: web.Application, service: HandoffService, agent_token: Optional[str]) -> None:
    """Add the agent API, the live stream and the console to the gateway's app."""
    app[SERVICE] = service
    app[SESSIONS] = Sessions()
    if agent_token:
        app[TOKEN] = agent_token
    app.router.add_get("/api/handoffs", list_handoffs)
    app.router.add_get("/api/handoffs/events", events)
    app.router.add_get("/api/handoffs/{id}", get_handoff)
    app.router.add_post("/api/handoffs/{id}/{step:claim|reply|resolve|return}", act)
    app.router.add_get("/console", console)
    app.router.add_post("/console/login", login)
    app.router.add_post("/console/logout", logout)
    app.router.add_static("/console/static", CONSOLE_DIR / "static")
