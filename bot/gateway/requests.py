"""Validation of customer requests into one neutral IncomingMessage."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict

from bot.config import Settings

# C0 and C1 control characters except tab, newline and carriage return.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class BadRequest(Exception):
    """A request we refuse, with the HTTP status and a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class IncomingMessage:
    """A customer message from any channel, ready for the handoff gate and Rasa."""

    conversation_id: str
    channel: str
    text: str
    metadata: Dict[str, Any] = field(default_factory=dict)


def clean_text(text: str) -> str:
    """Drop control characters and surrounding white space."""
    return _CONTROL_RE.sub("", text).strip()


def depth(value: Any, limit: int) -> int:
    """Nesting depth of a JSON value, counting at most to ``limit + 1``."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, level = stack.pop()
        if not isinstance(item, (dict, list)):
            continue
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, level + 1) for child in children)
    return deepest


def parse_rest_body(raw: bytes, settings: Settings) -> IncomingMessage:
    """Turn the body of ``POST /webhooks/rest/webhook`` into an IncomingMessage."""
    if not raw.strip():
        raise BadRequest(400, 'request body is empty; send JSON {"sender": ..., "message": ...}')
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(400, "request body is not valid UTF-8") from None
    try:
        body = json.loads(decoded)
    except RecursionError:
        raise BadRequest(400, "JSON is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(400, f"request body is not valid JSON: {exc.msg}") from None
    if not isinstance(body, dict):
        raise BadRequest(400, "request body must be a JSON object")

    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        raise BadRequest(400, "'sender' is required and must be a non-empty string")
    if len(sender) > settings.max_sender_chars or _CONTROL_RE.search(sender):
        raise BadRequest(
            400,
            f"'sender' must be at most {settings.max_sender_chars} characters "
            "without control characters",
        )

    message = body.get("message")
    if not isinstance(message, str):
        raise BadRequest(400, "'message' is required and must be a string")
    if len(message) > settings.max_message_chars:
        raise BadRequest(
            413, f"'message' is too long: at most {settings.max_message_chars} characters"
        )
    text = clean_text(message)
    if not text:
        raise BadRequest(400, "'message' is empty")

    metadata = body.get("metadata", {})
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise BadRequest(400, "'metadata' must be a JSON object")
    if depth(metadata, settings.max_metadata_depth) > settings.max_metadata_depth:
        raise BadRequest(
            400, f"'metadata' is nested too deeply (at most {settings.max_metadata_depth} levels)"
        )
    return IncomingMessage(conversation_id=sender, channel="rest", text=text, metadata=metadata)
