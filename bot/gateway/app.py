"""The gateway: the one public HTTP listener, in front of Rasa."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, List, Optional

from aiohttp import web

from bot.config import Settings
from bot.gateway.conversations import ConversationStore
from bot.gateway.rasa_client import RasaClient, RasaError, RasaUnavailable
from bot.gateway.requests import BadRequest, IncomingMessage, parse_rest_body
from bot.language import DEFAULT_LANGUAGE, LANGUAGES
from bot.redaction import PASSWORD_ENTRIES, PASSWORD_WARNING, redact

logger = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
RASA = web.AppKey("rasa", RasaClient)
CONVERSATIONS = web.AppKey("conversations", ConversationStore)
STARTED = web.AppKey("started", float)

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
        self, settings: Settings, rasa: RasaClient, conversations: ConversationStore
    ) -> None:
        self.settings = settings
        self.rasa = rasa
        self.conversations = conversations
        self._password_flow: OrderedDict[str, bool] = OrderedDict()

    async def handle(self, message: IncomingMessage) -> List[Dict[str, Any]]:
        """Run one customer message and return replies with ``metadata.language``."""
        conversation = message.conversation_id
        known = self.conversations.language(conversation)
        client_language = message.metadata.get("language")
        hint = known or (client_language if client_language in LANGUAGES else None)
        metadata = {**message.metadata, "language_hint": hint}
        fallback = hint or DEFAULT_LANGUAGE
        # Secrets are masked before the text reaches Rasa, its tracker store or any log.
        redacted = redact(message.text, password_context=conversation in self._password_flow)
        if redacted.kinds:
            message = dataclasses.replace(message, text=redacted.text)
            metadata["redacted"] = list(redacted.kinds)
        try:
            replies = await self.rasa.send(message, metadata)
        except RasaError:
            logger.exception("Rasa failed on a message of conversation %s", conversation)
            replies = [{"text": APOLOGY[fallback], "metadata": {"error": "assistant_failed"}}]
        shaped = [self._shape(reply, conversation, fallback) for reply in replies]
        language = shaped[-1]["metadata"]["language"] if shaped else fallback
        if "password" in redacted.kinds:
            warning = {"text": PASSWORD_WARNING[language], "metadata": {"redacted": ["password"]}}
            shaped.insert(0, self._shape(warning, conversation, language))
        self._track_password_flow(conversation, shaped)
        if shaped:
            self.conversations.remember(conversation, message.channel, language)
        return shaped

    def _track_password_flow(self, conversation: str, replies: List[Dict[str, Any]]) -> None:
        """Remember (bounded, in memory) which conversations are in a sign-in flow."""
        articles = {r["metadata"].get("kb_article") for r in replies}
        self._password_flow.pop(conversation, None)
        if articles & PASSWORD_ENTRIES:
            self._password_flow[conversation] = True
            while len(self._password_flow) > 10_000:
                self._password_flow.popitem(last=False)

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
    try:
        ok = app[CONVERSATIONS].ping()
        components["conversation_store"] = {"status": "ok" if ok else "error"}
    except Exception as exc:  # noqa: BLE001 - reported, not swallowed
        components["conversation_store"] = {"status": "error", "detail": str(exc)}
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
        if exc.status >= 400:
            return _error(exc.status, exc.reason)
        raise
    except Exception:
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return _error(500, "internal error")


def create_app(
    settings: Settings,
    rasa: Optional[RasaClient] = None,
    conversations: Optional[ConversationStore] = None,
) -> web.Application:
    """The gateway's aiohttp application."""
    app = web.Application(middlewares=[json_errors], client_max_size=settings.max_body_bytes)
    rasa = rasa or RasaClient(settings.rasa_url, settings.actions_url, settings.rasa_timeout)
    conversations = conversations or ConversationStore(settings.data_dir / "gateway.db")
    app[SETTINGS] = settings
    app[RASA] = rasa
    app[CONVERSATIONS] = conversations
    app[GATEWAY] = Gateway(settings, rasa, conversations)
    app[STARTED] = time.monotonic()

    async def close_rasa(_: web.Application) -> None:
        await rasa.close()

    app.on_cleanup.append(close_rasa)  # type: ignore[arg-type]
    app.router.add_post("/webhooks/rest/webhook", rest_webhook)
    app.router.add_get("/health", health)
    return app
