"""The gateway: the one public HTTP listener, in front of Rasa."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from aiohttp import web

from bot.channels import Channels
from bot.config import Settings
from bot.gateway.conversations import ConversationStore
from bot.gateway.rasa_client import RasaClient, RasaError, RasaUnavailable
from bot.gateway.requests import BadRequest, IncomingMessage, parse_rest_body
from bot.language import DEFAULT_LANGUAGE, LANGUAGES
from bot.recent import Recent
from bot.redaction import PASSWORD_ENTRIES, WARNINGS, redact
from handoff import api as handoff_api
from handoff.live import ChangeFeed
from handoff.model import IllegalTransition, Ticket
from handoff.outbound import OutboundRouter, RestOutbox
from handoff.store import SqliteHandoffStore

logger = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
RASA = web.AppKey("rasa", RasaClient)
CONVERSATIONS = web.AppKey("conversations", ConversationStore)
STARTED = web.AppKey("started", float)
HANDOFF = web.AppKey("handoff", SqliteHandoffStore)
FEED = web.AppKey("handoff_feed", ChangeFeed)
OUTBOX = web.AppKey("rest_outbox", RestOutbox)
CHANNELS = web.AppKey("channels", Channels)
# Longest a REST client may wait for its next message (long polling), in seconds.
MAX_WAIT_S = 30.0

# Said when Rasa fails on a message; the customer should not see a raw error.
APOLOGY = {
    "en": "Sorry, something went wrong on my side. Please try again in a moment.",
    "de": "Entschuldigung, bei mir ist etwas schiefgelaufen. Bitte versuch es gleich noch einmal.",
    "da": "Beklager, der gik noget galt hos mig. Prøv venligst igen om lidt.",
}


def _error(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers or None)


class Gateway:
    """Routes customer messages to Rasa and shapes the replies."""

    def __init__(
        self,
        settings: Settings,
        rasa: RasaClient,
        conversations: ConversationStore,
        handoff: SqliteHandoffStore,
        feed: Optional[ChangeFeed] = None,
    ) -> None:
        self.settings = settings
        self.rasa = rasa
        self.conversations = conversations
        self.handoff = handoff
        self.feed = feed
        self._password_flow: Recent[str, bool] = Recent(10_000)

    def _poke(self) -> None:
        if self.feed is not None:
            self.feed.poke()

    async def handle(self, message: IncomingMessage) -> List[Dict[str, Any]]:
        """Run one customer message and return replies with ``metadata.language``.

        While a person has the conversation (an open handoff ticket), the message
        goes into the ticket's transcript and the bot stays silent: no replies.
        """
        conversation = message.conversation_id
        # Secrets are masked before the text reaches Rasa, the handoff queue or any log.
        signing_in = conversation in self._password_flow
        redacted = redact(message.text, password_context=signing_in, code_context=signing_in)
        if redacted.kinds:
            message = dataclasses.replace(message, text=redacted.text)
        ticket_id = self.handoff.is_handed_off(conversation)
        if ticket_id is not None:
            try:
                self.handoff.add_message(ticket_id, "customer", message.text)
                self._poke()
                return []
            except IllegalTransition:
                pass  # an agent closed the ticket a moment ago: the bot answers again
        known = self.conversations.language(conversation)
        client_language = message.metadata.get("language")
        hint = known or (client_language if client_language in LANGUAGES else None)
        metadata = {**message.metadata, "language_hint": hint, "customer": _customer(message)}
        if redacted.kinds:
            metadata["redacted"] = list(redacted.kinds)
        fallback = hint or DEFAULT_LANGUAGE
        try:
            replies = await self.rasa.send(message, metadata)
        except RasaError:
            logger.exception("Rasa failed on a message of conversation %s", conversation)
            replies = [{"text": APOLOGY[fallback], "metadata": {"error": "assistant_failed"}}]
        shaped = [self._shape(reply, conversation, fallback) for reply in replies]
        language = shaped[-1]["metadata"]["language"] if shaped else fallback
        for kind in reversed(redacted.kinds):  # one warning per kind, before the answer
            warning = {"text": WARNINGS[kind][language], "metadata": {"redacted": [kind]}}
            shaped.insert(0, self._shape(warning, conversation, language))
        self._track_password_flow(conversation, shaped)
        if shaped:
            self.conversations.remember(conversation, message.channel, language)
        self._record_handoff_start(shaped)
        return shaped

    def _record_handoff_start(self, replies: List[Dict[str, Any]]) -> None:
        """The bot just handed over: its announcement joins the ticket's transcript."""
        started = [r for r in replies if r["metadata"].get("handoff_id")]
        if not started:
            return
        ticket_id = str(started[0]["metadata"]["handoff_id"])
        for reply in started:
            try:
                self.handoff.add_message(ticket_id, "bot", reply["text"])
            except IllegalTransition:
                break  # already closed by an agent
        self._poke()

    async def tell_bot(self, ticket: Ticket, intent: str) -> List[Dict[str, Any]]:
        """A person handed the conversation back: let the bot take its turn (survey, "I'm back").

        Returns the bot's replies for delivery on the customer's channel; none when
        Rasa is unavailable (logged; the ticket's new status stands).
        """
        payload = f"/{intent}" + json.dumps({"handoff_id": ticket.id})
        message = IncomingMessage(ticket.conversation_id, ticket.channel, payload)
        metadata = {"language_hint": ticket.language, "system": True}
        try:
            replies = await self.rasa.send(message, metadata)
        except (RasaError, RasaUnavailable):
            logger.exception("the bot could not take over conversation %s", ticket.id)
            return []
        return [self._shape(r, ticket.conversation_id, ticket.language) for r in replies]

    def _track_password_flow(self, conversation: str, replies: List[Dict[str, Any]]) -> None:
        """Remember (bounded, in memory) which conversations are in a sign-in flow."""
        articles = {r["metadata"].get("kb_article") for r in replies}
        self._password_flow.pop(conversation, None)
        if articles & PASSWORD_ENTRIES:
            self._password_flow.put(conversation, True)

    @staticmethod
    def _shape(reply: Dict[str, Any], recipient: str, fallback: str) -> Dict[str, Any]:
        metadata = dict(reply.get("metadata") or {})
        if metadata.get("language") not in LANGUAGES:
            metadata["language"] = fallback
        shaped: Dict[str, Any] = {"recipient_id": recipient, "text": reply.get("text") or ""}
        for key in ("buttons", "image", "custom", "attachment"):
            if reply.get(key):
                shaped[key] = reply[key]
        shaped["metadata"] = metadata
        return shaped


