"""The Rasa input channel the gateway talks to: replies keep their metadata."""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

# Keys of a bot message that are about presentation, not metadata.
_CONTENT_KEYS = {"text", "buttons", "quick_replies", "image", "attachment", "elements", "custom"}
# Keys Rasa adds internally that clients have no use for.
_INTERNAL_KEYS = {"timestamp", "condition", "utter_action", "template_name", "response", "id"}


def reply_from_message(recipient_id: str, message: Dict[str, Any]) -> Dict[str, Any]:
    """One reply for the gateway: content plus a flat ``metadata`` object.

    Rasa hands an output channel the whole bot message: the response template's
    keys and whatever keyword arguments an action passed to ``utter_message``.
    Everything that is not content or Rasa-internal becomes metadata.
    """
    reply: Dict[str, Any] = {"recipient_id": recipient_id}
    metadata: Dict[str, Any] = {}
    for key, value in message.items():
        if value is None or key in _INTERNAL_KEYS:
            continue
        if key in _CONTENT_KEYS:
            reply[key] = value
        elif key == "metadata" and isinstance(value, dict):
            metadata.update(value)
        else:
            metadata[key] = value
    reply["metadata"] = metadata
    return reply


class GatewayOutputChannel(CollectingOutputChannel):
    """Collects whole bot messages, metadata included."""

    @classmethod
    def name(cls) -> str:
        """Channel name used for channel-specific response variations."""
        return "gateway"

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """Keep the message as one reply instead of splitting it by content type."""
        self.messages.append(reply_from_message(recipient_id, dict(message)))


class GatewayInput(InputChannel):
    """``POST /webhooks/gateway/webhook`` with ``{sender, message, channel, metadata}``."""

    @classmethod
    def name(cls) -> str:
        """URL prefix of the channel's routes."""
        return "gateway"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes of the channel."""
        bp = Blueprint("gateway_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            """Liveness of the channel (and so of the loaded model)."""
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            """Run one customer message through the assistant."""
            body = request.json or {}
            sender: Optional[str] = body.get("sender")
            text: Optional[str] = body.get("message")
            if not isinstance(sender, str) or not isinstance(text, str):
                return response.json({"error": "sender and message are required"}, 400)
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
            collector = GatewayOutputChannel()
            await on_new_message(
                UserMessage(
                    text,
                    collector,
                    sender,
                    input_channel=str(body.get("channel") or "rest"),
                    metadata=metadata,
                )
            )
            replies: List[Dict[str, Any]] = collector.messages
            return response.json(replies)

        return bp