GATEWAY = web.AppKey("gateway", Gateway)


def _customer(message: IncomingMessage) -> Dict[str, Any]:
    """Who is writing: the channel's user id and display name (REST: sender, optional name)."""
    name = message.metadata.get("customer_name")
    return {
        "id": message.conversation_id,
        "name": name.strip()[:100] if isinstance(name, str) and name.strip() else None,
    }


async def rest_messages(request: web.Request) -> web.Response:
    """``GET /webhooks/rest/webhook/{sender}/messages?wait=<s>``: messages for a web customer.

    Agent replies, the satisfaction question and "I'm back" arrive here, oldest
    first, each once. With ``wait`` (at most 30 s) the request waits for the next one.
    """
    sender = request.match_info["sender"]
    try:
        wait = float(request.query.get("wait") or 0)
    except ValueError:
        return _error(400, "'wait' must be a number of seconds")
    if not 0 <= wait <= MAX_WAIT_S:
        return _error(400, f"'wait' must be between 0 and {MAX_WAIT_S:g} seconds")
    return web.json_response(await request.app[OUTBOX].fetch(sender, wait))


async def rest_webhook(request: web.Request) -> web.Response:
    """``POST /webhooks/rest/webhook``: one customer message, a list of replies back."""
    settings = request.app[SETTINGS]
    if request.content_length is not None and request.content_length > settings.max_body_bytes:
        return _error(413, f"request body is too large: at most {settings.max_body_bytes} bytes")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _error(413, f"request body is too large: at most {settings.max_body_bytes} bytes")
    try:
        message = parse_rest_body(raw, settings)
    except BadRequest as exc:
        return _error(exc.status, exc.message)
    try:
        replies = await request.app[GATEWAY].handle(message)
    except RasaUnavailable:
        return _error(
            503, "the assistant is not available right now, please retry", **{"Retry-After": "5"}
        )
    return web.json_response(replies)


def knowledge_base_health(status_file: Path) -> Dict[str, Any]:
    """The knowledge base as the action server last reported it (entries, problems)."""
    try:
        status = json.loads(status_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"status": "starting", "detail": "the action server has not loaded it yet"}
    except (OSError, ValueError) as exc:
        return {"status": "error", "detail": f"cannot read {status_file}: {exc}"}
    # Broken files are reported, but the bot still answers from their last good version.
    errors = [p for p in status.get("problems", []) if p.get("severity") == "error"]
    return {
        "status": "ok" if status.get("entries") else "error",
        "entries": status.get("entries", 0),
        "problems": errors,
    }


async def health(request: web.Request) -> web.Response:
    """``GET /health``: each component and its state; 200 only when all are ok."""
    app = request.app
    rasa = app[RASA]
    components: Dict[str, Dict[str, Any]] = {
        "gateway": {
            "status": "ok",
            "listening": app[SETTINGS].gateway_url,
            "uptime_s": round(time.monotonic() - app[STARTED], 1),
        },
        "rasa": await rasa.rasa_health(),
        "action_server": await rasa.actions_health(),
    }
    components["knowledge_base"] = knowledge_base_health(app[SETTINGS].kb_status_file)
    components.update(app[CHANNELS].health())
    for name, store in (
        ("conversation_store", app[CONVERSATIONS]),
        ("handoff_queue", app[HANDOFF]),
    ):
        try:
            components[name] = {"status": "ok" if store.ping() else "error"}
        except Exception as exc:  # noqa: BLE001 - reported, not swallowed
            components[name] = {"status": "error", "detail": str(exc)}
    healthy = all(c["status"] == "ok" for c in components.values())
    return web.json_response(
        {"status": "ok" if healthy else "degraded", "components": components},
        status=200 if healthy else 503,
    )


@web.middleware
async def json_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Answer HTTP errors (404, 405, 413, ...) as JSON, and never leak a 500 page."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status >= 400 and exc.content_type != "application/json":
            return _error(exc.status, exc.reason)
        raise
    except Exception:
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return _error(500, "internal error")


def create_app(
    settings: Settings,
    rasa: Optional[RasaClient] = None,
    conversations: Optional[ConversationStore] = None,
    handoff: Optional[SqliteHandoffStore] = None,
) -> web.Application:
    """The gateway's aiohttp application: customers' REST channel, agents' API and console."""
    app = web.Application(
        middlewares=[json_errors, handoff_api.handoff_errors],
        client_max_size=settings.max_body_bytes,
    )
    rasa = rasa or RasaClient(settings.rasa_url, settings.actions_url, settings.rasa_timeout)
    conversations = conversations or ConversationStore(settings.data_dir / "gateway.db")
    handoff = handoff or SqliteHandoffStore(settings.handoff_db)
    feed = ChangeFeed(handoff)
    outbound = OutboundRouter()
    outbox = RestOutbox(handoff)
    outbound.register("rest", outbox)
    gateway = Gateway(settings, rasa, conversations, handoff, feed)
    app[SETTINGS] = settings
    app[RASA] = rasa
    app[CONVERSATIONS] = conversations
    app[HANDOFF] = handoff
    app[FEED] = feed
    app[OUTBOX] = outbox
    app[GATEWAY] = gateway
    app[STARTED] = time.monotonic()
    # Telegram and Slack start once Rasa is ready (Supervisor.start calls channels.start()).
    channels = Channels(settings.channel_env, gateway, conversations, outbound)
    channels.add_routes(app)
    app[CHANNELS] = channels
    service = handoff_api.HandoffService(handoff, feed, outbound, gateway.tell_bot)
    handoff_api.register(app, service, settings.agent_token)

    async def start_feed(_: web.Application) -> None:
        feed.start()

    async def close(_: web.Application) -> None:
        await channels.stop()
        await feed.stop()
        await rasa.close()

    app.on_startup.append(start_feed)  # type: ignore[arg-type]
    app.on_cleanup.append(close)  # type: ignore[arg-type]
    app.router.add_post("/webhooks/rest/webhook", rest_webhook)
    app.router.add_get("/webhooks/rest/webhook/{sender:.+}/messages", rest_messages)
    app.router.add_get("/health", health)
    return app
